"""`load_embedder`: the embedder the settings ask for, loaded once per process (models take seconds to load)."""

import logging
import threading

from bot.embeddings.bundled import LocalModel, configured_local_model
from bot.embeddings.onnx_embedder import OnnxEmbedder
from bot.embeddings.onnx_export import exported_model
from bot.embeddings.protocol import Embedder
from bot.embeddings.tei_embedder import load_tei_embedder
from bot.embeddings.torch_embedder import load_torch_embedder
from bot.errors import ConfigError
from bot.settings import EmbeddingBackend, Settings

logger = logging.getLogger(__name__)

_cache: dict[tuple, Embedder] = {}
_lock = threading.Lock()


def load_embedder(settings: Settings) -> Embedder:
    """EMBEDDING_ENDPOINT_URL's server if set, else the local model on EMBEDDING_BACKEND."""
    key = (settings.embedding_model, settings.embedding_endpoint_url, settings.embedding_backend)
    with _lock:
        if key not in _cache:
            _cache[key] = _load(settings)
        return _cache[key]


def _load(settings: Settings) -> Embedder:
    if settings.embedding_endpoint_url:
        return load_tei_embedder(settings)
    model = configured_local_model(settings)
    if settings.embedding_backend is EmbeddingBackend.TORCH:
        return load_torch_embedder(model)
    return _load_onnx(settings, model)


def _load_onnx(settings: Settings, model: LocalModel) -> OnnxEmbedder:
    """The local model on ONNX Runtime, exported into `settings.model_cache` on first use."""
    quantized = settings.embedding_backend is EmbeddingBackend.ONNX_INT8
    exported = exported_model(model.location, model.name, settings.model_cache, quantized=quantized)
    unknown = set(exported.input_names) - set(OnnxEmbedder.FED_INPUTS)
    if unknown:
        raise ConfigError(f"EMBEDDING_BACKEND: the model {model.name!r} takes inputs ONNX mode does not feed: {sorted(unknown)}")
    embedder = OnnxEmbedder(model.name, exported, quantized=quantized)
    logger.info("embedding model loaded model=%s backend=%s folder=%s", model.name, settings.embedding_backend, exported.folder.name)
    return embedder
