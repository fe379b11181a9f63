"""Remote backends: a Text Generation Inference / HF Inference Endpoint, or any OpenAI-compatible chat server."""

import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.errors import ConfigError
from bot.settings import Settings


def endpoint(settings: Settings) -> str:
    if not settings.llm_endpoint_url:
        raise ConfigError(f"LLM_ENDPOINT_URL: required when LLM_BACKEND={settings.llm_backend.value}.")
    return settings.llm_endpoint_url


def describe_endpoint(url: str) -> str:
    """scheme://host:port/path, never credentials or query strings."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))


def hf_endpoint_model(settings: Settings, max_new_tokens: int) -> Any:
    """TGI's text-generation protocol (`/generate`, `/generate_stream`) through langchain-huggingface."""
    from langchain_huggingface import HuggingFaceEndpoint

    url = endpoint(settings)
    allow_while_offline(url)
    token = settings.hf_token.get_secret_value() if settings.hf_token else None
    # langchain-huggingface only sends the token to huggingface.co hosts; a private TGI behind a gateway needs it too.
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return HuggingFaceEndpoint(
        endpoint_url=url,
        huggingfacehub_api_token=token,
        server_kwargs={"headers": headers},
        max_new_tokens=max_new_tokens,
        do_sample=False,
        temperature=None,
        top_p=None,
        typical_p=None,
        repetition_penalty=1.1,
        timeout=int(max(1, settings.llm_timeout_seconds)),
        streaming=True,
    )


def openai_model(settings: Settings, max_new_tokens: int) -> Any:
    """`/v1/chat/completions` with `stream: true` (vLLM, llama.cpp server, Ollama, TGI's Messages API...)."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=openai_base_url(endpoint(settings)),
        api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed",
        model=settings.llm_model or "default",
        max_tokens=max_new_tokens,
        temperature=0,
        timeout=settings.llm_timeout_seconds,
        max_retries=1,
        streaming=True,
        # langchain-openai sends `max_completion_tokens`; older llama.cpp and Ollama servers read `max_tokens`.
        extra_body={"max_tokens": max_new_tokens},
    )


def openai_base_url(url: str) -> str:
    """The API root: `http://host:8000` and `http://host:8000/v1` both mean `http://host:8000/v1`."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if not path:
        path = "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


_allowed_origins: set[tuple[str, str, int | None]] = set()
_allowed_lock = threading.Lock()


def allow_while_offline(url: str) -> None:
    """Lets huggingface_hub's HTTP session reach this one endpoint while HF_HUB_OFFLINE=1.

    Deployments set HF_HUB_OFFLINE=1 so no weights are ever downloaded, and huggingface_hub then refuses
    every request its session makes, the configured inference endpoint's included. Its documented hook
    (`set_client_factory`) gets a session that exempts the endpoints docbot was configured with; every
    other request still goes through the library's own offline check.
    """
    import httpx
    from huggingface_hub import set_client_factory
    from huggingface_hub.utils._http import hf_request_event_hook

    with _allowed_lock:
        first = not _allowed_origins
        _allowed_origins.add(_origin(httpx.URL(url)))
    if not first:
        return

    def check(request: httpx.Request) -> None:
        if _origin(request.url) not in _allowed_origins:
            hf_request_event_hook(request)

    set_client_factory(lambda: httpx.Client(event_hooks={"request": [check]}, follow_redirects=True, timeout=None))


def _origin(url: Any) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)
