"""The `ingest_runs` log: each ingest, in-process or queued, with its state, summary and error."""

from typing import Any

from sqlalchemy import func, update

from bot.db.engine import Database
from bot.db.models import IngestRun
from ingestion.progress import ProgressSnapshot
from ingestion.summary import IngestSummary
from bot.url_redaction import redact_location

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


def start_run(database: Database, collection: str, locations: list[str], *, state: str = RUNNING) -> int:
    with database.session() as session:
        run = IngestRun(collection=collection, locations=[redact_location(location) for location in locations], state=state)
        session.add(run)
        session.flush()
        return run.id


def mark(database: Database, run_id: int, state: str, **values: Any) -> None:
    with database.session() as session:
        if state == RUNNING:
            values.setdefault("started_at", func.now())
        if state in (DONE, FAILED):
            values.setdefault("finished_at", func.now())
        session.execute(update(IngestRun).where(IngestRun.id == run_id).values(state=state, **values))


def record_progress(database: Database, run_id: int, progress: ProgressSnapshot) -> None:
    """Keeps a running run's progress in its summary, where `docbot jobs` reads it (the final summary replaces it)."""
    with database.session() as session:
        session.execute(
            update(IngestRun).where(IngestRun.id == run_id, IngestRun.state == RUNNING).values(summary={"progress": progress.to_json()})
        )


def finish_run(database: Database, run_id: int, summary: IngestSummary) -> None:
    mark(database, run_id, DONE, summary=summary.to_json(), error=None)


def fail_run(database: Database, run_id: int, error: str, summary: IngestSummary | None = None) -> None:
    mark(database, run_id, FAILED, error=error[:2000], **({"summary": summary.to_json()} if summary else {}))

