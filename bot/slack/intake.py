"""Taking a question in: stored as pending (deduplicated on its event id) before the ack, then queued."""

import logging

from bot.slack import metrics
from bot.slack.conversations import ConversationStore
from bot.slack.questions import IncomingQuestion
from bot.slack.worker import AnswerWorker

logger = logging.getLogger(__name__)


class QuestionIntake:
    def __init__(self, store: ConversationStore, worker: AnswerWorker) -> None:
        self.store = store
        self.worker = worker

    def take(self, question: IncomingQuestion) -> bool:
        """True when the question is new and queued; False for a retry or duplicate delivery."""
        question_id = self.store.record_question(question)
        if question_id is None:
            metrics.DUPLICATES.inc()
            logger.info("duplicate delivery ignored event=%s", question.event_id)
            return False
        self.worker.submit(question_id)
        return True

    def claim(self, event_id: str) -> bool:
        """For events that aren't questions (a new assistant thread): True the first time only."""
        if self.store.claim_event(event_id):
            return True
        metrics.DUPLICATES.inc()
        return False

    def answers_followups(self, team_id: str, channel_id: str, thread_ts: str) -> bool:
        return self.store.answers_followups(team_id, channel_id, thread_ts)
