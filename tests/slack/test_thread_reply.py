"""Delivery in a thread against the Web API stand-in: streaming, fallbacks, throttling, splitting, escaping."""

import itertools

import pytest

from bot.answering.types import Answer, Citation, Progress
from bot.settings import load_settings
from bot.slack.app import build_client
from bot.slack.questions.question import ReplyTo
from bot.slack.answers.thread_reply import ThreadReply
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.slack_requests import BOT_TOKEN

TO = ReplyTo(origin="mention", team_id="T0TEAM", channel_id="C0GENERAL", user_id="UASKER", thread_ts="1600000000.000001")
CITED = [Citation(source="handbook/leave.md", title="Leave policy", heading="Annual leave", url="https://wiki.test/leave")]


class Clock:
    def __init__(self, step: float) -> None:
        self.values = itertools.count(0, step)

    def __call__(self) -> float:
        return next(self.values)


@pytest.fixture
def client(fake_slack: FakeSlackApi):
    return build_client(load_settings(slack_bot_token=BOT_TOKEN, slack_api_url=fake_slack.url))


def deliver(reply: ThreadReply, pieces: list[str], answer: Answer, answer_id: int = 5) -> str:
    reply.show_progress()
    for piece in pieces:
        reply.on_token(piece)
    return reply.finish(answer, answer_id)


def test_status_then_stream_then_sources_and_buttons_on_the_streamed_message(fake_slack, client):
    pieces = ["Annual leave ", "is ten ", "days ", "a year."]
    ts = deliver(ThreadReply(client, TO, clock=Clock(0.5)), pieces, Answer(text="".join(pieces), citations=CITED))

    status = fake_slack.calls("assistant.threads.setStatus")[0].params
    assert status["channel_id"] == TO.channel_id and status["thread_ts"] == TO.thread_ts
    start = fake_slack.calls("chat.startStream")[0].params
    assert start["thread_ts"] == TO.thread_ts and start["recipient_user_id"] == "UASKER" and start["recipient_team_id"] == "T0TEAM"
    message = fake_slack.message(ts)
    assert message.streamed == "Annual leave is ten days a year." and not message.streaming
    assert "<https://wiki.test/leave|Leave policy › Annual leave>" in message.shown
    assert fake_slack.calls("chat.postMessage") == [] and fake_slack.calls("chat.update") == []


def test_stream_updates_are_throttled_to_about_once_a_second(fake_slack, client):
    pieces = [f"word{i} " for i in range(40)]  # 40 tokens over 4 s of the fake clock
    deliver(ThreadReply(client, TO, clock=Clock(0.1)), pieces, Answer(text="".join(pieces)))
    sends = len(fake_slack.calls("chat.startStream")) + len(fake_slack.calls("chat.appendStream"))
    assert 3 <= sends <= 5


def test_refused_streaming_falls_back_to_one_message_updated_at_most_once_a_second(fake_slack, client):
    fake_slack.fail("chat.startStream", error="not_allowed_token_type")
    pieces = [f"part{i} " for i in range(30)]
    ts = deliver(ThreadReply(client, TO, clock=Clock(0.2)), pieces, Answer(text="".join(pieces), citations=CITED))

    posts, updates = fake_slack.calls("chat.postMessage"), fake_slack.calls("chat.update")
    assert len(posts) == 1 and posts[0].params["thread_ts"] == TO.thread_ts
    assert 4 <= len(updates) <= 8  # 30 tokens over 6 s, plus the final update
    assert {u.params["ts"] for u in updates} == {ts}
    assert "part29" in fake_slack.message(ts).shown and "Leave policy" in fake_slack.message(ts).shown


def test_refused_status_shows_a_placeholder_that_becomes_the_answer(fake_slack, client):
    fake_slack.fail("assistant.threads.setStatus", error="not_allowed")
    fake_slack.fail("chat.startStream", error="unknown_method")
    ts = deliver(ThreadReply(client, TO, clock=Clock(2)), ["Ten days."], Answer(text="Ten days.", citations=CITED))
    posts = fake_slack.calls("chat.postMessage")
    assert len(posts) == 1 and "Searching the docs" in posts[0].params["text"]
    assert posts[0].params["thread_ts"] == TO.thread_ts
    assert fake_slack.message(ts).text.startswith("Ten days.")


def test_answer_changed_after_streaming_replaces_the_streamed_text(fake_slack, client):
    final = Answer(text="The sources say: ten days.", citations=CITED)
    ts = deliver(ThreadReply(client, TO, clock=Clock(2)), ["Maybe twelve days?"], final)
    update = fake_slack.calls("chat.update")[-1].params
    assert update["ts"] == ts and "The sources say: ten days." in update["text"]


def test_long_answer_streams_on_in_new_messages_within_the_size_limits(fake_slack, client):
    text = "\n\n".join(["Paragraph about onboarding and laptops and accounts. " * 15] * 15)  # 12,400 characters
    ts = deliver(ThreadReply(client, TO, clock=Clock(2)), [text], Answer(text=text, citations=CITED))
    messages = fake_slack.thread(TO.channel_id, TO.thread_ts)
    assert len(messages) == 2 and not any(m.streaming for m in messages)
    assert "".join(m.streamed for m in messages) == text  # the whole answer, once, in order
    assert all(len(c.params.get("markdown_text") or "") <= 12000 for c in fake_slack.calls() if c.method.startswith("chat."))
    assert messages[-1].ts == ts and "Leave policy" in messages[-1].shown
    assert fake_slack.calls("chat.update") == []


def test_a_list_longer_than_fifty_blocks_continues_in_a_new_message(fake_slack, client):
    pieces = [f"\n- step {i} of the checklist" for i in range(80)]  # short text, but a block per line
    text = "".join(pieces)
    ts = deliver(ThreadReply(client, TO, clock=Clock(2)), ["".join(pieces[:40]), "".join(pieces[40:])], Answer(text=text, citations=CITED))
    messages = fake_slack.thread(TO.channel_id, TO.thread_ts)
    assert len(messages) == 2 and "".join(m.streamed for m in messages) == text
    assert messages[-1].ts == ts and "Leave policy" in messages[-1].shown


def test_the_stream_shows_the_plan_of_the_answer_as_it_advances(fake_slack, client):
    reply = ThreadReply(client, TO, clock=Clock(0.5))
    reply.show_progress()
    reply.show_plan(["default", "hr"])
    reply.on_progress(Progress("reading", tuple(CITED + [Citation(source="notes.md", title="Notes")])))
    reply.on_progress(Progress("checking"))
    reply.on_token("Ten days [1].")
    ts = reply.finish(Answer(text="Ten days [1].", citations=CITED), 5)

    message = fake_slack.message(ts)
    tasks = [(c["id"], c["status"]) for c in message.chunks if c["type"] == "task_update"]
    assert tasks == [("search", "in_progress"), ("read", "pending"), ("check", "pending"),
                     ("search", "complete"), ("read", "in_progress"), ("read", "complete"), ("check", "in_progress"),
                     ("check", "complete")]
    assert message.plan_title and "default, hr" in message.tasks["search"]["title"]
    assert message.tasks["read"]["title"] == "Reading 2 sources" and "Leave policy; Notes" == message.tasks["read"]["details"]
    assert message.tasks["read"]["sources"] == [{"type": "url", "url": "https://wiki.test/leave", "text": "Leave policy"}]
    assert message.streamed == "Ten days [1]." and fake_slack.calls("chat.startStream")[0].params["task_display_mode"] == "plan"


def test_an_abstention_ends_the_plan_saying_nothing_answered_it(fake_slack, client):
    reply = ThreadReply(client, TO, clock=Clock(0.5))
    reply.show_plan(["default"])
    reply.on_token("Not in the docs.")
    ts = reply.finish(Answer(text="Not in the docs.", abstained=True), 5)
    tasks = fake_slack.message(ts).tasks
    assert {t["status"] for t in tasks.values()} == {"complete"}
    assert tasks["search"]["output"] == "No source answers this" and "Not needed" in tasks["check"]["output"]


def test_a_stream_near_its_time_limit_continues_in_a_new_message(fake_slack, client):
    reply = ThreadReply(client, TO, clock=Clock(1), stream_seconds=5)
    reply.show_plan(["default"])
    pieces = [f"Sentence {i}. " for i in range(12)]
    for piece in pieces:
        reply.on_token(piece)
    ts = reply.finish(Answer(text="".join(pieces), citations=CITED), 5)
    messages = fake_slack.thread(TO.channel_id, TO.thread_ts)
    assert len(messages) >= 2 and not any(m.streaming for m in messages)
    assert "".join(m.streamed for m in messages) == "".join(pieces)
    assert all(m.plan_title for m in messages)  # each message shows the plan as it stood
    assert messages[-1].ts == ts and reply.messages == [m.ts for m in messages]


def test_a_stream_slack_ended_is_finished_with_chat_update(fake_slack, client):
    reply = ThreadReply(client, TO, clock=Clock(1))
    reply.show_plan(["default"])
    reply.on_token("Annual leave is ")
    fake_slack.stream_seconds = 0  # Slack ends the stream on its own (it lives about five minutes)
    reply.on_token("ten days a year.")
    ts = reply.finish(Answer(text="Annual leave is ten days a year.", citations=CITED), 5)
    errors = [c for c in fake_slack.calls("chat.appendStream")]
    assert errors  # the append that found the stream ended
    [message] = fake_slack.thread(TO.channel_id, TO.thread_ts)
    assert message.ts == ts and not message.streaming
    assert message.text.startswith("Annual leave is ten days a year.") and "Leave policy" in message.shown
    assert fake_slack.calls("chat.update")[-1].params["ts"] == ts


def test_a_broadcast_split_across_tokens_never_reaches_slack(fake_slack, client):
    pieces = ["Note: <!cha", "nnel> and @ev", "eryone and <!here> ", "done."]
    deliver(ThreadReply(client, TO, clock=Clock(1)), pieces, Answer(text="".join(pieces)))
    sent = " ".join(str(c.params) for c in fake_slack.calls())
    for forbidden in ("<!channel>", "<!here>", "@everyone"):
        assert forbidden not in sent


def test_rate_limited_calls_are_retried_after_retry_after(fake_slack, client):
    fake_slack.fail("chat.startStream", error="unknown_method")
    fake_slack.fail("chat.postMessage", error="ratelimited", status=429, retry_after=1)
    ts = deliver(ThreadReply(client, TO, clock=Clock(2)), ["Ten days."], Answer(text="Ten days."))
    assert len(fake_slack.calls("chat.postMessage")) == 2
    assert fake_slack.message(ts).text.startswith("Ten days.")


def test_failure_mid_stream_ends_the_stream_and_becomes_the_warning(fake_slack, client):
    reply = ThreadReply(client, TO, clock=Clock(2))
    reply.show_progress()
    reply.on_token("Half an ans")
    reply.fail(":warning: Sorry.")
    assert fake_slack.calls("chat.stopStream")
    [message] = fake_slack.thread(TO.channel_id, TO.thread_ts)
    assert message.text == ":warning: Sorry." and "Half an ans" not in message.shown
    assert fake_slack.calls("chat.postMessage") == []


def test_every_message_is_reported_when_created_the_stream_before_any_text(fake_slack, client):
    reported: list[list[str]] = []

    def remember(timestamps: list[str]) -> None:
        # The stream exists, empty, when its ts is reported.
        reported.append(timestamps)
        assert fake_slack.message(timestamps[0]).streamed == ""

    reply = ThreadReply(client, TO, clock=Clock(2), on_messages=remember)
    reply.show_progress()
    reply.on_token("Ten days.")
    ts = reply.finish(Answer(text="Ten days.", citations=CITED), 5)
    assert reported == [[ts]] and fake_slack.message(ts).streamed == "Ten days."


def test_a_reply_continuing_an_interrupted_stream_ends_it_and_writes_the_answer_there(fake_slack, client):
    first = ThreadReply(client, TO, clock=Clock(2))
    first.show_progress()
    first.on_token("Half an ans")  # the process dies here: the stream stays open
    [earlier] = first.messages

    again = ThreadReply(client, TO, clock=Clock(2), existing=[earlier])
    again.show_progress()
    again.on_token("Ten days.")
    ts = again.finish(Answer(text="Ten days.", citations=CITED), 6)

    assert ts == earlier
    [message] = fake_slack.thread(TO.channel_id, TO.thread_ts)
    assert not message.streaming and message.text.startswith("Ten days.") and "Half an ans" not in message.shown
    assert "Leave policy" in message.shown
    assert len(fake_slack.calls("chat.startStream")) == 1 and fake_slack.calls("chat.postMessage") == []


def test_a_shorter_answer_in_earlier_messages_deletes_the_ones_left_over(fake_slack, client):
    long_text = "\n\n".join(["Paragraph about onboarding and laptops and accounts. " * 15] * 15)
    first = ThreadReply(client, TO, clock=Clock(2))
    first.finish(Answer(text=long_text), 5)
    assert len(first.messages) >= 2

    reported: list[list[str]] = []
    again = ThreadReply(client, TO, clock=Clock(2), existing=first.messages, on_messages=reported.append)
    ts = again.finish(Answer(text="Ten days.", citations=CITED), 6)
    assert [m.ts for m in fake_slack.thread(TO.channel_id, TO.thread_ts)] == [ts] == reported[-1]


def test_an_answer_interrupted_after_a_roll_over_is_answered_once_in_its_first_message(fake_slack, client):
    first = ThreadReply(client, TO, clock=Clock(1), stream_seconds=3)
    first.show_plan(["default"])
    for piece in ["One. ", "Two. ", "Three. ", "Four. "]:
        first.on_token(piece)  # the process dies here: two messages, the second still streaming
    assert len(first.messages) >= 2 and fake_slack.message(first.messages[-1]).streaming

    again = ThreadReply(client, TO, clock=Clock(1), existing=first.messages)
    again.show_progress()
    assert [m.ts for m in fake_slack.thread(TO.channel_id, TO.thread_ts)] == first.messages[:1]  # nothing half-shown
    assert "Searching the docs" in fake_slack.message(first.messages[0]).shown
    again.on_token("Ten days.")
    ts = again.finish(Answer(text="Ten days.", citations=CITED), 6)
    [message] = fake_slack.thread(TO.channel_id, TO.thread_ts)
    assert message.ts == ts == first.messages[0] and not message.streaming
    assert message.text.startswith("Ten days.") and "One." not in message.shown and "Leave policy" in message.shown


def test_where_streams_are_refused_the_status_line_shows_progress_and_no_plan_is_sent(fake_slack, client):
    fake_slack.fail("chat.startStream", error="not_allowed_token_type")
    reply = ThreadReply(client, TO, clock=Clock(0.5))
    reply.show_progress()
    reply.show_plan(["default"])
    reply.on_progress(Progress("reading", tuple(CITED)))
    reply.on_progress(Progress("checking"))
    reply.on_token("Ten days.")
    ts = reply.finish(Answer(text="Ten days.", citations=CITED), 5)
    assert fake_slack.calls("assistant.threads.setStatus")[0].params["status"] == "is searching the docs…"
    assert len(fake_slack.calls("chat.startStream")) == 1 and fake_slack.calls("chat.appendStream") == []
    assert fake_slack.message(ts).text.startswith("Ten days.") and "Leave policy" in fake_slack.message(ts).shown


def test_a_roll_over_slack_refuses_to_stream_continues_in_a_posted_message(fake_slack, client):
    reply = ThreadReply(client, TO, clock=Clock(1), stream_seconds=3)
    reply.show_plan(["default"])
    reply.on_token("One. ")
    reply.on_token("Two. ")
    fake_slack.fail("chat.startStream", error="ratelimited_streams", times=5)  # the next message can't be a stream
    for piece in ["Three. ", "Four. ", "Five. "]:
        reply.on_token(piece)
    ts = reply.finish(Answer(text="One. Two. Three. Four. Five. ", citations=CITED), 5)
    messages = fake_slack.thread(TO.channel_id, TO.thread_ts)
    assert [m.ts for m in messages] == reply.messages and not any(m.streaming for m in messages)
    shown = " ".join(m.streamed + m.text for m in messages)
    assert all(shown.count(word) == 1 for word in ("One.", "Two.", "Three.", "Four.", "Five."))  # all of it, once
    assert any(c.params["text"].startswith(":hourglass") for c in fake_slack.calls("chat.postMessage"))  # not over the earlier part
    assert messages[-1].ts == ts and "Leave policy" in messages[-1].shown
