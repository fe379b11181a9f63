"""Runs the real server (uvicorn on a free loopback port, in a thread) around a built bot."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bot.slack.app import SlackBot
from bot.slack.server import uvicorn_server


@contextmanager
def running_server(bot: SlackBot, timeout: float = 30.0) -> Iterator[str]:
    server = uvicorn_server(bot, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
