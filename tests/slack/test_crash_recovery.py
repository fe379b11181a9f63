"""`docbot serve` as a real process: a question acknowledged, then SIGKILL mid-answer, is answered after restart.

Also checks the logs of a production run (LOG_LEVEL=INFO): no tokens, no signing secret, no message text.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.db.models import Message
from tests.slack.e2e import World, world
from tests.slack.slack_requests import BOT_TOKEN, SIGNING_SECRET, SlackSender, mention, new_ts

QUESTION = "How many days of annual leave do I get?"


@pytest.fixture
def e2e(admin_url, template_url, tmp_path):
    with world(admin_url, tmp_path) as w:
        yield w


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(w: World, port: int, log: Path) -> subprocess.Popen:
    s = w.settings
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "DATABASE_URL": s.database_url,
        "DOCBOT_HOME": str(s.docbot_home),
        "DOCBOT_MODEL_CACHE": str(s.model_cache),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": s.slack_api_url,
        "LLM_BACKEND": "openai",
        "LLM_ENDPOINT_URL": s.llm_endpoint_url,
        "LOG_LEVEL": "INFO",
    }
    command = [sys.executable, "-c", "from bot.cli.app import main; main()", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=log.parent, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("docbot serve did not become healthy:\n" + log.read_text())


def question_status(w: World) -> list[str]:
    with w.database.session() as session:
        return list(session.scalars(select(Message.status).where(Message.role == "user")))


def test_sigkill_after_ack_is_answered_after_restart(e2e: World, tmp_path):
    log = tmp_path / "serve.log"
    port = free_port()
    e2e.llm.hang = True  # the model never finishes: the answer is in flight when the process dies
    first = start_server(e2e, port, log)
    try:
        root = new_ts()
        sender = SlackSender(f"http://127.0.0.1:{port}")
        assert sender.event(mention(QUESTION, channel="C0CRASH", ts=root)).status_code == 200
        assert question_status(e2e) == ["pending"]  # stored before the ack
        e2e.slack.wait_for(lambda f: len(e2e.llm.requests) >= 1, what="the answer to be under way")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert not [m for m in e2e.slack.thread("C0CRASH", root) if "Leave policy" in m.shown]
    assert question_status(e2e) == ["pending"]

    e2e.llm.hang = False
    second = start_server(e2e, port, log)
    try:
        replies = e2e.slack.wait_for_reply("C0CRASH", root, containing="Leave policy", timeout=60)
        time.sleep(1.0)
        assert len(e2e.slack.thread("C0CRASH", root)) == len(replies) == 1  # answered once
        assert "25 days of annual leave" in replies[0].shown
        assert question_status(e2e) == ["answered"]
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)

    output = log.read_text()
    assert "level=INFO" in output and "recovering pending questions count=1" in output
    assert BOT_TOKEN not in output and SIGNING_SECRET not in output
    assert QUESTION not in output and "25 days" not in output  # no message text at INFO
