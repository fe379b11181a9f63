"""An answer delivered in a Slack thread: status at once, text streamed as it is written, sources at the end.

Streaming uses chat.startStream/appendStream/stopStream (slack_sdk's `chat_stream`). Where Slack refuses them
(an older or restricted workspace), the answer goes into a posted message updated at most once per
`throttle_seconds`. Where the assistant status is refused, a placeholder message shows progress instead.
"""

import logging
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.chat_stream import ChatStream

from bot.answering.types import Answer
from bot.errors import SlackError
from bot.slack import texts
from bot.slack.formatting import (
    PART_LIMIT,
    STREAM_LIMIT,
    SlackMessage,
    answer_messages,
    escape,
    markdown_to_mrkdwn,
    streamable_prefix,
    trailer_blocks,
)
from bot.slack.questions import ReplyTo

logger = logging.getLogger(__name__)


class ThreadReply:
    def __init__(
        self,
        client: WebClient,
        reply_to: ReplyTo,
        *,
        throttle_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        assert reply_to.thread_ts is not None
        self.client = client
        self.to = reply_to
        self.throttle_seconds = throttle_seconds
        self.clock = clock
        self.written = ""  # what the model has written so far (raw Markdown)
        self.sent = 0  # how much of `written` Slack has
        self.last_sent_at = float("-inf")
        self.stream: ChatStream | None = None
        self.stream_refused = False
        self.message_ts: str | None = None  # the placeholder or the updated message, when not streaming

    # -- progress -------------------------------------------------------------------------------------------

    def show_progress(self) -> None:
        try:
            self.client.assistant_threads_setStatus(
                channel_id=self.to.channel_id,
                thread_ts=self.to.thread_ts,
                status=texts.STATUS_SEARCHING,
                loading_messages=texts.LOADING_MESSAGES,
            )
        except SlackApiError as error:
            logger.debug("status refused, posting a placeholder error=%s", error.response.get("error"))
            self.message_ts = self._post(SlackMessage(texts.PLACEHOLDER))

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
        self.last_sent_at = self.clock()
        if self.message_ts is None and not self.stream_refused:
            if end > STREAM_LIMIT:
                return  # the rest arrives with the final message
            try:
                self._append_to_stream(escape(self.written[self.sent : end]))
                self.sent = end
                return
            except SlackApiError as error:
                if self.stream is not None and self.stream.ts:
                    raise
                logger.info("streaming refused, updating a message instead error=%s", error.response.get("error"))
                self.stream, self.stream_refused = None, True
        self._show_in_message(self.written[:end])
        self.sent = end

    def _append_to_stream(self, markdown: str) -> None:
        if self.stream is None:
            self.stream = self.client.chat_stream(
                channel=self.to.channel_id,
                thread_ts=self.to.thread_ts,
                recipient_team_id=self.to.team_id,
                recipient_user_id=self.to.user_id,
                buffer_size=1,
            )
        self.stream.append(markdown_text=markdown)

    def _show_in_message(self, markdown: str) -> None:
        body = markdown_to_mrkdwn(markdown)
        if len(body) > PART_LIMIT:
            body = body[: PART_LIMIT - 1] + "…"
        if self.message_ts is None:
            self.message_ts = self._post(SlackMessage(body))
        else:
            self._update(self.message_ts, SlackMessage(body))

    # -- the end ------------------------------------------------------------------------------------------------

    def finish(self, answer: Answer, answer_id: int | None) -> str:
        """Delivers the final answer with its sources and buttons; returns the ts of the message carrying them."""
        messages = answer_messages(answer, answer_id)
        if self.stream is not None and self.stream.ts:
            return self._finish_stream(answer, answer_id, messages)
        first = 0
        last_ts = ""
        if self.message_ts is not None:
            self._update(self.message_ts, messages[0])
            last_ts, first = self.message_ts, 1
        for message in messages[first:]:
            last_ts = self._post(message)
        return last_ts

    def _finish_stream(self, answer: Answer, answer_id: int | None, messages: list[SlackMessage]) -> str:
        assert self.stream is not None and self.stream.ts is not None
        exact = self.written == answer.text and len(messages) == 1 and len(self.written) <= STREAM_LIMIT
        if exact:
            remaining = escape(self.written[self.sent :])
            self.stream.stop(markdown_text=remaining or None, blocks=trailer_blocks(answer, answer_id))
            return self.stream.ts
        # The final text differs from what was streamed (checked or replaced by the answerer) or is too long for
        # one message: the streamed message becomes the first part, the rest follow in the thread.
        self.stream.stop()
        self._update(self.stream.ts, messages[0])
        last_ts = self.stream.ts
        for message in messages[1:]:
            last_ts = self._post(message)
        return last_ts

    def say(self, text: str) -> str:
        """A short reply of docbot's own (usage, a refusal): replaces the placeholder when there is one."""
        if self.message_ts is not None:
            self._update(self.message_ts, SlackMessage(text))
            return self.message_ts
        return self._post(SlackMessage(text))

    def fail(self, text: str) -> None:
        """Ends the reply with a `:warning:` line; never raises (the cause is already logged)."""
        if self.stream is not None and self.stream.ts:
            try:
                self.stream.stop()
            except Exception:  # noqa: BLE001 - the stream may be what failed
                logger.debug("could not stop the stream after a failure", exc_info=True)
        try:
            if self.message_ts is not None:
                try:
                    self._update(self.message_ts, SlackMessage(text))
                    return
                except SlackError:
                    pass
            self._post(SlackMessage(text))
        except Exception:  # noqa: BLE001
            logger.exception("could not post the failure notice channel=%s", self.to.channel_id)

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
