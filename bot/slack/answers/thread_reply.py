"""An answer delivered in a Slack thread: status at once, a plan of its steps, text streamed as it is written,
sources and feedback buttons at the end.

Streaming uses chat.startStream/appendStream/stopStream. The stream opens with a plan (`ProgressPlan`:
searching, reading the sources, writing and checking) whose tasks advance as the answer does. A stream
lives about five minutes and holds 12,000 characters of markdown per call and 50 blocks: before it nears
`stream_seconds` or its size, this message is stopped and the answer continues in a new one in the same
thread. Where Slack refuses streams (an older or restricted workspace), the answer goes into a posted message
updated at most once per `throttle_seconds`, and the assistant status line shows progress; where that is
refused too, a placeholder message does. A stream Slack ended on its own (`message_not_in_streaming_state`)
is finished with chat.update.

One answer, one set of messages: each message is reported to `on_messages` as soon as it exists (a stream is
started before any text is in it, so its ts is stored first). A reply built with the messages of an earlier,
interrupted attempt (`existing`) continues in them: it ends their streams, shows progress in the first,
deletes the others, and fills them with the answer, so nothing half-written stays and nothing shows twice.
"""

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answering.types import Answer, Progress
from bot.errors import SlackError
from bot.slack.answers.progress_plan import ProgressPlan
from bot.slack.common import texts
from bot.slack.common.formatting import (
    PART_LIMIT,
    STREAM_LIMIT,
    SlackMessage,
    answer_messages,
    escape,
    markdown_to_mrkdwn,
    streamable_prefix,
    trailer_blocks,
)
from bot.slack.questions.question import ReplyTo

logger = logging.getLogger(__name__)

STREAM_SECONDS = 240.0  # Slack ends a stream after about five minutes: a new message starts well before
STREAM_BLOCKS = 45  # of the 50 blocks a message holds; a line of markdown becomes at most one block
STREAM_ENDED = "message_not_in_streaming_state"


def _cut_point(text: str, limit: int) -> int:
    """Where to end a piece of at most `limit` characters: after a paragraph, line, sentence or word if possible."""
    window = text[:limit]
    for separator in ("\n\n", "\n", ". ", " "):
        position = window.rfind(separator)
        if position > limit // 2:
            return position + len(separator)
    return max(1, limit)


class ThreadReply:
    def __init__(
        self,
        client: WebClient,
        reply_to: ReplyTo,
        *,
        throttle_seconds: float = 1.0,
        stream_seconds: float = STREAM_SECONDS,
        ask_expert: bool = False,
        clock: Callable[[], float] = time.monotonic,
        existing: Sequence[str] = (),
        on_messages: Callable[[list[str]], None] | None = None,
    ) -> None:
        assert reply_to.thread_ts is not None
        self.client = client
        self.to = reply_to
        self.throttle_seconds = throttle_seconds
        self.stream_seconds = stream_seconds
        self.ask_expert = ask_expert  # an abstention offers "Ask an expert"
        self.clock = clock
        self.on_messages = on_messages
        self.written = ""  # what the model has written so far (raw Markdown)
        self.sent = 0  # how much of `written` Slack has
        self.last_sent_at = float("-inf")
        self.messages: list[str] = list(existing)  # ts of the messages this answer is written into, in order
        self.streaming = False  # messages[-1] is a stream this reply started and has not stopped
        self.stream_refused = bool(existing)  # an earlier attempt's messages are updated, not streamed into
        self.earlier_streams_open = bool(existing)  # the earlier attempt may have died with a stream open
        self.message_start = 0  # where in `written` the text of messages[-1] begins
        self.stream_text = ""  # the markdown streamed into messages[-1]
        self.stream_started_at = 0.0
        self.plan: ProgressPlan | None = None

    # -- progress -------------------------------------------------------------------------------------------

    def show_progress(self) -> None:
        if self.messages:
            self._continue_earlier_messages()
            return
        try:
            self.client.assistant_threads_setStatus(
                channel_id=self.to.channel_id,
                thread_ts=self.to.thread_ts,
                status=texts.STATUS_SEARCHING,
                loading_messages=texts.LOADING_MESSAGES,
            )
        except SlackApiError as error:
            logger.debug("status refused, posting a placeholder error=%s", error.response.get("error"))
            self._add_message(self._post(SlackMessage(texts.PLACEHOLDER)))
            self.stream_text = ""

    def show_plan(self, collections: Sequence[str]) -> None:
        """Opens the stream with the plan, its search under way; where streams are refused the status line stays."""
        self.plan = ProgressPlan(collections)
        if not self.messages and not self.stream_refused:
            self._start_stream(self.plan.everything())

    def on_progress(self, progress: Progress) -> None:
        if self.plan is None:
            return
        chunks = self.plan.reading(progress.sources) if progress.step == "reading" else self.plan.checking()
        if self.streaming and chunks:
            self._append(chunks=chunks)

    def _continue_earlier_messages(self) -> None:
        """An interrupted attempt left messages: progress shows in the first, the others go."""
        self._end_earlier_streams()
        try:
            self._update(self.messages[0], SlackMessage(texts.PLACEHOLDER))
        except SlackError:
            logger.info("the earlier attempt's message is gone, posting a new one channel=%s", self.to.channel_id)
            self.messages = [self._post(SlackMessage(texts.PLACEHOLDER)), *self.messages[1:]]
            self._report()
        self._delete_after(1)

    def _end_earlier_streams(self) -> None:
        if not self.earlier_streams_open:
            return
        self.earlier_streams_open = False
        for ts in self.messages:
            try:
                self.client.chat_stopStream(channel=self.to.channel_id, ts=ts)
            except SlackApiError as error:
                logger.debug("earlier stream already ended error=%s", error.response.get("error"))

    def set_title(self, title: str) -> None:
        try:
            self.client.assistant_threads_setTitle(channel_id=self.to.channel_id, thread_ts=self.to.thread_ts, title=title[:80])
        except SlackApiError as error:
            logger.debug("title refused error=%s", error.response.get("error"))

    # -- streaming --------------------------------------------------------------------------------------------

    def on_token(self, piece: str) -> None:
        self.written += piece
        if self.clock() - self.last_sent_at >= self.throttle_seconds:
            self._send_written(final=False)

    def _send_written(self, *, final: bool) -> None:
        end = len(self.written) if final else streamable_prefix(self.written)
        if end <= self.sent:
            return
        now = self.last_sent_at = self.clock()
        if not self.messages and not self.stream_refused:
            self._start_stream()
        while self.streaming and self.sent < end:
            raw = self._next_piece(end)
            piece = escape(raw)
            if self._stream_is_full(piece, now):
                self._roll_over()
                continue
            if self._append(markdown_text=piece):
                self.stream_text += piece
                self.sent += len(raw)
        if not self.streaming:
            self._show_in_message(self.written[self.message_start : end])
            self.sent = end

    def _next_piece(self, end: int) -> str:
        """`written` from `sent` up to `end`, cut where its escaped text fits one call and one message."""
        raw = self.written[self.sent : end]
        limit = STREAM_LIMIT
        while len(escape(raw)) > STREAM_LIMIT:
            raw = raw[: _cut_point(raw, limit)]
            limit = min(limit, len(raw)) * 9 // 10
        return raw

    def _stream_is_full(self, piece: str, now: float) -> bool:
        """True when `piece` must go to a new message: this one is near Slack's time, text or block limit."""
        text = self.stream_text + piece
        return (
            now - self.stream_started_at >= self.stream_seconds
            or len(text) > STREAM_LIMIT
            or sum(1 for line in text.split("\n") if line.strip()) > STREAM_BLOCKS
        )

    def _roll_over(self) -> None:
        """Stops this message's stream and continues the answer in a new message of the thread (a message
        with no text yet, only the plan, is replaced rather than left behind)."""
        logger.info("continuing the answer in a new message channel=%s", self.to.channel_id)
        self._stop_stream()
        if not self.stream_text:
            self._delete(self.messages[-1])
            self.messages.pop()
            self._report()
        self.message_start = self.sent
        self._start_stream(self.plan.everything() if self.plan else None)
        if not self.streaming and self.messages and self.stream_text:
            # Streams refused from now on: the rest goes into a message of its own, not over the earlier part.
            self._add_message(self._post(SlackMessage(texts.PLACEHOLDER)))

    def _start_stream(self, chunks: list[dict[str, Any]] | None = None) -> None:
        """Starts a stream (empty but for the plan), so its ts is stored before any text is in it."""
        try:
            response = self.client.chat_startStream(
                channel=self.to.channel_id,
                thread_ts=self.to.thread_ts,
                recipient_team_id=self.to.team_id,
                recipient_user_id=self.to.user_id,
                task_display_mode="plan" if chunks else None,
                chunks=chunks or None,
            )
        except SlackApiError as error:
            logger.info("streaming refused, updating a message instead error=%s", error.response.get("error"))
            self.stream_refused = True
            return
        self.streaming = True
        self.stream_text = ""
        self.stream_started_at = self.clock()
        self._add_message(str(response["ts"]))

    def _append(self, **content: Any) -> bool:
        """False when Slack ended the stream on its own: the rest of the answer updates the message instead."""
        try:
            self.client.chat_appendStream(channel=self.to.channel_id, ts=self.messages[-1], **content)
        except SlackApiError as error:
            if error.response.get("error") != STREAM_ENDED:
                raise
            logger.info("the stream ended before the answer, finishing it by updates channel=%s", self.to.channel_id)
            self.streaming = False
            self.stream_refused = True
            return False
        return True

    def _show_in_message(self, markdown: str) -> None:
        body = markdown_to_mrkdwn(markdown)
        if len(body) > PART_LIMIT:
            if self.stream_text:
                return  # a stream Slack ended shows more than an update may hold: the end splits it into parts
            body = body[: PART_LIMIT - 1] + "…"
        if self.messages:
            self._update(self.messages[-1], SlackMessage(body))
        else:
            self._add_message(self._post(SlackMessage(body)))

    # -- the end ------------------------------------------------------------------------------------------------

    def finish(self, answer: Answer, answer_id: int | None) -> str:
        """Delivers the final answer with its sources and buttons; returns the ts of the message carrying them."""
        trailer = trailer_blocks(answer, answer_id, ask_expert=self.ask_expert)
        plan_end = self.plan.finished(abstained=answer.abstained) if self.plan else []
        if self.streaming and self.written == answer.text:
            rest = escape(self.written[self.sent :])
            if rest and self._stream_is_full(rest, self.clock()):
                self._send_written(final=True)
                rest = ""
            if self.streaming and self._stop_stream(markdown_text=rest or None, chunks=plan_end or None, blocks=trailer):
                return self.messages[-1]
        elif self.streaming:
            # The final text differs from what was streamed (checked or replaced by the answerer): the
            # messages are rewritten with it.
            self._stop_stream(chunks=plan_end or None)
        return self._fill(answer_messages(answer, answer_id, ask_expert=self.ask_expert))

    def _stop_stream(self, **final: Any) -> bool:
        """False when Slack had already ended the stream (what it showed stays until the message is updated)."""
        self.streaming = False
        try:
            self.client.chat_stopStream(channel=self.to.channel_id, ts=self.messages[-1], **final)
        except SlackApiError as error:
            if error.response.get("error") != STREAM_ENDED:
                raise
            logger.info("the stream had ended on its own channel=%s", self.to.channel_id)
            return False
        return True

    def _fill(self, messages: list[SlackMessage]) -> str:
        """Writes the parts into this reply's messages, posting what is missing and deleting what is left over."""
        self._end_earlier_streams()
        for index, message in enumerate(messages):
            if index < len(self.messages):
                self._update(self.messages[index], message)
            else:
                self._add_message(self._post(message))
        self._delete_after(len(messages))
        return self.messages[len(messages) - 1]

    def _delete_after(self, keep: int) -> None:
        surplus = self.messages[keep:]
        if surplus:
            for ts in surplus:
                self._delete(ts)
            self.messages = self.messages[:keep]
            self._report()

    def say(self, text: str) -> str:
        """A short reply of docbot's own (usage, a refusal): replaces the placeholder when there is one."""
        if self.streaming:
            self._stop_stream()
        return self._fill([SlackMessage(text)])

    def fail(self, text: str) -> None:
        """Ends the reply with a `:warning:` line in its message; never raises (the cause is already logged)."""
        if self.streaming:
            try:
                self._stop_stream(chunks=(self.plan.failed() if self.plan else None) or None)
            except Exception:  # noqa: BLE001 - the stream may be what failed
                logger.debug("could not stop the stream after a failure", exc_info=True)
        try:
            if self.messages:
                try:
                    self._fill([SlackMessage(text)])
                    return
                except SlackError:
                    pass
            self._post(SlackMessage(text))
        except Exception:  # noqa: BLE001
            logger.exception("could not post the failure notice channel=%s", self.to.channel_id)

    def _add_message(self, ts: str) -> None:
        self.messages.append(ts)
        self._report()

    def _report(self) -> None:
        if self.on_messages is not None:
            self.on_messages(list(self.messages))

    # -- Web API ------------------------------------------------------------------------------------------------

    def _post(self, message: SlackMessage) -> str:
        try:
            response = self.client.chat_postMessage(
                channel=self.to.channel_id, thread_ts=self.to.thread_ts, text=message.text, blocks=message.blocks or None
            )
        except SlackApiError as error:
            raise SlackError(f"chat.postMessage failed: {error.response.get('error')}") from None
        return str(response["ts"])

    def _update(self, ts: str, message: SlackMessage) -> None:
        try:
            self.client.chat_update(channel=self.to.channel_id, ts=ts, text=message.text, blocks=message.blocks or [])
        except SlackApiError as error:
            raise SlackError(f"chat.update failed: {error.response.get('error')}") from None

    def _delete(self, ts: str) -> None:
        try:
            self.client.chat_delete(channel=self.to.channel_id, ts=ts)
        except SlackApiError as error:
            if error.response.get("error") != "message_not_found":
                raise SlackError(f"chat.delete failed: {error.response.get('error')}") from None
