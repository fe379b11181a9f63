"""The Slack app manifests ask for exactly the scopes and events docbot's features use, and each is handled.

Every event and shortcut a manifest declares is sent, signed, to the real server: Bolt answers 404 for a
request no listener takes, so a manifest entry without a listener fails here (and so does an undeclared one).
Both manifests use the Agent messaging experience (`agent_view`); `assistant_thread_started`, which only the
legacy `assistant_view` sends, is no longer declared but still has its listener for apps installed before.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.settings import load_settings
from bot.slack.app import build_bot
from tests.slack.harness import running_server
from tests.slack.knowledge_requests import app_home_opened, message_shortcut, reaction_added
from tests.slack.scripted_answerer import ScriptedAnswerer
from tests.slack.slack_requests import BOT_TOKEN, SIGNING_SECRET, SlackSender, mention, message, new_ts

REPO = Path(__file__).resolve().parents[2]
SCOPES = {
    "app_mentions:read", "assistant:write", "channels:history", "groups:history", "im:history",
    "channels:read", "groups:read", "chat:write", "commands", "reactions:read", "users:read", "usergroups:read",
}
EVENTS = {"app_mention", "message.im", "message.channels", "message.groups", "reaction_added", "app_home_opened"}
LEGACY_EVENTS = {"assistant_thread_started"}  # sent to apps still on assistant_view
SHORTCUTS = {"save_to_docbot", "ask_docbot"}


# The Web API methods docbot calls and the bot scopes each needs (Slack's method reference); a method not listed
# here fails the test below, so a new call comes with its scope.
METHOD_SCOPES = {
    "chat_postMessage": {"chat:write"}, "chat_update": {"chat:write"}, "chat_delete": {"chat:write"},
    "chat_postEphemeral": {"chat:write"}, "chat_startStream": {"chat:write"}, "chat_appendStream": {"chat:write"},
    "chat_stopStream": {"chat:write"}, "chat_getPermalink": set(), "auth_test": set(), "views_publish": set(),
    "assistant_threads_setStatus": {"assistant:write"}, "assistant_threads_setTitle": {"assistant:write"},
    "assistant_threads_setSuggestedPrompts": {"assistant:write"},
    "conversations_info": {"channels:read", "groups:read"}, "users_conversations": {"channels:read", "groups:read"},
    "conversations_replies": {"channels:history", "groups:history"}, "users_info": {"users:read"},
    "usergroups_list": {"usergroups:read"}, "usergroups_users_list": {"usergroups:read"},
}
# Scopes that events and commands need rather than methods.
EVENT_SCOPES = {"app_mentions:read", "im:history", "channels:history", "groups:history", "reactions:read", "commands"}
# The block actions docbot's messages carry: each needs a listener.
ACTIONS = {"answer_feedback", "feedback_up", "feedback_down", "ask_expert", "share_answer"}


def load(name: str) -> dict:
    return yaml.safe_load((REPO / name).read_text())


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.socket-mode.yml"])
def test_least_scopes_and_events(name):
    manifest = load(name)
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == SCOPES
    assert "user" not in manifest["oauth_config"]["scopes"]
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == EVENTS
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/ask"]
    assert {s["callback_id"] for s in manifest["features"]["shortcuts"] if s["type"] == "message"} == SHORTCUTS
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True  # app_home_opened needs the tab
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert "agent_view" in manifest["features"] and "assistant_view" not in manifest["features"]  # assistant:write needs one
    assert manifest["features"]["agent_view"]["agent_description"]
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True  # app_home_opened with tab "messages"


def test_every_web_api_method_docbot_calls_has_its_scope_and_every_scope_is_used():
    called = set()
    for path in (REPO / "bot").rglob("*.py"):
        called |= set(re.findall(r"\bclient\.([a-z]+(?:_[A-Za-z]+)+)\(", path.read_text()))
    assert called - set(METHOD_SCOPES) == set(), "add the new methods' scopes to METHOD_SCOPES (and the manifests)"
    needed = set().union(*(METHOD_SCOPES[m] for m in called))
    for name in ("manifest.yml", "manifest.socket-mode.yml"):
        declared = set(load(name)["oauth_config"]["scopes"]["bot"])
        assert needed <= declared, name
        assert declared <= needed | EVENT_SCOPES, f"{name} asks for scopes nothing uses"


def test_http_manifest_points_everything_at_slack_events():
    manifest = load("manifest.yml")
    urls = [
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
        manifest["features"]["slash_commands"][0]["url"],
    ]
    assert all(url.endswith("/slack/events") for url in urls)
    assert manifest["settings"]["socket_mode_enabled"] is False


def test_socket_mode_manifest_has_no_request_urls():
    manifest = load("manifest.socket-mode.yml")
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
    assert "url" not in manifest["features"]["slash_commands"][0]


@pytest.fixture
def sender(db, fake_slack, settings) -> Iterator[SlackSender]:
    slack_settings = load_settings(
        database_url=settings.database_url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=fake_slack.url
    )
    bot = build_bot(slack_settings, db, ScriptedAnswerer(), throttle_seconds=0.2)
    with running_server(bot) as url:
        client = SlackSender(url)
        yield client
        client.close()
    bot.stop()


def _event_for(name: str) -> dict:
    channel_types = {"message.im": ("D0MANIFEST", "im"), "message.channels": ("C0MANIFEST", "channel"), "message.groups": ("G0MANIFEST", "group")}
    if name in channel_types:
        channel, kind = channel_types[name]
        return message("a message", channel=channel, channel_type=kind, subtype="message_changed")
    if name == "app_mention":
        return mention("", channel="C0MANIFEST")
    if name == "assistant_thread_started":
        return {"type": name, "assistant_thread": {"user_id": "U1", "context": {}, "channel_id": "D0MANIFEST", "thread_ts": new_ts()}, "event_ts": new_ts()}
    if name == "reaction_added":
        return reaction_added(user="U1", channel="C0MANIFEST", ts=new_ts(), reaction="eyes")
    if name == "app_home_opened":
        return app_home_opened(user="U1", tab="messages")
    raise AssertionError(f"no sample payload for event {name}")


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.socket-mode.yml"])
def test_every_declared_event_and_shortcut_has_a_listener(sender, fake_slack, name):
    manifest = load(name)
    for event in [*manifest["settings"]["event_subscriptions"]["bot_events"], *LEGACY_EVENTS]:
        assert sender.event(_event_for(event)).status_code == 200, event
    for shortcut in manifest["features"]["shortcuts"]:
        message_ts = new_ts()
        response = message_shortcut(sender, shortcut["callback_id"], channel="D0MANIFEST", user="U1", message={"ts": message_ts, "text": ""},
                                    response_url=fake_slack.response_url("manifest"), channel_name="directmessage")
        assert response.status_code == 200, shortcut["callback_id"]


def test_every_button_docbot_shows_has_a_listener(sender, fake_slack):
    for action_id in ACTIONS:
        response = sender.action(action_id=action_id, value="1", channel="C0MANIFEST", user="U1",
                                 response_url=fake_slack.response_url(action_id), message_ts=new_ts())
        assert response.status_code == 200, action_id
    assert sender.action(action_id="not_ours", value="1", channel="C0X", user="U1", response_url=fake_slack.response_url("x"),
                         message_ts=new_ts()).status_code == 404


def test_an_undeclared_event_or_shortcut_finds_no_listener(sender, fake_slack):
    """What makes the check above able to fail: Bolt answers 404 to what no listener takes."""
    assert sender.event({"type": "reaction_removed", "user": "U1", "reaction": "eyes", "item": {"type": "message", "channel": "C0X", "ts": new_ts()}}).status_code == 404
    response = message_shortcut(sender, "not_declared", channel="C0X", user="U1", message={"ts": new_ts(), "text": "x"}, response_url=fake_slack.response_url("x"))
    assert response.status_code == 404
