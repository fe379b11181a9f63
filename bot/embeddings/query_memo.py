"""An embedder that embeds each query text once: one answer searches, reads sections and scores units
with the same question, and a query embedding costs 5–10 ms on the CPU each time."""

import numpy as np

from bot.embeddings.protocol import Embedder


class QueryMemo:
    """Wraps an embedder for one question's work (not shared: it keeps every query it saw)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._queries: dict[str, np.ndarray] = {}

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self._queries:
            self._queries[text] = self._embedder.embed_query(text)
        return self._queries[text]

    def __getattr__(self, name: str):
        return getattr(self._embedder, name)  # model_name, dimension, embed_documents, count_tokens, ...
