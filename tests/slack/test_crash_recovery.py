"""`docbot serve` as a real process (with its answer worker process), SIGKILLed at the worst moments.

After each restart the thread holds exactly one answer message: a question acknowledged and not yet
answered is answered; an answer killed mid-stream is finished in the message it was streaming into; an
answer delivered but not yet marked answered is not delivered again (and not generated again).
Also checks the logs of a production run (LOG_LEVEL=INFO): no tokens, no signing secret, no message text,
and that metrics are served on their own port only.
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
from tests.slack.e2e import World, scripted_model, world
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


def start_server(w: World, port: int, log: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    s = w.settings
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),  # the checkout under test, not the installed one
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
        **(env or {}),
    }
    command = [sys.executable, "-c", "from bot.cli.app import main; main()", "serve", "--host", "127.0.0.1", "--port", str(port), *extra]
    # Its own process group, so a test can kill serve and its answer workers in one instant (killed()).
    process = subprocess.Popen(command, env=environment, cwd=log.parent, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    wait_until_ready(process, port, log)
    return process


def wait_until_ready(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("docbot serve did not become ready:\n" + log.read_text())


def kill(process: subprocess.Popen) -> None:
    """SIGKILL: no clean-up runs; the answer worker it started dies with it."""
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def killed(process: subprocess.Popen) -> None:
    """SIGKILL to serve and its answer workers at once, as a machine losing power would. Killing serve alone
    leaves its worker a moment (until PR_SET_PDEATHSIG reaches it) to act on a response it is waiting for."""
    os.killpg(process.pid, signal.SIGKILL)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(60)


def questions(w: World) -> list[Message]:
    with w.database.session() as session:
        return list(session.scalars(select(Message).where(Message.role == "user").order_by(Message.id)))


def test_sigkill_after_ack_is_answered_after_restart(e2e: World, tmp_path):
    log = tmp_path / "serve.log"
    port = free_port()
    e2e.llm.hang = True  # the model never finishes: the answer is in flight when the process dies
    first = start_server(e2e, port, log)
    try:
        root = new_ts()
        sender = SlackSender(f"http://127.0.0.1:{port}")
        assert sender.event(mention(QUESTION, channel="C0CRASH", ts=root)).status_code == 200
        assert [q.status for q in questions(e2e)] == ["pending"]  # stored before the ack
        e2e.slack.wait_for(lambda f: len(e2e.llm.requests) >= 1, what="the answer to be under way")
    finally:
        kill(first)
    assert not [m for m in e2e.slack.thread("C0CRASH", root) if "Leave policy" in m.shown]
    assert [q.status for q in questions(e2e)] == ["pending"]

    e2e.llm.hang = False
    second = start_server(e2e, port, log)
    try:
        replies = e2e.slack.wait_for_reply("C0CRASH", root, containing="Leave policy", timeout=60)
        time.sleep(1.0)
        assert len(e2e.slack.thread("C0CRASH", root)) == len(replies) == 1  # answered once
        assert "25 days of annual leave" in replies[0].shown
        e2e.slack.wait_for(lambda f: [q.status for q in questions(e2e)] == ["answered"], what="the question marked answered")
    finally:
        stop(second)

    output = log.read_text()
    assert "level=INFO" in output and "recovering pending questions count=1" in output
    assert BOT_TOKEN not in output and SIGNING_SECRET not in output
    assert QUESTION not in output and "25 days" not in output  # no message text at INFO


def test_sigkill_while_the_answer_streams_leaves_one_answer_message(e2e: World, tmp_path):
    log = tmp_path / "serve.log"
    port = free_port()
    # Two sentences; the model stalls after the first one's words. A sentence reaches Slack once it is
    # checked, so the first is streamed and the second is still being written when the process dies.
    e2e.llm.reply = "Employees get 25 days of annual leave per year [1]. Unused days carry over until the end of March [1]."
    e2e.llm.hang_after = 11
    first = start_server(e2e, port, log)
    root = new_ts()
    try:
        SlackSender(f"http://127.0.0.1:{port}").event(mention(QUESTION, channel="C0STREAM", ts=root))
        streamed = e2e.slack.wait_for(
            lambda f: [m for m in f.thread("C0STREAM", root) if m.streaming and m.streamed.strip()],
            timeout=60, what="the answer streaming",
        )
    finally:
        kill(first)
    [half] = streamed
    assert questions(e2e)[0].reply_ts == half.ts and questions(e2e)[0].status == "pending"

    e2e.llm.hang_after = None
    e2e.llm.reply = scripted_model
    second = start_server(e2e, port, log)
    try:
        e2e.slack.wait_for(lambda f: [q.status for q in questions(e2e)] == ["answered"], timeout=60, what="the question answered")
        time.sleep(1.0)
        [message] = e2e.slack.thread("C0STREAM", root)  # the half-written one became the answer: no second
        assert message.ts == half.ts and not message.streaming
        assert "25 days of annual leave" in message.shown and "Leave policy" in message.shown
        assert questions(e2e)[0].attempts == 2
    finally:
        stop(second)


def test_sigkill_after_the_answer_rolled_over_to_a_second_message_leaves_one_answer(e2e: World, tmp_path):
    log = tmp_path / "serve.log"
    port = free_port()
    # Streams limited to 1 s (Slack's ~5 minutes, shortened) and a model writing a sentence in about 1.5 s:
    # each sentence goes to a new message. The third is still being written when the process dies.
    e2e.llm.reply = (
        "Employees get 25 days of annual leave per year [1]. Unused days carry over until the end of March [1]. "
        "Parents get 16 weeks of paid parental leave [1]."
    )
    e2e.llm.token_delay, e2e.llm.hang_after = 0.15, 23
    first = start_server(e2e, port, log, env={"SLACK_STREAM_SECONDS": "1"})
    root = new_ts()
    try:
        SlackSender(f"http://127.0.0.1:{port}").event(mention(QUESTION, channel="C0ROLLED", ts=root))
        rolled = e2e.slack.wait_for(
            lambda f: (lambda m: m if len(m) >= 2 and m[-1].streaming and "end of March" in m[-1].streamed else None)(f.thread("C0ROLLED", root)),
            timeout=60, what="the answer streaming into its second message",
        )
    finally:
        kill(first)
    assert [questions(e2e)[0].reply_ts, *questions(e2e)[0].reply_parts] == [m.ts for m in rolled]  # both stored

    e2e.llm.token_delay, e2e.llm.hang_after, e2e.llm.reply = 0.0, None, scripted_model
    second = start_server(e2e, port, log)
    try:
        e2e.slack.wait_for(lambda f: [q.status for q in questions(e2e)] == ["answered"], timeout=60, what="the question answered")
        time.sleep(1.0)
        [message] = e2e.slack.thread("C0ROLLED", root)  # one answer: the first message, nothing half-written left
        assert message.ts == rolled[0].ts and not message.streaming
        assert message.text.startswith("Employees get 25 days of annual leave per year [1].") and "Leave policy" in message.shown
        assert not any(m.streaming for m in e2e.slack.thread("C0ROLLED", root))
        assert questions(e2e)[0].reply_parts == []
    finally:
        stop(second)


def test_sigkill_after_delivery_before_marking_answered_delivers_no_second_answer(e2e: World, tmp_path):
    log = tmp_path / "serve.log"
    port = free_port()
    first = start_server(e2e, port, log)
    # The moment the final chat.stopStream has reached Slack, before the answerer learns it did.
    e2e.slack.on_call("chat.stopStream", lambda call: killed(first))
    root = new_ts()
    try:
        SlackSender(f"http://127.0.0.1:{port}").event(mention(QUESTION, channel="C0DELIVER", ts=root))
        first.wait(60)
    finally:
        e2e.slack.on_call("chat.stopStream", None)
        if first.poll() is None:
            kill(first)
    [delivered] = e2e.slack.thread("C0DELIVER", root)
    assert "25 days of annual leave" in delivered.shown and not delivered.streaming
    [asked] = questions(e2e)
    assert asked.status == "pending" and asked.answer_id is not None
    generated = len(e2e.llm.requests)

    second = start_server(e2e, port, log)
    try:
        e2e.slack.wait_for(lambda f: [q.status for q in questions(e2e)] == ["answered"], timeout=60, what="the question answered")
        time.sleep(1.0)
        [message] = e2e.slack.thread("C0DELIVER", root)
        assert message.ts == delivered.ts and "25 days of annual leave" in message.shown and "Leave policy" in message.shown
        assert len(e2e.llm.requests) == generated  # the stored answer was delivered, not a new one generated
    finally:
        stop(second)


def test_metrics_are_served_on_their_own_port_only(e2e: World, tmp_path):
    log = tmp_path / "serve.log"
    port, metrics_port = free_port(), free_port()
    server = start_server(e2e, port, log, env={"METRICS_PORT": str(metrics_port)})
    try:
        root = new_ts()
        SlackSender(f"http://127.0.0.1:{port}").event(mention(QUESTION, channel="C0METRICS", ts=root))
        e2e.slack.wait_for_reply("C0METRICS", root, containing="Leave policy", timeout=60)
        assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 404
        assert httpx.get(f"http://127.0.0.1:{port}/livez").json() == {"status": "alive"}
        acks = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
        assert 'docbot_slack_requests_total{kind="app_mention"} 1.0' in acks
        answers = httpx.get(f"http://127.0.0.1:{metrics_port + 1}/metrics").text  # the answer worker's own
        assert 'docbot_answers_total{outcome="answered"} 1.0' in answers
    finally:
        stop(server)
