"""The App Home tab as Block Kit: pure formatting of what `data` and `knowledge.gaps` found."""

from datetime import datetime
from typing import Any

from bot.slack.common import texts
from bot.slack.common.formatting import escape, section
from bot.slack.knowledge.gaps import GapGroup
from bot.slack.knowledge.save_reviews import Review
from bot.slack.home.data import AskedQuestion, CollectionStats

LINE_CHARS = 120
_VOTES = {1: " 👍", -1: " 👎", 0: ""}
APPROVE_SAVE_ACTION = "save_review_approve"
REJECT_SAVE_ACTION = "save_review_reject"
MAX_REVIEWS_SHOWN = 20  # a Home tab holds at most 100 blocks


def home_view(
    collections: list[CollectionStats],
    questions: list[AskedQuestion],
    gaps: list[GapGroup] | None,
    *,
    unquoted_gaps: int = 0,
    reviews: list[Review] | None = None,
) -> dict[str, Any]:
    """`gaps` and `reviews` are None for people who aren't admins: they don't get those sections at all."""
    blocks: list[dict[str, Any]] = [section(texts.HOME_COLLECTIONS), section(_collections(collections))]
    blocks += [{"type": "divider"}, section(texts.HOME_QUESTIONS), section(_questions(questions))]
    if reviews:
        blocks += [{"type": "divider"}, section(texts.HOME_REVIEWS)]
        for review in reviews[:MAX_REVIEWS_SHOWN]:
            blocks += _review(review)
    if gaps is not None:
        blocks += [{"type": "divider"}, section(texts.HOME_GAPS), section(_gaps(gaps))]
        if unquoted_gaps:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": texts.HOME_GAPS_LEFT_OUT.format(count=unquoted_gaps)}]})
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
    quotable = [g for g in groups if g.example is not None]
    if not quotable:
        return texts.HOME_NO_GAPS
    return "\n".join(
        texts.HOME_GAP_LINE.format(count=g.count, example=escape(_short(g.example or "")))
        + (texts.HOME_GAP_EXPERTS.format(asked=g.to_experts, docs=g.back_as_docs) if g.to_experts else "")
        for g in quotable
    )



def _review(review: Review) -> list[dict[str, Any]]:
    line = texts.HOME_REVIEW_LINE.format(
        title=escape(_short(review.title)), channel=review.channel_id, collection=escape(review.collection), user=review.requested_by
    )
    buttons = [
        {"type": "button", "action_id": APPROVE_SAVE_ACTION, "style": "primary", "value": str(review.id),
         "text": {"type": "plain_text", "text": texts.HOME_APPROVE}},
        {"type": "button", "action_id": REJECT_SAVE_ACTION, "style": "danger", "value": str(review.id),
         "text": {"type": "plain_text", "text": texts.HOME_REJECT}},
    ]
    return [section(line), {"type": "actions", "block_id": f"review-{review.id}", "elements": buttons}]


def _when(moment: datetime | None) -> str:
    if moment is None:
        return texts.HOME_NEVER
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{moment:%Y-%m-%d %H:%M} UTC>"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LINE_CHARS else text[: LINE_CHARS - 1] + "…"
