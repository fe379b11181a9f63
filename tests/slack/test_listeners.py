"""What the listeners take and what they ignore, through the real server with a scripted answerer."""

import socket
import time
from collections.abc import Iterator

import pytest

from bot.settings import load_settings
from bot.slack.common import channel_map
from bot.slack.app import build_bot
from bot.slack.questions.conversations import ConversationStore
from tests.slack.harness import running_server
from tests.slack.scripted_answerer import ScriptedAnswerer
from tests.slack.slack_requests import BOT_TOKEN, BOT_USER, SIGNING_SECRET, SlackSender, mention, message, new_ts


@pytest.fixture
def answerer() -> ScriptedAnswerer:
    return ScriptedAnswerer()


@pytest.fixture
def sender(db, fake_slack, answerer, settings) -> Iterator[SlackSender]:
    slack_settings = load_settings(
        database_url=settings.database_url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=fake_slack.url
    )
    bot = build_bot(slack_settings, db, answerer, throttle_seconds=0.2)
    with running_server(bot) as url:
        client = SlackSender(url)
        yield client
        client.close()


def settle(seconds: float = 0.5) -> None:
    time.sleep(seconds)


def test_edits_deletions_bot_posts_and_mention_copies_are_ignored(sender, fake_slack, answerer, db):
    thread = new_ts()
    ignored = [
        message("edited", channel="D0DM", channel_type="im", subtype="message_changed"),
        message("gone", channel="D0DM", channel_type="im", subtype="message_deleted"),
        message("from a bot", channel="D0DM", channel_type="im", bot_id="B0OTHER"),
        message(f"<@{BOT_USER}> copy of a mention", channel="C0GEN", channel_type="channel", thread_ts=thread),
        message("plain channel chatter", channel="C0GEN", channel_type="channel"),
        message("reply in someone else's thread", channel="C0GEN", channel_type="channel", thread_ts=thread),
    ]
    for event in ignored:
        assert sender.event(event).status_code == 200
    settle()
    assert answerer.calls == []
    assert ConversationStore(db).pending_ids() == []
    assert fake_slack.calls("chat.postMessage") == [] and fake_slack.calls("chat.startStream") == []


def test_followups_without_mention_only_where_the_channel_allows(sender, fake_slack, answerer, db):
    root = new_ts()
    assert sender.event(mention("How long is leave?", channel="C0FOLLOW", ts=root)).status_code == 200
    fake_slack.wait_for_reply("C0FOLLOW", root, containing="Leave policy")

    sender.event(message("and for part-timers?", channel="C0FOLLOW", channel_type="channel", thread_ts=root))
    settle()
    assert len(answerer.calls) == 1

    channel_map.set_followups(db, "C0FOLLOW", True)
    sender.event(message("and for part-timers?", channel="C0FOLLOW", channel_type="channel", thread_ts=root))
    fake_slack.wait_for(lambda f: len(answerer.calls) == 2, what="the follow-up answered")
    assert [t.role for t in answerer.calls[1].history] == ["user", "assistant"]


def test_empty_mention_gets_usage_not_an_answer(sender, fake_slack, answerer):
    root = new_ts()
    sender.event(mention("", channel="C0GEN", ts=root))
    replies = fake_slack.wait_for_reply("C0GEN", root, containing="Ask me a question")
    assert answerer.calls == [] and len(replies) >= 1


def test_ask_without_text_shows_usage(sender, fake_slack):
    response = sender.command("   ", channel="C0GEN", response_url=fake_slack.response_url("r1"))
    assert response.status_code == 200 and "Usage: `/ask" in response.text


def test_health_liveness_and_no_metrics_on_the_public_port(sender, fake_slack):
    assert sender.http.get(sender.base_url + "/healthz").json() == {"status": "ok"}
    assert sender.http.get(sender.base_url + "/livez").json() == {"status": "alive"}
    sender.event(mention("How long is leave?", channel="C0GEN"))
    fake_slack.wait_for_calls("chat.stopStream")
    assert sender.http.get(sender.base_url + "/metrics").status_code == 404


def raw_request(base_url: str, head: str, body_part: bytes, timeout: float = 10.0) -> bytes:
    """Sends the head and part of a body, never the rest, and returns what the server answers."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as connection:
        connection.sendall(head.encode() + body_part)
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = connection.recv(65536)
            if not data:
                break
            answer += data
        return answer


def test_a_body_declared_over_1_mb_is_refused_before_it_is_sent(sender, answerer):
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        f"Content-Length: {5 * 1024 * 1024}\r\n\r\n"
    )
    answer = raw_request(sender.base_url, head, b'{"type": "event_callback", "event": {')
    assert answer.startswith(b"HTTP/1.1 413")  # not 401: the signature (there is none) was never checked


def test_a_streamed_body_over_1_mb_is_refused_without_reading_the_rest(sender, answerer):
    head = "POST /slack/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    piece = b"x" * 65536
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(17))  # 1.06 MB, and no last chunk
    answer = raw_request(sender.base_url, head, chunks)
    assert answer.startswith(b"HTTP/1.1 413")
    assert answerer.calls == []


def test_a_body_just_under_the_limit_is_read_and_checked(sender):
    body = '{"type": "event_callback", "padding": "' + "x" * (1024 * 1024 - 100) + '"}'
    assert sender.post(body, "application/json", signature="v0=" + "0" * 64).status_code == 401
