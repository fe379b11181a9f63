"""Conversations in Postgres, keyed by team, channel and thread: questions, answers and the sources they cited.

A question is written as a `pending` user turn in the same transaction that claims its Slack event id, before
the event is acknowledged: a duplicate delivery finds the id taken, and a crash leaves a pending row to finish.
The Slack messages its answer is written into and the generated answer are stored with it as they come into
being, so whoever finishes it after a crash continues in those messages instead of posting new ones.
"""

import logging
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import delete, func, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import insert

from bot.answering.types import Answer, Citation, Turn
from bot.db.engine import Database
from bot.db.models import Channel, Conversation, Message, ProcessedEvent
from bot.slack.questions.queue import announce
from bot.slack.questions.question import IncomingQuestion, ReplyTo, StoredQuestion

logger = logging.getLogger(__name__)

# Turns of history handed to the answerer: enough for follow-ups, small enough for a short prompt.
HISTORY_TURNS = 10
# Slack retries an event for about an hour at most; a day of event ids is plenty to recognise a duplicate.
EVENT_MEMORY_HOURS = 24


class ConversationStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def claim_event(self, event_id: str) -> bool:
        """True the first time an event id is seen, across retries, duplicate deliveries and processes."""
        with self.database.session() as session:
            return _claim(session, event_id)

    def record_question(self, question: IncomingQuestion) -> int | None:
        """Stores the question as pending; None when its event was already taken (a retry or a duplicate)."""
        with self.database.session() as session:
            if not _claim(session, question.event_id):
                return None
            conversation_id = session.execute(
                insert(Conversation)
                .values(team_id=question.team_id, channel_id=question.channel_id, thread_ts=question.thread_ts)
                .on_conflict_do_update(
                    index_elements=["team_id", "channel_id", "thread_ts"], set_={"updated_at": func.now()}
                )
                .returning(Conversation.id)
            ).scalar_one()
            message = Message(
                conversation_id=conversation_id,
                role="user",
                text=question.text,
                status="pending",
                user_id=question.user_id,
                event_id=question.event_id,
                reply_to=question.reply_to.to_json(),
            )
            session.add(message)
            session.flush()
            announce(session)
            logger.info("question recorded id=%s conversation=%s origin=%s", message.id, conversation_id, question.reply_to.origin)
            return message.id

    def load(self, question_id: int) -> StoredQuestion | None:
        with self.database.session() as session:
            message = session.get(Message, question_id)
            if message is None or message.role != "user":
                return None
            earlier = session.scalar(
                select(func.count()).where(
                    Message.conversation_id == message.conversation_id, Message.role == "user", Message.id < message.id
                )
            )
            return StoredQuestion(
                id=message.id,
                conversation_id=message.conversation_id,
                text=message.text,
                status=message.status,
                reply_to=ReplyTo.from_json(message.reply_to),
                is_first=earlier == 0,
                reply_messages=tuple([message.reply_ts, *message.reply_parts] if message.reply_ts else ()),
                answer_id=message.answer_id,
            )

    def remember_reply_messages(self, question_id: int, timestamps: Sequence[str]) -> None:
        """The Slack messages the answer is written into, first one first: stored as each is created."""
        with self.database.session() as session:
            session.execute(
                update(Message)
                .where(Message.id == question_id)
                .values(reply_ts=timestamps[0] if timestamps else None, reply_parts=list(timestamps[1:]))
            )

    def history(self, question: StoredQuestion) -> list[Turn]:
        """The conversation before this question, oldest first: answered questions and their answers."""
        with self.database.session() as session:
            rows = session.execute(
                select(Message.role, Message.text)
                .where(
                    Message.conversation_id == question.conversation_id,
                    Message.id < question.id,
                    Message.status == "answered",
                )
                .order_by(Message.id.desc())
                .limit(HISTORY_TURNS)
            ).all()
        return [Turn(role=role, text=body) for role, body in reversed(rows)]

    def save_answer(self, question: StoredQuestion, answer: Answer, *, quotable: bool = False) -> int:
        """Stores the answer turn with the sources it cited, pending until delivered; its id goes on the
        feedback buttons. A crash before it is marked answered gets this answer delivered, not a new one.
        `quotable`: the question was asked in the open, so gap lists may quote it (bot/slack/knowledge/gaps.py)."""
        with self.database.session() as session:
            message = Message(
                conversation_id=question.conversation_id,
                role="assistant",
                text=answer.text,
                sources=[asdict(c) for c in answer.citations],
                status="pending",
                reply_to={"question_id": question.id, "abstained": answer.abstained, "quotable": quotable},
            )
            session.add(message)
            session.flush()
            session.execute(update(Message).where(Message.id == question.id).values(answer_id=message.id))
            return message.id

    def load_answer(self, answer_id: int) -> Answer | None:
        with self.database.session() as session:
            message = session.get(Message, answer_id)
            if message is None or message.role != "assistant":
                return None
            return Answer(
                text=message.text,
                citations=[_citation(source) for source in message.sources],
                abstained=bool(message.reply_to.get("abstained")),
            )

    def mark_answered(self, question_id: int, answer_id: int | None, slack_ts: str | None) -> None:
        with self.database.session() as session:
            session.execute(update(Message).where(Message.id == question_id).values(status="answered", reply_to=_without_response_url()))
            if answer_id is not None:
                session.execute(update(Message).where(Message.id == answer_id).values(status="answered", slack_ts=slack_ts))
            self._touch(session, question_id)

    def mark_failed(self, question_id: int) -> None:
        with self.database.session() as session:
            session.execute(update(Message).where(Message.id == question_id).values(status="failed", reply_to=_without_response_url()))

    def pending_ids(self, older_than_seconds: float = 0) -> list[int]:
        with self.database.session() as session:
            query = select(Message.id).where(Message.status == "pending", Message.role == "user")
            if older_than_seconds:
                query = query.where(Message.created_at < func.now() - text(f"interval '{int(older_than_seconds)} seconds'"))
            return list(session.scalars(query.order_by(Message.id)))

    def forget_events(self, older_than_hours: int = EVENT_MEMORY_HOURS) -> int:
        """Drops event ids old enough that Slack will never deliver them again (it retries for minutes)."""
        with self.database.session() as session:
            result = session.execute(
                delete(ProcessedEvent).where(ProcessedEvent.received_at < func.now() - text(f"interval '{int(older_than_hours)} hours'"))
            )
            return result.rowcount or 0

    def answers_followups(self, team_id: str, channel_id: str, thread_ts: str) -> bool:
        """True when the channel lets docbot answer without a mention and docbot already talks in this thread."""
        with self.database.session() as session:
            found = session.execute(
                select(Conversation.id)
                .join(Channel, Channel.channel_id == Conversation.channel_id)
                .where(
                    Channel.followups_without_mention.is_(True),
                    Conversation.team_id == team_id,
                    Conversation.channel_id == channel_id,
                    Conversation.thread_ts == thread_ts,
                )
            ).first()
            return found is not None

    @staticmethod
    def _touch(session, question_id: int) -> None:
        conversation_id = select(Message.conversation_id).where(Message.id == question_id).scalar_subquery()
        session.execute(update(Conversation).where(Conversation.id == conversation_id).values(updated_at=func.now()))


def _without_response_url() -> Any:
    """The delivery without its response_url: a bearer credential for posting into the channel, kept only
    until the answer it was for is delivered (or has failed for good)."""
    return literal_column("reply_to - 'response_url'")


def _citation(stored: dict[str, Any]) -> Citation:
    return Citation(**{k: v for k, v in stored.items() if k in Citation.__dataclass_fields__})


def _claim(session, event_id: str) -> bool:
    inserted = session.execute(
        insert(ProcessedEvent).values(event_id=event_id).on_conflict_do_nothing().returning(ProcessedEvent.event_id)
    ).first()
    return inserted is not None

