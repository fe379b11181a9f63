"""Each LLM backend streams, and fails with a clear LLMError rather than hanging.

Remote backends talk to stand-in servers on loopback that speak the real protocols (tests/fakes/llm_servers.py);
the local backend is the real bundled SmolLM2-135M.
"""

import time

import pytest

from bot.answering.llm import load_llm
from bot.answering.llm.local import converted_path
from bot.answering.llm.remote import openai_base_url
from bot.answering.llm.streaming import stream_pieces
from bot.answering.prompt import prompt_for
from bot.errors import LLMError
from bot.settings import load_settings
from tests.conftest import MODEL_CACHE
from tests.fakes.llm_servers import OpenAIServer, TGIServer

INPUTS = {"sources": '[1] Deploys\n"""\nDeploys freeze after 15:00 on Fridays.\n"""', "question": "When do deploys freeze?"}
REPLY = "Deploys freeze after 15:00 on Fridays [1]."


def _run(llm):
    pieces = list(stream_pieces(llm, prompt_for(llm.chat), INPUTS))
    return "".join(pieces), pieces


def test_openai_backend_streams_chat_completions():
    with OpenAIServer(reply=REPLY) as server:
        llm = load_llm(load_settings(llm_backend="openai", llm_endpoint_url=server.url, llm_model="qwen2.5-7b", llm_api_key="sk-test-abcdef"))
        text, pieces = _run(llm)
    assert text == REPLY
    assert len(pieces) > 3 and "".join(pieces) == REPLY  # word by word, as the server sent them
    [request] = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.body["stream"] is True and request.body["model"] == "qwen2.5-7b"
    assert request.headers["authorization"] == "Bearer sk-test-abcdef"
    assert [m["role"] for m in request.body["messages"]] == ["system", "user"]
    assert "Deploys freeze after 15:00" in request.body["messages"][1]["content"]


def test_hf_endpoint_backend_streams_from_text_generation_inference():
    with TGIServer(reply=REPLY) as server:
        llm = load_llm(load_settings(llm_backend="hf-endpoint", llm_endpoint_url=server.url, hf_token="hf_testtoken123"))
        text, pieces = _run(llm)
    assert text == REPLY and len(pieces) > 3
    [request] = server.requests
    assert request.body["stream"] is True  # TGI routes a streaming request to /generate_stream
    assert request.body["inputs"].rstrip().endswith("Answer:") and "When do deploys freeze?" in request.body["inputs"]
    assert request.body["parameters"]["do_sample"] is False
    assert request.headers["authorization"] == "Bearer hf_testtoken123"


@pytest.mark.parametrize("server_class, backend", [(OpenAIServer, "openai"), (TGIServer, "hf-endpoint")])
def test_a_failing_server_gives_a_clear_error(server_class, backend):
    with server_class(fail_status=503) as server:
        llm = load_llm(load_settings(llm_backend=backend, llm_endpoint_url=server.url, hf_token="hf_secretvalue1", llm_api_key="sk-secretvalue1"))
        with pytest.raises(LLMError) as caught:
            _run(llm)
    message = str(caught.value)
    assert backend in message and "127.0.0.1" in message and "503" in message
    assert "secretvalue1" not in message


@pytest.mark.parametrize("server_class, backend", [(OpenAIServer, "openai"), (TGIServer, "hf-endpoint")])
def test_a_server_that_never_answers_times_out_instead_of_hanging(server_class, backend):
    with server_class(hang=True) as server:
        llm = load_llm(load_settings(llm_backend=backend, llm_endpoint_url=server.url, llm_timeout_seconds=2))
        started = time.monotonic()
        with pytest.raises(LLMError, match="in time|within"):
            _run(llm)
    assert time.monotonic() - started < 15


def test_an_unreachable_server_is_a_clear_error():
    with OpenAIServer() as server:
        url = server.url
    llm = load_llm(load_settings(llm_backend="openai", llm_endpoint_url=url, llm_timeout_seconds=5))
    with pytest.raises(LLMError, match="openai http://127.0.0.1"):
        _run(llm)


def test_openai_base_url_accepts_the_server_root_or_v1():
    assert openai_base_url("http://vllm:8000") == "http://vllm:8000/v1"
    assert openai_base_url("http://vllm:8000/v1/") == "http://vllm:8000/v1"
    assert openai_base_url("http://ollama:11434/v1") == "http://ollama:11434/v1"


def test_local_backend_streams_from_the_bundled_model_converted_once(local_llm):
    assert (converted_path(load_settings(docbot_model_cache=MODEL_CACHE)) / "config.json").exists()
    assert load_llm(load_settings(docbot_model_cache=MODEL_CACHE)) is local_llm  # loaded once per process
    text, pieces = _run(local_llm)
    assert len(pieces) > 3 and "".join(pieces) == text and text.strip()


def test_local_backend_gives_up_after_its_timeout(local_llm):
    from bot.answering.llm import LLM

    impatient = local_llm.model.model_copy(update={"timeout_seconds": 0.3, "max_new_tokens": 400})
    llm = LLM(impatient, chat=True, name="local test", sources_in_prompt=2, timeout_seconds=0.3)
    started = time.monotonic()
    try:
        text, _ = _run(llm)
    except LLMError:
        text = None
    # Either an error, or generation cut short by max_time: never the 400 tokens (~35 s) asked for.
    assert text is None or len(text.split()) < 50
    assert time.monotonic() - started < 30


def test_llm_model_names_another_local_transformers_model(local_llm, tmp_path):
    folder = converted_path(load_settings(docbot_model_cache=MODEL_CACHE))  # any transformers folder will do
    llm = load_llm(load_settings(llm_model=str(folder), docbot_model_cache=tmp_path))
    assert llm is not local_llm and llm.name == f"local {folder}" and llm.sources_in_prompt == 3
    text, pieces = _run(llm)
    assert text.strip() and "".join(pieces) == text
    assert not any(tmp_path.iterdir())  # nothing converted for a model that needs no conversion


def test_an_unloadable_llm_model_is_a_config_error_naming_the_setting(tmp_path):
    from bot.errors import ConfigError

    with pytest.raises(ConfigError, match="LLM_MODEL"):
        load_llm(load_settings(llm_model=str(tmp_path / "no-such-model")))
