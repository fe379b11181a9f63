"""A procrastinate worker on a thread of the test process: runs saved-thread and digest jobs like `docbot worker`."""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from bot.settings import Settings
from bot.slack.knowledge import jobs as knowledge_jobs
from ingestion.queue import QUEUE, make_app


@contextmanager
def running_queue_worker(settings: Settings, url: str) -> Iterator[None]:
    app = make_app(settings, url, more_tasks=[knowledge_jobs.register])
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, asyncio.Task] = {}

    async def work() -> None:
        async with app.open_async():
            ready.set()
            await app.run_worker_async(queues=[QUEUE], wait=True, install_signal_handlers=False, fetch_job_polling_interval=0.5)

    def run() -> None:
        holder["task"] = loop.create_task(work())
        try:
            loop.run_until_complete(holder["task"])
        except asyncio.CancelledError:
            pass
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="queue-worker", daemon=True)
    thread.start()
    if not ready.wait(30):
        raise RuntimeError("the queue worker did not start")
    try:
        yield
    finally:
        loop.call_soon_threadsafe(holder["task"].cancel)
        thread.join(30)
