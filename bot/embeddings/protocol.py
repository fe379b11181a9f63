"""What docbot needs from an embedding model, whichever backend runs it."""

from collections.abc import Callable
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    model_name: str  # recorded on each collection: a collection never mixes models
    dimension: int
    max_tokens: int  # the model truncates past this many tokens: chunks must fit

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...  # special tokens included: what the model reads

    def token_counter(self, document: str) -> Callable[[str], int]:
        """Counts tokens, special ones left out, of texts cut from `document`: the chunker's measure.

        Given the whole document first, so a remote tokenizer is asked once per document, not once per piece.
        """
        ...
