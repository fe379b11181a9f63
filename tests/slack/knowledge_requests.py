"""Payloads Slack sends for the knowledge loop: message shortcuts, reactions and App Home, signed by SlackSender."""

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.slack.slack_requests import BOT_USER, TEAM, SlackSender, new_ts


def message_shortcut(
    sender: SlackSender, callback_id: str, *, channel: str, user: str, message: dict[str, Any], response_url: str, channel_name: str = "general"
) -> httpx.Response:
    payload = {
        "type": "message_action",
        "token": "legacy-verification-token",
        "action_ts": str(time.time()),
        "team": {"id": TEAM, "domain": "fake"},
        "user": {"id": user, "username": "someone", "team_id": TEAM, "name": "someone"},
        "channel": {"id": channel, "name": channel_name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": f"{uuid.uuid4().int % 10**10}.1.{uuid.uuid4().hex}",
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": {"type": "message", **message},
    }
    return sender.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def share_click(sender: SlackSender, *, value: str, channel: str, user: str, response_url: str) -> httpx.Response:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "someone", "team_id": TEAM},
        "api_app_id": "A0DOCBOT",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": new_ts(), "channel_id": channel, "is_ephemeral": True},
        "trigger_id": f"{uuid.uuid4().int % 10**10}.1.{uuid.uuid4().hex}",
        "team": {"id": TEAM, "domain": "fake"},
        "channel": {"id": channel, "name": "general"},
        "response_url": response_url,
        "actions": [{"action_id": "share_answer", "block_id": f"share-{value}", "value": value, "type": "button", "action_ts": str(time.time())}],
    }
    return sender.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def reaction_added(*, user: str, channel: str, ts: str, reaction: str = "white_check_mark", item_user: str = BOT_USER) -> dict[str, Any]:
    return {"type": "reaction_added", "user": user, "reaction": reaction, "item_user": item_user,
            "item": {"type": "message", "channel": channel, "ts": ts}, "event_ts": new_ts()}


def app_home_opened(*, user: str, tab: str = "home") -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME" + user[-3:], "tab": tab, "event_ts": new_ts()}
