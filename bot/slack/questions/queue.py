"""Pending questions as a queue in Postgres, shared by every answering process on every host.

A question is claimed in one short transaction: `FOR UPDATE SKIP LOCKED` picks a due pending row that no
other process is claiming at that moment, and a session advisory lock on the question, held on the claim's
own connection until the answer is done, makes its answerer the only one. A process killed mid-answer loses
its connection and with it the lock, so the question can be claimed again; a live but slow answerer keeps
it. Each claim counts an attempt and sets when the next may start (a backoff that doubles), which is when a
question whose answerer died becomes due again. New questions are announced with NOTIFY, so idle answerers
wake at once instead of polling.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from sqlalchemy import Connection, text

from bot.db.engine import Database, psycopg_url, translate_errors

logger = logging.getLogger(__name__)

CHANNEL = "docbot_questions"

# Advisory lock keys share one 64-bit space with anything else using them; a fixed high tag keeps ours apart.
_LOCK_TAG = 0x646F63 << 40

_CANDIDATES = text(
    """
    SELECT id FROM messages
    WHERE role = 'user' AND status = 'pending' AND (:any_time OR next_attempt_at <= now())
    ORDER BY next_attempt_at, id
    LIMIT 20
    FOR UPDATE SKIP LOCKED
    """
)
_TAKEN = text(
    """
    UPDATE messages SET attempts = attempts + 1,
        next_attempt_at = now() + make_interval(secs => :retry_seconds * power(2, attempts))
    WHERE id = :id RETURNING attempts
    """
)
_STILL_ANSWERED = text("UPDATE messages SET next_attempt_at = now() + make_interval(secs => :retry_seconds) WHERE id = :id")


def lock_key(question_id: int) -> int:
    return _LOCK_TAG | question_id


def announce(session) -> None:
    """Wakes idle answerers when the caller's transaction commits (NOTIFY is transactional)."""
    session.execute(text(f"NOTIFY {CHANNEL}"))


@dataclass
class Claim:
    question_id: int
    attempt: int  # 1 for the first try
    connection: Connection  # holds the question's advisory lock until released


class QuestionQueue:
    def __init__(self, database: Database, *, retry_seconds: float = 30.0) -> None:
        self.database = database
        self.retry_seconds = retry_seconds  # after the first attempt; doubled after each further one
        self._listener: psycopg.Connection | None = None

    def claim(self, *, any_time: bool = False, skip: frozenset[int] = frozenset()) -> Claim | None:
        """The next due pending question, locked for this process; None when there is none.

        `any_time` also takes questions whose backoff has not run out (at start-up: their answerer is gone
        unless its lock says otherwise). Questions in `skip` are left alone.
        """
        connection = self.database.engine.connect()
        try:
            with translate_errors(self.database.url):
                claim = self._claim_on(connection, any_time, skip)
        except BaseException:
            connection.invalidate()  # it may hold a lock: never back into the pool
            connection.close()
            raise
        if claim is None:
            connection.close()
        return claim

    def _claim_on(self, connection: Connection, any_time: bool, skip: frozenset[int]) -> Claim | None:
        with connection.begin():
            for question_id in connection.execute(_CANDIDATES, {"any_time": any_time}).scalars().all():
                if question_id in skip:
                    continue
                if not connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(question_id)}).scalar():
                    # Its answerer is alive and still at it: look again after another interval.
                    connection.execute(_STILL_ANSWERED, {"id": question_id, "retry_seconds": self.retry_seconds})
                    continue
                attempt = connection.execute(_TAKEN, {"id": question_id, "retry_seconds": self.retry_seconds}).scalar_one()
                return Claim(question_id=question_id, attempt=attempt, connection=connection)
        return None

    def release(self, claim: Claim) -> None:
        """Ends the claim; never raises (a broken connection has released the lock already)."""
        try:
            claim.connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(claim.question_id)})
            claim.connection.commit()
        except Exception:  # noqa: BLE001 - discarding the connection releases the lock too
            logger.debug("could not unlock question=%s", claim.question_id, exc_info=True)
            # Advisory locks are re-entrant per session: a pooled connection still holding one would let this
            # process claim the question again, so it is discarded, not returned to the pool.
            claim.connection.invalidate()
        finally:
            claim.connection.close()

    @contextmanager
    def claimed(self, **options) -> Iterator[Claim | None]:
        claim = self.claim(**options)
        try:
            yield claim
        finally:
            if claim is not None:
                self.release(claim)

    def wait_for_new(self, timeout: float) -> bool:
        """Waits up to `timeout` seconds for a new question to be announced; True when one was."""
        with translate_errors(self.database.url):
            if self._listener is None or self._listener.closed:
                self._listener = psycopg.connect(psycopg_url(self.database.url), autocommit=True)
                self._listener.execute(f"LISTEN {CHANNEL}")
            try:
                return any(True for _ in self._listener.notifies(timeout=timeout, stop_after=1))
            except psycopg.Error:
                self.close()
                raise

    def close(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass
            self._listener = None
