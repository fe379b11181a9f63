""""Share to channel" under a private answer: the asker posts it in the thread for everyone, once."""

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db.engine import Database
from bot.errors import SlackError
from bot.slack.common import texts
from bot.slack.common.formatting import answer_messages
from bot.slack.answers.private_answers import asker_of, claim_share, mark_shared, release_share, stored_answer

logger = logging.getLogger(__name__)


def share_answer(database: Database, client: WebClient, *, answer_id: int, channel_id: str, user_id: str) -> bool:
    """Posts the stored answer in its thread once (a double click or a replay posts nothing more); False when it
    isn't this person's answer in this channel."""
    found = stored_answer(database, answer_id, channel_id)
    if found is None or asker_of(database, answer_id) != user_id:
        return False
    if not claim_share(database, answer_id):
        logger.info("answer already shared answer=%s", answer_id)
        return True
    answer, thread_ts = found
    messages = answer_messages(answer, answer_id)
    messages[-1].blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": texts.SHARED_BY.format(user=user_id)}]})
    last_ts = ""
    try:
        for message in messages:
            last_ts = str(client.chat_postMessage(channel=channel_id, thread_ts=thread_ts, text=message.text, blocks=message.blocks)["ts"])
    except SlackApiError as error:
        if not last_ts:
            release_share(database, answer_id)  # nothing was posted: another click may try again
        raise SlackError(f"chat.postMessage failed: {error.response.get('error')}") from None
    mark_shared(database, answer_id, last_ts)
    logger.info("answer shared answer=%s channel=%s", answer_id, channel_id)
    return True
