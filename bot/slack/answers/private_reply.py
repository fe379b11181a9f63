"""An answer only the asker sees, in the thread where they asked (chat.postEphemeral), with a share button.

Ephemeral messages can't be streamed or updated, so the answer is posted whole when it is done.
"""

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answering.types import Answer
from bot.errors import SlackError
from bot.slack.common import texts
from bot.slack.common.formatting import SlackMessage, answer_messages
from bot.slack.answers.whole_reply import WholeReply
from bot.slack.questions.question import ReplyTo

logger = logging.getLogger(__name__)

SHARE_ACTION = "share_answer"


def share_block(answer_id: int) -> dict[str, Any]:
    button = {"type": "button", "text": {"type": "plain_text", "text": texts.SHARE_BUTTON}, "action_id": SHARE_ACTION, "value": str(answer_id)}
    return {"type": "actions", "block_id": f"share-{answer_id}", "elements": [button]}


def private_messages(answer: Answer, answer_id: int | None) -> list[SlackMessage]:
    messages = answer_messages(answer, answer_id)
    last = messages[-1]
    last.blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": texts.PRIVATE_NOTE}]})
    if answer_id is not None:
        last.blocks.append(share_block(answer_id))
    return messages


class PrivateReply(WholeReply):
    def __init__(self, client: WebClient, reply_to: ReplyTo) -> None:
        assert reply_to.thread_ts is not None
        self.client = client
        self.to = reply_to

    def finish(self, answer: Answer, answer_id: int | None) -> str | None:
        for message in private_messages(answer, answer_id):
            self._post(message)
        return None  # an ephemeral message has no ts anyone can refer to

    def say(self, text: str) -> str | None:
        self._post(SlackMessage(text))
        return None

    def fail(self, text: str) -> None:
        try:
            self._post(SlackMessage(text))
        except Exception:  # noqa: BLE001 - already failing; the cause is logged by the caller
            logger.exception("could not post the failure notice channel=%s", self.to.channel_id)

    def _post(self, message: SlackMessage) -> None:
        try:
            self.client.chat_postEphemeral(
                channel=self.to.channel_id, user=self.to.user_id, thread_ts=self.to.thread_ts, text=message.text, blocks=message.blocks or None
            )
        except SlackApiError as error:
            raise SlackError(f"chat.postEphemeral failed: {error.response.get('error')}") from None
