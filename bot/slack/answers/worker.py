"""Answering questions taken from Postgres: one claiming loop feeding a small pool of answer threads.

The loop claims pending questions (`QuestionQueue`) while a thread is free, and sleeps until a new question
is announced or `poll_seconds` pass. At start it takes every pending question nobody holds, however recent
their last attempt: the answerer they had is gone. A question claimed more than `max_attempts` times (its
answerers died each time) gets the short warning and is marked failed. The same loop, in as many processes
on as many hosts as wanted, shares the questions: each is answered by one of them.
"""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bot.slack.answers.job import AnswerJob
from bot.slack.questions.queue import Claim, QuestionQueue

logger = logging.getLogger(__name__)

# Slack event ids are forgotten this often (they only need to outlive Slack's retries).
FORGET_EVENTS_SECONDS = 3600.0


class AnswerWorker:
    def __init__(
        self,
        job: AnswerJob,
        queue: QuestionQueue,
        *,
        threads: int = 4,
        poll_seconds: float = 5.0,
        max_attempts: int = 3,
    ) -> None:
        self.job = job
        self.queue = queue
        self.threads = threads
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="docbot-answer")
        self._free = threading.Semaphore(threads)
        self._stopping = threading.Event()
        self._loop: threading.Thread | None = None
        self.recovered = threading.Event()  # set once the start-up pass over left-over questions is done

    def start(self) -> None:
        self._loop = threading.Thread(target=self._run_loop, name="docbot-answer-claims", daemon=True)
        self._loop.start()

    def ready(self) -> bool:
        """Models load on the first question here (the answer worker process warms them up before claiming)."""
        return True

    def stop(self, *, wait: bool = True) -> None:
        """Stops claiming; answers in progress finish, unclaimed ones stay pending for another answerer."""
        self._stopping.set()
        if self._loop is not None:
            self._loop.join(timeout=self.poll_seconds + 5)
        self.executor.shutdown(wait=wait, cancel_futures=True)
        self.queue.close()

    def _run_loop(self) -> None:
        recovered = False
        forgot_at = time.monotonic()
        while not self._stopping.is_set():
            try:
                if not recovered:
                    self.recover()
                    recovered = True
                    self.recovered.set()
                while self._claim_one(any_time=False):
                    pass
                if time.monotonic() - forgot_at > FORGET_EVENTS_SECONDS:
                    self.job.store.forget_events()
                    forgot_at = time.monotonic()
                self._wait_for_work()
            except Exception:  # noqa: BLE001 - the database may come back; the next round tries again
                logger.exception("claiming pending questions failed")
                self._stopping.wait(self.poll_seconds)

    def recover(self) -> int:
        """Claims every pending question no live answerer holds: the ones a crashed or stopped process left."""
        taken: set[int] = set()
        while self._claim_one(any_time=True, skip=frozenset(taken), taken=taken):
            pass
        if taken:
            logger.info("recovering pending questions count=%d", len(taken))
        return len(taken)

    def _claim_one(self, *, any_time: bool, skip: frozenset[int] = frozenset(), taken: set[int] | None = None) -> bool:
        """Claims one question when a thread is free and hands it over; False when there was nothing to take."""
        if not self._acquire_thread():
            return False
        try:
            claim = self.queue.claim(any_time=any_time, skip=skip)
        except BaseException:
            self._free.release()
            raise
        if claim is None:
            self._free.release()
            return False
        if taken is not None:
            taken.add(claim.question_id)
        self.executor.submit(self._answer, claim)
        return True

    def _acquire_thread(self) -> bool:
        while not self._stopping.is_set():
            if self._free.acquire(timeout=0.5):
                return True
        return False

    def _wait_for_work(self) -> None:
        deadline = time.monotonic() + self.poll_seconds
        while not self._stopping.is_set() and time.monotonic() < deadline:
            if self.queue.wait_for_new(timeout=min(1.0, deadline - time.monotonic())):
                return

    def _answer(self, claim: Claim) -> None:
        try:
            if claim.attempt > self.max_attempts:
                self.job.give_up(claim.question_id, claim.attempt - 1)
            else:
                self.job.run(claim.question_id)
        except Exception:  # noqa: BLE001 - a thread pool would swallow it silently
            logger.exception("answer job crashed question=%s (it stays pending)", claim.question_id)
        finally:
            self.queue.release(claim)
            self._free.release()
