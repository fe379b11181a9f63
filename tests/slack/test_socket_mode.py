"""Socket Mode: the same app over Slack's websocket (stand-in on loopback), acknowledged there, answered by API."""

import pytest

from bot.errors import ConfigError, SlackError
from bot.settings import load_settings
from bot.slack.app import build_bot
from bot.slack.socket_mode import connect_socket_mode
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_socket_mode import FakeSocketModeServer
from tests.slack.scripted_answerer import ScriptedAnswerer
from tests.slack.slack_requests import APP_TOKEN, BOT_TOKEN, envelope, mention, new_ts


@pytest.fixture
def slack():
    with FakeSlackApi(bot_token=BOT_TOKEN, app_token=APP_TOKEN) as api, FakeSocketModeServer() as socket_server:
        api.socket_mode_url = socket_server.url
        yield api, socket_server


def test_mention_over_socket_mode_is_acknowledged_and_answered(db, settings, slack):
    api, socket_server = slack
    socket_settings = load_settings(database_url=settings.database_url, slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN, slack_api_url=api.url)
    answerer = ScriptedAnswerer()
    bot = build_bot(socket_settings, db, answerer, socket_mode=True)  # no signing secret needed
    bot.start()
    handler = connect_socket_mode(bot, socket_settings)
    try:
        socket_server.wait_connected()
        root = new_ts()
        envelope_id = socket_server.push("events_api", envelope(mention("How long is leave?", channel="C0SOCKET", ts=root)))
        assert socket_server.wait_ack(envelope_id)["envelope_id"] == envelope_id
        replies = api.wait_for_reply("C0SOCKET", root, containing="Leave policy")
        assert "Annual leave is ten days" in replies[-1].shown
        assert answerer.calls[0].question == "How long is leave?"
    finally:
        handler.close()
        bot.stop()
    assert api.calls("apps.connections.open")[0].authorization == f"Bearer {APP_TOKEN}"


def test_socket_mode_needs_the_app_token(db, settings, slack):
    api, _ = slack
    socket_settings = load_settings(database_url=settings.database_url, slack_bot_token=BOT_TOKEN, slack_api_url=api.url)
    bot = build_bot(socket_settings, db, ScriptedAnswerer(), socket_mode=True)
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        connect_socket_mode(bot, socket_settings)


def test_http_mode_needs_the_signing_secret_and_bot_token(db, settings, fake_slack):
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        build_bot(load_settings(database_url=settings.database_url, slack_bot_token=BOT_TOKEN, slack_api_url=fake_slack.url), db, ScriptedAnswerer())
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        build_bot(load_settings(database_url=settings.database_url, slack_signing_secret="x" * 32, slack_api_url=fake_slack.url), db, ScriptedAnswerer())


def test_a_refused_token_or_an_unreachable_api_is_named(db, settings, fake_slack):
    wrong = load_settings(database_url=settings.database_url, slack_bot_token="xoxb-wrong-token", slack_signing_secret="x" * 32, slack_api_url=fake_slack.url)
    with pytest.raises(SlackError, match="SLACK_BOT_TOKEN.*invalid_auth") as refused:
        build_bot(wrong, db, ScriptedAnswerer())
    assert "xoxb-wrong-token" not in str(refused.value)
    nowhere = load_settings(database_url=settings.database_url, slack_bot_token=BOT_TOKEN, slack_signing_secret="x" * 32, slack_api_url="http://127.0.0.1:9/api/")
    with pytest.raises(SlackError, match="Cannot reach the Slack API"):
        build_bot(nowhere, db, ScriptedAnswerer())
