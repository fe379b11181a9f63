"""Answering fixtures: the real embedder and the real local model, each loaded once per test session."""

import pytest

from bot.embeddings import Embedder, load_embedder
from bot.settings import load_settings
from tests.conftest import MODEL_CACHE


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder(load_settings())


@pytest.fixture(scope="session")
def local_llm():
    """The bundled SmolLM2-135M, de-quantized once into the repo's model cache."""
    from langchain_core.messages import HumanMessage

    from bot.answering.llm import load_llm

    llm = load_llm(load_settings(docbot_model_cache=MODEL_CACHE))
    llm.model.invoke([HumanMessage("Hi")], max_new_tokens=1)  # the first generation pays a one-off warm-up
    return llm
