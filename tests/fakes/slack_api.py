"""A stand-in for the Slack Web API on loopback (stdlib HTTP server), after bolt-python's tests/mock_web_api_server.

It answers like Slack (`{"ok": true, ...}`, `invalid_auth` for a wrong token, `message_not_found` for an unknown
ts), keeps the messages the bot posts, updates, streams and deletes, records every call with its path and
parameters, takes posts to response_urls, and can be told to fail a method (an API error, or HTTP 429 with
Retry-After) or to run a test's hook once a call has taken effect, before its response is sent (to kill
the caller at that very moment).

Streams are held to Slack's rules strictly: chunks must be of a known type with the fields Slack documents
(`markdown_text`, `task_update`, `plan_update`, `blocks`; anything else is `invalid_chunks`), markdown_text is
at most 12,000 characters per call (`msg_too_long`), a message holds at most 50 blocks counting those its
markdown expands into (`invalid_blocks`), and a stream older than `stream_seconds` is no longer streaming
(`message_not_in_streaming_state`: what it showed stays). In the agent experience (`agent_view=True`)
suggested prompts are set per DM channel; a `thread_ts` makes the call silently do nothing, as Slack documents.
"""

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

JSON_FIELDS = ("blocks", "chunks", "prompts", "loading_messages", "metadata", "attachments")
MARKDOWN_TEXT_LIMIT = 12000  # characters of markdown_text per call
BLOCK_LIMIT = 50  # blocks in a message, counting those its markdown expands into
TASK_STATUSES = ("pending", "in_progress", "complete", "error")
TASK_TEXT_LIMIT = 256  # details and output of a task_update
STREAM_SECONDS = 300.0  # a stream ends on its own after about five minutes


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
    started_at: float = 0.0  # when its stream started (monotonic)
    chunks: list[dict[str, Any]] = field(default_factory=list)  # every chunk streamed into it, in order
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)  # task id → its latest task_update
    plan_title: str = ""
    chunk_blocks: int = 0  # blocks sent in `blocks` chunks

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
        self.stream_seconds = STREAM_SECONDS
        self.agent_view = True  # the app uses the agent experience (False: the legacy assistant_view)
        self.suggested_prompts: dict[str, dict[str, Any]] = {}  # DM channel → the prompts set there (agent experience)
        self.usergroups: dict[str, dict[str, Any]] = {}  # id → {"handle": ..., "users": [...]}
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

    def set_usergroup(self, group_id: str, handle: str, users: list[str]) -> None:
        with self._lock:
            self.usergroups[group_id] = {"handle": handle, "users": list(users)}

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
            if len(p.get("blocks") or []) > BLOCK_LIMIT or _block_error(p.get("blocks") or []):
                return {"ok": False, "error": "invalid_blocks"}
            message = self._new_message(p["channel"], p.get("thread_ts"))
            message.text, message.blocks = p.get("text", ""), p.get("blocks") or []
            return {"ok": True, "channel": message.channel, "ts": message.ts, "message": {"text": message.text, "ts": message.ts}}
        if method == "chat.update":
            message = self._messages.get(p.get("ts", ""))
            if message is None or message.channel != p.get("channel"):
                return {"ok": False, "error": "message_not_found"}
            if len(p.get("blocks") or []) > BLOCK_LIMIT or _block_error(p.get("blocks") or []):
                return {"ok": False, "error": "invalid_blocks"}
            # An update replaces the whole message, streamed text included (a stream it was is over).
            message.streaming, message.tasks, message.plan_title = False, {}, ""
            message.text, message.blocks, message.streamed = p.get("text", ""), p.get("blocks") or [], ""
            return {"ok": True, "channel": message.channel, "ts": message.ts, "text": message.text}
        if method == "chat.delete":
            message = self._messages.get(p.get("ts", ""))
            if message is None or message.channel != p.get("channel"):
                return {"ok": False, "error": "message_not_found"}
            del self._messages[message.ts]
            return {"ok": True, "channel": message.channel, "ts": message.ts}
        if method == "chat.startStream":
            if not p.get("thread_ts") or not p.get("channel"):
                return {"ok": False, "error": "invalid_arguments"}
            if p["channel"].startswith("C") and not (p.get("recipient_team_id") and p.get("recipient_user_id")):
                return {"ok": False, "error": "invalid_arguments"}  # required when streaming to channels
            if p.get("task_display_mode") not in (None, "timeline", "plan"):
                return {"ok": False, "error": "invalid_arguments"}
            message = Posted(ts="", channel=p["channel"], thread_ts=p["thread_ts"], streaming=True, started_at=time.monotonic())
            error = _stream_into(message, p)
            if error:
                return {"ok": False, "error": error}
            self._keep(message)
            return {"ok": True, "channel": message.channel, "ts": message.ts}
        if method in ("chat.appendStream", "chat.stopStream"):
            message = self._messages.get(p.get("ts", ""))
            if message is None or message.channel != p.get("channel"):
                return {"ok": False, "error": "message_not_found"}
            if message.streaming and time.monotonic() - message.started_at > self.stream_seconds:
                message.streaming = False  # Slack ended it: what it showed stays
            if not message.streaming:
                return {"ok": False, "error": "message_not_in_streaming_state"}
            if method == "chat.appendStream" and not p.get("markdown_text") and not p.get("chunks"):
                return {"ok": False, "error": "invalid_arguments"}
            trial = replace(message, chunks=list(message.chunks), tasks=dict(message.tasks))
            error = _stream_into(trial, p)
            if error:
                return {"ok": False, "error": error}
            if method == "chat.stopStream":
                blocks = p.get("blocks") or []
                if len(blocks) > BLOCK_LIMIT or _block_error(blocks):
                    return {"ok": False, "error": "invalid_blocks"}
                trial.streaming = False
                trial.blocks = blocks
            self._messages[message.ts] = trial
            return {"ok": True, "channel": message.channel, "ts": message.ts}
        if method == "assistant.threads.setSuggestedPrompts":
            if not p.get("channel_id") or not isinstance(p.get("prompts"), list) or not p["prompts"]:
                return {"ok": False, "error": "invalid_arguments"}
            if self.agent_view and p.get("thread_ts"):
                return {"ok": True}  # Slack: a thread_ts in the agent experience makes the call silently fail
            self.suggested_prompts[p["channel_id"]] = {"prompts": p["prompts"], "title": p.get("title")}
            return {"ok": True}
        if method == "usergroups.list":
            return {"ok": True, "usergroups": [{"id": i, "handle": g["handle"], "name": g["handle"]} for i, g in self.usergroups.items()]}
        if method == "usergroups.users.list":
            group = self.usergroups.get(p.get("usergroup", ""))
            if group is None:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": group["users"]}
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
        return self._keep(Posted(ts="", channel=channel, thread_ts=thread_ts))

    def _keep(self, message: Posted) -> Posted:
        self._counter += 1
        message.ts = f"{1700000000 + self._counter}.{self._counter:06d}"
        self._messages[message.ts] = message
        return message


_CHUNK_FIELDS = {
    "markdown_text": ({"type", "text"}, {"type", "text"}),
    "plan_update": ({"type", "title"}, {"type", "title"}),
    "task_update": ({"type", "id", "title", "status"}, {"type", "id", "title", "status", "details", "output", "sources"}),
    "blocks": ({"type", "blocks"}, {"type", "blocks"}),
}


def _stream_into(message: Posted, params: dict[str, Any]) -> str | None:
    """Applies a stream call's markdown_text and chunks to `message`; the error Slack would answer, if any."""
    chunks = params.get("chunks")
    if chunks is not None and not isinstance(chunks, list):
        return "invalid_chunks"
    markdown = params.get("markdown_text")
    if markdown is not None and not isinstance(markdown, str):
        return "invalid_arguments"
    pieces: list[dict[str, Any]] = ([{"type": "markdown_text", "text": markdown}] if markdown else []) + list(chunks or [])
    for chunk in pieces:
        error = _chunk_error(chunk)
        if error:
            return error
    if sum(len(c["text"]) for c in pieces if c["type"] == "markdown_text") > MARKDOWN_TEXT_LIMIT:
        return "msg_too_long"
    for chunk in pieces:
        if chunk["type"] == "markdown_text":
            message.streamed += chunk["text"]
        elif chunk["type"] == "task_update":
            message.tasks[chunk["id"]] = chunk
        elif chunk["type"] == "plan_update":
            message.plan_title = chunk["title"]
        else:
            message.chunk_blocks += len(chunk["blocks"])
        message.chunks.append(chunk)
    if markdown_blocks(message.streamed) + message.chunk_blocks > BLOCK_LIMIT:
        return "invalid_blocks"
    return None


def _chunk_error(chunk: Any) -> str | None:
    if not isinstance(chunk, dict) or chunk.get("type") not in _CHUNK_FIELDS:
        return "invalid_chunks"
    required, allowed = _CHUNK_FIELDS[chunk["type"]]
    if not required <= set(chunk) or not set(chunk) <= allowed:
        return "invalid_chunks"
    kind = chunk["type"]
    if kind in ("markdown_text",) and not isinstance(chunk["text"], str):
        return "invalid_chunks"
    if kind in ("plan_update", "task_update") and not (isinstance(chunk["title"], str) and chunk["title"]):
        return "invalid_chunks"
    if kind == "blocks" and (not isinstance(chunk["blocks"], list) or _block_error(chunk["blocks"])):
        return "invalid_blocks"
    if kind == "task_update":
        if not isinstance(chunk["id"], str) or not chunk["id"] or chunk["status"] not in TASK_STATUSES:
            return "invalid_chunks"
        if any(len(str(chunk.get(name) or "")) > TASK_TEXT_LIMIT for name in ("details", "output")):
            return "invalid_chunks"
        for source in chunk.get("sources") or []:
            if not (isinstance(source, dict) and set(source) == {"type", "url", "text"} and source["type"] == "url"
                    and str(source["url"]).startswith(("http://", "https://")) and source["text"]):
                return "invalid_chunks"
    return None


def _block_error(blocks: list[Any]) -> bool:
    """True for a block Slack would refuse: context_actions hold 1–5 feedback_buttons or icon_button elements."""
    for block in blocks:
        if not isinstance(block, dict) or not block.get("type"):
            return True
        if block["type"] == "context_actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 5 or any(e.get("type") not in ("feedback_buttons", "icon_button") for e in elements):
                return True
            for element in elements:
                if element["type"] == "feedback_buttons" and not all(
                    isinstance(element.get(side), dict) and element[side].get("value") and (element[side].get("text") or {}).get("type") == "plain_text"
                    for side in ("positive_button", "negative_button")
                ):
                    return True
        if block["type"] == "actions" and any(e.get("type") == "feedback_buttons" for e in block.get("elements") or []):
            return True  # feedback buttons belong in a context_actions block
    return False


def markdown_blocks(markdown: str) -> int:
    """How many blocks Slack's markdown block expands `markdown` into: each paragraph, heading, list item,
    quote line and code block is one."""
    count, in_code, in_paragraph = 0, False, False
    for line in markdown.split("\n"):
        stripped = line.strip()
        if stripped.startswith("```"):
            if not in_code:
                count += 1
            in_code, in_paragraph = not in_code, False
            continue
        if in_code:
            continue
        if not stripped:
            in_paragraph = False
        elif re.match(r"^(#{1,6}\s|[-*+•]\s|\d+[.)]\s|>)", stripped):
            count, in_paragraph = count + 1, False
        elif not in_paragraph:
            count, in_paragraph = count + 1, True
    return count


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
