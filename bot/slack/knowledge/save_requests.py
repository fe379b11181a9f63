"""Requests to save a thread, from the shortcut or from a ✅ on docbot's answer, queued for `docbot worker`.

The job is queued before Slack gets its acknowledgement (a row in Postgres): acknowledged means it will run.
"""

import threading
from typing import Any

import procrastinate
from sqlalchemy import select
from sqlalchemy.orm import aliased

from bot.db.engine import Database
from bot.db.models import Conversation, Message
from bot.slack.knowledge.jobs import defer_save
from bot.slack.knowledge.save_reviews import Review, decide
from bot.slack.knowledge.thread_saver import SaveRequest

SAVE_REACTION = "white_check_mark"


class SaveQueue:
    """Defers save jobs through procrastinate; its connection pool opens on the first save, not at start-up."""

    def __init__(self, database: Database, queue_app: procrastinate.App) -> None:
        self.database = database
        self.queue_app = queue_app
        self._opened = False
        self._lock = threading.Lock()

    def queue(self, request: SaveRequest) -> int:
        with self._lock:
            if not self._opened:
                self.queue_app.open()
                self._opened = True
        return defer_save(self.queue_app, request)

    def decide(self, review_id: int, *, admin: str, approve: bool) -> Review:
        """An admin's decision on a waiting save: approved, the save job runs; either way its requester is told."""
        review = decide(self.database, review_id, admin=admin, approve=approve)
        self.queue(SaveRequest(team_id=review.team_id, channel_id=review.channel_id, thread_ts=review.thread_ts,
                               user_id=review.requested_by, review_id=review.id))
        return review

    def close(self) -> None:
        with self._lock:
            if self._opened:
                self.queue_app.close()
                self._opened = False

    def for_reaction(self, team_id: str, event: dict[str, Any]) -> SaveRequest | None:
        """A save when a ✅ lands on one of docbot's answers and comes from the person who asked; else None."""
        item = event.get("item") or {}
        if event.get("reaction") != SAVE_REACTION or item.get("type") != "message" or not event.get("user"):
            return None
        answer, question = aliased(Message), aliased(Message)
        with self.database.session() as session:
            found = session.execute(
                select(Conversation.team_id, Conversation.thread_ts, question.user_id)
                .select_from(answer)
                .join(Conversation, Conversation.id == answer.conversation_id)
                .join(question, question.id == answer.reply_to["question_id"].as_integer())
                .where(answer.role == "assistant", answer.slack_ts == item.get("ts"), Conversation.channel_id == item.get("channel"))
            ).first()
        if found is None or found.user_id != event["user"]:
            return None
        return SaveRequest(team_id=found.team_id or team_id, channel_id=item["channel"], thread_ts=found.thread_ts, user_id=event["user"])
