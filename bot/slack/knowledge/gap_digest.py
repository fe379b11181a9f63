"""The weekly knowledge-gap digest: the largest groups of unanswered questions, posted to DIGEST_CHANNEL.

It quotes only questions asked in the open (see `gaps`); a group none of whose questions may be quoted is left
out, and the digest says how many questions it counted without their text.
"""

import logging
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db.engine import Database
from bot.embeddings import Embedder
from bot.errors import SlackError
from bot.slack.common import texts
from bot.slack.common.formatting import escape, section
from bot.slack.knowledge.gaps import GapGroup, group_gaps, list_gaps, unquoted

logger = logging.getLogger(__name__)

DIGEST_GROUPS = 5  # a digest people read to the end
DIGEST_PERIOD = timedelta(days=7)
EXAMPLE_CHARS = 200


def digest_lines(groups: list[GapGroup], limit: int = DIGEST_GROUPS) -> list[str]:
    quotable = [group for group in groups if group.example is not None]
    return [
        texts.DIGEST_GROUP.format(
            rank=rank, count=group.count, example=escape(_short(group.example or "")), channels=", ".join(f"<#{c}>" for c in group.channels)
        )
        for rank, group in enumerate(quotable[:limit], start=1)
    ]


def post_digest(database: Database, embedder: Embedder, client: WebClient, channel_id: str, *, now: datetime | None = None) -> int:
    """Posts the week's top gap groups to `channel_id`; returns how many groups were posted (0: nothing posted)."""
    gaps = list_gaps(database, (now or datetime.now(UTC)) - DIGEST_PERIOD)
    groups = group_gaps(database, embedder, gaps)
    if not groups:
        logger.info("no knowledge gaps this week; no digest posted")
        return 0
    lines = digest_lines(groups)
    left_out = unquoted(gaps)
    notes = [texts.DIGEST_LEFT_OUT.format(count=left_out)] if left_out else []
    body = "\n".join([texts.DIGEST_HEADING, *lines, *notes, texts.DIGEST_HINT])
    blocks = [section(texts.DIGEST_HEADING)]
    if lines:
        blocks.append(section("\n".join(lines)))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text} for text in [*notes, texts.DIGEST_HINT]]})
    try:
        client.chat_postMessage(channel=channel_id, text=body, blocks=blocks)
    except SlackApiError as error:
        raise SlackError(f"posting the gap digest to {channel_id} failed: {error.response.get('error')}") from None
    logger.info("gap digest posted channel=%s groups=%d unquoted=%d", channel_id, len(lines), left_out)
    return len(lines)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"
