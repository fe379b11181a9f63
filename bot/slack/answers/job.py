"""Answering one claimed question: status → answer → deliver; on any failure a `:warning:` reply and a log entry.

The same job answers a question just acknowledged and one left pending by a crash, so both behave alike.
The messages the answer goes into, and the answer once generated, are stored as they come into being: a
question an earlier attempt already answered but didn't mark answered gets that answer delivered into the
same messages, not a second one; one interrupted mid-stream is answered again in the message it left.
"""

import logging
import time
from dataclasses import dataclass
from functools import partial

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answering.types import Answer, Answerer
from bot.errors import ChannelCheckFailed, DatabaseError, LLMError, SlackError
from bot.slack.common import metrics
from bot.slack.common import texts
from bot.slack.common.access import ChannelAccess
from bot.slack.questions.conversations import ConversationStore
from bot.slack.questions.question import StoredQuestion
from bot.slack.answers.replies import Reply, reply_for
from bot.slack.answers.thread_reply import STREAM_SECONDS
from bot.slack.knowledge.experts import ExpertDesk

logger = logging.getLogger(__name__)

QUOTABLE_ORIGINS = ("mention", "followup", "shortcut")  # asked where the channel reads it


@dataclass
class AnswerJob:
    store: ConversationStore
    access: ChannelAccess
    answerer: Answerer
    client: WebClient
    throttle_seconds: float = 1.0
    stream_seconds: float = STREAM_SECONDS
    experts: ExpertDesk | None = None  # None: no "Ask an expert"

    def run(self, question_id: int) -> None:
        """Answers a question this process holds the claim on (`QuestionQueue.claim`)."""
        question = self.store.load(question_id)
        if question is None or question.status != "pending":
            return
        reply = self._reply(question)
        started = time.monotonic()
        try:
            if question.answer_id is not None:
                outcome = self._deliver_stored(question, reply)
            else:
                outcome = self._answer(question, reply)
            metrics.ANSWERS.labels(outcome="answered" if isinstance(outcome, int) else str(outcome)).inc()
        except Exception as error:  # noqa: BLE001 - every failure ends in a reply, never in silence
            kind = type(error).__name__
            logger.exception("answer failed question=%s kind=%s", question_id, kind)
            metrics.ERRORS.labels(kind=kind).inc()
            metrics.ANSWERS.labels(outcome="failed").inc()
            reply.fail(user_text(error))
            self._mark_failed(question_id)
        finally:
            metrics.ANSWER_SECONDS.observe(time.monotonic() - started)

    def give_up(self, question_id: int, attempts: int) -> None:
        """Its answerers kept dying: the warning goes into the message they left (or a new one)."""
        question = self.store.load(question_id)
        if question is None or question.status != "pending":
            return
        logger.warning("giving up on question=%s after attempts=%d", question_id, attempts)
        metrics.ANSWERS.labels(outcome="failed").inc()
        self._reply(question).fail(texts.FAILED_GENERIC)
        self._mark_failed(question_id)

    def _reply(self, question: StoredQuestion) -> Reply:
        return reply_for(
            question.reply_to,
            self.client,
            throttle_seconds=self.throttle_seconds,
            stream_seconds=self.stream_seconds,
            ask_expert=self.experts is not None and self.experts.available(question.reply_to.channel_id),
            existing=question.reply_messages,
            on_messages=partial(self.store.remember_reply_messages, question.id),
        )

    def _answer(self, question: StoredQuestion, reply: Reply) -> int | str:
        to = question.reply_to
        if not question.text:
            reply.say(texts.EMPTY_QUESTION if to.origin != "ask" else texts.ASK_USAGE)
            self.store.mark_failed(question.id)
            return "empty"
        reply.show_progress()
        if question.is_first and to.origin == "assistant":
            reply.set_title(question.text)
        access = self.access.for_question(to.channel_id, to.user_id, to.team_id)
        if access.refusal:
            reply.say(access.refusal)
            self.store.mark_failed(question.id)
            return "refused"
        history = self.store.history(question)
        reply.show_plan(access.collections)
        answer = self.answerer.answer(
            question.text, collections=access.collections, history=history, on_token=reply.on_token,
            on_progress=reply.on_progress, shown_in=access.shown_in,
        )
        # Only a question asked in the open (a public channel of ours, not /ask or the assistant pane) may be
        # quoted later in gap lists; the rest count toward their topic without their text or channel.
        answer_id = self.store.save_answer(question, answer, quotable=access.quotable and to.origin in QUOTABLE_ORIGINS)
        self._deliver(question, reply, answer, answer_id)
        logger.info(
            "answered question=%s answer=%s collections=%s citations=%d abstained=%s",
            question.id, answer_id, ",".join(access.collections), len(answer.citations), answer.abstained,
        )
        return answer_id

    def _deliver_stored(self, question: StoredQuestion, reply: Reply) -> int | str:
        """An earlier attempt generated the answer and may have delivered it: deliver it (again) in its messages."""
        assert question.answer_id is not None
        answer = self.store.load_answer(question.answer_id)
        if answer is None:
            return self._answer(question, reply)
        self._deliver(question, reply, answer, question.answer_id)
        logger.info("delivered the stored answer question=%s answer=%s", question.id, question.answer_id)
        return question.answer_id

    def _deliver(self, question: StoredQuestion, reply: Reply, answer: Answer, answer_id: int) -> None:
        try:
            ts = reply.finish(answer, answer_id)
        except Exception:
            self.store.mark_failed(answer_id)  # not in the history: the asker never saw it
            raise
        self.store.mark_answered(question.id, answer_id, ts)

    def _mark_failed(self, question_id: int) -> None:
        try:
            self.store.mark_failed(question_id)
        except DatabaseError:
            logger.exception("could not mark the question failed id=%s (it stays pending)", question_id)


def user_text(error: Exception) -> str:
    """A short reason a user understands; the details stay in the log."""
    if isinstance(error, ChannelCheckFailed):
        return texts.FAILED_CHANNEL_CHECK
    if isinstance(error, SlackError | SlackApiError):
        return texts.FAILED_SLACK
    if isinstance(error, LLMError):
        return texts.FAILED_MODEL
    if isinstance(error, DatabaseError):
        return texts.FAILED_DATABASE
    return texts.FAILED_GENERIC
