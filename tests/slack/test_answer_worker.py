"""Answer workers on real Postgres against the Slack API stand-in: claims, left-over questions, retries, races.

A dead answerer is what a killed process leaves behind: an attempt counted and its connection gone (which
releases its lock); here a claim whose connection is closed without answering.
"""

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.db.engine import connect
from bot.db.models import Message
from bot.settings import load_settings
from bot.slack.answers.worker import AnswerWorker
from bot.slack.app import build_answer_worker
from bot.slack.common.client import build_client
from bot.slack.questions.conversations import ConversationStore
from bot.slack.questions.queue import QuestionQueue
from bot.slack.questions.question import IncomingQuestion, ReplyTo
from tests.slack.scripted_answerer import ScriptedAnswerer
from tests.slack.slack_requests import BOT_TOKEN, new_ts


@pytest.fixture
def client(fake_slack):
    return build_client(load_settings(slack_bot_token=BOT_TOKEN, slack_api_url=fake_slack.url))


@pytest.fixture
def workers(db, client) -> Iterator:
    started: list[AnswerWorker] = []

    def start(answerer: ScriptedAnswerer, database=db, **options) -> AnswerWorker:
        options = {"threads": 2, "throttle_seconds": 0.1, "retry_seconds": 1.0, "poll_seconds": 0.5, **options}
        worker = build_answer_worker(database, answerer, client, **options)
        worker.start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def ask(db, channel: str = "C0WORK", text: str = "How long is leave?") -> tuple[int, str]:
    root = new_ts()
    to = ReplyTo(origin="mention", team_id="T0TEAM", channel_id=channel, user_id="UASKER", thread_ts=root)
    question = IncomingQuestion(event_id="Ev" + root, team_id="T0TEAM", channel_id=channel, thread_ts=root, user_id="UASKER", text=text, reply_to=to)
    return ConversationStore(db).record_question(question), root


def row(db, question_id: int) -> Message:
    with db.session() as session:
        return session.get(Message, question_id)


def wait_for_status(fake_slack, db, question_id: int, status: str) -> Message:
    fake_slack.wait_for(lambda f: row(db, question_id).status == status, what=f"question {question_id} {status}")
    return row(db, question_id)


def die_while_answering(db, question_id: int) -> None:
    """An answerer claims the question and is killed: the attempt is counted, its lock goes with its connection."""
    claim = QuestionQueue(db).claim(any_time=True)
    assert claim is not None and claim.question_id == question_id
    claim.connection.invalidate()
    claim.connection.close()


def test_a_new_question_is_claimed_at_once_and_answered_once(db, fake_slack, workers):
    answerer = ScriptedAnswerer()
    worker = workers(answerer)
    assert worker.recovered.wait(10)
    question_id, root = ask(db)
    replies = fake_slack.wait_for_reply("C0WORK", root, containing="Leave policy")
    assert len(replies) == 1 and len(answerer.calls) == 1
    stored = wait_for_status(fake_slack, db, question_id, "answered")
    assert stored.attempts == 1 and stored.reply_ts == replies[0].ts


def test_the_sweeper_answers_a_question_whose_answerer_died_after_its_backoff(db, fake_slack, workers):
    question_id, root = ask(db)
    holder = QuestionQueue(db).claim(any_time=True)  # a live answerer holds it while the worker starts
    answerer = ScriptedAnswerer()
    worker = workers(answerer, retry_seconds=1.0)
    assert worker.recovered.wait(10)
    time.sleep(1.0)
    assert answerer.calls == []  # held by a live answerer: not taken from it
    holder.connection.invalidate()
    holder.connection.close()  # ...which now dies

    replies = fake_slack.wait_for_reply("C0WORK", root, containing="Leave policy", timeout=30)
    assert len(replies) == 1 and len(answerer.calls) == 1
    assert wait_for_status(fake_slack, db, question_id, "answered").attempts == 2


def test_after_three_dead_attempts_the_question_gets_the_warning_in_its_message_and_fails(db, fake_slack, client, workers):
    question_id, root = ask(db)
    half = client.chat_startStream(channel="C0WORK", thread_ts=root, recipient_team_id="T0TEAM", recipient_user_id="UASKER", markdown_text="Half an ans")["ts"]
    ConversationStore(db).remember_reply_messages(question_id, [half])
    for _ in range(3):
        die_while_answering(db, question_id)
    assert row(db, question_id).attempts == 3

    answerer = ScriptedAnswerer()
    workers(answerer)
    wait_for_status(fake_slack, db, question_id, "failed")
    assert answerer.calls == []
    [message] = fake_slack.thread("C0WORK", root)
    assert message.ts == half and not message.streaming
    assert message.text.startswith(":warning:") and "Half an ans" not in message.shown


def test_two_answer_processes_racing_answer_each_question_once(settings, db, fake_slack, workers):
    other_process = connect(settings)  # its own connections, as another process or host has
    try:
        first, second = ScriptedAnswerer(), ScriptedAnswerer()
        for worker in (workers(first, threads=3), workers(second, database=other_process, threads=3)):
            assert worker.recovered.wait(10)
        asked = [ask(db, channel=f"C0RACE{i}") for i in range(12)]
        for index, (_, root) in enumerate(asked):
            fake_slack.wait_for_reply(f"C0RACE{index}", root, containing="Leave policy", timeout=60)
        time.sleep(1.0)
        assert len(first.calls) + len(second.calls) == 12
        for index, (question_id, root) in enumerate(asked):
            assert len(fake_slack.thread(f"C0RACE{index}", root)) == 1
            assert row(db, question_id).attempts == 1
    finally:
        other_process.dispose()


def test_a_question_claimed_by_a_live_answerer_is_not_claimed_again(db):
    question_id, _ = ask(db)
    queue = QuestionQueue(db, retry_seconds=0.0)
    holder = queue.claim(any_time=True)
    assert holder is not None and holder.attempt == 1
    assert queue.claim(any_time=True) is None  # locked: a second answerer gets nothing
    queue.release(holder)
    again = queue.claim(any_time=True)
    assert again is not None and again.question_id == question_id and again.attempt == 2
    queue.release(again)


def test_attempts_back_off_doubling(db):
    question_id, _ = ask(db)
    queue = QuestionQueue(db, retry_seconds=100.0)
    delays = []
    for attempt in (1, 2, 3):
        claim = queue.claim(any_time=attempt > 1)  # the first is due at once; later ones only after their backoff
        assert claim is not None and claim.attempt == attempt
        with db.session() as session:
            delays.append(session.execute(
                select(Message.next_attempt_at - func.now()).where(Message.id == question_id)
            ).scalar_one().total_seconds())
        claim.connection.invalidate()
        claim.connection.close()
        assert queue.claim() is None  # not due yet
    assert [round(d, -1) for d in delays] == [100, 200, 400]


def test_new_questions_are_announced(db):
    queue = QuestionQueue(db)
    try:
        assert not queue.wait_for_new(timeout=0.2)  # listening now
        threading.Timer(0.2, ask, args=(db,)).start()
        assert queue.wait_for_new(timeout=10)
    finally:
        queue.close()
