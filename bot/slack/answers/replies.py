"""The one interface the answer worker delivers through, and the choice of delivery for a question."""

from collections.abc import Callable, Sequence
from typing import Protocol

from slack_sdk import WebClient

from bot.answering.types import Answer, Progress
from bot.slack.answers.ephemeral_reply import EphemeralReply
from bot.slack.answers.private_reply import PrivateReply
from bot.slack.questions.question import ReplyTo
from bot.slack.answers.thread_reply import STREAM_SECONDS, ThreadReply


class Reply(Protocol):
    def show_progress(self) -> None: ...
    def set_title(self, title: str) -> None: ...
    def show_plan(self, collections: Sequence[str]) -> None: ...
    def on_progress(self, progress: Progress) -> None: ...
    def on_token(self, piece: str) -> None: ...
    def finish(self, answer: Answer, answer_id: int | None) -> str | None: ...
    def say(self, text: str) -> str | None: ...
    def fail(self, text: str) -> None: ...


def reply_for(
    reply_to: ReplyTo,
    client: WebClient,
    *,
    throttle_seconds: float = 1.0,
    stream_seconds: float = STREAM_SECONDS,
    ask_expert: bool = False,
    existing: Sequence[str] = (),
    on_messages: Callable[[list[str]], None] | None = None,
) -> Reply:
    """`existing` and `on_messages`: the thread messages an earlier attempt wrote into, and where to report
    the ones this reply writes into (a response_url has neither: what it was sent can't be changed);
    `stream_seconds`: how long one streamed message may grow before the answer continues in another."""
    if reply_to.response_url:
        return EphemeralReply(reply_to)
    if reply_to.private and reply_to.thread_ts:
        return PrivateReply(client, reply_to)
    return ThreadReply(
        client, reply_to, throttle_seconds=throttle_seconds, stream_seconds=stream_seconds, ask_expert=ask_expert,
        existing=existing, on_messages=on_messages,
    )
