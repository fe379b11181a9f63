"""An `/ask` answer: posted to the command's response_url, so only the asker sees it (no streaming there)."""

import logging

from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.answering.types import Answer
from bot.errors import SlackError
from bot.slack.common.formatting import SlackMessage, answer_messages
from bot.slack.answers.whole_reply import WholeReply
from bot.slack.questions.question import ReplyTo

logger = logging.getLogger(__name__)


class EphemeralReply(WholeReply):
    def __init__(self, reply_to: ReplyTo) -> None:
        assert reply_to.response_url is not None
        self.to = reply_to
        self.webhook = WebhookClient(
            reply_to.response_url, retry_handlers=[ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=2)]
        )

    def finish(self, answer: Answer, answer_id: int | None) -> str | None:
        for message in answer_messages(answer, answer_id)[:5]:
            self._send(message)
        return None

    def say(self, text: str) -> str | None:
        self._send(SlackMessage(text))
        return None

    def fail(self, text: str) -> None:
        try:
            self._send(SlackMessage(text))
        except Exception:  # noqa: BLE001 - already failing; the cause is logged by the caller
            logger.exception("could not post the failure notice to the response_url")

    def _send(self, message: SlackMessage) -> None:
        response = self.webhook.send(text=message.text, blocks=message.blocks or None, response_type="ephemeral", replace_original=False)
        if response.status_code != 200:
            raise SlackError(f"response_url post failed: HTTP {response.status_code} {response.body[:100]}")
