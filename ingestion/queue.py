"""The ingest queue in Postgres (procrastinate): jobs deferred by `docbot ingest --enqueue`, run by workers.

Each job runs once: procrastinate hands a job to one worker (`FOR UPDATE SKIP LOCKED`). A worker killed
mid-job stops its heartbeat; the job is put back in the queue by the next worker to start, or by the
once-a-minute maintenance task of any running worker, and its rerun is safe: documents already
swapped are unchanged, the rest are swapped whole (see `bot.index.store.swap_document`).
"""

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued

from bot.db.engine import Database, connect, psycopg_url
from bot.settings import Settings
from ingestion import runs, schedule
from ingestion.pipeline import run_ingest
from ingestion.progress import ProgressSnapshot, ProgressWatcher, every

logger = logging.getLogger(__name__)

QUEUE = "ingest"
INGEST_TASK = "docbot.ingest"
MAINTENANCE_TASK = "docbot.maintenance"
STALLED_AFTER_SECONDS = 60.0  # a worker silent this long (it beats every 10 s) is taken for dead
PROGRESS_LOG_EVERY_SECONDS = 5.0  # a running job's progress line in the worker's log


@dataclass
class QueueContext:
    """What tasks need: the settings, and a database opened on first use in the worker."""

    settings: Settings
    stalled_after: float = STALLED_AFTER_SECONDS
    _database: Database | None = field(default=None, repr=False)

    @property
    def database(self) -> Database:
        if self._database is None:
            self._database = connect(self.settings)
        return self._database


# Registers more tasks on the app (the Slack side's saved threads and gap digest), given the app, the context
# and the queue: the caller passes them in, so ingestion never imports the Slack side.
TaskRegistrar = Callable[[procrastinate.App, "QueueContext", str], None]


def make_app(
    settings: Settings, url: str, *, stalled_after: float = STALLED_AFTER_SECONDS, more_tasks: Sequence[TaskRegistrar] = ()
) -> procrastinate.App:
    """The procrastinate app for the database at `url`, with the ingest tasks and `more_tasks` registered."""
    context = QueueContext(settings=settings, stalled_after=stalled_after)
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=psycopg_url(url)))

    @app.task(name=INGEST_TASK, queue=QUEUE, pass_context=True)
    def ingest_job(job_context, collection: str, locations: list[str], run_id: int | None = None) -> dict:
        job_id = job_context.job.id
        if run_id is None:  # a periodic re-sync: its run is recorded when it starts
            run_id = runs.start_run(context.database, collection, locations)
        runs.mark(context.database, run_id, runs.RUNNING, job_id=job_id)
        logger.info("ingest job started job=%s run=%s collection=%s", job_id, run_id, collection)
        summary = run_ingest(context.database, context.settings, locations, collection, run_id, progress=_progress_log(job_id, run_id))
        return {"run_id": run_id, "chunks_embedded": summary.chunks_embedded}

    @app.periodic(cron="* * * * *", periodic_id="maintenance")
    @app.task(name=MAINTENANCE_TASK, queue=QUEUE, queueing_lock=MAINTENANCE_TASK)
    async def maintenance(timestamp: int) -> None:
        await reclaim_stalled_jobs(app, context.stalled_after)
        for due in await asyncio.to_thread(schedule.claim_due, context.database):
            await defer_sync(app, due)

    for register in more_tasks:
        register(app, context, QUEUE)
    app.docbot_context = context  # type: ignore[attr-defined]
    return app


def _progress_log(job_id: int, run_id: int) -> ProgressWatcher:
    """Logs a job's counts and rates every few seconds: no sources, which may be URLs, and no text."""

    def log(progress: ProgressSnapshot) -> None:
        eta = progress.eta_seconds
        logger.info(
            "ingest progress job=%s run=%s found=%d read=%d embedded=%d chunks_per_s=%.1f pages_per_s=%.2f eta_s=%s "
            "skipped=%d errors=%d done=%s",
            job_id, run_id, progress.found, progress.read, progress.embedded, progress.chunks_per_second,
            progress.pages_per_second, "?" if eta is None else f"{eta:.0f}", progress.skipped, progress.errors, progress.done,
        )

    return every(PROGRESS_LOG_EVERY_SECONDS, log)


async def reclaim_stalled_jobs(app: procrastinate.App, stalled_after: float) -> int:
    """Puts back in the queue the jobs of workers that stopped beating (killed, or their machine lost)."""
    stalled = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after))
    for job in stalled:
        logger.warning("retrying stalled job job=%s task=%s", job.id, job.task_name)
        await app.job_manager.retry_job(job)
    return len(stalled)


def enqueue(app: procrastinate.App, database: Database, collection: str, locations: list[str]) -> tuple[int, int]:
    """Records a queued run and defers its job; returns (run id, job id)."""
    run_id = runs.start_run(database, collection, locations, state=runs.QUEUED)
    job_id = app.tasks[INGEST_TASK].defer(collection=collection, locations=locations, run_id=run_id)
    runs.mark(database, run_id, runs.QUEUED, job_id=job_id)
    return run_id, job_id


async def defer_sync(app: procrastinate.App, due: schedule.DueSync) -> None:
    task = app.tasks[INGEST_TASK].configure(queueing_lock=f"sync-{due.sync_source_id}")
    try:
        await task.defer_async(collection=due.collection, locations=[due.location])
        logger.info("re-sync deferred location=%s collection=%s", due.shown_location, due.collection)
    except AlreadyEnqueued:
        logger.info("re-sync already queued location=%s collection=%s", due.shown_location, due.collection)
