"""`docbot worker` runs ingestion jobs: loads the model, puts stalled jobs back in the queue, then runs jobs until stopped."""

import asyncio
import logging

from bot.embeddings import load_embedder
from bot.settings import Settings
from collections.abc import Sequence

from ingestion.queue import QUEUE, STALLED_AFTER_SECONDS, TaskRegistrar, make_app, reclaim_stalled_jobs

logger = logging.getLogger(__name__)


def run_worker(
    settings: Settings,
    url: str,
    *,
    concurrency: int = 1,
    once: bool = False,
    heartbeat_seconds: float = 10.0,
    stalled_after: float = STALLED_AFTER_SECONDS,
    name: str | None = None,
    more_tasks: Sequence[TaskRegistrar] = (),
) -> None:
    """Runs jobs (ingests, and `more_tasks`) until SIGINT/SIGTERM (a running job finishes first), or until the queue is empty with `once`."""
    load_embedder(settings)  # seconds of loading happen before the worker takes a job, not inside one
    app = make_app(settings, url, stalled_after=stalled_after, more_tasks=more_tasks)
    asyncio.run(_run(app, concurrency=concurrency, once=once, heartbeat_seconds=heartbeat_seconds,
                     stalled_after=stalled_after, name=name))


async def _run(app, *, concurrency: int, once: bool, heartbeat_seconds: float, stalled_after: float, name: str | None) -> None:
    async with app.open_async():
        reclaimed = await reclaim_stalled_jobs(app, stalled_after)
        logger.info("worker ready name=%s reclaimed=%d concurrency=%d", name or "worker", reclaimed, concurrency)
        await app.run_worker_async(
            queues=[QUEUE],
            concurrency=concurrency,
            wait=not once,
            name=name,
            update_heartbeat_interval=heartbeat_seconds,
            stalled_worker_timeout=stalled_after,
            fetch_job_polling_interval=min(5.0, heartbeat_seconds),
        )
