"""Stand-ins for remote model servers on loopback (stdlib HTTP), speaking the real wire protocols.

- `OpenAIServer`: `POST /v1/chat/completions`, JSON or `stream: true` server-sent events of
  `chat.completion.chunk` objects ending in `data: [DONE]` (vLLM, llama.cpp server, Ollama, TGI).
- `TGIServer`: Text Generation Inference: `POST /generate` (JSON), `POST /generate_stream` (SSE of token
  events, the last carrying `generated_text`), and `POST /` which routes on the body's `stream` flag (what
  huggingface_hub's InferenceClient calls for an endpoint URL).

Each records the requests it got, replies with `reply` (a string, or a function of the request body)
one word per event, and can be told to fail with an HTTP status, to hang without answering, or to hang
after streaming the first `hang_after` words.

    with OpenAIServer(reply="Use pathlib [1].") as server:
        settings = load_settings(llm_backend="openai", llm_endpoint_url=server.url)
"""

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | Callable[[dict[str, Any]], str]


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class _ModelServer:
    model_name = "stand-in"

    def __init__(
        self,
        reply: Reply = "Hello from the stand-in model.",
        *,
        fail_status: int | None = None,
        hang: bool = False,
        hang_after: int | None = None,
        token_delay: float = 0.0,
    ) -> None:
        self.reply = reply
        self.fail_status = fail_status  # answer every generation request with this HTTP status
        self.hang = hang  # accept generation requests and never answer them
        self.hang_after = hang_after  # stream this many words, then never finish
        self.token_delay = token_delay  # seconds between streamed events
        self.requests: list[Request] = []
        self._stopped = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=type(self).__name__, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "_ModelServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def text_for(self, body: dict[str, Any]) -> str:
        return self.reply(body) if callable(self.reply) else self.reply

    def pieces(self, body: dict[str, Any]) -> list[str]:
        return re.findall(r"\s*\S+", self.text_for(body)) or [""]

    # Subclasses route a POST: return True when the path was theirs.
    def handle_post(self, handler: "_Handler", path: str, body: dict[str, Any]) -> bool:
        raise NotImplementedError

    def handle_get(self, handler: "_Handler", path: str) -> bool:
        return False

    def before_generation(self, handler: "_Handler") -> bool:
        """Applies the failure modes; False when the request is already dealt with."""
        if self.hang:
            self._stopped.wait(timeout=300)
            return False
        if self.fail_status:
            handler.send_json({"error": "stand-in failure", "error_type": "overloaded"}, status=self.fail_status)
            return False
        return True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(_Handler):
            model_server = server

        return Handler


class _Handler(BaseHTTPRequestHandler):
    model_server: _ModelServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        if not self.model_server.handle_get(self, self.path.split("?")[0]):
            self.send_json({"error": f"no route {self.path}"}, status=404)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        body = json.loads(raw or b"{}")
        path = self.path.split("?")[0]
        self.model_server.requests.append(Request(path=path, headers={k.lower(): v for k, v in self.headers.items()}, body=body))
        if not self.model_server.handle_post(self, path, body):
            self.send_json({"error": f"no route {path}"}, status=404)

    def send_json(self, payload: Any, status: int = 200) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_events(self, events: list[Any], delay: float, done: bool) -> None:
        """Server-sent events, one `data:` line each, without Content-Length (the connection closes after)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        hang_after = self.model_server.hang_after
        for index, event in enumerate(events):
            if hang_after is not None and index > hang_after:  # events[0] carries only the role
                self.model_server._stopped.wait(timeout=300)
                self.close_connection = True
                return
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
            if delay:
                time.sleep(delay)
        if done:
            self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


class OpenAIServer(_ModelServer):
    """An OpenAI-compatible chat completions server."""

    def handle_get(self, handler: _Handler, path: str) -> bool:
        if path.rstrip("/") == "/v1/models":
            handler.send_json({"object": "list", "data": [{"id": self.model_name, "object": "model", "owned_by": "stand-in"}]})
            return True
        return False

    def handle_post(self, handler: _Handler, path: str, body: dict[str, Any]) -> bool:
        if path.rstrip("/") != "/v1/chat/completions":
            return False
        if not self.before_generation(handler):
            return True
        created, model = int(time.time()), body.get("model", self.model_name)
        if not body.get("stream"):
            text = self.text_for(body)
            handler.send_json({
                "id": "chatcmpl-standin", "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": len(text.split()), "total_tokens": 1 + len(text.split())},
            })
            return True

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {"id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": created, "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

        events = [chunk({"role": "assistant", "content": ""})]
        events += [chunk({"content": piece}) for piece in self.pieces(body)]
        events.append(chunk({}, "stop"))
        handler.send_events(events, self.token_delay, done=True)
        return True


class TGIServer(_ModelServer):
    """A Text Generation Inference server (its text-generation routes)."""

    def handle_get(self, handler: _Handler, path: str) -> bool:
        if path == "/info":
            handler.send_json({"model_id": self.model_name, "max_input_tokens": 4096, "max_total_tokens": 8192, "version": "3.0.0"})
            return True
        return False

    def handle_post(self, handler: _Handler, path: str, body: dict[str, Any]) -> bool:
        if path not in ("/", "/generate", "/generate_stream"):
            return False
        if not self.before_generation(handler):
            return True
        stream = path == "/generate_stream" or (path == "/" and bool(body.get("stream")))
        if not stream:
            text = self.text_for(body)
            details = {"finish_reason": "eos_token", "generated_tokens": len(self.pieces(body)), "seed": None}
            payload = {"generated_text": text, "details": details}
            # "/" answers with a list, as TGI's compatibility route does; "/generate" with one object.
            handler.send_json([payload] if path == "/" else payload)
            return True
        pieces = self.pieces(body)
        events = []
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            events.append({
                "index": index + 1,
                "token": {"id": 1000 + index, "text": piece, "logprob": -0.1, "special": False},
                "generated_text": "".join(pieces) if last else None,
                "details": {"finish_reason": "eos_token", "generated_tokens": len(pieces), "seed": None} if last else None,
            })
        handler.send_events(events, self.token_delay, done=False)
        return True
