"""Embeddings from a Text Embeddings Inference (TEI) server, set by EMBEDDING_ENDPOINT_URL.

TEI's HTTP API is spoken directly (POST /embed, /tokenize; GET /info) rather than through
langchain-huggingface's `HuggingFaceEndpointEmbeddings`, for two concrete reasons: its 1.x releases
refuse a URL as the model (langchain-ai/docs#4364), and the huggingface_hub client under it refuses
every request while HF_HUB_OFFLINE=1, which docbot's deployments set so no weights are ever fetched.
Model id and input limit come from /info; token counts from /tokenize, so chunks are measured with the
served model's own tokenizer: one call per document (`token_counter`), not one per paragraph and word.

Once loaded, a server that stops answering raises `EmbeddingServiceError` naming the endpoint: an outage
fails the ingest run rather than turning into every file being skipped.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np

from bot.errors import ConfigError, EmbeddingServiceError
from bot.settings import Settings

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 60.0
_BATCH = 32  # TEI's default --max-client-batch-size
# Characters of a document tokenized in one call: TEI's default request limit is 2 MB (JSON escaping can double
# a text), and the reply, a JSON object per token, is ~20 times its input.
_TOKENIZE_CHARS = 400_000
_WORD = re.compile(r"\S+")


@dataclass
class TeiEmbedder:
    model_name: str
    dimension: int
    max_tokens: int
    http: httpx.Client

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = []
        for start in range(0, len(texts), _BATCH):
            vectors.extend(_embed(self.http, texts[start:start + _BATCH]))
        return _normalized(np.asarray(vectors, dtype=np.float32))

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def count_tokens(self, text: str) -> int:
        return len(_tokenize(self.http, text, special=True))

    def token_counter(self, document: str) -> Callable[[str], int]:
        """Counts the tokens of texts made of `document`'s words, from one tokenization of the whole document.

        The served tokenizers split words at whitespace, so a text's count is the sum of its words' counts
        (special tokens left out). A word the document lacks (a slice of a very long one) is asked for alone.
        """
        words: dict[str, int] = {}
        for piece in _pieces(document):
            words.update(_word_counts(self.http, piece))

        def count(text: str) -> int:
            total = 0
            for word in text.split():
                if word not in words:
                    words[word] = len(_tokenize(self.http, word, special=False))
                total += words[word]
            return total

        return count


def load_tei_embedder(settings: Settings) -> TeiEmbedder:
    url = settings.embedding_endpoint_url.rstrip("/")
    token = settings.hf_token.get_secret_value() if settings.hf_token else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    http = httpx.Client(base_url=url, timeout=TIMEOUT_SECONDS, headers=headers)
    try:
        info = http.get("/info")
        info.raise_for_status()
        details = info.json()
    except (httpx.HTTPError, ValueError) as error:
        raise ConfigError(f"EMBEDDING_ENDPOINT_URL: no Text Embeddings Inference server answered at {_shown(url)}/info ({type(error).__name__})") from None
    model_id = details.get("model_id") or _shown(url)
    try:
        probe = _embed(http, ["docbot"])
    except EmbeddingServiceError as error:
        raise ConfigError(f"EMBEDDING_ENDPOINT_URL: the server at {_shown(url)} did not embed a test text ({error.__cause__ or error})") from None
    embedder = TeiEmbedder(
        model_name=model_id,
        dimension=len(probe[0]),
        max_tokens=int(details.get("max_input_length") or 512),
        http=http,
    )
    logger.info("embedding endpoint ready model=%s dimension=%d", model_id, embedder.dimension)
    return embedder


def _embed(http: httpx.Client, texts: list[str]) -> list[list[float]]:
    vectors = _post(http, "/embed", {"inputs": texts, "truncate": True, "normalize": True})
    if not isinstance(vectors, list) or len(vectors) != len(texts):
        raise _failure(http, "/embed", f"asked for {len(texts)} embeddings, got {len(vectors) if isinstance(vectors, list) else 'none'}")
    return vectors


def _tokenize(http: httpx.Client, text: str, *, special: bool) -> list[dict[str, Any]]:
    tokens = _post(http, "/tokenize", {"inputs": text, "add_special_tokens": special})
    if not isinstance(tokens, list) or len(tokens) != 1 or not isinstance(tokens[0], list):
        raise _failure(http, "/tokenize", "the reply is not one list of tokens")
    return tokens[0]


def _word_counts(http: httpx.Client, text: str) -> dict[str, int]:
    """Tokens per whitespace-separated word of `text`, each token given to the word its offset starts in."""
    spans = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    counts = [0] * len(spans)
    index = 0
    for token in _tokenize(http, text, special=False):
        start = token.get("start")
        if start is None:
            continue
        while index + 1 < len(spans) and spans[index][1] <= start:
            index += 1
        if spans:
            counts[index] += 1
    words: dict[str, int] = {}
    for (_, _, word), count in zip(spans, counts):
        words.setdefault(word, count)
    return words


def _post(http: httpx.Client, path: str, payload: dict[str, Any]) -> Any:
    try:
        response = http.post(path, json=payload)
        response.raise_for_status()
        return response.json()
    except httpx.HTTPStatusError as error:
        raise _failure(http, path, f"HTTP {error.response.status_code}") from error
    except httpx.HTTPError as error:
        raise _failure(http, path, type(error).__name__) from error
    except ValueError as error:
        raise _failure(http, path, "the reply is not JSON") from error


def _failure(http: httpx.Client, path: str, reason: str) -> EmbeddingServiceError:
    return EmbeddingServiceError(
        f"EMBEDDING_ENDPOINT_URL: the Text Embeddings Inference server at {_shown(str(http.base_url))} failed on {path} ({reason})"
    )


def _shown(url: str) -> str:
    """The URL without any user:password part, for messages."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(userinfo=b"")).rstrip("/") if parsed.userinfo else url.rstrip("/")


def _pieces(document: str) -> list[str]:
    """`document` in pieces of at most `_TOKENIZE_CHARS`, cut at whitespace so no word is split (one piece, mostly)."""
    pieces, start = [], 0
    while len(document) - start > _TOKENIZE_CHARS:
        end = start + _TOKENIZE_CHARS
        space = max(document.rfind(" ", start, end), document.rfind("\n", start, end))
        end = space if space > start else end
        pieces.append(document[start:end])
        start = end
    if document[start:].strip() or not pieces:
        pieces.append(document[start:])
    return [piece for piece in pieces if piece.strip()]


def _normalized(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
