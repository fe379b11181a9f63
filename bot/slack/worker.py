"""Answers run on a small thread pool after the acknowledgement; pending questions left by a crash are picked up.

At start-up every pending question is queued; a sweeper also re-queues questions pending for longer than
`stale_after_seconds` (another process died holding them) and forgets event ids too old to be redelivered. The advisory lock in `AnswerJob` makes a question
answered once even when several processes queue it.
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from bot.slack.answer_job import AnswerJob

logger = logging.getLogger(__name__)


class AnswerWorker:
    def __init__(self, job: AnswerJob, *, threads: int = 4, sweep_seconds: float = 60.0, stale_after_seconds: float = 300.0) -> None:
        self.job = job
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="docbot-answer")
        self.sweep_seconds = sweep_seconds
        self.stale_after_seconds = stale_after_seconds
        self._stopping = threading.Event()
        self._sweeper: threading.Thread | None = None
        self._recovered = False

    def submit(self, question_id: int) -> None:
        self.executor.submit(self._run, question_id)

    def _run(self, question_id: int) -> None:
        try:
            self.job.run(question_id)
        except Exception:  # noqa: BLE001 - a thread pool would swallow it silently
            logger.exception("answer job crashed question=%s (it stays pending)", question_id)

    def recover(self) -> int:
        """Queues every pending question: the ones a crashed or stopped process had acknowledged."""
        pending = self.job.store.pending_ids()
        for question_id in pending:
            self.submit(question_id)
        if pending:
            logger.info("recovering pending questions count=%d", len(pending))
        self._recovered = True
        return len(pending)

    def start(self) -> None:
        self._recovered = False
        try:
            self.recover()
        except Exception:  # noqa: BLE001 - the database may come back; the sweeper tries again
            logger.exception("could not look for pending questions at start-up")
        self._sweeper = threading.Thread(target=self._sweep, name="docbot-sweeper", daemon=True)
        self._sweeper.start()

    def _sweep(self) -> None:
        while not self._stopping.wait(self.sweep_seconds):
            try:
                if not self._recovered:
                    self.recover()
                    continue
                for question_id in self.job.store.pending_ids(older_than_seconds=self.stale_after_seconds):
                    self.submit(question_id)
                self.job.store.forget_events()
            except Exception:  # noqa: BLE001 - the next sweep tries again
                logger.exception("sweeping pending questions failed")

    def stop(self, *, wait: bool = True) -> None:
        """Stops taking work; answers in progress finish, queued ones stay pending for the next start."""
        self._stopping.set()
        self.executor.shutdown(wait=wait, cancel_futures=True)
