"""Periodic re-syncs (`docbot ingest … --every 1h`): the `sync_sources` rows, which are due, and ending one."""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, text
from sqlalchemy.dialects.postgresql import insert

from bot.db.engine import Database
from bot.db.models import SyncSource
from bot.errors import ConfigError
from bot.url_redaction import redact_location

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_EVERY_SECONDS = 60  # the worker looks for due re-syncs once a minute


@dataclass(frozen=True)
class DueSync:
    sync_source_id: int
    collection: str
    location: str  # as given: a URL keeps the credentials it needs

    @property
    def shown_location(self) -> str:
        return redact_location(self.location)


@dataclass(frozen=True)
class ScheduledSync:
    id: int
    collection: str
    location: str  # redacted: a URL's credentials are not shown
    every_seconds: int
    last_synced_at: datetime | None


def parse_every(value: str) -> int:
    """'90s', '30m', '1h', '1d' or plain seconds → seconds."""
    match = _DURATION.match(value.lower())
    if not match:
        raise ConfigError(f"--every: {value!r} is not a duration like 30m, 1h or 1d")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds < MIN_EVERY_SECONDS:
        raise ConfigError(f"--every: {value!r} is shorter than the minimum of {MIN_EVERY_SECONDS} seconds")
    return seconds


def register(database: Database, collection_id: int, location: str, every_seconds: int) -> None:
    with database.session() as session:
        statement = insert(SyncSource).values(
            collection_id=collection_id, location=location, every_seconds=every_seconds, last_synced_at=text("now()")
        )
        session.execute(statement.on_conflict_do_update(
            index_elements=["collection_id", "location"], set_={"every_seconds": statement.excluded.every_seconds}
        ))


def claim_due(database: Database) -> list[DueSync]:
    """Due re-syncs, each claimed by moving its `last_synced_at` to now: several workers never claim one twice."""
    with database.session() as session:
        rows = session.execute(text(
            """
            UPDATE sync_sources s SET last_synced_at = now()
              FROM collections c
             WHERE c.id = s.collection_id
               AND s.id IN (
                   SELECT id FROM sync_sources
                    WHERE every_seconds IS NOT NULL
                      AND (last_synced_at IS NULL OR last_synced_at + every_seconds * interval '1 second' <= now())
                    FOR UPDATE SKIP LOCKED)
            RETURNING s.id, c.name, s.location
            """
        ))
        return [DueSync(*row) for row in rows]


def list_scheduled(database: Database) -> list[ScheduledSync]:
    with database.session() as session:
        rows = session.execute(text(
            """
            SELECT s.id, c.name, s.location, s.every_seconds, s.last_synced_at
              FROM sync_sources s JOIN collections c ON c.id = s.collection_id
             WHERE s.every_seconds IS NOT NULL
             ORDER BY c.name, s.location
            """
        ))
        return [ScheduledSync(id, name, redact_location(location), every, last) for id, name, location, every, last in rows]


def cancel(database: Database, sync_id: int) -> ScheduledSync | None:
    """Ends the re-sync `sync_id` (its documents stay); the one ended, or None if there was none."""
    found = next((sync for sync in list_scheduled(database) if sync.id == sync_id), None)
    if found:
        with database.session() as session:
            session.execute(delete(SyncSource).where(SyncSource.id == sync_id))
    return found


def cancel_queued(database: Database, collection: str) -> int:
    """Cancels the collection's ingests waiting in the queue (a re-sync deferred a moment ago, say): how many."""
    with database.session() as session:
        return session.execute(text(
            """
            UPDATE procrastinate_jobs SET status = 'cancelled'
             WHERE status = 'todo' AND task_name = 'docbot.ingest' AND args->>'collection' = :collection
            """
        ), {"collection": collection}).rowcount
