"""Queue tasks for the knowledge loop, run by `docbot worker`: saving a thread, and the weekly gap digest.

The Slack side only defers them (a row in Postgres, before Slack gets its acknowledgement); the worker, which
already holds the embedding model, does the reading, embedding and posting.
"""

import logging
from typing import Any, Protocol

import procrastinate
from sqlalchemy import text

from bot.db.engine import Database
from bot.embeddings import load_embedder
from bot.settings import Settings
from bot.slack.common import texts
from bot.slack.common.client import build_client
from bot.slack.knowledge.expert_outcomes import mark_answered
from bot.slack.knowledge.gap_digest import post_digest
from bot.slack.knowledge.thread_saver import SaveRequest, ThreadSaver
from ingestion.queue import QUEUE

logger = logging.getLogger(__name__)

SAVE_THREAD_TASK = "docbot.save_thread"
GAP_DIGEST_TASK = "docbot.gap_digest"
DIGEST_CRON = "0 9 * * 1"  # Mondays, 09:00 UTC: the week's gaps at the start of the next


class WorkerContext(Protocol):
    settings: Settings

    @property
    def database(self) -> Database: ...


def register(app: procrastinate.App, context: WorkerContext, queue: str) -> None:
    """Adds the tasks to a worker's app (`docbot worker` passes this to `ingestion.queue.make_app`)."""
    savers: list[ThreadSaver] = []  # one per worker process, made on first use (it caches people's names)

    def saver() -> ThreadSaver:
        if not savers:
            savers.append(ThreadSaver(context.database, context.settings, build_client(context.settings)))
        return savers[0]

    @app.task(name=SAVE_THREAD_TASK, queue=queue, pass_context=True)
    def save_thread(job_context: Any, **request: Any) -> dict[str, Any]:
        save = SaveRequest(**request)
        thread_saver = saver()
        try:
            outcome = thread_saver.save(save)
        except Exception:
            logger.exception("saving a thread failed source=%s", save.source)
            thread_saver.tell(save, texts.FAILED_SAVE)
            forget_response_url(context.database, job_context.job.id)
            raise
        if outcome.saved and mark_answered(context.database, save.channel_id, save.thread_ts, save.source):
            logger.info("an expert's answer became a document source=%s", save.source)
        thread_saver.tell(save, outcome.text)
        forget_response_url(context.database, job_context.job.id)
        return {"saved": outcome.saved, "collection": outcome.collection, "review_id": outcome.review_id}

    @app.periodic(cron=DIGEST_CRON, periodic_id="weekly")
    @app.task(name=GAP_DIGEST_TASK, queue=queue, queueing_lock=GAP_DIGEST_TASK)
    def gap_digest(timestamp: int) -> int:
        channel = context.settings.digest_channel
        if not channel:
            return 0
        return post_digest(context.database, load_embedder(context.settings), build_client(context.settings), channel)


def forget_response_url(database: Database, job_id: int) -> None:
    """The shortcut's response_url is a credential for posting to the channel: once the saver is told, the
    queued job's arguments keep no copy (a retried job tells through chat.postEphemeral instead)."""
    with database.session() as session:
        session.execute(text("UPDATE procrastinate_jobs SET args = args - 'response_url' WHERE id = :id"), {"id": job_id})


def defer_save(app: procrastinate.App, request: SaveRequest) -> int:
    """Queues the save by the task's name (the bot process doesn't run it, so needn't register it); the job id."""
    return app.configure_task(name=SAVE_THREAD_TASK, queue=QUEUE).defer(**request.to_job())
