"""Text embeddings: the bundled all-MiniLM-L6-v2 by default, any sentence-transformers model, or a TEI server.

Both ingestion (documents) and answering (queries) embed through `Embedder`, loaded once per process by
`load_embedder`. One module per concern: `protocol` (what an embedder offers), `factory` (which one the
settings ask for), `bundled` (where the bundled model lies), `torch_embedder` (sentence-transformers),
`onnx_embedder` with `onnx_files`, `onnx_export` and `onnx_quantize` (the same model on ONNX Runtime),
`tei_embedder` (a Text Embeddings Inference server) and `query_memo` (one question's query embeddings, once).
"""

from bot.embeddings.bundled import BUNDLED_MODEL_NAME, bundled_model_path
from bot.embeddings.factory import load_embedder
from bot.embeddings.protocol import Embedder

__all__ = ["BUNDLED_MODEL_NAME", "Embedder", "bundled_model_path", "load_embedder"]
