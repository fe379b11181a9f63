"""Read-only views for the admin commands: documents, collections and ingest runs."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from bot.db.engine import Database
from ingestion.progress import ProgressSnapshot


@dataclass
class SourceRow:
    collection: str
    source: str
    location: str  # the folder, file or URL it came from: two folders may hold the same source
    title: str
    chunks: int
    updated: datetime


@dataclass
class CollectionRow:
    name: str
    model: str
    dimension: int
    documents: int
    chunks: int


@dataclass
class JobRow:
    run_id: int
    job: str
    state: str
    collection: str
    locations: list[str]
    started: datetime
    result: str
    error: str | None


def list_sources(database: Database, collection: str | None = None) -> list[SourceRow]:
    with database.session() as session:
        rows = session.execute(text(
            """
            SELECT c.name, d.source, d.location, d.title, (SELECT count(*) FROM chunks ch WHERE ch.document_id = d.id), d.updated_at
              FROM documents d JOIN collections c ON c.id = d.collection_id
             WHERE CAST(:collection AS text) IS NULL OR c.name = :collection
             ORDER BY c.name, d.source, d.location
            """
        ), {"collection": collection})
        return [SourceRow(*row) for row in rows]


def list_collections(database: Database) -> list[CollectionRow]:
    with database.session() as session:
        rows = session.execute(text(
            """
            SELECT c.name, c.embedding_model, c.embedding_dim,
                   (SELECT count(*) FROM documents d WHERE d.collection_id = c.id),
                   (SELECT count(*) FROM chunks ch WHERE ch.collection_id = c.id)
              FROM collections c ORDER BY c.name
            """
        ))
        return [CollectionRow(*row) for row in rows]


def list_jobs(database: Database, limit: int = 20) -> list[JobRow]:
    with database.session() as session:
        rows = session.execute(text(
            """
            SELECT r.id, r.job_id, j.status::text, j.attempts, r.state, r.collection, r.locations, r.started_at, r.summary, r.error
              FROM ingest_runs r LEFT JOIN procrastinate_jobs j ON j.id = r.job_id
             ORDER BY r.id DESC LIMIT :limit
            """
        ), {"limit": limit})
        return [_job_row(*row) for row in rows]


def _job_row(run_id, job_id, job_status, attempts, state, collection, locations, started, summary, error) -> JobRow:
    job = f"#{job_id} {job_status or 'gone'}" + (f" (attempts {attempts})" if attempts and attempts > 1 else "") if job_id else "in-process"
    result = ""
    if summary and "progress" in summary:  # still running: its latest progress, written about once a second
        result = ProgressSnapshot.from_json(summary["progress"]).describe()
    elif summary:
        result = (
            f"+{summary.get('added', 0)} ~{summary.get('updated', 0)} ={summary.get('unchanged', 0)} "
            f"-{summary.get('removed', 0)} skipped {len(summary.get('skipped', []))}, {summary.get('chunks_embedded', 0)} embedded"
        )
        if "chunks_per_second" in summary:  # runs recorded before the rates were kept lack them
            result += f" ({summary['chunks_per_second']:.1f} chunks/s, {summary['pages_per_second']:.1f} pages/s)"
    return JobRow(run_id, job, state, collection, list(locations), started, result, error)
