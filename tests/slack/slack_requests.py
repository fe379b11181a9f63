"""Requests exactly as Slack sends them: Events API envelopes, slash commands and block actions, signed."""

import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

BOT_TOKEN = "xoxb-test-9f3c1e0d-bot-token-value"
SIGNING_SECRET = "signing-secret-5be1a7f2c8d94e06"
APP_TOKEN = "xapp-1-test-app-token-value-77"
TEAM = "T0TEAM"
BOT_USER = "UDOCBOT"
_ts = itertools.count(1)


def new_ts() -> str:
    n = next(_ts)
    return f"{1600000000 + n}.{n:06d}"


class SlackSender:
    def __init__(self, base_url: str, signing_secret: str = SIGNING_SECRET, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.verifier = SignatureVerifier(signing_secret)
        self.http = httpx.Client(timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        retry_num: int | None = None,
    ) -> httpx.Response:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature or self.verifier.generate_signature(timestamp=stamp, body=body),
        }
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        return self.http.post(self.base_url + "/slack/events", content=body.encode(), headers=headers)

    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None, **sign: Any) -> httpx.Response:
        return self.post(json.dumps(envelope(event, event_id=event_id)), "application/json", retry_num=retry_num, **sign)

    def command(self, text: str, *, channel: str, user: str = "UASKER", response_url: str, command: str = "/ask") -> httpx.Response:
        form = {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": "asker",
            "command": command,
            "text": text,
            "api_app_id": "A0DOCBOT",
            "response_url": response_url,
            "trigger_id": f"{uuid.uuid4().int % 10**10}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}",
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded")

    def action(
        self, *, action_id: str, value: str, channel: str, user: str, response_url: str, message_ts: str, element_type: str = "button"
    ) -> httpx.Response:
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": "someone", "team_id": TEAM},
            "api_app_id": "A0DOCBOT",
            "token": "legacy-verification-token",
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
            "trigger_id": f"{uuid.uuid4().int % 10**10}.1.{uuid.uuid4().hex}",
            "team": {"id": TEAM, "domain": "fake"},
            "channel": {"id": channel, "name": "general"},
            "message": {"type": "message", "ts": message_ts, "bot_id": "BDOCBOT"},
            "response_url": response_url,
            "actions": [{"action_id": action_id, "block_id": f"feedback-{value}", "value": value, "type": element_type, "action_ts": str(time.time())}],
        }
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def envelope(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "api_app_id": "A0DOCBOT",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or "Ev" + uuid.uuid4().hex[:10].upper(),
        "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": TEAM, "user_id": BOT_USER, "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
        "event_context": "4-" + uuid.uuid4().hex,
    }


def mention(text: str, *, channel: str, user: str = "UASKER", ts: str | None = None, thread_ts: str | None = None) -> dict[str, Any]:
    event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts or new_ts(), "channel": channel, "team": TEAM, "event_ts": ""}
    event["event_ts"] = event["ts"]
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message(text: str, *, channel: str, channel_type: str, user: str = "UASKER", ts: str | None = None, thread_ts: str | None = None, **extra: Any) -> dict[str, Any]:
    event = {"type": "message", "user": user, "text": text, "ts": ts or new_ts(), "channel": channel, "channel_type": channel_type, "team": TEAM, **extra}
    event["event_ts"] = event["ts"]
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event
