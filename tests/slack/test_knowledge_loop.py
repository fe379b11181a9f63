"""The knowledge loop end to end: saving threads, asking about a message, gaps, App Home, private answers.

The real server (uvicorn on loopback) with the real AnswerService over real Postgres and the real embedder,
driven by Slack-signed requests; a procrastinate worker on a thread runs the save and digest jobs as
`docbot worker` does. Stand-ins only at the network edge: the Slack Web API with a workspace behind it, and an
OpenAI-compatible model that answers from its numbered sources.
"""

import logging
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from bot.answering.service import AnswerService
from bot.cli.app import app as docbot_cli
from bot.db.engine import connect
from bot.db.models import Conversation, Document, Message
from bot.settings import load_settings
from bot.slack.common import channel_map
from bot.slack.app import build_bot
from bot.slack.knowledge.gaps import list_gaps
from bot.slack.knowledge.jobs import GAP_DIGEST_TASK
from ingestion.pipeline import ingest
from ingestion.queue import QUEUE, make_app
from tests.conftest import MODEL_CACHE
from tests.fakes.llm_servers import OpenAIServer
from tests.slack.e2e import DOCS, cloned_database, words
from tests.slack.harness import running_server
from tests.slack.knowledge_requests import app_home_opened, message_shortcut, reaction_added, share_click
from tests.slack.queue_worker import running_queue_worker
from tests.slack.slack_requests import BOT_TOKEN, BOT_USER, SIGNING_SECRET, SlackSender, mention
from tests.slack.workspace_api import WorkspaceSlackApi, permalink

ADMIN = "UADMIN"
DIGEST_CHANNEL = "C0DIGEST"


def extractive_model(body: dict[str, Any]) -> str:
    """A model that read its sources: the sentence of source [1] sharing most words with the question, cited."""
    prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
    question = words(prompt.rsplit("Question:", 1)[-1])
    source = re.search(r'<source n="1">\n[^\n]*\n\n(.*?)\n</source>', prompt, re.S)
    if not source:
        return "The sources don't say."
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", source.group(1)) if s.strip()]
    best = max(sentences, key=lambda s: len(words(s) & question))
    return f"{best.rstrip('.')} [1]."


class Loop:
    def __init__(self, settings, database, slack: WorkspaceSlackApi, sender: SlackSender) -> None:
        self.settings, self.database, self.slack, self.sender = settings, database, slack, sender

    def document(self, source: str) -> Document | None:
        with self.database.session() as session:
            found = session.scalars(select(Document).where(Document.source == source)).one_or_none()
            if found is not None:
                session.expunge(found)
            return found

    def document_text(self, source: str) -> str:
        with self.database.session() as session:
            return "\n".join(session.scalars(text("SELECT c.text FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source = :s ORDER BY c.position").bindparams(s=source)))

    def saved_note(self, name: str, containing: str) -> dict[str, Any]:
        return self.slack.wait_for(
            lambda f: next((c.params for c in f.calls("response_url") if c.path.endswith("/" + name) and containing in str(c.params)), None),
            timeout=60, what=f"the note on {name} containing {containing!r}",
        )

    def answer_recorded(self, slack_ts: str) -> bool:
        with self.database.session() as session:
            return session.scalar(select(Message.id).where(Message.slack_ts == slack_ts)) is not None

    def save_jobs(self, channel: str) -> int:
        with self.database.session() as session:
            return session.scalar(
                text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'docbot.save_thread' AND args->>'channel_id' = :c").bindparams(c=channel)
            )


@pytest.fixture(scope="module")
def loop(admin_url, template_url, tmp_path_factory) -> Iterator[Loop]:
    home = tmp_path_factory.mktemp("loop")
    with cloned_database(admin_url) as url, WorkspaceSlackApi(bot_token=BOT_TOKEN) as slack, OpenAIServer(reply=extractive_model) as llm:
        settings = load_settings(
            database_url=url, docbot_home=home, docbot_model_cache=MODEL_CACHE, slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET, slack_api_url=slack.url, llm_backend="openai", llm_endpoint_url=llm.url,
            admin_users=[ADMIN], digest_channel=DIGEST_CHANNEL,
        )
        for relative, body in DOCS.items():
            (home / "docs" / relative).parent.mkdir(parents=True, exist_ok=True)
            (home / "docs" / relative).write_text(body)
        database = connect(settings)
        ingest(database, settings, [str(home / "docs" / "default")], "default")
        ingest(database, settings, [str(home / "docs" / "finance")], "finance")
        for person, name in (("UALICE", "Alice Ng"), ("UBOB", "Bob Okafor"), ("UCAROL", "Carol"), ("UDAVE", "Dave")):
            slack.add_person(person, name)
        answerer = AnswerService(settings, database)
        answerer.warm_up()
        bot = build_bot(settings, database, answerer, throttle_seconds=0.3)
        try:
            with running_queue_worker(settings, url), running_server(bot) as server_url:
                sender = SlackSender(server_url)
                yield Loop(settings, database, slack, sender)
                sender.close()
        finally:
            bot.stop()
            database.dispose()


def asked(loop: Loop, channel: str, user: str, question: str) -> str:
    """A person mentions docbot with a question in a new thread; returns the thread's ts once it is answered."""
    root = loop.slack.say(channel, user, f"<@{BOT_USER}> {question}")
    loop.sender.event(mention(question, channel=channel, user=user, ts=root))
    answer_ts = loop.slack.wait_for_reply(channel, root, containing="Sources", timeout=60)[-1].ts
    loop.slack.wait_for(lambda f: loop.answer_recorded(answer_ts), what="the answer on record")  # a person reacts later than this
    return root


# -- Saving a thread ---------------------------------------------------------------------------------------


def test_shortcut_saves_the_thread_and_a_later_question_is_answered_from_it_citing_the_permalink(loop):
    channel = "C0KLSAVE"
    root = loop.slack.say(channel, "UALICE", "How do I rotate the staging VPN certificate?")
    reply = loop.slack.say(channel, "UBOB", "Run `vpnctl rotate --env staging` and then restart the tunnel with `vpnctl up`.", thread_ts=root)
    started = time.monotonic()
    response = message_shortcut(loop.sender, "save_to_docbot", channel=channel, user="UALICE",
                                message={"ts": reply, "thread_ts": root, "user": "UBOB", "text": "Run …"}, response_url=loop.slack.response_url("save-1"))
    assert response.status_code == 200 and time.monotonic() - started < 3

    note = loop.saved_note("save-1", "Saved this thread")
    assert note["response_type"] == "ephemeral" and "*default*" in note["text"] and "new document" in note["text"]
    source = f"slack:{channel}/{root}"
    document = loop.document(source)
    assert document is not None and document.url == permalink(channel, root)
    assert document.title == "How do I rotate the staging VPN certificate?"
    saved = loop.document_text(source)
    assert "Alice Ng:" in saved and "Bob Okafor:" in saved and "vpnctl rotate --env staging" in saved

    # A later question, elsewhere, is answered from the saved thread, and the citation links to it.
    thread = asked(loop, "C0KLASK", "UDAVE", "How do I rotate the VPN certificate for staging?")
    answer = loop.slack.thread("C0KLASK", thread)[-1].shown
    assert "vpnctl rotate --env staging" in answer
    assert f"<{permalink(channel, root)}|How do I rotate the staging VPN certificate?" in answer


def test_saving_again_is_unchanged_until_the_thread_grows(loop):
    channel = "C0KLRESAVE"
    root = loop.slack.say(channel, "UALICE", "Where do I find the on-call rota?")
    loop.slack.say(channel, "UBOB", "It is pinned in #ops as a spreadsheet.", thread_ts=root)
    shortcut = {"ts": root, "user": "UALICE", "text": "Where do I find the on-call rota?"}
    for name in ("resave-1", "resave-2"):
        message_shortcut(loop.sender, "save_to_docbot", channel=channel, user="UALICE", message=shortcut, response_url=loop.slack.response_url(name))
    assert "new document" in loop.saved_note("resave-1", "Saved")["text"]
    assert "already up to date" in loop.saved_note("resave-2", "Saved")["text"]
    first = loop.document(f"slack:{channel}/{root}")

    loop.slack.say(channel, "UALICE", "Thanks! Also the pager rotation is in PagerDuty.", thread_ts=root)
    message_shortcut(loop.sender, "save_to_docbot", channel=channel, user="UALICE", message=shortcut, response_url=loop.slack.response_url("resave-3"))
    assert "updated" in loop.saved_note("resave-3", "Saved")["text"]
    again = loop.document(f"slack:{channel}/{root}")
    assert again.id == first.id and again.content_hash != first.content_hash
    assert "PagerDuty" in loop.document_text(f"slack:{channel}/{root}")


def test_check_mark_by_the_asker_saves_and_by_anyone_else_does_nothing(loop):
    channel = "C0KLCHECK"
    root = asked(loop, channel, "UCAROL", "How many days of annual leave do I get?")
    answer_ts = loop.slack.thread(channel, root)[-1].ts
    source = f"slack:{channel}/{root}"

    assert loop.sender.event(reaction_added(user="UDAVE", channel=channel, ts=answer_ts)).status_code == 200
    assert loop.sender.event(reaction_added(user="UCAROL", channel=channel, ts=answer_ts, reaction="thumbsup")).status_code == 200
    assert loop.save_jobs(channel) == 0  # nothing was queued: the check happens before the ack

    assert loop.sender.event(reaction_added(user="UCAROL", channel=channel, ts=answer_ts)).status_code == 200
    note = loop.slack.wait_for(lambda f: [e for e in f.ephemerals_for("UCAROL", channel) if "Saved this thread" in e.text], timeout=60, what="the save note")[0]
    assert note.thread_ts == root and "*default*" in note.text
    saved = loop.document_text(source)
    assert "Carol:" in saved and "docbot:" in saved and "25 days of annual leave" in saved
    assert loop.save_jobs(channel) == 1
    assert not loop.slack.ephemerals_for("UDAVE", channel)


def test_an_abstention_of_docbot_is_left_out_of_the_saved_thread(loop):
    channel = "C0KLABSTAIN"
    root = asked(loop, channel, "UALICE", "How do I book a desk in the Lisbon office?")
    abstention = loop.slack.thread(channel, root)[-1]
    loop.slack.say(channel, "UBOB", "Use the Deskbird app and pick the Lisbon floor plan.", thread_ts=root)
    loop.sender.event(reaction_added(user="UALICE", channel=channel, ts=abstention.ts))
    loop.slack.wait_for(lambda f: [e for e in f.ephemerals_for("UALICE", channel) if "Saved this thread" in e.text], timeout=60, what="the save note")
    saved = loop.document_text(f"slack:{channel}/{root}")
    assert "Deskbird app" in saved and "Bob Okafor:" in saved
    assert "docbot:" not in saved and "@docbot How do I book a desk" in saved  # the question, not the abstention


def test_saving_is_refused_in_a_shared_channel_and_in_a_dm(loop):
    loop.slack.set_channel("C0KLSHARED", is_ext_shared=True, is_shared=True)
    root = loop.slack.say("C0KLSHARED", "UALICE", "How do we invoice the partner?")
    message_shortcut(loop.sender, "save_to_docbot", channel="C0KLSHARED", user="UALICE", message={"ts": root, "user": "UALICE", "text": "…"},
                     response_url=loop.slack.response_url("shared-1"))
    assert "shared with people outside" in loop.saved_note("shared-1", ":lock:")["text"]
    message_shortcut(loop.sender, "save_to_docbot", channel="D0KLDM", user="UALICE", message={"ts": root, "user": "UALICE", "text": "…"},
                     response_url=loop.slack.response_url("dm-1"), channel_name="directmessage")
    assert "direct messages" in loop.saved_note("dm-1", ":lock:")["text"]
    assert loop.document(f"slack:C0KLSHARED/{root}") is None and loop.document(f"slack:D0KLDM/{root}") is None


# -- Asking about a message --------------------------------------------------------------------------------


def test_ask_docbot_answers_the_message_in_its_thread(loop):
    channel = "C0KLASKMSG"
    ts = loop.slack.say(channel, "UDAVE", "When are deploys frozen?")
    response = message_shortcut(loop.sender, "ask_docbot", channel=channel, user="UCAROL", message={"ts": ts, "user": "UDAVE", "text": "When are deploys frozen?"},
                                response_url=loop.slack.response_url("ask-msg"))
    assert response.status_code == 200
    replies = loop.slack.wait_for_reply(channel, ts, containing="Deploy rules", timeout=60)
    assert "Fridays after 3pm" in replies[-1].shown


# -- Private answers ---------------------------------------------------------------------------------------


def test_private_channel_answer_is_ephemeral_and_its_share_button_posts_it(loop):
    channel = "C0KLPRIV"
    channel_map.set_private_answers(loop.database, channel, True)
    root = loop.slack.say(channel, "UCAROL", f"<@{BOT_USER}> How many days of annual leave do I get?")
    loop.sender.event(mention("How many days of annual leave do I get?", channel=channel, user="UCAROL", ts=root))
    private = loop.slack.wait_for(lambda f: [e for e in f.ephemerals_for("UCAROL", channel) if "Sources" in e.shown], timeout=60, what="the private answer")[-1]
    assert private.thread_ts == root and "25 days of annual leave" in private.shown
    assert loop.slack.thread(channel, root) == []  # nobody else sees anything
    share = next(e for b in private.blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "share_answer")

    assert share_click(loop.sender, value=share["value"], channel=channel, user="UDAVE", response_url=loop.slack.response_url("share-x")).status_code == 200
    loop.saved_note("share-x", "only the person who asked")  # only the asker can share their answer
    share_click(loop.sender, value=share["value"], channel=channel, user="UCAROL", response_url=loop.slack.response_url("share-1"))
    shared = loop.slack.wait_for_reply(channel, root, containing="25 days of annual leave")
    assert "Shared by <@UCAROL>" in shared[-1].shown and "Leave policy" in shared[-1].shown
    assert loop.saved_note("share-1", "delete_original")["delete_original"] in (True, "true")


# -- Knowledge gaps and App Home ----------------------------------------------------------------------------

GAP_QUESTIONS = {
    "C0KLGAPS1": ["How do I book a parking space at the office?", "Is there parking for employees at the office?",
                  "Where can I park my car near the office?"],
    "C0KLGAPS2": ["How do I descale the espresso machine?", "The coffee machine needs descaling, how is it done?"],
}


@pytest.fixture(scope="module")
def gaps_asked(loop) -> list[str]:
    roots = []
    for channel, questions in GAP_QUESTIONS.items():
        for question in questions:
            root = asked(loop, channel, "UGAPS", question)
            roots.append(root)
            disliked_unless_abstained(loop, channel, root)
    asked(loop, "C0KLGAPS3", "UGAPS", "How many weeks of parental leave do parents get?")  # answered: not a gap
    return roots


def disliked_unless_abstained(loop: Loop, channel: str, root: str) -> None:
    """The docs cover none of the gap questions: an answer docbot gave anyway gets the asker's 👎, so every
    gap question is a gap (abstained or 👎) whichever way abstention decided it."""
    answer = loop.slack.wait_for_reply(channel, root, containing="Sources", timeout=60)[-1]
    with loop.database.session() as session:
        abstained = session.scalar(select(Message.reply_to["abstained"].as_boolean()).where(Message.slack_ts == answer.ts))
    buttons = next((b for b in answer.blocks if b["type"] == "context_actions"), None)
    if abstained or buttons is None:
        return
    response = loop.sender.action(action_id="answer_feedback", value=buttons["elements"][0]["negative_button"]["value"], channel=channel,
                                  user="UGAPS", response_url=loop.slack.response_url(f"gap-{root}"), message_ts=answer.ts, element_type="feedback_buttons")
    assert response.status_code == 200


def test_abstentions_are_kept_with_channel_and_time(loop, gaps_asked):
    """The docs cover none of the gap questions: each abstention is on record with its channel and time, and
    every gap question (abstained on, or answered and voted 👎) is a gap of the channel it was asked in."""
    with loop.database.session() as session:
        abstentions = session.execute(
            select(Conversation.channel_id, Message.created_at)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.reply_to["abstained"].as_boolean().is_(True))
        ).all()
    assert abstentions and all(channel.startswith("C") and at is not None for channel, at in abstentions)
    gaps = {gap.question: gap for gap in list_gaps(loop.database, datetime.now(UTC) - timedelta(hours=1))}
    for channel, questions in GAP_QUESTIONS.items():
        for question in questions:
            assert gaps[question].channel_id == channel and gaps[question].at is not None


def test_docbot_gaps_groups_abstentions_by_meaning(loop, gaps_asked):
    runner = CliRunner()
    env = {"DATABASE_URL": loop.settings.database_url, "DOCBOT_HOME": str(loop.settings.docbot_home), "DOCBOT_MODEL_CACHE": str(MODEL_CACHE), "COLUMNS": "250"}
    try:
        result = runner.invoke(docbot_cli, ["gaps", "--since", "1d"], env=env, catch_exceptions=False)
        scoped = runner.invoke(docbot_cli, ["gaps", "--since", "1d", "--collection", "finance"], env=env, catch_exceptions=False)
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_docbot", False)]:
            root.removeHandler(handler)
    rows = [line for line in result.output.splitlines() if re.match(r"^\W*\d+\W+\d+\W", line)]
    assert len(rows) >= 2, result.output
    assert re.match(r"^\W*1\W+3\W", rows[0]) and "park" in rows[0].lower() and "C0KLGAPS1" in rows[0]
    assert re.match(r"^\W*2\W+2\W", rows[1]) and ("espresso" in rows[1].lower() or "coffee" in rows[1].lower())
    assert "parental" not in result.output
    assert "No unanswered questions" in scoped.output  # no channel sees finance


def test_weekly_digest_posts_the_top_groups(loop, gaps_asked):
    queue = make_app(loop.settings, loop.settings.database_url)  # as `docbot worker`'s periodic deferrer would
    with queue.open():
        queue.configure_task(name=GAP_DIGEST_TASK, queue=QUEUE).defer(timestamp=int(time.time()))
    digest = loop.slack.wait_for(lambda f: [c for c in f.calls("chat.postMessage") if c.params.get("channel") == DIGEST_CHANNEL], timeout=60, what="the digest")[0]
    body = digest.params["text"]
    assert "Knowledge gaps" in body and "*3×*" in body and "*2×*" in body
    assert body.index("*3×*") < body.index("*2×*")


def test_app_home_shows_collections_questions_and_gaps_for_admins(loop, gaps_asked):
    channel_map.map_channel(loop.database, "C0KLHOMEFIN", ["finance"])
    loop.slack.set_members("UGAPS", ["C0KLHOMEFIN", "C0KLGAPS1"])
    assert loop.sender.event(app_home_opened(user="UGAPS")).status_code == 200
    view = loop.slack.wait_for(lambda f: [v for v in f.views if v["user_id"] == "UGAPS"], what="the home view")[0]["view"]
    shown = str(view)
    assert view["type"] == "home"
    with loop.database.session() as session:
        in_default = session.scalar(text("SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = 'default'"))
    assert f"*default*: {in_default} documents" in shown and "*finance*: 1 documents" in shown
    assert "parental leave" in shown and "no answer in the docs" in shown and "answered" in shown
    assert "Knowledge gaps" not in shown

    loop.sender.event(app_home_opened(user=ADMIN))
    admin_view = str(loop.slack.wait_for(lambda f: [v for v in f.views if v["user_id"] == ADMIN], what="the admin view")[0]["view"])
    assert "Knowledge gaps" in admin_view and "*3×*" in admin_view
