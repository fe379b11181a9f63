"""One question's query embeddings are computed once, whatever number of stages asks for them."""

import numpy as np

from bot.embeddings.query_memo import QueryMemo


class _Counting:
    model_name = "counting"
    dimension = 2

    def __init__(self) -> None:
        self.queries: list[str] = []

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return np.array([len(text), 1.0])

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return np.array([[len(t), 0.0] for t in texts])


def test_each_query_text_is_embedded_once_and_the_rest_passes_through():
    inner = _Counting()
    memo = QueryMemo(inner)
    first = memo.embed_query("how long does a rollback take?")
    again = memo.embed_query("how long does a rollback take?")
    other = memo.embed_query("and on fridays?")
    assert inner.queries == ["how long does a rollback take?", "and on fridays?"]
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert memo.model_name == "counting" and memo.dimension == 2
    assert memo.embed_documents(["ab"]).tolist() == [[2.0, 0.0]]  # documents are never memoized
