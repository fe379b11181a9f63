"""Taking a question in: stored as pending (deduplicated on its event id) before the ack; answerers are told.

Nothing here waits on a model: the answer is written later by whichever answerer claims the question.
"""

import logging

from slack_sdk import WebClient

from bot.errors import DatabaseError
from bot.slack.common import metrics
from bot.slack.common import texts
from bot.slack.questions.conversations import ConversationStore
from bot.slack.answers.private_answers import delivered_privately_if_wanted
from bot.slack.questions.question import IncomingQuestion
from bot.slack.answers.replies import reply_for

logger = logging.getLogger(__name__)


class QuestionIntake:
    def __init__(self, store: ConversationStore, client: WebClient) -> None:
        self.store = store
        self.client = client

    def take(self, question: IncomingQuestion, *, last_delivery: bool = False) -> bool:
        """True when the question is new and stored; False for a retry or duplicate delivery.

        When it can't be stored, the error propagates (Slack gets a 500 and delivers again later), except on
        Slack's last delivery: then the asker gets a `:warning:` reply instead of silence.
        """
        try:
            question = delivered_privately_if_wanted(self.store.database, question)
            question_id = self.store.record_question(question)
        except DatabaseError:
            if not last_delivery:
                raise
            logger.exception("could not store the question on Slack's last delivery event=%s", question.event_id)
            metrics.ERRORS.labels(kind="DatabaseError").inc()
            reply_for(question.reply_to, self.client).fail(texts.FAILED_DATABASE)
            return False
        if question_id is None:
            metrics.DUPLICATES.inc()
            logger.info("duplicate delivery ignored event=%s", question.event_id)
            return False
        return True

    def claim(self, event_id: str) -> bool:
        """For events that aren't questions (a new assistant thread): True the first time only."""
        if self.store.claim_event(event_id):
            return True
        metrics.DUPLICATES.inc()
        return False

    def answers_followups(self, team_id: str, channel_id: str, thread_ts: str) -> bool:
        return self.store.answers_followups(team_id, channel_id, thread_ts)
