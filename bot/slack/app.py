"""Builds the Slack bot: a sync Bolt `App` on a `WebClient` pointed at SLACK_API_URL, its listeners and worker.

Listeners run before the acknowledgement (`process_before_response=True`) and only store the question, so
the ack means "stored"; answering happens on the worker's threads afterwards.
"""

import logging
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.error import BoltError

from bot.answering.types import Answerer
from bot.db.engine import Database
from bot.errors import SlackError
from bot.settings import Settings
from bot.slack import metrics
from bot.slack.access import ChannelAccess
from bot.slack.app_home import AppHome
from bot.slack.client import build_client, required_secret as _required
from bot.slack.answer_job import AnswerJob
from bot.slack.conversations import ConversationStore
from bot.slack.intake import QuestionIntake
from bot.slack.listeners import register, register_knowledge_loop
from bot.slack.save_requests import SaveQueue
from bot.slack.worker import AnswerWorker
from ingestion.queue import make_app as make_queue_app

logger = logging.getLogger(__name__)


@dataclass
class SlackBot:
    app: App
    worker: AnswerWorker
    database: Database
    saves: SaveQueue | None = None  # saving threads: jobs for `docbot worker`

    def start(self) -> None:
        """Starts answering, beginning with questions a previous run acknowledged but did not answer."""
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()
        if self.saves is not None:
            self.saves.close()


def build_bot(
    settings: Settings,
    database: Database,
    answerer: Answerer,
    *,
    socket_mode: bool = False,
    answer_threads: int = 4,
    throttle_seconds: float = 1.0,
) -> SlackBot:
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
    store = ConversationStore(database)
    job = AnswerJob(store, ChannelAccess(database, client), answerer, client, throttle_seconds=throttle_seconds)
    worker = AnswerWorker(job, threads=answer_threads)
    app.use(_count_requests)
    intake = QuestionIntake(store, worker, client)
    register(app, intake, database)
    saves = SaveQueue(database, make_queue_app(settings, database.url))
    register_knowledge_loop(app, intake, saves, AppHome(database, settings), database)
    return SlackBot(app=app, worker=worker, database=database, saves=saves)


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
