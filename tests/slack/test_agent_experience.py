"""Slack's agent experience end to end: the Messages tab, DMs, the plan a stream shows, feedback_buttons,
streams outliving their limits, and Ask an expert from an abstention to a saved document.

The real server (uvicorn on loopback) with the real AnswerService over real Postgres and the real embedder,
driven by Slack-signed requests; a procrastinate worker on a thread runs the save jobs as `docbot worker`
does. Stand-ins only at the network edge: the Slack Web API with a workspace behind it (strict about stream
chunks and limits), and an OpenAI-compatible model.
"""

import logging
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.answering.service import AnswerService
from bot.cli.app import app as docbot_cli
from bot.db.engine import connect
from bot.db.models import AgentGreeting, Conversation, ExpertRequest, Feedback, Message
from bot.settings import load_settings
from bot.slack.answers.worker import AnswerWorker
from bot.slack.app import build_answer_worker, build_bot
from bot.slack.common.client import build_client
from bot.slack.common.formatting import escape
from bot.slack.knowledge.expert_list import set_channel_experts
from bot.slack.knowledge.experts import ExpertDesk
from bot.slack.knowledge.gaps import list_gaps
from ingestion.pipeline import ingest
from tests.conftest import MODEL_CACHE
from tests.fakes.llm_servers import OpenAIServer
from tests.fakes.slack_api import Posted
from tests.slack.e2e import DOCS, WIKI_PAGE, cloned_database, scripted_model, web_page
from tests.slack.harness import running_server
from tests.slack.knowledge_requests import app_home_opened, reaction_added
from tests.slack.queue_worker import running_queue_worker
from tests.slack.slack_requests import BOT_TOKEN, BOT_USER, SIGNING_SECRET, SlackSender, mention, message, new_ts
from tests.slack.workspace_api import WorkspaceSlackApi

ADMIN = "UADMIN"
EXPERTS_CHANNEL = "C0EXPERTS"
ONCALL = "S0ONCALL"  # the workspace's experts: a user group
UNANSWERABLE = "How do I rotate the staging VPN certificate?"
TWO_SENTENCES = "Employees get 25 days of annual leave per year [1]. Unused days carry over until the end of March [1]."


class Agent:
    def __init__(self, settings, database, slack: WorkspaceSlackApi, llm: OpenAIServer, sender: SlackSender, answerer: AnswerService) -> None:
        self.settings, self.database, self.slack, self.llm, self.sender, self.answerer = settings, database, slack, llm, sender, answerer
        self.worker = self.answer_worker(settings.slack_stream_seconds)

    def answer_worker(self, stream_seconds: float) -> AnswerWorker:
        """Answers the questions the server stores (as `docbot answer-worker` does), streams limited to `stream_seconds`."""
        client = build_client(self.settings)
        worker = build_answer_worker(self.database, self.answerer, client, threads=2, throttle_seconds=0.3, stream_seconds=stream_seconds,
                                     experts=ExpertDesk(self.database, self.settings, client))
        worker.start()
        return worker

    def questions(self, channel: str, thread_ts: str) -> list[Message]:
        """The questions asked in a thread, oldest first."""
        with self.database.session() as session:
            found = list(session.scalars(
                select(Message).join(Conversation)
                .where(Conversation.channel_id == channel, Conversation.thread_ts == thread_ts, Message.role == "user").order_by(Message.id)
            ))
            for question in found:
                session.expunge(question)
            return found

    def question(self, channel: str, thread_ts: str) -> Message:
        return self.questions(channel, thread_ts)[0]

    def answered(self, channel: str, thread_ts: str, count: int = 1, timeout: float = 60) -> list[Posted]:
        """Waits until `count` questions of the thread are answered; the bot's messages in it."""
        self.slack.wait_for(lambda f: [q.status for q in self.questions(channel, thread_ts)] == ["answered"] * count,
                            timeout=timeout, what="the questions marked answered")
        time.sleep(0.3)  # a second answer would arrive by now
        return self.slack.thread(channel, thread_ts)

    def requests(self) -> list[ExpertRequest]:
        with self.database.session() as session:
            found = list(session.scalars(select(ExpertRequest).order_by(ExpertRequest.id)))
            for request in found:
                session.expunge(request)
            return found


@pytest.fixture(scope="module")
def agent(admin_url, template_url, tmp_path_factory) -> Iterator[Agent]:
    home = tmp_path_factory.mktemp("agent")
    with (cloned_database(admin_url) as url, WorkspaceSlackApi(bot_token=BOT_TOKEN) as slack, OpenAIServer(reply=scripted_model) as llm,
          web_page(WIKI_PAGE) as wiki):
        settings = load_settings(
            database_url=url, docbot_home=home, docbot_model_cache=MODEL_CACHE, slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET, slack_api_url=slack.url, llm_backend="openai", llm_endpoint_url=llm.url,
            admin_users=[ADMIN], experts=[ONCALL], experts_channel=EXPERTS_CHANNEL, ingest_allowed_hosts="127.0.0.1",
        )
        for relative, body in DOCS.items():
            (home / "docs" / relative).parent.mkdir(parents=True, exist_ok=True)
            (home / "docs" / relative).write_text(body)
        database = connect(settings)
        ingest(database, settings, [str(home / "docs" / "default"), wiki], "default")
        slack.set_usergroup(ONCALL, "oncall", ["UONCALL"])
        slack.set_usergroup("S0PLATFORM", "platform-oncall", ["UEXPERT"])
        for person, name in (("UASKER", "Asha"), ("UEXPERT", "Eli Expert"), ("UONCALL", "Omar Oncall")):
            slack.add_person(person, name)
        answerer = AnswerService(settings, database)
        answerer.warm_up()
        bot = build_bot(settings, database)  # acknowledges; the answer worker below answers
        try:
            with running_queue_worker(settings, url), running_server(bot) as server_url:
                sender = SlackSender(server_url)
                agent = Agent(settings, database, slack, llm, sender, answerer)
                yield agent
                agent.worker.stop()
                sender.close()
        finally:
            bot.stop()
            database.dispose()


def stream_sequence(message: Posted) -> list[tuple[str, ...]]:
    """What was streamed into a message, chunk by chunk, in the order Slack received it."""
    sequence: list[tuple[str, ...]] = []
    for chunk in message.chunks:
        if chunk["type"] == "task_update":
            sequence.append(("task", chunk["id"], chunk["status"]))
        elif chunk["type"] == "plan_update":
            sequence.append(("plan",))
        elif chunk["type"] == "markdown_text":
            sequence.append(("text",))
    return sequence


# -- The Messages tab and DMs -------------------------------------------------------------------------------


def test_opening_the_messages_tab_greets_once_and_sets_the_dms_suggested_prompts(agent):
    opened = app_home_opened(user="UNEWCOMER", tab="messages")
    for _ in range(3):  # opening the tab again, and Slack delivering an event twice, greet no one twice
        assert agent.sender.event(opened).status_code == 200
    agent.slack.wait_for(lambda f: opened["channel"] in f.suggested_prompts, what="the suggested prompts")
    time.sleep(0.5)
    greetings = [c for c in agent.slack.calls("chat.postMessage") if c.params["channel"] == opened["channel"]]
    assert len(greetings) == 1 and "Ask me anything" in greetings[0].params["text"] and "thread_ts" not in greetings[0].params
    prompts = agent.slack.suggested_prompts[opened["channel"]]
    assert [p["title"] for p in prompts["prompts"]] == ["How do I get started?", "Where is it written down?"]
    with agent.database.session() as session:
        assert session.scalars(select(AgentGreeting.user_id)).all() == ["UNEWCOMER"]

    # The Home tab keeps working, and opening it greets no one.
    views = len(agent.slack.views)
    assert agent.sender.event(app_home_opened(user="UNEWCOMER", tab="home")).status_code == 200
    agent.slack.wait_for(lambda f: len(f.views) > views, what="the Home tab published")
    assert len([c for c in agent.slack.calls("chat.postMessage") if c.params["channel"] == opened["channel"]]) == 1


def test_a_dm_in_the_agent_experience_is_answered_whatever_its_root(agent):
    channel = "D0AGENTDM"
    root = new_ts()  # a top-level DM: no assistant_thread_started came, no assistant_app_thread root
    agent.sender.event(message("How many days of annual leave do I get?", channel=channel, channel_type="im", ts=root))
    [answer] = agent.answered(channel, root)
    assert "25 days of annual leave" in answer.shown and "Leave policy" in answer.shown

    follow_up = new_ts()  # a reply in that DM thread (Bolt's Assistant takes it) is a question too
    agent.sender.event(message("Do unused days carry over?", channel=channel, channel_type="im", ts=follow_up, thread_ts=root))
    messages = agent.answered(channel, root, count=2)
    assert len(messages) == 2 and "end of March" in messages[-1].shown


# -- Progress and feedback ------------------------------------------------------------------------------------


def test_the_plan_and_task_chunks_of_an_answer_arrive_in_order(agent):
    channel, root = "C0PLAN", new_ts()
    agent.sender.event(mention("How do I submit expense receipts?", channel=channel, ts=root))
    [answer] = agent.answered(channel, root)
    assert "30 days" in answer.shown and not answer.streaming

    sequence = stream_sequence(answer)
    assert sequence[:4] == [("plan",), ("task", "search", "in_progress"), ("task", "read", "pending"), ("task", "check", "pending")]
    tasks = [step for step in sequence if step[0] == "task"][3:]
    assert tasks == [("task", "search", "complete"), ("task", "read", "in_progress"), ("task", "read", "complete"),
                     ("task", "check", "in_progress"), ("task", "check", "complete")]
    first_text = sequence.index(("text",))
    assert first_text > sequence.index(("task", "check", "in_progress"))  # text once writing began
    assert sequence[-1] == ("task", "check", "complete")
    assert "the default collection" in answer.tasks["search"]["title"]
    read = answer.tasks["read"]
    assert read["title"].startswith("Reading") and "Expenses guide" in read["details"]
    assert any(s["url"].endswith("/wiki/expenses.html") for s in read["sources"])  # the source with a link is linked
    assert agent.slack.calls("chat.startStream")[-1].params["task_display_mode"] == "plan"


def test_feedback_through_feedback_buttons_is_recorded(agent):
    channel, root = "C0FEEDBACKBTN", new_ts()
    agent.sender.event(mention("How many days of annual leave do I get?", channel=channel, ts=root))
    [answer] = agent.answered(channel, root)
    [block] = [b for b in answer.blocks if b["type"] == "context_actions"]
    [buttons] = block["elements"]
    assert buttons["type"] == "feedback_buttons"

    response = agent.sender.action(action_id=buttons["action_id"], value=buttons["positive_button"]["value"], channel=channel, user="UREADER",
                                   response_url=agent.slack.response_url("fbb-up"), message_ts=answer.ts, element_type="feedback_buttons")
    assert response.status_code == 200
    agent.sender.action(action_id=buttons["action_id"], value=buttons["negative_button"]["value"], channel=channel, user="UASKER",
                        response_url=agent.slack.response_url("fbb-down"), message_ts=answer.ts, element_type="feedback_buttons")
    with agent.database.session() as session:
        votes = set(session.execute(select(Feedback.user_id, Feedback.value)).tuples())
    assert {("UREADER", 1), ("UASKER", -1)} <= votes
    thanks = agent.slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.path.endswith("/fbb-up")], what="the thanks")
    assert "Thanks" in thanks[0].params["text"]
    # The asker's 👎 is answered with an offer to bring in a person (experts are named for the workspace).
    offer = agent.slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.path.endswith("/fbb-down")], what="the offer")[0].params
    assert any(e.get("action_id") == "ask_expert" for b in offer["blocks"] for e in b.get("elements", []))


# -- Streams that outlive their limits ------------------------------------------------------------------------


def test_a_stream_near_its_time_limit_continues_in_a_new_message(agent):
    agent.worker.stop()
    agent.worker = agent.answer_worker(stream_seconds=1.0)  # Slack's ~5 minutes, shortened
    agent.llm.reply, agent.llm.token_delay = TWO_SENTENCES, 0.2  # about 2 s a sentence
    try:
        channel, root = "C0ROLLOVER", new_ts()
        agent.sender.event(mention("How many days of annual leave do I get?", channel=channel, ts=root))
        messages = agent.answered(channel, root)
    finally:
        agent.llm.reply, agent.llm.token_delay = scripted_model, 0.0
        agent.worker.stop()
        agent.worker = agent.answer_worker(agent.settings.slack_stream_seconds)
    assert len(messages) >= 2 and not any(m.streaming for m in messages)
    question = agent.question(channel, root)
    with agent.database.session() as session:
        stored = session.get(Message, question.answer_id)
        assert stored.slack_ts == messages[-1].ts  # the message with the sources and buttons
        assert "".join(m.streamed for m in messages) == escape(stored.text)  # the whole answer, once, in order
    assert messages[0].streamed.startswith("Employees get 25 days") and "end of March" not in messages[0].streamed
    assert "Leave policy" in messages[-1].shown and all("Leave policy" not in m.shown for m in messages[:-1])
    assert [question.reply_ts, *question.reply_parts] == [m.ts for m in messages]  # every message stored
    assert all(m.plan_title for m in messages)


def test_a_stream_slack_ended_is_finished_with_chat_update(agent):
    agent.slack.stream_seconds = 0.5  # Slack ends streams on its own
    agent.llm.reply, agent.llm.token_delay = TWO_SENTENCES, 0.12
    try:
        channel, root = "C0STREAMENDED", new_ts()
        agent.sender.event(mention("How many days of annual leave do I get?", channel=channel, ts=root))
        [answer] = agent.answered(channel, root)
    finally:
        agent.slack.stream_seconds = 300.0
        agent.llm.reply, agent.llm.token_delay = scripted_model, 0.0
    refused = [c for c in agent.slack.calls("chat.appendStream") if c.params["ts"] == answer.ts]
    assert refused  # the append that found the stream over
    assert not answer.streaming and "25 days of annual leave" in answer.text and "end of March" in answer.text
    assert "Leave policy" in answer.shown
    assert any(c.params["ts"] == answer.ts for c in agent.slack.calls("chat.update"))


# -- Ask an expert ---------------------------------------------------------------------------------------------


def press(agent: Agent, answer: Posted, channel: str, user: str, name: str) -> str:
    [button] = [e for b in answer.blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "ask_expert"]
    assert agent.sender.action(action_id="ask_expert", value=button["value"], channel=channel, user=user,
                               response_url=agent.slack.response_url(name), message_ts=answer.ts).status_code == 200
    return agent.slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.path.endswith("/" + name)], what=f"the note {name}")[0].params["text"]


def test_ask_an_expert_from_an_abstention_to_a_saved_document_and_an_answered_gap(agent):
    channel = "C0PLATFORM"
    set_channel_experts(agent.database, build_client(agent.settings), channel, ["@platform-oncall"])  # resolved to S0PLATFORM
    root = agent.slack.say(channel, "UASKER", f"<@{BOT_USER}> {UNANSWERABLE}")
    agent.sender.event(mention(UNANSWERABLE, channel=channel, user="UASKER", ts=root))
    [abstention] = agent.answered(channel, root)
    assert "couldn't find this" in abstention.shown

    assert "experts have been asked" in press(agent, abstention, channel, "UASKER", "ask-1")
    assert "already asked" in press(agent, abstention, channel, "UASKER", "ask-2")  # at most once per thread
    [asked] = [m for m in agent.slack.thread(channel, root) if "<!subteam^S0PLATFORM>" in m.text]
    assert UNANSWERABLE in asked.text and "<@UASKER>" in asked.text

    reply = agent.slack.say(channel, "UEXPERT", "Run `vpnctl rotate --env staging`, then `vpnctl up`.", thread_ts=root)
    agent.sender.event(message("Run `vpnctl rotate --env staging`, then `vpnctl up`.", channel=channel, channel_type="channel",
                               user="UEXPERT", ts=reply, thread_ts=root))
    agent.slack.wait_for(lambda f: [r for r in agent.requests() if reply in r.replies], what="the expert's reply noted")
    agent.sender.event(reaction_added(user="UBYSTANDER", channel=channel, ts=reply, item_user="UEXPERT"))  # not theirs to save
    agent.sender.event(reaction_added(user="UASKER", channel=channel, ts=reply, item_user="UEXPERT"))

    source = f"slack:{channel}/{root}"
    agent.slack.wait_for(lambda f: [r for r in agent.requests() if r.channel_id == channel and r.answered_at], timeout=90,
                         what="the request answered")
    [request] = [r for r in agent.requests() if r.channel_id == channel]
    assert request.document == source and request.asker_id == "UASKER" and request.experts == ["S0PLATFORM"]
    hits = agent.answerer.search("rotate the staging VPN certificate", collections=["default"], k=3)
    assert hits and hits[0].source == source and "vpnctl rotate" in hits[0].text
    assert "raising_hand" not in hits[0].text and "experts" not in hits[0].text.lower()  # the mention is not saved

    [gap] = [g for g in list_gaps(agent.database, request.created_at.replace(year=2000)) if g.question == UNANSWERABLE]
    assert gap.experts == "answered"
    table = gaps_table(agent)
    assert "to experts" in table and "back as docs" in table
    [row] = [line for line in table.splitlines() if "VPN" in line]
    assert "│ 1 " in row.replace("  ", " ")
    views = len(agent.slack.views)
    agent.sender.event(app_home_opened(user=ADMIN, tab="home"))
    agent.slack.wait_for(lambda f: len(f.views) > views, timeout=60, what="App Home for the admin")
    home = str(agent.slack.views[-1]["view"])
    assert "1 to experts, 1 back as docs" in home


def test_ask_an_expert_from_a_dm_goes_to_the_experts_channel(agent):
    dm, root = "D0ASKDM", new_ts()
    agent.sender.event(message("How do I renew the office parking permit?", channel=dm, channel_type="im", user="UASKER", ts=root))
    [abstention] = agent.answered(dm, root)
    assert "couldn't find this" in abstention.shown

    assert "experts have been asked" in press(agent, abstention, dm, "UASKER", "ask-dm")
    [posted] = agent.slack.wait_for(lambda f: [m for m in f._messages.values() if m.channel == EXPERTS_CHANNEL], what="the question in the experts channel")
    assert posted.thread_ts is None and f"<!subteam^{ONCALL}>" in posted.text and "office parking permit" in posted.text
    assert any(f"<#{EXPERTS_CHANNEL}>" in m.text for m in agent.slack.thread(dm, root))  # the asker is told where

    reply = agent.slack.say(EXPERTS_CHANNEL, "UONCALL", "Parking permits are renewed at the front desk each January.", thread_ts=posted.ts)
    agent.sender.event(message("Parking permits are renewed at the front desk each January.", channel=EXPERTS_CHANNEL,
                               channel_type="channel", user="UONCALL", ts=reply, thread_ts=posted.ts))
    agent.slack.wait_for(lambda f: [r for r in agent.requests() if reply in r.replies], what="the expert's reply noted")
    agent.sender.event(reaction_added(user="UONCALL", channel=EXPERTS_CHANNEL, ts=reply, item_user="UONCALL"))  # an expert's ✅ (via the group)
    agent.slack.wait_for(lambda f: [r for r in agent.requests() if r.channel_id == dm and r.answered_at], timeout=90, what="the DM's request answered")
    [request] = [r for r in agent.requests() if r.channel_id == dm]
    assert request.document == f"slack:{EXPERTS_CHANNEL}/{posted.ts}" and request.posted_channel_id == EXPERTS_CHANNEL


def gaps_table(agent: Agent) -> str:
    env = {"DATABASE_URL": agent.settings.database_url, "DOCBOT_HOME": str(agent.settings.docbot_home), "DOCBOT_MODEL_CACHE": str(MODEL_CACHE), "COLUMNS": "300"}
    try:
        result = CliRunner().invoke(docbot_cli, ["gaps", "--since", "1d"], env=env, catch_exceptions=False)
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_docbot", False)]:
            root.removeHandler(handler)
    assert result.exit_code == 0, result.output
    return result.output
