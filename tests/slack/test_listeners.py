"""What the listeners take and what they ignore, through the real server with a scripted answerer."""

import time
from collections.abc import Iterator

import pytest

from bot.settings import load_settings
from bot.slack import channel_map
from bot.slack.app import build_bot
from bot.slack.conversations import ConversationStore
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


def test_health_and_metrics(sender, fake_slack):
    assert sender.http.get(sender.base_url + "/healthz").json() == {"status": "ok"}
    sender.event(mention("How long is leave?", channel="C0GEN"))
    fake_slack.wait_for_calls("chat.stopStream")
    page = sender.http.get(sender.base_url + "/metrics").text
    assert 'docbot_slack_requests_total{kind="app_mention"}' in page
    assert "docbot_answers_total" in page and "docbot_slack_ack_seconds_bucket" in page
