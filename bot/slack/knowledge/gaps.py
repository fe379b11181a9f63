"""Knowledge gaps: the questions docbot abstained on and the answers people voted 👎, grouped by meaning.

Both are already on record: an answer turn says whether it abstained (`reply_to.abstained`), a 👎 is a
`feedback` row, and each conversation has its channel; nothing extra is stored. A gap put to experts says
so, and whether their answer came back as a document (`expert_requests`). A question counts once even
when it was both abstained on and voted down. Only the asker's 👎, or an admin's, makes a gap; anyone else's
is kept as feedback (`docbot feedback`).

Only a question asked in the open (a public channel of the workspace, `reply_to.quotable` on its answer) is
ever quoted or its channel named: the rest (DMs, private and shared channels, /ask, the assistant pane) count
toward their topic without their text or channel.
"""

from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from bot.db.engine import Database
from bot.db.models import Conversation, Feedback, Message
from bot.embeddings import Embedder
from bot.slack.common.channel_map import DEFAULT_COLLECTION, mapped_collections
from bot.slack.knowledge.expert_outcomes import ANSWERED, outcomes
from bot.slack.knowledge.gap_groups import group_by_meaning

# Grouping compares every pair (memory and time grow with the square): past this, the latest are grouped.
MAX_GROUPED_GAPS = 5000
# Questions that were answered well, as the background of "unrelated" pairs (see gap_groups); a sample is enough.
BACKGROUND_QUESTIONS = 200
GAP_VOTERS = ("asker", "admin")  # whose 👎 says the docs missed something (bot/slack/answers/feedback.py)


@dataclass(frozen=True)
class Gap:
    question: str
    channel_id: str
    at: datetime
    downvoted: bool  # False: docbot abstained
    quotable: bool = False  # asked in the open: its text and channel may be shown
    experts: str = ""  # "asked": it went to experts; "answered": their answer came back as a document


@dataclass(frozen=True)
class GapGroup:
    example: str | None  # the quotable question closest to the rest of its group; None: none may be quoted
    gaps: list[Gap]

    @property
    def count(self) -> int:
        return len(self.gaps)

    @property
    def to_experts(self) -> int:
        return sum(1 for gap in self.gaps if gap.experts)

    @property
    def back_as_docs(self) -> int:
        return sum(1 for gap in self.gaps if gap.experts == ANSWERED)

    @property
    def channels(self) -> list[str]:
        """The channels that may be named: those of its quotable questions."""
        return sorted({gap.channel_id for gap in self.gaps if gap.quotable})


def unquoted(gaps: list[Gap]) -> int:
    """How many of the gaps may not be quoted (counted toward their topic only)."""
    return sum(1 for gap in gaps if not gap.quotable)


def list_gaps(database: Database, since: datetime, collection: str | None = None) -> list[Gap]:
    """Abstained or 👎 questions since `since`, oldest first; with `collection`, only from channels that see it."""
    answer, question = aliased(Message), aliased(Message)
    downvoted = exists().where(Feedback.message_id == answer.id, Feedback.value < 0, Feedback.voter.in_(GAP_VOTERS))
    quotable = answer.reply_to["quotable"].as_boolean().is_(True)
    with database.session() as session:
        rows = session.execute(
            select(question.id, question.text, Conversation.channel_id, question.created_at, downvoted, quotable)
            .select_from(answer)
            .join(question, question.id == answer.reply_to["question_id"].as_integer())
            .join(Conversation, Conversation.id == answer.conversation_id)
            .where(
                answer.role == "assistant",
                question.created_at >= since,
                or_(answer.reply_to["abstained"].as_boolean().is_(True), downvoted),
            )
            .order_by(question.created_at, question.id)
        ).all()
    gaps: dict[int, Gap] = {}
    for question_id, text, channel_id, at, voted_down, in_the_open in rows:
        earlier = gaps.get(question_id)
        gaps[question_id] = Gap(text, channel_id, at, voted_down or (earlier.downvoted if earlier else False), bool(in_the_open))
    by_experts = outcomes(database, gaps)
    found = [replace(gap, experts=by_experts.get(question_id, "")) for question_id, gap in gaps.items() if gap.question.strip()]
    if collection is not None:
        seen = _channels_seeing(database, {gap.channel_id for gap in found}, collection)
        found = [gap for gap in found if gap.channel_id in seen]
    return found


def group_gaps(database: Database, embedder: Embedder, gaps: list[Gap]) -> list[GapGroup]:
    """The gaps grouped by what they ask, largest group first (the latest MAX_GROUPED_GAPS when there are more)."""
    if not gaps:
        return []
    gaps = gaps[-MAX_GROUPED_GAPS:]
    vectors = np.asarray(embedder.embed_documents([gap.question for gap in gaps]), dtype=np.float32)
    others = _answered_questions(database, {gap.question for gap in gaps})
    background = np.asarray(embedder.embed_documents(others), dtype=np.float32) if others else None
    grouping = group_by_meaning(vectors, background)
    return [
        GapGroup(example=next((gaps[i].question for i in group if gaps[i].quotable), None), gaps=[gaps[i] for i in group])
        for group in grouping.groups
    ]


def _answered_questions(database: Database, excluded: set[str]) -> list[str]:
    """Recent questions that were answered (not gaps): the background the threshold is measured against."""
    answer = aliased(Message)
    question = aliased(Message)
    with database.session() as session:
        texts = session.scalars(
            select(question.text)
            .join(answer, and_(answer.reply_to["question_id"].as_integer() == question.id, answer.role == "assistant"))
            .where(answer.reply_to["abstained"].as_boolean().is_not(True), question.role == "user")
            .order_by(question.id.desc())
            .limit(BACKGROUND_QUESTIONS)
        ).all()
    return [text for text in dict.fromkeys(texts) if text.strip() and text not in excluded]


def _channels_seeing(database: Database, channels: set[str], collection: str) -> set[str]:
    """Channels that see `collection` now: mapped to it, or unmapped (and DMs) when it is `default`."""
    seeing = set()
    for channel_id in channels:
        mapped = mapped_collections(database, channel_id)
        if collection in mapped or (not mapped and collection == DEFAULT_COLLECTION):
            seeing.add(channel_id)
    return seeing
