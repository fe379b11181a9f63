"""Embeddings from a Text Embeddings Inference (TEI) server, set by EMBEDDING_ENDPOINT_URL.

TEI's HTTP API is spoken directly (POST /embed, /tokenize; GET /info) rather than through
langchain-huggingface's `HuggingFaceEndpointEmbeddings`, for two concrete reasons: its 1.x releases
refuse a URL as the model (langchain-ai/docs#4364), and the huggingface_hub client under it refuses
every request while HF_HUB_OFFLINE=1, which docbot's deployments set so no weights are ever fetched.
Model id and input limit come from /info; token counts from /tokenize, so chunks are measured with the
served model's own tokenizer.
"""

import logging
from dataclasses import dataclass

import httpx
import numpy as np

from bot.errors import ConfigError
from bot.settings import Settings

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 60.0
_BATCH = 32  # TEI's default --max-client-batch-size


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
        response = self.http.post("/tokenize", json={"inputs": text, "add_special_tokens": True})
        response.raise_for_status()
        return len(response.json()[0])


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
        raise ConfigError(f"EMBEDDING_ENDPOINT_URL: no Text Embeddings Inference server answered at {url}/info ({type(error).__name__})") from None
    model_id = details.get("model_id") or url
    try:
        probe = _embed(http, ["docbot"])
    except (httpx.HTTPError, ValueError, IndexError, TypeError) as error:
        raise ConfigError(f"EMBEDDING_ENDPOINT_URL: the server at {url} did not embed a test text ({type(error).__name__})") from None
    embedder = TeiEmbedder(
        model_name=model_id,
        dimension=len(probe[0]),
        max_tokens=int(details.get("max_input_length") or 512),
        http=http,
    )
    logger.info("embedding endpoint ready model=%s dimension=%d", model_id, embedder.dimension)
    return embedder


def _embed(http: httpx.Client, texts: list[str]) -> list[list[float]]:
    response = http.post("/embed", json={"inputs": texts, "truncate": True, "normalize": True})
    response.raise_for_status()
    vectors = response.json()
    if len(vectors) != len(texts):
        raise ValueError(f"asked for {len(texts)} embeddings, got {len(vectors)}")
    return vectors


def _normalized(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
