"""A stand-in for the Slack Web API on loopback (stdlib HTTP server), after bolt-python's tests/mock_web_api_server.

It answers like Slack (`{"ok": true, ...}`, `invalid_auth` for a wrong token, `message_not_found` for an unknown
ts), keeps the messages the bot posts, updates, streams and deletes, records every call with its path and
parameters, takes posts to response_urls, and can be told to fail a method (an API error, or HTTP 429 with
Retry-After) or to run a test's hook once a call has taken effect, before its response is sent (to kill
the caller at that very moment).
"""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

JSON_FIELDS = ("blocks", "chunks", "prompts", "loading_messages", "metadata", "attachments")


@dataclass
class Call:
    method: str  # Web API method ("chat.postMessage"), or "response_url"
    params: dict[str, Any]
    path: str
    authorization: str | None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Posted:
    """A message as Slack would show it: posted or streamed, maybe updated since."""

    ts: str
    channel: str
    thread_ts: str | None
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    streamed: str = ""  # markdown appended through chat.startStream/appendStream/stopStream
    streaming: bool = False

    @property
    def shown(self) -> str:
        """Everything a reader sees in the message: streamed text, text, and block texts."""
        return "\n".join([self.streamed, self.text, *block_texts(self.blocks)])


def block_texts(blocks: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return found


@dataclass
class _Failure:
    error: str
    times: int
    status: int
    retry_after: int | None


class FakeSlackApi:
    def __init__(
        self, *, bot_token: str, app_token: str | None = None, team_id: str = "T0TEAM", bot_user_id: str = "UDOCBOT", bot_id: str = "BDOCBOT"
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.socket_mode_url: str | None = None  # what apps.connections.open hands out
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self._calls: list[Call] = []
        self._messages: dict[str, Posted] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._people_info: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, _Failure] = {}
        self._hooks: dict[str, Callable[[Call], None]] = {}
        self._counter = 0
        self._lock = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-slack-api", daemon=True)

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> "FakeSlackApi":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeSlackApi":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """The value for SLACK_API_URL."""
        return self.base + "/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base}/response/{name}"

    def hook_url(self, name: str, kind: str = "actions") -> str:
        """A response URL shaped like Slack's (`/actions/TEAM/ID/SECRET`; `kind="commands"` for a slash command's):
        `name` is its secret."""
        return f"{self.base}/{kind}/{self.team_id}/{abs(hash(name)) % 10**10}/{name}"

    # -- what tests set up ------------------------------------------------------------------------------

    def set_channel(self, channel_id: str, **info: Any) -> None:
        """What conversations.info says about a channel (e.g. `is_ext_shared=True`)."""
        with self._lock:
            self._channels[channel_id] = info

    def set_person(self, user_id: str, **info: Any) -> None:
        """What users.info says about a person besides being a member of this team (e.g. `is_restricted=True`,
        `team_id="T0OTHER"`, `is_stranger=True`)."""
        with self._lock:
            self._people_info[user_id] = info

    def fail(self, method: str, *, error: str = "internal_error", times: int = 1, status: int = 200, retry_after: int | None = None) -> None:
        """The next `times` calls of `method` fail: `{"ok": false, "error": error}` with HTTP `status`."""
        with self._lock:
            self._failures[method] = _Failure(error, times, status, retry_after)

    def on_call(self, method: str, hook: Callable[[Call], None] | None) -> None:
        """Runs `hook` after each successful call of `method` has taken effect, before the caller gets its response."""
        with self._lock:
            if hook is None:
                self._hooks.pop(method, None)
            else:
                self._hooks[method] = hook

    # -- what tests read ------------------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, predicate: Callable[["FakeSlackApi"], Any], timeout: float = 20.0, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                result = predicate(self)
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}; calls: {[c.method for c in self._calls]}")
                self._lock.wait(min(remaining, 0.2))

    def wait_for_calls(self, method: str, count: int = 1, timeout: float = 20.0) -> list[Call]:
        return self.wait_for(lambda fake: len(fake.calls(method)) >= count and fake.calls(method), timeout, f"{count}× {method}")

    def thread(self, channel: str, thread_ts: str) -> list[Posted]:
        """The bot's messages in a thread, oldest first."""
        with self._lock:
            return [m for m in self._messages.values() if m.channel == channel and m.thread_ts == thread_ts]

    def message(self, ts: str) -> Posted:
        with self._lock:
            return self._messages[ts]

    def wait_for_reply(self, channel: str, thread_ts: str, *, containing: str = "", count: int = 1, timeout: float = 20.0) -> list[Posted]:
        """Waits until the thread has `count` finished bot messages (not streaming), the last showing `containing`."""

        def done(fake: FakeSlackApi) -> list[Posted] | None:
            messages = fake.thread(channel, thread_ts)
            finished = [m for m in messages if not m.streaming and _is_final(m)]
            return messages if len(finished) >= count and containing in finished[-1].shown else None

        return self.wait_for(done, timeout, f"a reply in {channel}/{thread_ts} containing {containing!r}")

    # -- the API --------------------------------------------------------------------------------------------

    def handle(self, path: str, params: dict[str, Any], authorization: str | None) -> tuple[int, dict[str, str], bytes]:
        if path.startswith(("/response/", "/actions/", "/commands/")):
            with self._lock:
                self._calls.append(Call("response_url", params, path, authorization))
                self._lock.notify_all()
            return 200, {"Content-Type": "text/html"}, b"ok"
        method = path.removeprefix("/api/")
        with self._lock:
            self._calls.append(Call(method, params, path, authorization))
            self._lock.notify_all()
            failure = self._failures.get(method)
            if failure and failure.times > 0:
                failure.times -= 1
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
                return failure.status, headers, json.dumps({"ok": False, "error": failure.error}).encode()
            if method == "apps.connections.open":
                ok = self.app_token and authorization == f"Bearer {self.app_token}" and self.socket_mode_url
                body = {"ok": True, "url": self.socket_mode_url} if ok else {"ok": False, "error": "invalid_auth"}
                return 200, {}, json.dumps(body).encode()
            if authorization != f"Bearer {self.bot_token}":
                return 200, {}, json.dumps({"ok": False, "error": "invalid_auth"}).encode()
            body = self._answer(method, params)
            self._lock.notify_all()
            hook = self._hooks.get(method) if body.get("ok") else None
        if hook is not None:
            hook(self._calls[-1])
        return 200, {}, json.dumps(body).encode()

    def _answer(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack.test/", "team": "Fake", "user": "docbot", "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id}
        if method == "conversations.info":
            channel = p.get("channel", "")
            info = self._channels.get(channel)
            if info is None and not channel.startswith(("C", "G", "D")):
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": {"id": channel, "is_channel": channel.startswith("C"), "is_im": channel.startswith("D"), "is_ext_shared": False, "is_shared": False, **(info or {})}}
        if method == "users.info":
            user = self._user_info(p.get("user", ""))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "chat.postMessage":
            if not p.get("channel"):
                return {"ok": False, "error": "channel_not_found"}
            if not p.get("text") and not p.get("blocks"):
                return {"ok": False, "error": "no_text"}
            message = self._new_message(p["channel"], p.get("thread_ts"))
            message.text, message.blocks = p.get("text", ""), p.get("blocks") or []
            return {"ok": True, "channel": message.channel, "ts": message.ts, "message": {"text": message.text, "ts": message.ts}}
        if method == "chat.update":
            message = self._messages.get(p.get("ts", ""))
            if message is None or message.channel != p.get("channel"):
                return {"ok": False, "error": "message_not_found"}
            # An update replaces the whole message, streamed text included.
            message.text, message.blocks, message.streamed = p.get("text", ""), p.get("blocks") or [], ""
            return {"ok": True, "channel": message.channel, "ts": message.ts, "text": message.text}
        if method == "chat.delete":
            message = self._messages.get(p.get("ts", ""))
            if message is None or message.channel != p.get("channel"):
                return {"ok": False, "error": "message_not_found"}
            del self._messages[message.ts]
            return {"ok": True, "channel": message.channel, "ts": message.ts}
        if method == "chat.startStream":
            if not p.get("thread_ts"):
                return {"ok": False, "error": "invalid_arguments"}
            message = self._new_message(p["channel"], p["thread_ts"])
            message.streaming = True
            message.streamed = _markdown_of(p)
            return {"ok": True, "channel": message.channel, "ts": message.ts}
        if method in ("chat.appendStream", "chat.stopStream"):
            message = self._messages.get(p.get("ts", ""))
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            if not message.streaming:
                return {"ok": False, "error": "message_not_in_streaming_state"}
            message.streamed += _markdown_of(p)
            if method == "chat.stopStream":
                message.streaming = False
                message.blocks = p.get("blocks") or []
            return {"ok": True, "channel": message.channel, "ts": message.ts}
        if method.startswith("assistant.threads.") or method == "chat.postEphemeral":
            return {"ok": True}
        return {"ok": False, "error": "unknown_method"}

    def _user_info(self, user_id: str) -> dict[str, Any] | None:
        """A member of this team unless a test said otherwise; no one for an id that isn't a user's."""
        if not user_id.startswith(("U", "W")):
            return None
        return {"id": user_id, "team_id": self.team_id, "name": user_id.lower(), "deleted": False, "is_bot": False,
                "is_restricted": False, "is_ultra_restricted": False, **self._people_info.get(user_id, {})}

    def _new_message(self, channel: str, thread_ts: str | None) -> Posted:
        self._counter += 1
        ts = f"{1700000000 + self._counter}.{self._counter:06d}"
        message = Posted(ts=ts, channel=channel, thread_ts=thread_ts)
        self._messages[ts] = message
        return message


def _markdown_of(params: dict[str, Any]) -> str:
    text = params.get("markdown_text") or ""
    for chunk in params.get("chunks") or []:
        if isinstance(chunk, dict) and chunk.get("type") == "markdown_text":
            text += chunk.get("text", "")
    return text


def _is_final(message: Posted) -> bool:
    """A bot reply that is done: not the placeholder, which the bot replaces."""
    return "Searching the docs" not in message.shown


def _handler_for(fake: FakeSlackApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self._serve()

        def do_GET(self) -> None:
            self._serve()

        def _serve(self) -> None:
            parsed = urlparse(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
            params: dict[str, Any] = {k: v[0] for k, v in parse_qs(parsed.query).items()}
            if raw.startswith("{"):
                params.update(json.loads(raw))
            elif raw:
                params.update({k: v[0] for k, v in parse_qs(raw).items()})
            for name in JSON_FIELDS:
                if isinstance(params.get(name), str):
                    try:
                        params[name] = json.loads(params[name])
                    except ValueError:
                        pass
            status, headers, body = fake.handle(parsed.path, params, self.headers.get("Authorization"))
            self.send_response(status)
            self.send_header("Content-Type", headers.pop("Content-Type", "application/json; charset=utf-8"))
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: calls are recorded instead
            pass

    return Handler
