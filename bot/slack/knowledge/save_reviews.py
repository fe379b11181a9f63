"""The review list: saves asked for by someone who may not save directly, until an admin approves or rejects them.

Only the person who asked the thread's first question, and ADMIN_USERS, add to the docs at once; anyone else's
save waits here (App Home buttons, `docbot saves`). A thread has at most one pending review: asking again
while it waits finds the same one.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from bot.db.engine import Database
from bot.db.models import SaveReview
from bot.errors import AlreadyDecided, NotFound

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


@dataclass(frozen=True)
class Review:
    id: int
    team_id: str
    channel_id: str
    thread_ts: str
    requested_by: str
    collection: str
    title: str
    status: str
    decided_by: str | None
    created_at: datetime

    @property
    def thread(self) -> tuple[str, str]:
        return self.channel_id, self.thread_ts


def open_review(database: Database, *, team_id: str, channel_id: str, thread_ts: str, requested_by: str, collection: str, title: str) -> Review:
    """The thread's pending review, or a new one."""
    with database.session() as session:
        found = session.scalars(
            select(SaveReview)
            .where(SaveReview.channel_id == channel_id, SaveReview.thread_ts == thread_ts, SaveReview.status == PENDING)
            .with_for_update()
        ).first()
        if found is None:
            found = SaveReview(
                team_id=team_id, channel_id=channel_id, thread_ts=thread_ts, requested_by=requested_by, collection=collection, title=title
            )
            session.add(found)
            session.flush()
        return _review(found)


def pending_reviews(database: Database, limit: int = 50) -> list[Review]:
    with database.session() as session:
        rows = session.scalars(select(SaveReview).where(SaveReview.status == PENDING).order_by(SaveReview.id).limit(limit)).all()
        return [_review(row) for row in rows]


def get_review(database: Database, review_id: int) -> Review | None:
    with database.session() as session:
        row = session.get(SaveReview, review_id)
        return _review(row) if row is not None else None


def decide(database: Database, review_id: int, *, admin: str, approve: bool) -> Review:
    """Approves or rejects a pending review once (a second click, or a second admin, finds it decided)."""
    with database.session() as session:
        decided = session.execute(
            update(SaveReview)
            .where(SaveReview.id == review_id, SaveReview.status == PENDING)
            .values(status=APPROVED if approve else REJECTED, decided_by=admin, decided_at=func.now())
            .returning(SaveReview.id)
        ).scalar()
    review = get_review(database, review_id)
    if review is None:
        raise NotFound(f"No save review {review_id} (`docbot saves` lists the pending ones).")
    if decided is None:
        raise AlreadyDecided(f"Save review {review_id} was already {review.status} by {review.decided_by}.")
    return review


def _review(row: SaveReview) -> Review:
    return Review(
        row.id, row.team_id, row.channel_id, row.thread_ts, row.requested_by, row.collection, row.title, row.status, row.decided_by, row.created_at
    )
