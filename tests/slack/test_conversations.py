"""The conversation store on real Postgres: dedupe, pending questions, history, what an answer was written into."""

import threading
from concurrent.futures import ThreadPoolExecutor

from bot.answering.types import Answer, Citation, Turn
from bot.db.models import Collection
from bot.slack.common import channel_map
from bot.slack.questions.conversations import ConversationStore
from bot.slack.questions.question import IncomingQuestion, ReplyTo


def question(event_id: str, text: str = "How long is leave?", thread_ts: str = "1.1", channel: str = "C1") -> IncomingQuestion:
    to = ReplyTo(origin="mention", team_id="T1", channel_id=channel, user_id="U1", thread_ts=thread_ts)
    return IncomingQuestion(event_id=event_id, team_id="T1", channel_id=channel, thread_ts=thread_ts, user_id="U1", text=text, reply_to=to)


def test_a_question_is_stored_pending_once_per_event_id(db):
    store = ConversationStore(db)
    first = store.record_question(question("Ev1"))
    assert first is not None
    assert store.record_question(question("Ev1")) is None
    stored = store.load(first)
    assert stored.status == "pending" and stored.is_first and stored.reply_to.thread_ts == "1.1"
    assert store.pending_ids() == [first]


def test_concurrent_duplicate_deliveries_store_one_question(db):
    store = ConversationStore(db)
    barrier = threading.Barrier(8)

    def deliver(_: int):
        barrier.wait()
        return store.record_question(question("EvSame"))

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(deliver, range(8)))
    assert len([r for r in results if r is not None]) == 1
    assert len(store.pending_ids()) == 1


def test_history_holds_answered_turns_of_the_thread_only(db):
    store = ConversationStore(db)
    first = store.load(store.record_question(question("Ev1", "How long is leave?")))
    answer_id = store.save_answer(first, Answer(text="Ten days.", citations=[Citation(source="leave.md", title="Leave")]))
    store.mark_answered(first.id, answer_id, "2.2")
    failed = store.record_question(question("Ev2", "broken one"))
    store.mark_failed(failed)
    store.record_question(question("Ev3", "other thread", thread_ts="9.9"))
    follow_up = store.load(store.record_question(question("Ev4", "And for part-timers?")))

    assert not follow_up.is_first
    assert store.history(follow_up) == [Turn("user", "How long is leave?"), Turn("assistant", "Ten days.")]


def test_followups_need_the_channel_option_and_a_docbot_thread(db):
    store = ConversationStore(db)
    store.record_question(question("Ev1", thread_ts="5.5", channel="C7"))
    assert not store.answers_followups("T1", "C7", "5.5")
    channel_map.set_followups(db, "C7", True)
    assert store.answers_followups("T1", "C7", "5.5")
    assert not store.answers_followups("T1", "C7", "6.6")


def test_pending_ids_can_skip_recent_questions(db):
    store = ConversationStore(db)
    store.record_question(question("Ev1"))
    assert store.pending_ids(older_than_seconds=300) == []


def add_collection(db, name: str) -> None:
    with db.session() as session:
        session.add(Collection(name=name, embedding_model="test", embedding_dim=384))


def test_old_event_ids_are_forgotten_recent_ones_kept(db):
    from sqlalchemy import text

    store = ConversationStore(db)
    store.record_question(question("EvOld"))
    store.record_question(question("EvNew", thread_ts="2.2"))
    with db.session() as session:
        session.execute(text("UPDATE processed_events SET received_at = now() - interval '2 days' WHERE event_id = 'EvOld'"))
    assert store.forget_events() == 1
    assert store.record_question(question("EvNew", thread_ts="2.2")) is None


def test_reply_messages_and_the_generated_answer_are_kept_with_the_question(db):
    store = ConversationStore(db)
    asked = store.load(store.record_question(question("Ev1")))
    assert asked.reply_messages == () and asked.answer_id is None
    store.remember_reply_messages(asked.id, ["1700000001.000001"])
    store.remember_reply_messages(asked.id, ["1700000001.000001", "1700000002.000002"])
    cited = Citation(source="leave.md", title="Leave", heading="Annual", url="https://wiki.test/leave")
    answer_id = store.save_answer(asked, Answer(text="Ten days.", citations=[cited], abstained=False))

    again = store.load(asked.id)
    assert again.reply_messages == ("1700000001.000001", "1700000002.000002")
    assert again.answer_id == answer_id and again.status == "pending"
    assert store.load_answer(answer_id) == Answer(text="Ten days.", citations=[cited])
    follow_up = store.load(store.record_question(question("Ev2", "And part-timers?")))
    assert store.history(follow_up) == []  # generated but not delivered: not part of the conversation yet
    store.mark_answered(asked.id, answer_id, "1700000002.000002")
    assert store.history(follow_up) == [Turn("user", "How long is leave?"), Turn("assistant", "Ten days.")]
