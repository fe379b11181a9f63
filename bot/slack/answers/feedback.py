"""Feedback on answers: one 👍 or 👎 per person per answer (a second click changes it), with who the voter was to
the answer (its asker, an admin, someone else): only the asker's or an admin's 👎 makes a knowledge gap."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from bot.db.engine import Database
from bot.db.models import Conversation, Feedback, Message


@dataclass(frozen=True)
class FeedbackEntry:
    at: datetime
    value: int
    user_id: str
    voter: str  # asker | admin | other
    channel_id: str
    question: str
    answer: str


def record_feedback(database: Database, *, answer_id: int, user_id: str, channel_id: str, value: int, admins: Sequence[str] = ()) -> bool:
    """False when the answer is unknown or was posted in another channel (a forged button value)."""
    question = aliased(Message)
    with database.session() as session:
        found = session.execute(
            select(Conversation.channel_id, question.user_id)
            .join(Message, Message.conversation_id == Conversation.id)
            .outerjoin(question, question.id == Message.reply_to["question_id"].as_integer())
            .where(Message.id == answer_id, Message.role == "assistant")
        ).first()
        if found is None or found[0] != channel_id:
            return False
        voter = "asker" if found[1] == user_id else "admin" if user_id in admins else "other"
        session.execute(
            insert(Feedback)
            .values(message_id=answer_id, user_id=user_id, value=value, voter=voter)
            .on_conflict_do_update(index_elements=["message_id", "user_id"], set_={"value": value, "voter": voter, "created_at": func.now()})
        )
        return True


def list_feedback(database: Database, since: datetime) -> list[FeedbackEntry]:
    answer = aliased(Message)
    question = aliased(Message)
    with database.session() as session:
        rows = session.execute(
            select(Feedback.created_at, Feedback.value, Feedback.user_id, Feedback.voter, Conversation.channel_id, question.text, answer.text)
            .join(answer, answer.id == Feedback.message_id)
            .join(Conversation, Conversation.id == answer.conversation_id)
            .outerjoin(question, question.id == answer.reply_to["question_id"].as_integer())
            .where(Feedback.created_at >= since)
            .order_by(Feedback.created_at.desc())
        ).all()
    return [FeedbackEntry(at, value, user, voter, channel, q or "", a) for at, value, user, voter, channel, q, a in rows]
