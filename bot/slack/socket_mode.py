"""Socket Mode: events over Slack's websocket (SLACK_APP_TOKEN), no public URL; health and metrics still on HTTP."""

import logging

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.errors import ConfigError
from bot.settings import Settings
from bot.slack.app import SlackBot
from bot.slack.server import uvicorn_server

logger = logging.getLogger(__name__)


def connect_socket_mode(bot: SlackBot, settings: Settings) -> SocketModeHandler:
    """Opens the websocket (apps.connections.open on SLACK_API_URL, then the URL it returns); events flow at once."""
    if settings.slack_app_token is None or not settings.slack_app_token.get_secret_value():
        raise ConfigError("SLACK_APP_TOKEN is not set; Socket Mode needs an app-level token (xapp-...) with connections:write.")
    handler = SocketModeHandler(bot.app, app_token=settings.slack_app_token.get_secret_value())
    handler.connect()
    return handler


def serve_socket_mode(bot: SlackBot, settings: Settings, host: str, port: int) -> None:
    handler = connect_socket_mode(bot, settings)
    logger.info("connected to Slack in Socket Mode; health and metrics on host=%s port=%d", host, port)
    try:
        uvicorn_server(bot, host, port, serve_events=False).run()
    finally:
        handler.close()
