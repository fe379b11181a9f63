"""Builds the Slack bot: a sync Bolt `App` on a `WebClient` pointed at SLACK_API_URL, its listeners, and
what answers: answer worker processes (`docbot serve --answer-workers N`, `docbot answer-worker`) or, in
tests and embedded use, an `AnswerWorker` on threads of this process.

Listeners run before the acknowledgement (`process_before_response=True`) and only store the question, so
the ack means "stored"; answering happens afterwards, wherever a question is claimed.
"""

import logging
from dataclasses import dataclass
from typing import Protocol

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient

from bot.answering.types import Answerer
from bot.db.engine import Database
from bot.errors import SlackError
from bot.settings import Settings
from bot.slack.common import metrics
from bot.slack.common.access import ChannelAccess
from bot.slack.home.app_home import AppHome
from bot.slack.answers.job import AnswerJob
from bot.slack.answers.thread_reply import STREAM_SECONDS
from bot.slack.answers.worker import AnswerWorker
from bot.slack.common.client import build_client, required_secret as _required
from bot.slack.questions.conversations import ConversationStore
from bot.slack.questions.intake import QuestionIntake
from bot.slack.listeners import register, register_knowledge_loop
from bot.slack.questions.queue import QuestionQueue
from bot.slack.knowledge.experts import ExpertDesk
from bot.slack.knowledge.job_worker import JobWorker
from bot.slack.knowledge.save_requests import SaveQueue
from ingestion.queue import make_app as make_queue_app

logger = logging.getLogger(__name__)


class Answering(Protocol):
    """Whatever answers the questions this bot stores: started and stopped with the server."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def ready(self) -> bool: ...


@dataclass
class SlackBot:
    app: App
    database: Database
    answering: Answering | None = None  # None: answer workers elsewhere take the questions
    saves: SaveQueue | None = None  # saving threads: queued knowledge jobs
    jobs: JobWorker | None = None  # runs the knowledge jobs in this process (None: `docbot worker` elsewhere)

    def start(self) -> None:
        """Starts answering, beginning with questions a previous run acknowledged but did not answer, and the jobs."""
        if self.answering is not None:
            self.answering.start()
        if self.jobs is not None:
            self.jobs.start()

    def stop(self) -> None:
        if self.answering is not None:
            self.answering.stop()
        if self.jobs is not None:
            self.jobs.stop()
        if self.saves is not None:
            self.saves.close()

    def ready(self) -> bool:
        """True once answering can start (models loaded); a bot that only acknowledges is ready at once."""
        return self.answering is None or self.answering.ready()


def build_bot(
    settings: Settings,
    database: Database,
    answerer: Answerer | None = None,
    *,
    answering: Answering | None = None,
    socket_mode: bool = False,
    answer_threads: int = 4,
    throttle_seconds: float = 1.0,
    job_workers: int = 0,
) -> SlackBot:
    """With `answerer`, questions are answered on `answer_threads` threads of this process; otherwise by
    `answering` (answer worker processes), or by answer workers elsewhere when that is None too. With
    `job_workers`, that many knowledge jobs (saves, the digest) run at once in this process."""
    signing_secret = "" if socket_mode else _required(settings.slack_signing_secret, "SLACK_SIGNING_SECRET")
    client = build_client(settings)
    try:
        app = App(
            client=client,
            signing_secret=signing_secret,
            request_verification_enabled=not socket_mode,
            process_before_response=True,
            logger=_bolt_logger(),
        )
    except BoltError as error:
        raise SlackError(f"Slack did not accept SLACK_BOT_TOKEN at {client.base_url} ({_reason(error)}).") from None
    except OSError as error:
        raise SlackError(f"Cannot reach the Slack API at {client.base_url} (check SLACK_API_URL): {error}") from None
    experts = ExpertDesk(database, settings, client)
    if answerer is not None:
        answering = build_answer_worker(
            database, answerer, client, threads=answer_threads, throttle_seconds=throttle_seconds,
            stream_seconds=settings.slack_stream_seconds, experts=experts,
            guest_dm_collection=settings.guest_dm_collection,
        )
    app.use(_count_requests)
    intake = QuestionIntake(ConversationStore(database), client)
    register(app, intake, database, settings, experts)
    saves = SaveQueue(database, make_queue_app(settings, database.url))
    register_knowledge_loop(app, intake, saves, AppHome(database, settings), database, experts)
    jobs = JobWorker(settings, database.url, concurrency=job_workers) if job_workers else None
    return SlackBot(app=app, database=database, answering=answering, saves=saves, jobs=jobs)


def build_answer_worker(
    database: Database,
    answerer: Answerer,
    client: WebClient,
    *,
    threads: int = 4,
    throttle_seconds: float = 1.0,
    stream_seconds: float = STREAM_SECONDS,
    experts: ExpertDesk | None = None,
    retry_seconds: float = 30.0,
    poll_seconds: float = 5.0,
    guest_dm_collection: str | None = None,
) -> AnswerWorker:
    access = ChannelAccess(database, client, guest_dm_collection=guest_dm_collection)
    job = AnswerJob(
        ConversationStore(database), access, answerer, client,
        throttle_seconds=throttle_seconds, stream_seconds=stream_seconds, experts=experts,
    )
    return AnswerWorker(job, QuestionQueue(database, retry_seconds=retry_seconds), threads=threads, poll_seconds=poll_seconds)


class _QuietTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and warns that the client's token wins: it's the same."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _bolt_logger() -> logging.Logger:
    bolt_logger = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _QuietTokenNotice) for f in bolt_logger.filters):
        bolt_logger.addFilter(_QuietTokenNotice())
    return bolt_logger


def _count_requests(body: dict, next) -> None:  # noqa: A002 - Bolt's middleware argument name
    metrics.REQUESTS.labels(kind=_kind(body)).inc()
    next()


def _kind(body: dict) -> str:
    if body.get("type") == "event_callback":
        return str((body.get("event") or {}).get("type", "event"))
    if body.get("command"):
        return "command"
    return str(body.get("type") or "other")


def _reason(error: BoltError) -> str:
    text = str(error)
    for known in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
        if known in text:
            return known
    return "auth.test failed or Slack could not be reached"
