"""Channels where docbot answers privately (`channel_map.set_private_answers`): each answer goes only to the
asker, with a "Share to channel" button that posts it in the thread for everyone.

The choice is made when a question is taken in (it is stored with the question's delivery), so an answer
finished after a restart still goes where it would have gone.
"""

from dataclasses import replace

from sqlalchemy import literal_column, select, update
from sqlalchemy.orm import aliased

from bot.answering.types import Answer, Citation
from bot.db.engine import Database
from bot.db.models import Channel, Conversation, Message
from bot.slack.questions.question import IncomingQuestion

# Answers that would be posted in a channel's thread; DMs, the assistant pane and /ask are private already.
_CHANNEL_ORIGINS = ("mention", "followup", "shortcut")


def answers_privately(database: Database, channel_id: str) -> bool:
    with database.session() as session:
        return bool(session.scalar(select(Channel.private_answers).where(Channel.channel_id == channel_id)))


def delivered_privately_if_wanted(database: Database, question: IncomingQuestion) -> IncomingQuestion:
    """The question, to be answered to its asker only when its channel asks for private answers."""
    if question.reply_to.origin not in _CHANNEL_ORIGINS or not answers_privately(database, question.channel_id):
        return question
    return replace(question, reply_to=replace(question.reply_to, private=True))


def stored_answer(database: Database, answer_id: int, channel_id: str) -> tuple[Answer, str] | None:
    """The answer and its thread, when it exists and was given in `channel_id` (a forged button value isn't)."""
    with database.session() as session:
        row = session.execute(
            select(Message.text, Message.sources, Message.reply_to, Conversation.thread_ts)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.id == answer_id, Message.role == "assistant", Conversation.channel_id == channel_id)
        ).first()
    if row is None:
        return None
    citations = [Citation(**{k: v for k, v in source.items() if k in Citation.__dataclass_fields__}) for source in row.sources]
    return Answer(text=row.text, citations=citations, abstained=bool(row.reply_to.get("abstained"))), row.thread_ts


def asker_of(database: Database, answer_id: int) -> str | None:
    question = aliased(Message)
    with database.session() as session:
        return session.scalar(
            select(question.user_id).join(Message, question.id == Message.reply_to["question_id"].as_integer()).where(Message.id == answer_id)
        )


def claim_share(database: Database, answer_id: int) -> bool:
    """True for the one click that shares the answer: a double click, or Slack replaying the action, finds it
    claimed already (the claim is a key on the answer's delivery, set if absent in one statement)."""
    with database.session() as session:
        claimed = session.execute(
            update(Message)
            .where(Message.id == answer_id, ~Message.reply_to.has_key("shared"))
            .values(reply_to=literal_column("""reply_to || '{"shared": true}'::jsonb"""))
            .returning(Message.id)
        ).scalar()
    return claimed is not None


def release_share(database: Database, answer_id: int) -> None:
    """Posting failed: the answer may be shared again."""
    with database.session() as session:
        session.execute(update(Message).where(Message.id == answer_id).values(reply_to=literal_column("reply_to - 'shared'")))


def mark_shared(database: Database, answer_id: int, slack_ts: str) -> None:
    """The answer now has a message in the channel: reactions (✅) and feedback find it by its ts."""
    with database.session() as session:
        session.execute(update(Message).where(Message.id == answer_id).values(slack_ts=slack_ts))
