"""Runs a prompt through a model, streaming: every failure or overrun becomes one clear LLMError."""

import logging
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts.base import BasePromptTemplate

from bot.answering.llm import LLM
from bot.errors import DocbotError, LLMError

logger = logging.getLogger(__name__)


def stream_pieces(llm: LLM, prompt: BasePromptTemplate, inputs: dict[str, Any]) -> Iterator[str]:
    """The generated text, piece by piece as it arrives. Gives up after the model's timeout."""
    chain = prompt | llm.model | StrOutputParser()
    deadline = time.monotonic() + llm.timeout_seconds
    count = 0
    started = time.monotonic()
    try:
        for piece in _guarded(chain.stream(inputs), llm):
            count += 1
            if piece:
                yield piece
            if time.monotonic() > deadline:
                raise LLMError(f"The language model ({llm.name}) did not finish within {llm.timeout_seconds:.0f} s.")
    finally:
        logger.debug("generation model=%s pieces=%d seconds=%.2f", llm.name, count, time.monotonic() - started)


def _guarded(stream: Iterator[str], llm: LLM) -> Iterator[str]:
    try:
        yield from stream
    except DocbotError:
        raise
    except Exception as error:  # httpx, openai, huggingface_hub and torch errors all end here, translated once
        raise LLMError(f"The language model ({llm.name}) failed: {_describe(error)}") from error


def _describe(error: Exception) -> str:
    kind = type(error).__name__
    chain = _causes(error)
    if any("timeout" in type(e).__name__.lower() or "timed out" in str(e).lower() for e in chain):
        return f"no answer in time ({kind})"
    status = next((s for s in (_status(e) for e in chain) if s), None)
    first_line = (str(error).strip().splitlines() or [""])[0][:200]
    detail = f"{kind}: {first_line}" if first_line else kind
    return f"HTTP {status} ({detail})" if status else detail


def _causes(error: BaseException) -> list[BaseException]:
    """The error and what it was raised from: client libraries wrap the HTTP error that carries the status."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _status(error: BaseException) -> int | None:
    return getattr(getattr(error, "response", None), "status_code", None) or getattr(error, "status_code", None)
