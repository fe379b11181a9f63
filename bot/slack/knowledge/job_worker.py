"""The knowledge jobs (saved threads, the weekly digest) run inside `docbot serve`: one server does the whole job.

A procrastinate worker on a thread of its own, with its own event loop, takes jobs from the same queue
`docbot worker` does (ingests and re-syncs too), so a save is done whether or not a worker runs elsewhere;
`docbot serve --job-workers 0` leaves them all to `docbot worker`. Each job still runs once: procrastinate
hands a job to one worker (`FOR UPDATE SKIP LOCKED`).
"""

import asyncio
import logging
import threading

import procrastinate

from bot.settings import Settings
from bot.slack.knowledge import jobs as knowledge_jobs
from ingestion.queue import QUEUE, make_app

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # LISTEN/NOTIFY wakes the worker at once; polling is the fallback


class JobWorker:
    def __init__(self, settings: Settings, url: str, *, concurrency: int = 1) -> None:
        self.app: procrastinate.App = make_app(settings, url, more_tasks=[knowledge_jobs.register])
        self.concurrency = concurrency
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    def start(self, timeout: float = 30.0) -> None:
        self._thread = threading.Thread(target=self._run, name="docbot-job-worker", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            logger.error("the job worker did not start within %.0f s", timeout)

    def stop(self, timeout: float = 30.0) -> None:
        """Cancels the worker (a job in progress is put back by procrastinate's stalled-job check); again: nothing."""
        if self._loop is not None and self._task is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._task.cancel)
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._task = self._loop.create_task(self._work())
        try:
            self._loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        except Exception:  # noqa: BLE001 - the server keeps acknowledging; saves wait for a worker
            logger.exception("the job worker stopped")
        finally:
            self._loop.close()

    async def _work(self) -> None:
        async with self.app.open_async():
            self._ready.set()
            logger.info("running knowledge jobs in this process concurrency=%d", self.concurrency)
            await self.app.run_worker_async(
                queues=[QUEUE], concurrency=self.concurrency, wait=True, install_signal_handlers=False,
                fetch_job_polling_interval=POLL_SECONDS,
            )
