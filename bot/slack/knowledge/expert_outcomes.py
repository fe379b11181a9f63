"""What came of the questions put to experts: marked answered when their thread is saved as a document, and
counted per question for `docbot gaps` and App Home."""

from collections.abc import Iterable

from sqlalchemy import func, select, update

from bot.db.engine import Database
from bot.db.models import ExpertRequest

ASKED, ANSWERED = "asked", "answered"


def mark_answered(database: Database, channel_id: str, thread_ts: str, source: str) -> bool:
    """The thread the experts answered in was saved as a document: its request, and so its gap, is answered."""
    with database.session() as session:
        updated = session.execute(
            update(ExpertRequest)
            .where(ExpertRequest.posted_channel_id == channel_id, ExpertRequest.posted_ts == thread_ts, ExpertRequest.answered_at.is_(None))
            .values(answered_at=func.now(), document=source)
        )
        return bool(updated.rowcount)


def outcomes(database: Database, question_ids: Iterable[int]) -> dict[int, str]:
    """Question id → "asked" (went to experts) or "answered" (came back as a document); absent: neither."""
    ids = list(question_ids)
    if not ids:
        return {}
    with database.session() as session:
        rows = session.execute(select(ExpertRequest.question_id, ExpertRequest.answered_at).where(ExpertRequest.question_id.in_(ids))).all()
    return {question_id: ANSWERED if answered_at is not None else ASKED for question_id, answered_at in rows}
