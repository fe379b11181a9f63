"""An answer delivered in a Slack thread: status at once, text streamed as it is written, sources at the end.

Streaming uses chat.startStream/appendStream/stopStream. Where Slack refuses them (an older or restricted
workspace), the answer goes into a posted message updated at most once per `throttle_seconds`. Where the
assistant status is refused, a placeholder message shows progress instead.

One answer, one set of messages: each message is reported to `on_messages` as soon as it exists (a stream is
started empty so its ts is known before any text is in it). A reply built with the messages of an earlier,
interrupted attempt (`existing`) continues in them: it ends their stream, shows progress in the first, and
fills them with the answer, deleting any it no longer needs.
"""

import logging
import time
from collections.abc import Callable, Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answering.types import Answer
from bot.errors import SlackError
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


class ThreadReply:
    def __init__(
        self,
        client: WebClient,
        reply_to: ReplyTo,
        *,
        throttle_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        existing: Sequence[str] = (),
        on_messages: Callable[[list[str]], None] | None = None,
    ) -> None:
        assert reply_to.thread_ts is not None
        self.client = client
        self.to = reply_to
        self.throttle_seconds = throttle_seconds
        self.clock = clock
        self.on_messages = on_messages
        self.written = ""  # what the model has written so far (raw Markdown)
        self.sent = 0  # how much of `written` Slack has
        self.last_sent_at = float("-inf")
        self.messages: list[str] = list(existing)  # ts of the messages this answer is written into, in order
        self.streaming = False  # messages[0] is a stream this reply started and has not stopped
        self.stream_refused = bool(existing)  # an earlier attempt's messages are updated, not streamed into
        self.earlier_stream_open = bool(existing)  # the earlier attempt may have died with its stream open

    # -- progress -------------------------------------------------------------------------------------------

    def show_progress(self) -> None:
        if self.messages:
            self._continue_earlier_message()
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

    def _continue_earlier_message(self) -> None:
        """An interrupted attempt left a message: show progress there."""
        self._end_earlier_stream()
        try:
            self._update(self.messages[0], SlackMessage(texts.PLACEHOLDER))
        except SlackError:
            logger.info("the earlier attempt's message is gone, posting a new one channel=%s", self.to.channel_id)
            self.messages = []
            self._add_message(self._post(SlackMessage(texts.PLACEHOLDER)))

    def _end_earlier_stream(self) -> None:
        if not self.earlier_stream_open:
            return
        self.earlier_stream_open = False
        try:
            self.client.chat_stopStream(channel=self.to.channel_id, ts=self.messages[0])
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
        self.last_sent_at = self.clock()
        if not self.messages and not self.stream_refused:
            self._start_stream()
        if self.streaming:
            if end > STREAM_LIMIT:
                return  # the rest arrives with the final message
            self.client.chat_appendStream(channel=self.to.channel_id, ts=self.messages[0], markdown_text=escape(self.written[self.sent : end]))
        else:
            self._show_in_message(self.written[:end])
        self.sent = end

    def _start_stream(self) -> None:
        """Starts an empty stream, so its ts is stored before any text is in it."""
        try:
            response = self.client.chat_startStream(
                channel=self.to.channel_id,
                thread_ts=self.to.thread_ts,
                recipient_team_id=self.to.team_id,
                recipient_user_id=self.to.user_id,
            )
        except SlackApiError as error:
            logger.info("streaming refused, updating a message instead error=%s", error.response.get("error"))
            self.stream_refused = True
            return
        self.streaming = True
        self._add_message(str(response["ts"]))

    def _show_in_message(self, markdown: str) -> None:
        body = markdown_to_mrkdwn(markdown)
        if len(body) > PART_LIMIT:
            body = body[: PART_LIMIT - 1] + "…"
        if self.messages:
            self._update(self.messages[0], SlackMessage(body))
        else:
            self._add_message(self._post(SlackMessage(body)))

    # -- the end ------------------------------------------------------------------------------------------------

    def finish(self, answer: Answer, answer_id: int | None) -> str:
        """Delivers the final answer with its sources and buttons; returns the ts of the message carrying them."""
        messages = answer_messages(answer, answer_id)
        if self.streaming:
            exact = self.written == answer.text and len(messages) == 1 and len(self.written) <= STREAM_LIMIT
            if exact:
                remaining = escape(self.written[self.sent :])
                self._stop_stream(markdown_text=remaining or None, blocks=trailer_blocks(answer, answer_id))
                return self.messages[0]
            # The final text differs from what was streamed (checked or replaced by the answerer) or is too
            # long for one message: the streamed message becomes the first part, the rest follow in the thread.
            self._stop_stream()
        return self._fill(messages)

    def _stop_stream(self, **final) -> None:
        self.client.chat_stopStream(channel=self.to.channel_id, ts=self.messages[0], **final)
        self.streaming = False

    def _fill(self, messages: list[SlackMessage]) -> str:
        """Writes the parts into this reply's messages, posting what is missing and deleting what is left over."""
        self._end_earlier_stream()
        for index, message in enumerate(messages):
            if index < len(self.messages):
                self._update(self.messages[index], message)
            else:
                self._add_message(self._post(message))
        surplus = self.messages[len(messages) :]
        if surplus:
            for ts in surplus:
                self._delete(ts)
            self.messages = self.messages[: len(messages)]
            self._report()
        return self.messages[len(messages) - 1]

    def say(self, text: str) -> str:
        """A short reply of docbot's own (usage, a refusal): replaces the placeholder when there is one."""
        return self._fill([SlackMessage(text)])

    def fail(self, text: str) -> None:
        """Ends the reply with a `:warning:` line in its message; never raises (the cause is already logged)."""
        if self.streaming:
            try:
                self._stop_stream()
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
