"""The local model on ONNX Runtime (EMBEDDING_BACKEND=onnx or onnx-int8): same model, faster on CPU.

The graph is exported from the sentence-transformers folder on disk (`onnx_export`) and cached under the
model cache; once cached, running it needs neither torch nor transformers. int8 vectors differ from torch's
by a cosine of ~0.005 on average, close enough that both share the model's name: a collection built with
one backend is searched with another (docs/benchmarks.md has the retrieval figures).
"""

from collections.abc import Callable

import numpy as np

from bot.embeddings.onnx_files import OUTPUT_NAME, ExportedModel

# Texts per inference call. Texts are sorted by length first, so a batch pads little; 32 measured best.
BATCH_SIZE = 32


class OnnxEmbedder:
    """An `Embedder` running an exported sentence-transformers graph (transformer, pooling, normalize)."""

    FED_INPUTS = ("input_ids", "attention_mask", "token_type_ids")

    def __init__(self, model_name: str, exported: ExportedModel, *, quantized: bool) -> None:
        # Imported here, not at the top: importing this module (the factory does) must not load ONNX Runtime
        # for the torch and TEI backends.
        import onnxruntime
        from tokenizers import Tokenizer

        self.model_name = model_name
        self.dimension = exported.dimension
        self.max_tokens = exported.max_tokens
        self._input_names = exported.input_names
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # ERROR: the int8 graph draws harmless warnings about unused initializers
        # Threads that spin between operators hold their cores while waiting: on a machine shared with other
        # work (a worker beside the bot, Postgres, other jobs) that is CPU taken from the work itself; measured
        # on the 2-core machine under load, embedding took 29% less CPU without it (docs/benchmarks.md).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(exported.model_file(quantized)), options, providers=["CPUExecutionProvider"]
        )
        # Two tokenizers, each configured once and never changed after: a tokenizer whose settings change
        # while another thread encodes with it fails ("Already borrowed").
        self._batcher = Tokenizer.from_file(str(exported.tokenizer_file))
        self._batcher.enable_truncation(max_length=self.max_tokens)
        self._batcher.enable_padding(pad_id=exported.pad_id, pad_token=exported.pad_token)
        self._counter = Tokenizer.from_file(str(exported.tokenizer_file))
        self._counter.no_truncation()
        self._counter.no_padding()

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            vectors[batch] = self._embed_batch([texts[i] for i in batch])
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed_batch([text])[0]

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=True).ids)

    def token_counter(self, document: str) -> Callable[[str], int]:
        return self._count_plain  # local: counting a piece costs microseconds, nothing to gather

    def _count_plain(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._batcher.encode_batch(texts, add_special_tokens=True)
        columns = {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
        }
        feed = {name: np.asarray(columns[name], dtype=np.int64) for name in self._input_names}
        vectors = self._session.run([OUTPUT_NAME], feed)[0]
        # The graph normalizes already (models whose chain does not are normalized here the same way).
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)
