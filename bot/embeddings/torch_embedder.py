"""The local model on sentence-transformers and PyTorch (EMBEDDING_BACKEND=torch): the reference backend."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.embeddings.bundled import LocalModel
from bot.errors import ConfigError

logger = logging.getLogger(__name__)


@dataclass
class SentenceTransformerEmbedder:
    model_name: str
    dimension: int
    max_tokens: int
    model: Any  # a sentence_transformers.SentenceTransformer

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def token_counter(self, document: str) -> Callable[[str], int]:
        return self._count_plain  # local: counting a piece costs microseconds, nothing to gather

    def _count_plain(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])


def load_torch_embedder(model: LocalModel) -> SentenceTransformerEmbedder:
    transformer = load_sentence_transformer(model.location)
    logger.info("embedding model loaded model=%s backend=torch", model.name)
    return SentenceTransformerEmbedder(
        model_name=model.name,
        dimension=transformer.get_embedding_dimension(),
        max_tokens=transformer.max_seq_length,
        model=transformer,
    )


def load_sentence_transformer(location: str, **options: Any):
    """The model at `location` on the CPU; a folder or id it cannot load is a ConfigError naming EMBEDDING_MODEL."""
    # Imported here, not at the top: it loads torch (seconds, ~400 MB), which the ONNX and TEI backends never need.
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(location, device="cpu", **options)
    except (OSError, ValueError) as error:
        raise ConfigError(f"EMBEDDING_MODEL: cannot load sentence-transformers model {location!r}: {error}") from None
