"""The App Home tab as Block Kit: pure formatting of what `data` and `knowledge.gaps` found."""

from datetime import datetime
from typing import Any

from bot.slack.common import texts
from bot.slack.common.formatting import escape, section
from bot.slack.knowledge.gaps import GapGroup
from bot.slack.home.data import AskedQuestion, CollectionStats

LINE_CHARS = 120
_VOTES = {1: " 👍", -1: " 👎", 0: ""}


def home_view(collections: list[CollectionStats], questions: list[AskedQuestion], gaps: list[GapGroup] | None) -> dict[str, Any]:
    """`gaps` is None for people who aren't admins: they don't get that section at all."""
    blocks: list[dict[str, Any]] = [section(texts.HOME_COLLECTIONS), section(_collections(collections))]
    blocks += [{"type": "divider"}, section(texts.HOME_QUESTIONS), section(_questions(questions))]
    if gaps is not None:
        blocks += [{"type": "divider"}, section(texts.HOME_GAPS), section(_gaps(gaps))]
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": texts.HOME_HELP}]})
    return {"type": "home", "blocks": blocks}


def _collections(collections: list[CollectionStats]) -> str:
    if not collections:
        return texts.HOME_NO_COLLECTIONS
    return "\n".join(
        texts.HOME_COLLECTION_LINE.format(name=escape(c.name), documents=c.documents, updated=_when(c.last_sync)) for c in collections
    )


def _questions(questions: list[AskedQuestion]) -> str:
    if not questions:
        return texts.HOME_NO_QUESTIONS
    return "\n".join(
        texts.HOME_QUESTION_LINE.format(question=escape(_short(q.text)), outcome=q.outcome, channel=q.channel_id, vote=_VOTES.get(q.vote, ""))
        for q in questions
    )


def _gaps(groups: list[GapGroup]) -> str:
    if not groups:
        return texts.HOME_NO_GAPS
    return "\n".join(
        texts.HOME_GAP_LINE.format(count=g.count, example=escape(_short(g.example)))
        + (texts.HOME_GAP_EXPERTS.format(asked=g.to_experts, docs=g.back_as_docs) if g.to_experts else "")
        for g in groups
    )


def _when(moment: datetime | None) -> str:
    if moment is None:
        return texts.HOME_NEVER
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{moment:%Y-%m-%d %H:%M} UTC>"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LINE_CHARS else text[: LINE_CHARS - 1] + "…"
