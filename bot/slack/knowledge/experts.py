"""Ask an expert: when the docs fall short, a person is brought in, and their answer becomes a document.

    docbot abstains, or the asker votes 👎 → the reply offers "Ask an expert"
    pressed → the experts are mentioned in the thread with the question (once per thread); from a DM, in
              the channel named by EXPERTS_CHANNEL
    an expert replies there → the asker's (or an expert's) ✅ on the reply saves the thread as a document
              (the knowledge loop's save job), and the request, so the gap, is marked answered

A request is claimed (a row, unique per thread) before the experts are mentioned, so two presses mention
them once; if Slack refuses the mention, the claim is dropped and the button works again.
"""

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from bot.db.engine import Database
from bot.db.models import Conversation, ExpertRequest, Message
from bot.settings import Settings
from bot.slack.common import texts
from bot.slack.common.formatting import escape
from bot.slack.knowledge.expert_list import channel_experts, members, mentions
from bot.slack.knowledge.save_requests import SAVE_REACTION
from bot.slack.knowledge.thread_saver import SaveRequest

logger = logging.getLogger(__name__)

QUESTION_CHARS = 500  # of the question quoted in the mention


@dataclass(frozen=True)
class _Asked:
    team_id: str
    channel_id: str
    thread_ts: str
    question_id: int
    question: str
    asker_id: str


class ExpertDesk:
    def __init__(self, database: Database, settings: Settings, client: WebClient) -> None:
        self.database = database
        self.settings = settings
        self.client = client

    def experts_for(self, channel_id: str) -> list[str]:
        """The channel's own experts, else the workspace's (DMs and the assistant always use the workspace's)."""
        own = [] if _is_dm(channel_id) else channel_experts(self.database, channel_id)
        return own or list(self.settings.experts)

    def available(self, channel_id: str) -> bool:
        """Whether "Ask an expert" can reach anyone from this channel."""
        return bool(self.experts_for(channel_id)) and (not _is_dm(channel_id) or bool(self.settings.experts_channel))

    def offers_after_downvote(self, answer_id: int, user_id: str) -> bool:
        """A 👎 from the person who asked, on an answer whose thread hasn't gone to the experts yet."""
        asked = self._asked(answer_id, None)
        return asked is not None and asked.asker_id == user_id and self.available(asked.channel_id) and not self._requested(asked)

    def ask(self, *, answer_id: int, user_id: str, channel_id: str) -> str:
        """Brings the experts in on the question `answer_id` answered; what the person who pressed is told."""
        asked = self._asked(answer_id, channel_id)
        if asked is None:
            return texts.EXPERTS_UNKNOWN
        experts = self.experts_for(asked.channel_id)
        if not experts:
            return texts.EXPERTS_NONE
        if _is_dm(asked.channel_id) and not self.settings.experts_channel:
            return texts.EXPERTS_NO_DM_CHANNEL
        request_id = self._claim(asked, experts)
        if request_id is None:
            return texts.EXPERTS_ALREADY
        try:
            posted_channel, posted_ts = self._mention(asked, experts)
        except SlackApiError as error:
            logger.warning("could not ask the experts channel=%s error=%s", asked.channel_id, error.response.get("error"))
            with self.database.session() as session:
                session.execute(delete(ExpertRequest).where(ExpertRequest.id == request_id))
            return texts.EXPERTS_FAILED
        with self.database.session() as session:
            session.execute(update(ExpertRequest).where(ExpertRequest.id == request_id).values(posted_channel_id=posted_channel, posted_ts=posted_ts))
        logger.info("experts asked request=%s channel=%s by=%s", request_id, asked.channel_id, user_id)
        return texts.EXPERTS_ASKED

    def note_reply(self, channel_id: str, thread_ts: str, ts: str) -> bool:
        """A person replied in a thread the experts were asked in: their reply can now be ✅'d."""
        with self.database.session() as session:
            updated = session.execute(
                update(ExpertRequest)
                .where(ExpertRequest.posted_channel_id == channel_id, ExpertRequest.posted_ts == thread_ts, ExpertRequest.answered_at.is_(None))
                .values(replies=ExpertRequest.replies.op("||")(func.jsonb_build_array(ts)))
            )
            return bool(updated.rowcount)

    def save_for_reaction(self, team_id: str, event: dict[str, Any]) -> SaveRequest | None:
        """A ✅ on a reply in an expert thread, from the asker or one of the experts: that thread is saved."""
        item = event.get("item") or {}
        reactor = event.get("user")
        if event.get("reaction") != SAVE_REACTION or item.get("type") != "message" or not reactor:
            return None
        with self.database.session() as session:
            request = session.execute(
                select(ExpertRequest.team_id, ExpertRequest.posted_channel_id, ExpertRequest.posted_ts, ExpertRequest.asker_id, ExpertRequest.experts)
                .where(ExpertRequest.posted_channel_id == item.get("channel"), ExpertRequest.replies.contains([item.get("ts")]))
            ).first()
        if request is None:
            return None
        if reactor != request.asker_id and reactor not in members(self.client, request.experts):
            return None
        return SaveRequest(
            team_id=request.team_id or team_id, channel_id=request.posted_channel_id, thread_ts=request.posted_ts, user_id=reactor,
            expert_thread=True,
        )

    # -- steps ------------------------------------------------------------------------------------------------

    def _asked(self, answer_id: int, channel_id: str | None) -> _Asked | None:
        """The question an answer replied to; None when unknown or (a forged value) answered in another channel."""
        with self.database.session() as session:
            row = session.execute(
                select(Conversation.team_id, Conversation.channel_id, Conversation.thread_ts, Message.reply_to)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Message.id == answer_id, Message.role == "assistant")
            ).first()
            if row is None or (channel_id is not None and row.channel_id != channel_id):
                return None
            question = session.get(Message, int(row.reply_to.get("question_id") or 0))
            if question is None:
                return None
            return _Asked(row.team_id, row.channel_id, row.thread_ts, question.id, question.text, question.user_id or "")

    def _requested(self, asked: _Asked) -> bool:
        with self.database.session() as session:
            return session.scalar(
                select(ExpertRequest.id).where(ExpertRequest.channel_id == asked.channel_id, ExpertRequest.thread_ts == asked.thread_ts)
            ) is not None

    def _claim(self, asked: _Asked, experts: list[str]) -> int | None:
        with self.database.session() as session:
            return session.scalar(
                insert(ExpertRequest)
                .values(team_id=asked.team_id, channel_id=asked.channel_id, thread_ts=asked.thread_ts, question_id=asked.question_id,
                        asker_id=asked.asker_id, experts=experts)
                .on_conflict_do_nothing(index_elements=["channel_id", "thread_ts"])
                .returning(ExpertRequest.id)
            )

    def _mention(self, asked: _Asked, experts: list[str]) -> tuple[str, str]:
        """Posts the question to the experts; the thread they answer in (channel, ts)."""
        question = escape(asked.question if len(asked.question) <= QUESTION_CHARS else asked.question[: QUESTION_CHARS - 1] + "…")
        if not _is_dm(asked.channel_id):
            text = texts.EXPERTS_IN_THREAD.format(mentions=mentions(experts), asker=asked.asker_id, question=question)
            self.client.chat_postMessage(channel=asked.channel_id, thread_ts=asked.thread_ts, text=text)
            return asked.channel_id, asked.thread_ts
        channel = str(self.settings.experts_channel)
        text = texts.EXPERTS_FROM_DM.format(mentions=mentions(experts), asker=asked.asker_id, question=question)
        posted = self.client.chat_postMessage(channel=channel, text=text)
        self.client.chat_postMessage(channel=asked.channel_id, thread_ts=asked.thread_ts, text=texts.EXPERTS_TOLD_IN_DM.format(channel=channel))
        return channel, str(posted["ts"])


def _is_dm(channel_id: str) -> bool:
    return channel_id.startswith("D")
