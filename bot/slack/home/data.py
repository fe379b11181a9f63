"""What App Home shows, from Postgres: collections with their size and freshness, and a person's questions."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from bot.db.engine import Database
from bot.db.models import Collection, Conversation, Document, Feedback, Message, SyncSource

RECENT_QUESTIONS = 10


@dataclass(frozen=True)
class CollectionStats:
    name: str
    documents: int
    last_sync: datetime | None  # the latest ingest that changed it, or its latest scheduled re-sync


@dataclass(frozen=True)
class AskedQuestion:
    text: str
    channel_id: str
    at: datetime
    outcome: str  # answered | no answer in the docs | failed | waiting
    vote: int  # the asker's own 👍 (1) or 👎 (-1) on the answer; 0 when none


def collection_stats(database: Database, names: list[str]) -> list[CollectionStats]:
    with database.session() as session:
        rows = session.execute(
            select(
                Collection.name,
                # Documents shown in one channel only (a private channel's saved thread) aren't counted here.
                select(func.count()).where(Document.collection_id == Collection.id, Document.shown_only_in.is_(None)).scalar_subquery(),
                select(func.max(Document.updated_at)).where(Document.collection_id == Collection.id, Document.shown_only_in.is_(None)).scalar_subquery(),
                select(func.max(SyncSource.last_synced_at)).where(SyncSource.collection_id == Collection.id).scalar_subquery(),
            )
            .where(Collection.name.in_(names))
            .order_by(Collection.name)
        ).all()
    found = {name: CollectionStats(name, count, max((t for t in (changed, synced) if t), default=None)) for name, count, changed, synced in rows}
    return [found.get(name, CollectionStats(name, 0, None)) for name in sorted(set(names))]


def recent_questions(database: Database, user_id: str, limit: int = RECENT_QUESTIONS) -> list[AskedQuestion]:
    answer = aliased(Message)
    with database.session() as session:
        rows = session.execute(
            select(Message.text, Conversation.channel_id, Message.created_at, Message.status, answer.reply_to, Feedback.value)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .outerjoin(answer, (answer.reply_to["question_id"].as_integer() == Message.id) & (answer.role == "assistant"))
            .outerjoin(Feedback, (Feedback.message_id == answer.id) & (Feedback.user_id == user_id))
            .where(Message.role == "user", Message.user_id == user_id)
            .order_by(Message.id.desc())
            .limit(limit)
        ).all()
    return [AskedQuestion(text, channel, at, _outcome(status, reply), vote or 0) for text, channel, at, status, reply, vote in rows]


def _outcome(status: str, answer_reply_to: dict | None) -> str:
    if status == "pending":
        return "waiting"
    if status == "failed" or answer_reply_to is None:
        return "failed"
    return "no answer in the docs" if answer_reply_to.get("abstained") else "answered"
