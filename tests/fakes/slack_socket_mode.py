"""A stand-in for Slack's Socket Mode websocket on loopback (stdlib sockets, RFC 6455 text frames).

`apps.connections.open` on `FakeSlackApi` hands out this server's `ws://` URL; slack_sdk's built-in client
connects without TLS to any port but 443. The server greets with `hello`, pushes envelopes the test sends
(`events_api`, `slash_commands`, `interactive`), records the acknowledgements, and answers pings.
"""

import base64
import hashlib
import json
import socket
import struct
import threading
import time
import uuid
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class FakeSocketModeServer:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._clients: list[socket.socket] = []
        self._send_lock = threading.Lock()
        self.acks: dict[str, dict[str, Any]] = {}  # envelope_id -> what the app answered
        self._changed = threading.Condition()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="fake-socket-mode", daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link/?ticket=fake"

    def start(self) -> "FakeSocketModeServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._listener.close()
        for client in self._clients:
            try:
                client.close()
            except OSError:
                pass

    def __enter__(self) -> "FakeSocketModeServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_connected(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not self._clients:
            if time.monotonic() > deadline:
                raise AssertionError("the app did not connect over Socket Mode")
            time.sleep(0.05)

    def push(self, kind: str, payload: dict[str, Any]) -> str:
        """Sends an envelope to the app; returns its id (its acknowledgement is awaited with `wait_ack`)."""
        envelope_id = str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload, "accepts_response_payload": kind != "events_api", "retry_attempt": 0, "retry_reason": ""}
        self._send(self._clients[-1], json.dumps(envelope))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self.acks, timeout):
                raise AssertionError(f"no acknowledgement for envelope {envelope_id}")
            return self.acks[envelope_id]

    # -- the protocol ------------------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                request += client.recv(4096)
            headers = dict(line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line)
            key = headers.get("Sec-WebSocket-Key") or headers.get("sec-websocket-key", "")
            accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
            client.sendall(
                f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n".encode()
            )
            self._send(client, json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0DOCBOT"}, "debug_info": {"host": "fake"}}))
            self._clients.append(client)
            while not self._stopped.is_set():
                opcode, data = self._receive(client)
                if opcode == 0x8:
                    return
                if opcode == 0x9:
                    self._send(client, data, opcode=0xA)
                elif opcode == 0x1:
                    message = json.loads(data)
                    with self._changed:
                        self.acks[message.get("envelope_id", "")] = message
                        self._changed.notify_all()
        except (OSError, ValueError, ConnectionError):
            return

    def _send(self, client: socket.socket, data: str | bytes, opcode: int = 0x1) -> None:
        body = data.encode() if isinstance(data, str) else data
        if len(body) < 126:
            header = struct.pack("!BB", 0x80 | opcode, len(body))
        elif len(body) < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 126, len(body))
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, len(body))
        with self._send_lock:
            client.sendall(header + body)

    @staticmethod
    def _receive(client: socket.socket) -> tuple[int, bytes]:
        first, second = _exactly(client, 2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", _exactly(client, 2))
        elif length == 127:
            (length,) = struct.unpack("!Q", _exactly(client, 8))
        mask = _exactly(client, 4) if second & 0x80 else b"\0\0\0\0"
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(_exactly(client, length)))
        return first & 0x0F, payload


def _exactly(client: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = client.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data
