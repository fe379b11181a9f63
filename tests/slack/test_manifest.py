"""The Slack app manifests ask for exactly the scopes and events docbot's features use."""

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCOPES = {
    "app_mentions:read", "assistant:write", "channels:history", "groups:history", "im:history",
    "channels:read", "groups:read", "chat:write", "commands",
}
EVENTS = {"app_mention", "message.im", "message.channels", "message.groups", "assistant_thread_started"}


def load(name: str) -> dict:
    return yaml.safe_load((REPO / name).read_text())


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.socket-mode.yml"])
def test_least_scopes_and_events(name):
    manifest = load(name)
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == SCOPES
    assert "user" not in manifest["oauth_config"]["scopes"]
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == EVENTS
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/ask"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert "assistant_view" in manifest["features"]  # assistant:write needs it


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
