"""`docbot channels` and `docbot feedback` through the real CLI."""

import logging

import pytest
from typer.testing import CliRunner

from bot.answering.types import Answer
from bot.cli.app import app
from bot.cli.feedback_commands import parse_age
from bot.slack.questions.conversations import ConversationStore
from bot.slack.answers.feedback import record_feedback
from tests.slack.test_conversations import add_collection, question


@pytest.fixture
def docbot(settings):
    runner = CliRunner()
    env = {"DATABASE_URL": settings.database_url, "DOCBOT_HOME": str(settings.docbot_home), "COLUMNS": "250"}

    def run(*args: str):
        return runner.invoke(app, list(args), env=env, catch_exceptions=False)

    yield run
    # The CLI logs to the runner's stream, which is closed now.
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_docbot", False)]:
        root.removeHandler(handler)


def test_map_list_followups_unmap(docbot, db):
    add_collection(db, "hr")
    add_collection(db, "eng")
    assert "C0HR sees: eng, hr" in docbot("channels", "map", "C0HR", "hr", "eng").output
    assert "follow-ups without a mention on" in docbot("channels", "followups", "C0HR", "--on").output
    listed = docbot("channels", "list").output
    assert "C0HR" in listed and "eng, hr" in listed and "on" in listed
    assert "C0HR unmapped." in docbot("channels", "unmap", "C0HR").output
    assert "(default)" in docbot("channels", "list").output


def test_mapping_an_unknown_collection_is_refused_by_name(db, settings):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "from bot.cli.app import main; main()", "channels", "map", "C0HR", "payroll"],
        env={"DATABASE_URL": settings.database_url, "DOCBOT_HOME": str(settings.docbot_home), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "No collection named 'payroll'" in result.stderr


def test_feedback_lists_votes_with_their_question(docbot, db):
    store = ConversationStore(db)
    asked = store.load(store.record_question(question("Ev1", "How long is parental leave?")))
    answer_id = store.save_answer(asked, Answer(text="Sixteen weeks."))
    store.mark_answered(asked.id, answer_id, "1.2")
    assert record_feedback(db, answer_id=answer_id, user_id="U1", channel_id="C1", value=-1)
    assert not record_feedback(db, answer_id=answer_id, user_id="U1", channel_id="C0OTHER", value=1)  # forged channel

    output = docbot("feedback", "--since", "1d").output
    assert "How long is parental leave?" in output and "👎" in output and "0 👍, 1 👎" in output


def test_since_is_checked():
    assert parse_age("7d").days == 7 and parse_age("12h").total_seconds() == 12 * 3600
    with pytest.raises(Exception, match="use a number and a unit"):
        parse_age("last week")
