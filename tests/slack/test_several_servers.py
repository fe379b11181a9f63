"""Two `docbot serve` processes behind one URL and an answer worker on another "host", sharing one database.

Slack-signed requests go to both servers (a load balancer alternates); Slack's retry of an event may reach
the other server. Every question is answered exactly once, in one message, by whichever worker claimed it.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from bot.db.models import Message
from bot.slack.common import texts
from tests.slack.e2e import World, world
from tests.slack.slack_requests import BOT_TOKEN, SlackSender, mention, new_ts
from tests.slack.test_crash_recovery import free_port, start_server, stop

QUESTIONS = ["How many days of annual leave do I get?", "When are deploys frozen?", "How long is parental leave?"]


@pytest.fixture
def e2e(admin_url, template_url, tmp_path):
    with world(admin_url, tmp_path) as w:
        w.llm.token_delay = 0.02  # answers take a moment, so several are in flight at once
        yield w


def start_answer_worker(w: World, log) -> subprocess.Popen:
    s = w.settings
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "DATABASE_URL": s.database_url,
        "DOCBOT_HOME": str(s.docbot_home),
        "DOCBOT_MODEL_CACHE": str(s.model_cache),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": s.slack_api_url,
        "LLM_BACKEND": "openai",
        "LLM_ENDPOINT_URL": s.llm_endpoint_url,
        "LOG_LEVEL": "INFO",
    }
    command = [sys.executable, "-c", "from bot.cli.app import main; main()", "answer-worker", "--threads", "2"]
    return subprocess.Popen(command, env=environment, cwd=log.parent, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def test_two_servers_and_a_remote_worker_answer_each_question_once(e2e: World, tmp_path):
    log = tmp_path / "servers.log"
    ports = [free_port(), free_port()]
    remote = start_answer_worker(e2e, log)
    servers = [start_server(e2e, ports[0], log), start_server(e2e, ports[1], log, "--answer-workers", "0")]
    senders = [SlackSender(f"http://127.0.0.1:{port}") for port in ports]
    try:
        asked = []
        for index in range(12):
            channel, root = f"C0SHARE{index:02d}", new_ts()
            event = mention(QUESTIONS[index % len(QUESTIONS)], channel=channel, ts=root)
            event_id = f"Ev0SHARED{index:03d}"
            assert senders[index % 2].event(event, event_id=event_id).status_code == 200
            if index % 3 == 0:  # Slack's retry, landing on the other server
                assert senders[(index + 1) % 2].event(event, event_id=event_id, retry_num=1).status_code == 200
            asked.append((channel, root))

        e2e.slack.wait_for(lambda f: answered(e2e) == 12, timeout=120, what="all 12 questions answered")
        time.sleep(1.0)
        for channel, root in asked:
            [message] = e2e.slack.thread(channel, root)
            assert not message.streaming and texts.SOURCES_HEADING in message.shown
        with e2e.database.session() as session:
            rows = session.execute(select(Message.attempts, Message.answer_id).where(Message.role == "user")).all()
        assert len(rows) == 12 and all(attempts == 1 and answer for attempts, answer in rows)
        assert len(e2e.llm.requests) == 12  # each answer generated once
        assert remote.poll() is None
    finally:
        for sender in senders:
            sender.close()
        for server in servers:
            stop(server)
        remote.send_signal(signal.SIGTERM)
        remote.wait(60)
    assert remote.returncode == 0


def answered(w: World) -> int:
    with w.database.session() as session:
        return len(session.scalars(select(Message.id).where(Message.role == "user", Message.status == "answered")).all())
