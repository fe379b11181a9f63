"""Builds the Slack bot: a sync Bolt `App` on a `WebClient` pointed at SLACK_API_URL, its listeners and worker.

Listeners run before the acknowledgement (`process_before_response=True`) and only store the question, so
the ack means "stored"; answering happens on the worker's threads afterwards.
"""

import logging
from dataclasses import dataclass

from pydantic import SecretStr
from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.answering.types import Answerer
from bot.db.engine import Database
from bot.errors import ConfigError, SlackError
from bot.settings import Settings
from bot.slack import metrics
from bot.slack.access import ChannelAccess
from bot.slack.answer_job import AnswerJob
from bot.slack.conversations import ConversationStore
from bot.slack.intake import QuestionIntake
from bot.slack.listeners import register
from bot.slack.worker import AnswerWorker

logger = logging.getLogger(__name__)


@dataclass
class SlackBot:
    app: App
    worker: AnswerWorker
    database: Database

    def start(self) -> None:
        """Starts answering, beginning with questions a previous run acknowledged but did not answer."""
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()


def build_client(settings: Settings) -> WebClient:
    token = _required(settings.slack_bot_token, "SLACK_BOT_TOKEN")
    base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    client = WebClient(token=token, base_url=base_url, timeout=30)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client


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
    register(app, QuestionIntake(store, worker, client), database)
    return SlackBot(app=app, worker=worker, database=database)


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


def _required(secret: SecretStr | None, variable: str) -> str:
    if secret is None or not secret.get_secret_value():
        raise ConfigError(f"{variable} is not set; the Slack bot needs it (see docs/slack.md).")
    return secret.get_secret_value()


def _reason(error: BoltError) -> str:
    text = str(error)
    for known in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
        if known in text:
            return known
    return "auth.test failed or Slack could not be reached"
