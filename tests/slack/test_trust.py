"""Who may see and add to what (issue 20), end to end: one `docbot serve`-built bot (answering threads and the
in-process knowledge jobs: no separate worker) on loopback, driven by Slack-signed requests, over real Postgres
and the real embedder; stand-ins only for the Slack Web API (with a workspace behind it) and the model.

Each test names the case of the issue it covers; each fails on the main before it (see the notes).
"""

import io
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import aliased
from typer.testing import CliRunner

from bot.answering.service import AnswerService
from bot.cli.app import app as docbot_cli
from bot.db.engine import connect
from bot.db.models import Collection, Document, Feedback, Message, SaveReview
from bot.logs import configure_logging
from bot.settings import load_settings
from bot.slack.app import build_bot
from bot.slack.common import channel_map, texts
from bot.slack.knowledge.gaps import list_gaps
from bot.slack.knowledge.jobs import GAP_DIGEST_TASK
from ingestion.pipeline import ingest
from ingestion.queue import QUEUE, make_app
from tests.conftest import MODEL_CACHE
from tests.fakes.llm_servers import OpenAIServer
from tests.slack.e2e import DOCS, cloned_database
from tests.slack.harness import running_server
from tests.slack.knowledge_requests import app_home_opened, message_shortcut, share_click
from tests.slack.slack_requests import BOT_TOKEN, BOT_USER, SIGNING_SECRET, TEAM, SlackSender, mention, message, new_ts
from tests.slack.test_knowledge_loop import Loop, extractive_model
from tests.slack.workspace_api import WorkspaceSlackApi

ADMIN = "UADMIN"
DIGEST_CHANNEL = "C0TRDIGEST"
GUEST, OUTSIDER = "UGUEST", "UOUTSIDER"
SECRET_FACT = "Bluefin"  # what a private channel's saved thread says


@pytest.fixture(scope="module")
def trust(admin_url, template_url, tmp_path_factory) -> Iterator[Loop]:
    home = tmp_path_factory.mktemp("trust")
    log = io.StringIO()
    with cloned_database(admin_url) as url, WorkspaceSlackApi(bot_token=BOT_TOKEN) as slack, OpenAIServer(reply=extractive_model) as llm:
        settings = load_settings(
            database_url=url, docbot_home=home, docbot_model_cache=MODEL_CACHE, slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET, slack_api_url=slack.url, llm_backend="openai", llm_endpoint_url=llm.url,
            admin_users=[ADMIN], digest_channel=DIGEST_CHANNEL, log_level="DEBUG",
        )
        for relative, body in DOCS.items():
            (home / "docs" / relative).parent.mkdir(parents=True, exist_ok=True)
            (home / "docs" / relative).write_text(body)
        database = connect(settings)
        ingest(database, settings, [str(home / "docs" / "default")], "default")
        ingest(database, settings, [str(home / "docs" / "finance")], "finance")
        for person, name in (("UALICE", "Alice Ng"), ("UBOB", "Bob Okafor"), ("UDAVE", "Dave"), (ADMIN, "Ada Admin")):
            slack.add_person(person, name)
        slack.set_person(GUEST, is_restricted=True)
        slack.set_person(OUTSIDER, team_id="T0OTHERORG", is_stranger=True)
        answerer = AnswerService(settings, database)
        answerer.warm_up()
        # As `docbot serve` builds it: the knowledge jobs run in this process (no `docbot worker` anywhere).
        bot = build_bot(settings, database, answerer, throttle_seconds=0.3, job_workers=1)
        configure_logging(settings, stream=log)  # every record at DEBUG, through docbot's scrubber
        try:
            with running_server(bot) as server_url:
                sender = SlackSender(server_url)
                loop = Loop(settings, database, slack, sender)
                loop.log = log  # type: ignore[attr-defined]
                yield loop
                sender.close()
        finally:
            bot.stop()
            database.dispose()
            configure_logging(load_settings(log_level="WARNING"), stream=io.StringIO())


def answered(trust: Loop, channel: str, user: str, question: str, *, containing: str = "Sources") -> str:
    """A person mentions docbot in a new thread; returns the text of docbot's finished reply."""
    root = trust.slack.say(channel, user, f"<@{BOT_USER}> {question}")
    trust.sender.event(mention(question, channel=channel, user=user, ts=root))
    return trust.slack.wait_for_reply(channel, root, containing=containing, timeout=60)[-1].shown


def dm_answer(trust: Loop, user: str, question: str, *, containing: str = "") -> str:
    channel, ts = "D0TR" + user[-4:], new_ts()
    trust.sender.event(message(question, channel=channel, channel_type="im", user=user, ts=ts))
    return trust.slack.wait_for_reply(channel, ts, containing=containing, timeout=60)[-1].shown


def ask_answer(trust: Loop, channel: str, question: str, name: str) -> str:
    trust.sender.command(question, channel=channel, user="UDAVE", response_url=trust.slack.response_url(name))
    return trust.slack.wait_for(
        lambda f: [c for c in f.calls("response_url") if c.path.endswith("/" + name) and "Searching" not in str(c.params.get("text"))],
        timeout=60, what=f"the /ask answer {name}",
    )[-1].params["text"]


def save(trust: Loop, channel: str, user: str, root: str, name: str) -> None:
    response = message_shortcut(trust.sender, "save_to_docbot", channel=channel, user=user, message={"ts": root, "user": user, "text": "…"},
                                response_url=trust.slack.response_url(name))
    assert response.status_code == 200


def notes(trust: Loop, name: str) -> list[str]:
    return [str(c.params.get("text")) for c in trust.slack.calls("response_url") if c.path.endswith("/" + name)]


def note(trust: Loop, name: str, containing: str) -> str:
    return trust.slack.wait_for(lambda f: next((n for n in notes(trust, name) if containing in n), None), timeout=60,
                                what=f"the note on {name} containing {containing!r}")


def ephemeral(trust: Loop, user: str, channel: str, containing: str) -> str:
    return trust.slack.wait_for(lambda f: next((e.text for e in f.ephemerals_for(user, channel) if containing in e.text), None),
                                timeout=60, what=f"an ephemeral to {user} containing {containing!r}")


def home_click(trust: Loop, *, action_id: str, value: str, user: str) -> None:
    payload = {
        "type": "block_actions", "user": {"id": user, "username": "someone", "team_id": TEAM}, "api_app_id": "A0DOCBOT",
        "token": "legacy-verification-token", "container": {"type": "view", "view_id": "V1"},
        "trigger_id": f"{uuid.uuid4().int % 10**10}.1.{uuid.uuid4().hex}", "team": {"id": TEAM, "domain": "fake"},
        "view": {"id": "V1", "type": "home", "blocks": []},
        "actions": [{"action_id": action_id, "block_id": f"review-{value}", "value": value, "type": "button", "action_ts": str(time.time())}],
    }
    response = trust.sender.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    assert response.status_code == 200


def home_view(trust: Loop, user: str) -> str:
    before = len([v for v in trust.slack.views if v["user_id"] == user])
    trust.sender.event(app_home_opened(user=user))
    views = trust.slack.wait_for(lambda f: len([v for v in f.views if v["user_id"] == user]) > before and [v for v in f.views if v["user_id"] == user],
                                 what=f"the home view of {user}")
    return json.dumps(views[-1]["view"], ensure_ascii=False)


def cli(trust: Loop, *args: str) -> str:
    env = {"DATABASE_URL": trust.settings.database_url, "DOCBOT_HOME": str(trust.settings.docbot_home), "DOCBOT_MODEL_CACHE": str(MODEL_CACHE),
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": trust.slack.url, "ADMIN_USERS": ADMIN, "COLUMNS": "250"}
    result = CliRunner().invoke(docbot_cli, list(args), env=env, catch_exceptions=False)
    configure_logging(trust.settings, stream=trust.log)  # the command set up logging its own way
    return result.output


def make_it_a_gap(trust: Loop, question: str, channel: str, asker: str) -> None:
    """Docbot abstained on the question, or its asker votes its answer 👎: either way it is a knowledge gap."""
    answer, asked = aliased(Message), aliased(Message)
    with trust.database.session() as session:
        answer_id, abstained = trust.slack.wait_for(
            lambda f: session.execute(
                select(answer.id, answer.reply_to["abstained"].as_boolean())
                .join(asked, asked.id == answer.reply_to["question_id"].as_integer())
                .where(asked.text == question, answer.role == "assistant")
            ).first(),
            what=f"the answer to {question!r} on record",
        )
    if not abstained:
        name = f"gap-{answer_id}"
        trust.sender.action(action_id="feedback_down", value=str(answer_id), channel=channel, user=asker,
                            response_url=trust.slack.response_url(name), message_ts=new_ts())
        note(trust, name, "Thanks")
    assert question in {g.question for g in list_gaps(trust.database, datetime.now(UTC) - timedelta(hours=1))}


def run_digest(trust: Loop) -> str:
    queue = make_app(trust.settings, trust.settings.database_url)
    before = len([c for c in trust.slack.calls("chat.postMessage") if c.params.get("channel") == DIGEST_CHANNEL])
    with queue.open():
        queue.configure_task(name=GAP_DIGEST_TASK, queue=QUEUE).defer(timestamp=int(time.time()))
    posts = trust.slack.wait_for(
        lambda f: len(c := [c for c in f.calls("chat.postMessage") if c.params.get("channel") == DIGEST_CHANNEL]) > before and c,
        timeout=60, what="the digest",
    )
    return json.dumps(posts[-1].params, ensure_ascii=False)


# -- 1. A private channel's thread stays in that channel -------------------------------------------------------


@pytest.fixture(scope="module")
def private_thread(trust) -> str:
    """A thread of a private channel, saved by the person who asked it. (On the previous main it went into
    `default` for everyone: every test below that looks for SECRET_FACT elsewhere failed.)"""
    channel = "C0TRPRIV"
    trust.slack.set_channel(channel, is_private=True)
    root = trust.slack.say(channel, "UALICE", "What is the codename of the acquisition target the board approved?")
    trust.slack.say(channel, "UBOB", f"The board calls the acquisition target Project {SECRET_FACT}; the codename is board-only.", thread_ts=root)
    save(trust, channel, "UALICE", root, "priv-save")
    assert "*default*" in note(trust, "priv-save", "Saved this thread")
    document = trust.document(f"slack:{channel}/{root}")
    assert document is not None and document.shown_only_in == channel
    return root


def test_1_private_thread_is_answered_in_its_channel_only(trust, private_thread):
    question = "What is the codename of the acquisition target?"
    assert SECRET_FACT in answered(trust, "C0TRPRIV", "UBOB", question)  # where it came from: found
    assert SECRET_FACT not in answered(trust, "C0TRPUBLIC", "UBOB", question, containing="")  # another channel
    assert SECRET_FACT not in dm_answer(trust, "UBOB", question)  # a DM
    assert SECRET_FACT not in ask_answer(trust, "C0TRPUBLIC", question, "priv-ask")  # /ask elsewhere
    pane, thread = "D0TRPANE", new_ts()  # the assistant pane, whatever channel the person is viewing
    trust.sender.event({"type": "assistant_thread_started", "event_ts": new_ts(),
                        "assistant_thread": {"user_id": "UBOB", "context": {"channel_id": "C0TRPRIV"}, "channel_id": pane, "thread_ts": thread}})
    trust.sender.event(message(question, channel=pane, channel_type="im", user="UBOB", thread_ts=thread))
    assert SECRET_FACT not in trust.slack.wait_for_reply(pane, thread, count=2, timeout=60)[-1].shown


def test_1_private_thread_never_reaches_app_home_gaps_or_the_digest(trust, private_thread):
    # Asked in the private channel and made a gap by its asker: its words must not travel either.
    question = f"Has Project {SECRET_FACT} hired a parking attendant for the garage?"
    answered(trust, "C0TRPRIV", "UALICE", question, containing="")
    make_it_a_gap(trust, question, "C0TRPRIV", "UALICE")
    with trust.database.session() as session:
        open_documents = session.scalar(text("SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id "
                                             "WHERE c.name = 'default' AND d.shown_only_in IS NULL"))
    admin_home = home_view(trust, ADMIN)
    assert SECRET_FACT not in admin_home and f"*default*: {open_documents} documents" in admin_home
    assert SECRET_FACT not in cli(trust, "gaps", "--since", "1d")
    assert SECRET_FACT not in run_digest(trust)


# -- 2. A save goes into one collection chosen deliberately --------------------------------------------------


def test_2_a_channel_with_several_collections_saves_only_where_an_admin_said(trust):
    channel = "C0TRTWO"
    channel_map.map_channel(trust.database, channel, ["default", "finance"])
    root = trust.slack.say(channel, "UALICE", "Which cost centre do conference trips go to?")
    trust.slack.say(channel, "UBOB", "Conference trips go to cost centre 4410.", thread_ts=root)
    save(trust, channel, "UALICE", root, "two-1")
    refused = note(trust, "two-1", ":lock:")
    assert "--save-to" in refused and channel in refused  # the reason, and the command that fixes it
    assert trust.document(f"slack:{channel}/{root}") is None  # (the previous main saved it into `default`)

    assert "Saved threads go to: finance" in cli(trust, "channels", "map", channel, "default", "finance", "--save-to", "finance")
    save(trust, channel, "UALICE", root, "two-2")
    assert "*finance*" in note(trust, "two-2", "Saved this thread")
    with trust.database.session() as session:
        homes = session.scalars(select(Collection.name).join(Document).where(Document.source == f"slack:{channel}/{root}")).all()
    assert homes == ["finance"]


# -- 3. Only the asker or an admin adds to the docs; others wait for review ---------------------------------


def test_3_anyone_else_s_save_waits_for_an_admin_who_approves_it_from_app_home(trust):
    channel = "C0TRREVIEW"
    root = trust.slack.say(channel, "UALICE", "How do I reset my VPN token?")
    trust.slack.say(channel, "UBOB", "Open vpn.example.com and press Reset token.", thread_ts=root)
    save(trust, channel, "UDAVE", root, "rev-1")  # Dave didn't ask
    assert texts.SAVING in note(trust, "rev-1", "Saving")  # told at once
    assert "admin will review" in note(trust, "rev-1", "review")
    source = f"slack:{channel}/{root}"
    assert trust.document(source) is None  # (the previous main saved it at once)

    view = home_view(trust, ADMIN)
    assert "How do I reset my VPN token?" in view and "Add to the docs" in view
    assert "Add to the docs" not in home_view(trust, "UBOB")  # not an admin: no review list
    review_id = next(str(e["value"]) for block in json.loads(view)["blocks"] if block["type"] == "actions"
                     for e in block["elements"] if e["action_id"] == "save_review_approve")
    home_click(trust, action_id="save_review_approve", value=review_id, user="UBOB")  # not an admin: nothing
    time.sleep(1.0)
    assert trust.document(source) is None
    home_click(trust, action_id="save_review_approve", value=review_id, user=ADMIN)
    assert "*default*" in ephemeral(trust, "UDAVE", channel, "Saved this thread")
    assert "vpn.example.com" in trust.document_text(source)

    # Re-saving needs the same right: a planted reply saved again by Dave waits; the document stays as approved.
    trust.slack.say(channel, "UDAVE", "Update: reset your VPN at evil.example instead.", thread_ts=root)
    save(trust, channel, "UDAVE", root, "rev-2")
    assert "admin will review" in note(trust, "rev-2", "review")
    assert "evil.example" not in trust.document_text(source)


def test_3_the_cli_lists_waiting_saves_and_rejects_one(trust):
    channel = "C0TRREJECT"
    root = trust.slack.say(channel, "UALICE", "Where is the expense policy?")
    trust.slack.say(channel, "UBOB", "It is on the finance wiki.", thread_ts=root)
    save(trust, channel, "UBOB", root, "rej-1")
    note(trust, "rej-1", "admin will review")
    with trust.database.session() as session:
        review_id = str(session.scalar(select(SaveReview.id).where(SaveReview.channel_id == channel)))
    row = next(line for line in cli(trust, "saves").splitlines() if channel in line)
    assert review_id in row and "Where is the expense policy?" in row and "UBOB" in row
    assert "rejected" in cli(trust, "saves", "reject", review_id)
    assert "decided not to add" in ephemeral(trust, "UBOB", channel, ":no_entry:")
    assert trust.document(f"slack:{channel}/{root}") is None
    assert channel not in cli(trust, "saves")


def test_3_an_admin_saves_any_thread_at_once(trust):
    channel = "C0TRADMIN"
    root = trust.slack.say(channel, "UALICE", "Who signs off on travel over 2000 euros?")
    trust.slack.say(channel, "UBOB", "The department head signs off on travel over 2000 euros.", thread_ts=root)
    save(trust, channel, ADMIN, root, "adm-1")
    assert "*default*" in note(trust, "adm-1", "Saved this thread")


# -- 4. Gap lists quote only questions asked in the open ---------------------------------------------------


def test_4_digest_app_home_and_cli_quote_only_public_questions_and_say_how_many_they_left_out(trust):
    public = "How do I descale the espresso machine in the kitchen?"
    hidden = {
        "private": "How do I descale the espresso machine before the layoff list is final?",
        "dm": "How do I report my manager for the espresso machine descaling rota?",
        "ask": "How often is the espresso machine descaled by facilities?",
    }
    trust.slack.set_channel("C0TRGAPPRIV", is_private=True)
    for channel, question in (("C0TRGAPPUB", public), ("C0TRGAPPRIV", hidden["private"])):
        answered(trust, channel, "UALICE", question, containing="")
        make_it_a_gap(trust, question, channel, "UALICE")
    dm_answer(trust, "UALICE", hidden["dm"])
    make_it_a_gap(trust, hidden["dm"], "D0TRLICE", "UALICE")
    ask_answer(trust, "C0TRGAPPUB", hidden["ask"], "gap-ask")
    make_it_a_gap(trust, hidden["ask"], "C0TRGAPPUB", "UDAVE")

    digest = run_digest(trust)
    assert "descale the espresso machine in the kitchen" in digest and "C0TRGAPPUB" in digest
    for question in hidden.values():
        assert question[:40] not in digest  # (the previous main quoted each, with its channel)
    assert "C0TRGAPPRIV" not in digest and "counted without their text" in digest
    admin_home = home_view(trust, ADMIN)
    assert all(question[:40] not in admin_home for question in hidden.values()) and "counted, not quoted" in admin_home
    gaps_text = cli(trust, "gaps", "--since", "1d")
    assert all(question[:40] not in gaps_text for question in hidden.values()) and "C0TRGAPPRIV" not in gaps_text


# -- 5. Outsiders and guests get answers only where an admin opened docbot to them ---------------------------


def test_5_guests_and_outsiders_are_refused_unless_the_mapping_serves_them(trust):
    channel = "C0TRMAPPED"
    channel_map.map_channel(trust.database, channel, ["default"])
    question = "How many days of annual leave do I get?"
    assert "25 days" in answered(trust, channel, "UBOB", question)
    for person in (GUEST, OUTSIDER):
        refusal = answered(trust, channel, person, question, containing=":lock:")
        assert "25 days" not in refusal and "default" not in refusal and "Leave policy" not in refusal  # names nothing
    assert ":lock:" in dm_answer(trust, GUEST, question, containing=":lock:")  # no GUEST_DM_COLLECTION: nothing in DMs
    assert ":lock:" in dm_answer(trust, OUTSIDER, question, containing=":lock:")
    # users.info is asked once per person, then remembered for a few minutes.
    assert len([c for c in trust.slack.calls("users.info") if c.params.get("user") == GUEST]) == 1

    channel_map.map_channel(trust.database, channel, ["default"], guests=True)
    assert "25 days" in answered(trust, channel, GUEST, question)
    assert ":lock:" in answered(trust, channel, OUTSIDER, question, containing=":lock:")


def test_5_a_channel_mapped_before_it_was_shared_answers_nobody_until_opened_to_outsiders(trust):
    channel = "C0TRCONNECT"
    channel_map.map_channel(trust.database, channel, ["default"])  # mapped without --external...
    trust.slack.set_channel(channel, is_ext_shared=True, is_shared=True)  # ...then shared (Slack Connect)
    question = "How many days of annual leave do I get?"
    for person in ("UBOB", OUTSIDER):
        assert "25 days" not in answered(trust, channel, person, question, containing="shared with people outside")
    cli(trust, "channels", "map", channel, "default", "--external")
    assert "25 days" in answered(trust, channel, OUTSIDER, question)


# -- 6. Only the asker's or an admin's 👎 makes a gap ----------------------------------------------------------


def test_6_votes_record_who_voted_and_only_the_asker_or_an_admin_makes_a_gap(trust):
    channel = "C0TRVOTES"
    question = "How many weeks of parental leave do parents get?"
    root = trust.slack.say(channel, "UALICE", f"<@{BOT_USER}> {question}")
    trust.sender.event(mention(question, channel=channel, user="UALICE", ts=root))
    reply = trust.slack.wait_for_reply(channel, root, containing="Sources", timeout=60)[-1]
    trust.slack.wait_for(lambda f: trust.answer_recorded(reply.ts), what="the answer on record")
    [buttons] = next(b for b in reply.blocks if b["type"] == "context_actions")["elements"]  # Slack's feedback_buttons
    down = buttons["negative_button"]["value"]  # "down-ID"
    answer_id = down.removeprefix("down-")

    def vote(user: str, name: str) -> None:
        trust.sender.action(action_id=buttons["action_id"], value=down, channel=channel, user=user, response_url=trust.slack.response_url(name),
                            message_ts=reply.ts, element_type="feedback_buttons")
        note(trust, name, "Thanks")

    def is_gap() -> bool:
        return question in {g.question for g in list_gaps(trust.database, datetime.now(UTC) - timedelta(hours=1))}

    vote("UBOB", "vote-bob")
    assert not is_gap()  # (the previous main made a gap of anyone's 👎)
    vote(ADMIN, "vote-admin")
    assert is_gap()
    with trust.database.session() as session:
        votes = dict(session.execute(select(Feedback.user_id, Feedback.voter).where(Feedback.message_id == int(answer_id))).tuples().all())
    assert votes == {"UBOB": "other", ADMIN: "admin"}
    vote("UALICE", "vote-alice")
    with trust.database.session() as session:
        assert session.scalar(select(Feedback.voter).where(Feedback.message_id == int(answer_id), Feedback.user_id == "UALICE")) == "asker"
    assert "UBOB" in cli(trust, "feedback", "--since", "1d")  # kept as feedback


# -- 7. Share to channel posts once -----------------------------------------------------------------------------


def test_7_share_to_channel_posts_once_on_a_double_click_or_a_replay(trust):
    channel = "C0TRSHARE"
    channel_map.set_private_answers(trust.database, channel, True)
    root = trust.slack.say(channel, "UALICE", f"<@{BOT_USER}> How many days of annual leave do I get?")
    trust.sender.event(mention("How many days of annual leave do I get?", channel=channel, user="UALICE", ts=root))
    private = trust.slack.wait_for(lambda f: [e for e in f.ephemerals_for("UALICE", channel) if "Sources" in e.shown], timeout=60, what="the private answer")[-1]
    share = next(e for b in private.blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "share_answer")
    for name in ("share-a", "share-b", "share-c"):  # a double click, then Slack's replay
        share_click(trust.sender, value=share["value"], channel=channel, user="UALICE", response_url=trust.slack.response_url(name))
    for name in ("share-a", "share-b", "share-c"):
        trust.slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.path.endswith("/" + name)], what=f"the reply to {name}")
    time.sleep(1.0)
    shared = [m for m in trust.slack.thread(channel, root) if "Shared by" in m.shown]
    assert len(shared) == 1


# -- 8. Response URLs: never in a log record, not kept once used ---------------------------------------------


def test_8_response_urls_are_hidden_in_logs_and_dropped_once_delivered(trust):
    ask_secret, save_secret = "askSecret8f2e1d", "saveSecret7c3b9a"
    ask_url, save_url = trust.slack.hook_url(ask_secret, "commands"), trust.slack.hook_url(save_secret)
    trust.sender.command("How many days of annual leave do I get?", channel="C0TRLOGS", user="UALICE", response_url=ask_url)
    trust.slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.path.endswith(ask_secret) and "Sources" in str(c.params)], timeout=60, what="the /ask answer")
    root = trust.slack.say("C0TRLOGS", "UALICE", "Where do I find the holiday calendar?")
    trust.slack.say("C0TRLOGS", "UBOB", "It is pinned in #general.", thread_ts=root)
    message_shortcut(trust.sender, "save_to_docbot", channel="C0TRLOGS", user="UALICE", message={"ts": root, "user": "UALICE", "text": "…"}, response_url=save_url)
    trust.slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.path.endswith(save_secret) and "Saved" in str(c.params)], timeout=60, what="the save note")
    time.sleep(1.0)

    logged = trust.log.getvalue()
    assert "level=DEBUG" in logged and "response_url" in logged  # DEBUG records with request bodies were captured
    assert ask_secret not in logged and save_secret not in logged
    with trust.database.session() as session:
        stored = " ".join(str(row) for row in session.execute(text("SELECT reply_to FROM messages")).scalars())
        jobs = " ".join(str(row) for row in session.execute(text("SELECT args FROM procrastinate_jobs")).scalars())
    assert ask_secret not in stored and save_secret not in jobs and "response_url" not in jobs


# -- 9. One `docbot serve` saves: the knowledge jobs run in-process ------------------------------------------


def test_9_one_server_saves_without_a_worker_and_says_saving_at_once(trust):
    channel = "C0TRSERVE"
    root = trust.slack.say(channel, "UALICE", "How do I book the big meeting room?")
    trust.slack.say(channel, "UBOB", "Book it in the Rooms app, at most two weeks ahead.", thread_ts=root)
    save(trust, channel, "UALICE", root, "serve-1")  # this fixture runs no `docbot worker`
    first = note(trust, "serve-1", "Saving")
    assert first == texts.SAVING and notes(trust, "serve-1")[0] == texts.SAVING  # before anything else
    assert "*default*" in note(trust, "serve-1", "Saved this thread")
    assert "Rooms app" in trust.document_text(f"slack:{channel}/{root}")
    assert "--job-workers" in cli(trust, "serve", "--help")
