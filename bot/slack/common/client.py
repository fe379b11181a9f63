"""The Slack Web API client every part of docbot uses: the bot token, SLACK_API_URL, retries on rate limits.

The bot, the ingestion worker (saved threads, the gap digest) and the CLI all build it here.
"""

from pydantic import SecretStr
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.errors import ConfigError
from bot.settings import Settings


def build_client(settings: Settings) -> WebClient:
    token = required_secret(settings.slack_bot_token, "SLACK_BOT_TOKEN")
    base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    client = WebClient(token=token, base_url=base_url, timeout=30)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client


def required_secret(secret: SecretStr | None, variable: str) -> str:
    if secret is None or not secret.get_secret_value():
        raise ConfigError(f"{variable} is not set; the Slack bot needs it (see docs/slack.md).")
    return secret.get_secret_value()
