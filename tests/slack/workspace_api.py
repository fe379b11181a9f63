"""The Slack Web API stand-in with a workspace behind it: people, their messages, memberships, ephemerals, views.

`FakeSlackApi` keeps what the bot posts; this adds what the knowledge loop reads from Slack: threads with
people's messages (conversations.replies), people's names (users.info), permalinks, the channels a person
is in (users.conversations), and records chat.postEphemeral and views.publish as Slack would show them.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.slack_api import FakeSlackApi, block_texts

PERMALINK_BASE = "https://fake.slack.test/archives"


@dataclass
class Ephemeral:
    ts: str
    channel: str
    user: str
    thread_ts: str | None
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def shown(self) -> str:
        return "\n".join([self.text, *block_texts(self.blocks)])


def permalink(channel: str, ts: str) -> str:
    return f"{PERMALINK_BASE}/{channel}/p{ts.replace('.', '')}"


class WorkspaceSlackApi(FakeSlackApi):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.people: dict[str, dict[str, Any]] = {}
        self.human_messages: list[dict[str, Any]] = []
        self.memberships: dict[str, list[str]] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: list[dict[str, Any]] = []

    # -- what tests set up --------------------------------------------------------------------------------

    def add_person(self, user_id: str, display_name: str, real_name: str = "") -> None:
        with self._lock:
            self.people[user_id] = {"id": user_id, "name": display_name.lower(), "real_name": real_name or display_name,
                                    "profile": {"display_name": display_name, "real_name": real_name or display_name}}

    def say(self, channel: str, user: str, text: str, *, thread_ts: str | None = None) -> str:
        """A person's message in the workspace; returns its ts."""
        with self._lock:
            self._counter += 1  # one clock with the bot's messages, so a thread reads in the order it was written
            ts = f"{1700000000 + self._counter}.{self._counter:06d}"
            self.human_messages.append({"type": "message", "user": user, "text": text, "ts": ts, "channel": channel, "thread_ts": thread_ts})
        return ts

    def set_members(self, user_id: str, channels: list[str]) -> None:
        with self._lock:
            self.memberships[user_id] = channels

    # -- what tests read ------------------------------------------------------------------------------------

    def ephemerals_for(self, user: str, channel: str | None = None) -> list[Ephemeral]:
        with self._lock:
            return [e for e in self.ephemerals if e.user == user and (channel is None or e.channel == channel)]

    # -- the API --------------------------------------------------------------------------------------------

    def _answer(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        if method == "conversations.replies":
            return self._replies(p.get("channel", ""), p.get("ts", ""))
        if method == "users.info":
            person = self.people.get(p.get("user", ""))
            return {"ok": True, "user": {**(self._user_info(p.get("user", "")) or {}), **person}} if person else super()._answer(method, p)
        if method == "chat.getPermalink":
            return {"ok": True, "channel": p.get("channel"), "permalink": permalink(p.get("channel", ""), p.get("message_ts", ""))}
        if method == "chat.postEphemeral":
            if not p.get("user") or not p.get("channel"):
                return {"ok": False, "error": "user_not_in_channel"}
            self._counter += 1
            ts = f"{1800000000 + self._counter}.{self._counter:06d}"
            self.ephemerals.append(Ephemeral(ts, p["channel"], p["user"], p.get("thread_ts"), p.get("text", ""), p.get("blocks") or []))
            return {"ok": True, "message_ts": ts}
        if method == "views.publish":
            view = p.get("view")
            view = view if isinstance(view, dict) else json.loads(view or "{}")
            self.views.append({"user_id": p.get("user_id"), "view": view})
            return {"ok": True, "view": {"id": f"V{len(self.views)}", **view}}
        if method == "users.conversations":
            channels = [{"id": c, "is_channel": True, "is_member": True} for c in self.memberships.get(p.get("user", ""), [])]
            return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}
        return super()._answer(method, p)

    def _replies(self, channel: str, thread_ts: str) -> dict[str, Any]:
        messages = [
            {k: v for k, v in m.items() if v is not None}
            for m in self.human_messages
            if m["channel"] == channel and thread_ts in (m["ts"], m["thread_ts"])
        ]
        for posted in self._messages.values():
            if posted.channel == channel and thread_ts in (posted.ts, posted.thread_ts) and not posted.streaming:
                messages.append({"type": "message", "ts": posted.ts, "thread_ts": thread_ts, "user": self.bot_user_id, "bot_id": self.bot_id,
                                 "text": posted.streamed or posted.text, "blocks": posted.blocks})
        if not messages:
            return {"ok": False, "error": "thread_not_found"}
        return {"ok": True, "messages": sorted(messages, key=lambda m: float(m["ts"])), "has_more": False}
