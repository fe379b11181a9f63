"""`docbot channels private C --on|--off` through the real CLI, and what it changes for a question's delivery."""

import logging

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.errors import InvalidChannel
from bot.slack.answers.private_answers import delivered_privately_if_wanted
from bot.slack.questions.question import IncomingQuestion, ReplyTo


@pytest.fixture
def docbot(settings):
    runner = CliRunner()
    env = {"DATABASE_URL": settings.database_url, "DOCBOT_HOME": str(settings.docbot_home), "COLUMNS": "250"}
    yield lambda *args: runner.invoke(app, list(args), env=env, catch_exceptions=False)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_docbot", False)]:
        root.removeHandler(handler)


def question(channel: str, origin: str) -> IncomingQuestion:
    reply_to = ReplyTo(origin=origin, team_id="T1", channel_id=channel, user_id="U1", thread_ts="1.1")
    return IncomingQuestion(event_id="Ev1", team_id="T1", channel_id=channel, thread_ts="1.1", user_id="U1", text="q", reply_to=reply_to)


def test_private_on_and_off(docbot, db):
    assert "C0PRIV: private answers on." in docbot("channels", "private", "C0PRIV", "--on").output
    assert "private answers" in docbot("channels", "list").output
    assert delivered_privately_if_wanted(db, question("C0PRIV", "mention")).reply_to.private is True
    assert delivered_privately_if_wanted(db, question("C0PRIV", "shortcut")).reply_to.private is True
    assert delivered_privately_if_wanted(db, question("C0OTHER", "mention")).reply_to.private is None
    assert delivered_privately_if_wanted(db, question("C0PRIV", "dm")).reply_to.private is None  # private already

    assert "C0PRIV: private answers off." in docbot("channels", "private", "C0PRIV", "--off").output
    assert delivered_privately_if_wanted(db, question("C0PRIV", "mention")).reply_to.private is None


def test_a_bad_channel_id_is_refused_by_name(docbot):
    with pytest.raises(InvalidChannel, match="'general' is not a Slack channel ID"):
        docbot("channels", "private", "general", "--on")
