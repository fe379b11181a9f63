"""With the database unreachable: Slack gets a 500 (and delivers again) until its last retry, which gets a warning."""

import pytest

from bot.db.engine import connect
from bot.settings import load_settings
from bot.slack.app import build_bot
from tests.slack.harness import running_server
from tests.slack.scripted_answerer import ScriptedAnswerer
from tests.slack.slack_requests import BOT_TOKEN, SIGNING_SECRET, SlackSender, mention, new_ts


@pytest.fixture
def sender(fake_slack, tmp_path):
    settings = load_settings(
        database_url="postgresql://docbot:unused@127.0.0.1:9/nowhere",  # discard port: connection refused
        docbot_home=tmp_path,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.url,
    )
    database = connect(settings, check=False)
    answerer = ScriptedAnswerer()
    with running_server(build_bot(settings, database, answerer)) as url:
        client = SlackSender(url)
        yield client
        client.close()
    assert answerer.calls == []


def test_unstorable_question_is_retried_by_slack_then_gets_a_warning(sender, fake_slack):
    assert sender.http.get(sender.base_url + "/healthz").status_code == 503
    root = new_ts()
    event = mention("How long is leave?", channel="C0DOWN", ts=root)
    assert sender.event(event, event_id="Ev0DOWN", retry_num=None).status_code == 500
    assert sender.event(event, event_id="Ev0DOWN", retry_num=1).status_code == 500
    assert fake_slack.thread("C0DOWN", root) == []

    assert sender.event(event, event_id="Ev0DOWN", retry_num=3).status_code == 200
    replies = fake_slack.wait_for_reply("C0DOWN", root, containing=":warning:")
    assert "could not reach the document database" in replies[-1].text


def test_unstorable_ask_is_told_at_once(sender, fake_slack):
    response = sender.command("how long is leave?", channel="C0DOWN", response_url=fake_slack.response_url("down"))
    assert response.status_code == 200
    notice = fake_slack.wait_for_calls("response_url")[-1].params
    assert ":warning:" in notice["text"]
