"""LLM backends (LLM_BACKEND): local transformers, a TGI / HF endpoint, or an OpenAI-compatible server.

Every backend is a LangChain model that streams; `load_llm` builds the configured one once per process.
"""

import threading
from dataclasses import dataclass
from typing import Any

from bot.answering.llm.local import LocalChatModel, load_model_and_tokenizer
from bot.answering.llm.remote import describe_endpoint, hf_endpoint_model, openai_model
from bot.settings import LLMBackend, Settings


@dataclass(frozen=True)
class LLM:
    model: Any  # a LangChain chat model (takes messages) or text model (takes one prompt string)
    chat: bool
    name: str  # for logs and error messages: never a secret
    sources_in_prompt: int  # a 135M model answers best from one or two sources; larger models get more
    timeout_seconds: float
    parameters: int | None = None  # a local model's size; None for a remote one


LOCAL_MAX_NEW_TOKENS = 120  # ~10 s at ~12 tokens/s on two CPU cores: long enough for a short cited answer
REMOTE_MAX_NEW_TOKENS = 400

_cache: dict[tuple, LLM] = {}
_lock = threading.Lock()


def load_llm(settings: Settings) -> LLM:
    """The configured model, built once per process (the local one takes seconds to load)."""
    key = (settings.llm_backend, settings.llm_model, settings.llm_endpoint_url, str(settings.model_cache), settings.llm_timeout_seconds)
    with _lock:
        if key not in _cache:
            _cache[key] = _build(settings)
        return _cache[key]


def _build(settings: Settings) -> LLM:
    timeout = settings.llm_timeout_seconds
    if settings.llm_backend is LLMBackend.HF_ENDPOINT:
        model = hf_endpoint_model(settings, REMOTE_MAX_NEW_TOKENS)
        return LLM(model, chat=False, name=f"hf-endpoint {describe_endpoint(settings.llm_endpoint_url or '')}", sources_in_prompt=4, timeout_seconds=timeout)
    if settings.llm_backend is LLMBackend.OPENAI:
        model = openai_model(settings, REMOTE_MAX_NEW_TOKENS)
        return LLM(model, chat=True, name=f"openai {describe_endpoint(settings.llm_endpoint_url or '')}", sources_in_prompt=4, timeout_seconds=timeout)
    model, tokenizer, name = load_model_and_tokenizer(settings)
    bundled = not settings.llm_model
    chat_model = LocalChatModel(
        model=model, tokenizer=tokenizer, model_name=name, max_new_tokens=LOCAL_MAX_NEW_TOKENS, timeout_seconds=timeout,
        # Measured: after its first paragraph the bundled model drifts into invented code and facts.
        stop_strings=("\n\n",) if bundled else (),
    )
    # The bundled model is tiny: one or two sources keep it on topic. A model named by LLM_MODEL gets three.
    parameters = sum(p.numel() for p in model.parameters())
    return LLM(chat_model, chat=True, name=f"local {name}", sources_in_prompt=2 if bundled else 3, timeout_seconds=timeout, parameters=parameters)
