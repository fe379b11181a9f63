"""Periodic re-syncs (`docbot ingest … --every 1h`): the `sync_sources` rows, and which are due."""

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert

from bot.db.engine import Database
from bot.db.models import SyncSource
from bot.errors import ConfigError

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_EVERY_SECONDS = 60  # the worker looks for due re-syncs once a minute


@dataclass(frozen=True)
class DueSync:
    sync_source_id: int
    collection: str
    location: str


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
