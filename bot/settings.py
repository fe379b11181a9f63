"""docbot's settings: read once at start-up into one typed object and passed down.

Every field is read from the environment variable of the same name (upper case) or from `.env`.
"""

import ipaddress
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigError

_NUMERIC = re.compile(r"^[0-9.:/]+$")  # looks like an IP or CIDR, but isn't a valid one
_EXPERT_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")
_HOST_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*\.?$")


class LLMBackend(StrEnum):
    LOCAL = "local"
    HF_ENDPOINT = "hf-endpoint"
    OPENAI = "openai"


class AnswerWriter(StrEnum):
    AUTO = "auto"
    EVIDENCE = "evidence"
    MODEL = "model"


class EmbeddingBackend(StrEnum):
    TORCH = "torch"
    ONNX = "onnx"
    ONNX_INT8 = "onnx-int8"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str | None = Field(None, description="PostgreSQL URL; unset: an embedded server under DOCBOT_HOME")
    docbot_home: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("docbot")),
        description="Where local state lives: embedded Postgres data, model caches",
    )
    docbot_model_cache: Path | None = Field(None, description="Where converted models are cached (default DOCBOT_HOME/models)")
    slack_bot_token: SecretStr | None = Field(None, description="Bot token (xoxb-...)")
    slack_signing_secret: SecretStr | None = Field(None, description="Signing secret of the Slack app (HTTP mode)")
    slack_app_token: SecretStr | None = Field(None, description="App-level token (xapp-...) for Socket Mode")
    slack_api_url: str = Field("https://slack.com/api/", description="Base URL of the Slack Web API")
    embedding_model: str | None = Field(None, description="sentence-transformers model folder or id (default: bundled all-MiniLM-L6-v2)")
    embedding_endpoint_url: str | None = Field(None, description="Text Embeddings Inference server URL")
    embedding_backend: EmbeddingBackend = Field(
        EmbeddingBackend.ONNX_INT8, description="How the local model runs: torch, onnx or onnx-int8 (exported locally, cached)"
    )
    llm_backend: LLMBackend = Field(LLMBackend.LOCAL, description="local, hf-endpoint or openai")
    llm_model: str | None = Field(None, description="Local transformers model folder or id, or the remote model name")
    llm_endpoint_url: str | None = Field(None, description="URL of the remote LLM server")
    hf_token: SecretStr | None = Field(None, description="Token for the Hugging Face endpoint")
    llm_api_key: SecretStr | None = Field(None, description="API key for the OpenAI-compatible server (LLM_BACKEND=openai)")
    llm_timeout_seconds: float = Field(120.0, gt=0, description="How long a remote LLM call may take")
    answer_writer: AnswerWriter = Field(
        AnswerWriter.AUTO,
        description="Who writes a reply: evidence (the sources' own sentences), model, or auto (a remote or 1B+ local model writes)",
    )
    max_file_bytes: int = Field(50 * 1024 * 1024, gt=0, description="Files larger than this are skipped")
    ingest_batch_chunks: int = Field(256, gt=0, description="Chunks embedded together (across documents) while ingesting")
    ingest_follow_links: bool = Field(False, description="Read symlinks whose target is outside the ingested folder")
    ingest_allowed_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Comma-separated host names, IPs or CIDRs that URL ingestion may reach although internal"
    )
    ingest_url_timeout_seconds: float = Field(60.0, gt=0, description="How long fetching one URL may take, redirects included")
    slack_stream_seconds: float = Field(
        240.0, gt=0, le=290,
        description="How long one streamed answer message grows before the answer continues in a new one (Slack ends streams after about 5 minutes)",
    )
    crawl_concurrency: int = Field(4, ge=1, le=32, description="Requests a crawl (`--crawl`) sends to a site at once")
    crawl_delay_seconds: float = Field(
        0.1, ge=0, description="Least time between the starts of two crawl requests to a site (robots.txt's Crawl-delay, if longer, wins)"
    )
    git_token: SecretStr | None = Field(None, description="Token for https git repositories (sent as HTTP Basic auth, never on a command line)")
    git_username: str = Field("x-access-token", description="User name sent with GIT_TOKEN (GitHub, GitLab and Gitea accept any)")
    confluence_url: str | None = Field(None, description="Base URL of the Confluence site, e.g. https://acme.atlassian.net/wiki")
    confluence_email: str | None = Field(None, description="Confluence Cloud: the account's email, used with CONFLUENCE_TOKEN (an API token)")
    confluence_token: SecretStr | None = Field(
        None, description="Confluence Cloud API token (with CONFLUENCE_EMAIL), or a Data Center personal access token (without)"
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR")
    digest_channel: str | None = Field(None, description="Slack channel ID the weekly knowledge-gap digest is posted to")
    admin_users: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Slack user IDs, comma-separated: they save threads directly, review others' saves and see the knowledge gaps"
    )
    guest_dm_collection: str | None = Field(
        None, description="The collection guests (single- and multi-channel) may ask about in DMs; unset: guests get no answers in DMs"
    )
    experts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Slack user IDs (U…) and user group IDs (S…), comma-separated: whom Ask an expert brings in from DMs and from "
        "channels without experts of their own",
    )
    experts_channel: str | None = Field(None, description="Slack channel ID where questions from DMs are put to the EXPERTS")
    metrics_port: int | None = Field(None, ge=1, le=65535, description="Port for Prometheus /metrics (off when unset)")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("admin_users", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("experts", mode="before")
    @classmethod
    def _expert_ids(cls, value: Any) -> Any:
        entries = [item.strip() for item in value.split(",") if item.strip()] if isinstance(value, str) else value
        for number, entry in enumerate(entries or [], start=1):
            if not _EXPERT_ID.match(entry):
                raise ValueError(f"entry {number} is not a Slack user ID (U…, W…) or user group ID (S…)")
        return entries

    @field_validator("digest_channel", "experts_channel")
    @classmethod
    def _channel_id(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        value = value.strip()
        if not value.isalnum() or not value[:1].isupper():
            raise ValueError("must be a Slack channel ID like C0123ABCD")
        return value

    @field_validator("ingest_allowed_hosts", mode="before")
    @classmethod
    def _allowed_hosts(cls, value: Any) -> tuple[str, ...]:
        entries = value.split(",") if isinstance(value, str) else list(value or ())
        allowed = tuple(entry.strip().lower() for entry in entries if entry.strip())
        for number, entry in enumerate(allowed, start=1):
            if not _is_address_or_network(entry) and (_NUMERIC.match(entry) or not _HOST_NAME.match(entry)):
                raise ValueError(f"entry {number} is not a host name, IP or CIDR")
        return allowed

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("must be a postgresql:// URL")
        return value

    @field_validator("slack_api_url", "embedding_endpoint_url", "llm_endpoint_url", "confluence_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @property
    def model_cache(self) -> Path:
        return self.docbot_model_cache or self.docbot_home / "models"


def _is_address_or_network(entry: str) -> bool:
    try:
        ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False
    return True


def load_settings(**overrides: Any) -> Settings:
    """Reads the settings once; a bad value raises ConfigError naming its variable (never its value)."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = [f"{_variable(e['loc'])}: {e['msg']}" for e in error.errors(include_input=False)]
        raise ConfigError("Invalid settings: " + "; ".join(problems)) from None


def _variable(loc: tuple[Any, ...]) -> str:
    return str(loc[0]).upper() if loc else "settings"
