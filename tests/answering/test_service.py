"""The answering service end to end: real Postgres, the real embedder, and a real model behind each edge.

Where a test needs to control what a writing model says, the model is an OpenAI-compatible server on
loopback (the real HTTP protocol).
"""

import re

import pytest

from bot.answering.deliver import ABSTAINED_TEXT
from bot.answering.llm import load_llm
from bot.answering.service import AnswerService
from bot.answering.types import Answer, Turn
from bot.errors import LLMError
from bot.settings import load_settings
from tests.answering.corpus import Doc, add_collection
from tests.fakes.llm_servers import OpenAIServer

HANDBOOK = [
    Doc("deploys.md", "Deploys", [
        ("Deploys > Friday freeze", "Deploys freeze after 15:00 on Fridays. Until Monday 09:00 only hotfixes approved by the on-call engineer may go out."),
        ("Deploys > Rollbacks", "Roll back with `shipit rollback lumen-api --to previous`. A rollback takes about 4 minutes and needs no approval."),
    ], url="https://wiki.example.com/deploys"),
    Doc("expenses.md", "Expenses", [
        ("Expenses > Limits", "Hotels: up to 160 euros per night in Europe, 220 euros per night in London, New York and San Francisco."),
        ("Expenses > Reimbursement", "Approved expenses are paid with the next monthly salary if approved before the 20th of the month."),
    ]),
    Doc("python/venv.md", "Virtual environments", [
        ("Virtual environments > Creating", "Create an isolated environment with `python -m venv tutorial-env`. On Unix or macOS, activate it with `source tutorial-env/bin/activate`."),
        ("Virtual environments > Windows", "On Windows, run `tutorial-env\\Scripts\\activate` to activate the environment."),
    ]),
]


def _service(settings, db, embedder, server: OpenAIServer) -> AnswerService:
    llm_settings = load_settings(llm_backend="openai", llm_endpoint_url=server.url, llm_timeout_seconds=10)
    return AnswerService(settings, db, embedder=embedder, llm=load_llm(llm_settings))


def _prompt(server: OpenAIServer) -> str:
    [request] = server.requests
    return "\n".join(m["content"] for m in request.body["messages"])


def test_a_supported_answer_streams_and_carries_its_sources_and_quotes(db, settings, embedder):
    add_collection(db, embedder, "default", HANDBOOK)
    with OpenAIServer(reply="Deploys freeze after 15:00 on Fridays; until Monday only approved hotfixes go out [1].") as server:
        pieces: list[str] = []
        answer = _service(settings, db, embedder, server).answer("When is the Friday deploy freeze?", collections=["default"], on_token=pieces.append)
    assert not answer.abstained and not answer.replaced_by_quotes
    assert answer.text.startswith("Deploys freeze after 15:00 on Fridays; until Monday only approved hotfixes go out [1].")
    assert answer.citations[0].source == "deploys.md" and answer.citations[0].url == "https://wiki.example.com/deploys"
    assert (answer.citations[0].title, answer.citations[0].heading) == ("Deploys", "Friday freeze")  # the title once
    quote = answer.citations[0].quote
    unmarked = re.sub(r" \[\d+\]", "", answer.text)
    assert "15:00" in quote and all(part in unmarked for part in quote.split(" … "))  # the quotes are shown
    assert "".join(pieces) == answer.text  # what streamed is what was answered
    assert '<source n="1">\nDeploys > Friday freeze' in _prompt(server)


def test_citation_marks_that_point_at_no_source_are_dropped(db, settings, embedder):
    add_collection(db, embedder, "default", HANDBOOK)
    with OpenAIServer(reply="Hotels in London are covered up to 220 euros per night [7].") as server:
        answer = _service(settings, db, embedder, server).answer("How much can I spend on a hotel in London?", collections=["default"])
    assert "[7]" not in answer.text and answer.text.startswith("Hotels in London are covered up to 220 euros per night.")
    assert answer.citations and answer.citations[0].source == "expenses.md"
    prompt = _prompt(server)
    assert all(_words(part) in _words(prompt) for c in answer.citations for part in c.quote.split(" … "))


def test_sentences_the_sources_dont_support_are_not_shown_and_the_rest_stream_as_they_pass(db, settings, embedder):
    add_collection(db, embedder, "default", HANDBOOK)
    reply = (
        "Deploys freeze after 15:00 on Fridays [1]. The freeze is lifted with `shipit unfreeze --force` [1]. "
        "It started in 2020 with SQL Server maintenance [1]. Until Monday 09:00 only hotfixes approved by the on-call engineer may go out [1]."
    )
    with OpenAIServer(reply=reply, token_delay=0.01) as server:
        pieces: list[str] = []
        answer = _service(settings, db, embedder, server).answer("When is the Friday deploy freeze?", collections=["default"], on_token=pieces.append)
    assert pieces[0] == "Deploys freeze after 15:00 on Fridays [1]."  # a whole sentence, shown once it passed
    assert "unfreeze" not in answer.text and "2020" not in answer.text and "SQL Server" not in answer.text
    assert "Until Monday 09:00 only hotfixes approved by the on-call engineer may go out [1]." in answer.text
    assert "".join(pieces) == answer.text and not answer.replaced_by_quotes


def test_when_no_written_sentence_passes_the_reply_is_the_evidence(db, settings, embedder):
    add_collection(db, embedder, "default", HANDBOOK)
    with OpenAIServer(reply="The freeze starts at 17:30 with SQL Server 2020 maintenance [1].") as server:
        answer = _service(settings, db, embedder, server).answer("When is the Friday deploy freeze?", collections=["default"])
    assert answer.replaced_by_quotes
    assert "17:30" not in answer.text and "SQL Server" not in answer.text
    assert answer.text.startswith("Deploys freeze after 15:00 on Fridays [1].")


def test_the_bundled_model_never_writes_the_reply_the_evidence_does(db, settings, embedder):
    """SmolLM2-135M invents amounts and can't tell yes from no: with it, the reply is the sources' own sentences."""
    add_collection(db, embedder, "default", HANDBOOK)
    service = AnswerService(settings, db, embedder=embedder)
    assert service.writer is None and service._llm is None  # not even loaded
    pieces: list[str] = []
    answer = service.answer("How much can I spend on a hotel in London?", collections=["default"], on_token=pieces.append)
    assert answer.text.startswith("Hotels: up to 160 euros per night in Europe, 220 euros per night in London, New York and San Francisco [1].")
    assert not answer.replaced_by_quotes and not answer.abstained
    assert answer.citations[0].source == "expenses.md" and "".join(pieces) == answer.text


def _words(text: str) -> str:
    return " ".join(text.split())


def test_a_question_the_docs_dont_answer_abstains_without_calling_the_model(db, settings, embedder):
    add_collection(db, embedder, "default", HANDBOOK)
    with OpenAIServer(reply="The guest wifi password is hunter2.") as server:
        pieces: list[str] = []
        answer = _service(settings, db, embedder, server).answer("What's the guest wifi password at the Berlin office?", collections=["default"], on_token=pieces.append)
    assert answer.abstained and not server.requests
    assert "couldn't find this" in answer.text and "hunter2" not in answer.text
    assert 1 <= len(answer.citations) <= 3 and all(c.quote == "" for c in answer.citations)  # the closest sources, listed
    assert "".join(pieces) == answer.text


def test_a_writing_model_that_says_the_sources_dont_answer_makes_the_reply_an_abstention(db, settings, embedder):
    """The question passed relevance, but the model read the sources and declined: shown as an abstention
    (so it is recorded as a knowledge gap), with the closest sources and no quotes that would answer anyway."""
    add_collection(db, embedder, "default", HANDBOOK)
    with OpenAIServer(reply="The sources don't answer this.") as server:
        pieces: list[str] = []
        answer = _service(settings, db, embedder, server).answer("How long does a rollback to staging take?", collections=["default"], on_token=pieces.append)
    assert len(server.requests) == 1  # the model was asked: relevance let the question through
    assert answer.abstained and answer.text == ABSTAINED_TEXT and "".join(pieces) == answer.text
    assert answer.citations and all(c.quote == "" for c in answer.citations)


def test_a_model_that_declines_one_part_and_answers_another_is_an_answer(db, settings, embedder):
    add_collection(db, embedder, "default", HANDBOOK)
    reply = "The sources don't say who approves it. A rollback takes about 4 minutes and needs no approval [1]."
    with OpenAIServer(reply=reply) as server:
        answer = _service(settings, db, embedder, server).answer("How long does a rollback take and who approves it?", collections=["default"])
    assert not answer.abstained and answer.text.startswith("A rollback takes about 4 minutes") and "don't say" not in answer.text


def test_a_followup_is_answered_from_the_history(db, settings, embedder):
    add_collection(db, embedder, "default", HANDBOOK)
    history = [
        Turn("user", "what's the built-in way to get an isolated python environment for a project?"),
        Turn("assistant", "Use `python -m venv tutorial-env`, then `source tutorial-env/bin/activate`."),
    ]
    with OpenAIServer(reply="Run tutorial-env\\Scripts\\activate on Windows [1].") as server:
        service = _service(settings, db, embedder, server)
        searched = service.retrieve("and the windows version of that last step?", collections=["default"], history=history).standalone.search
        answer = service.answer("and the windows version of that last step?", collections=["default"], history=history)
    assert "environment" in searched and "windows" in searched  # the follow-up is searched with the thread's subject
    assert answer.citations[0].source == "python/venv.md"
    assert "Scripts" in answer.citations[0].quote, answer
    assert "earlier question: what's the built-in way" in _prompt(server)


def test_mentions_and_foreign_links_never_reach_the_answer_or_the_stream(db, settings, embedder):
    add_collection(db, embedder, "default", [
        Doc("oncall.md", "On-call <!here>", [("On-call <!here> > Paging", "<!channel> When the API is down, page <@U024BE7LH> via PagerDuty. Runbook: https://runbooks.example.com/api")]),
    ])
    reply = "<!here> Page the on-call <!subteam^S1|@oncall> via PagerDuty [1]. The runbook is https://runbooks.example.com/api and more at https://phish.example.net/login [1]."
    with OpenAIServer(reply=reply) as server:
        pieces: list[str] = []
        answer = _service(settings, db, embedder, server).answer("who do I page when the API is down?", collections=["default"], on_token=pieces.append)
    for shown in (answer.text, "".join(pieces), *(c.quote for c in answer.citations), *(c.title + c.heading for c in answer.citations)):
        assert "<!" not in shown and "<@" not in shown
        assert "phish.example.net" not in shown
    assert "https://runbooks.example.com/api" in answer.text


def test_another_collections_documents_never_reach_the_prompt_or_the_answer(db, settings, embedder):
    add_collection(db, embedder, "default", HANDBOOK)
    add_collection(db, embedder, "hr-private", [Doc("salaries.md", "Salaries", [("Salaries", "Hotels for executives in London: up to 900 euros per night.")])])
    with OpenAIServer(reply="Up to 220 euros per night in London [1].") as server:
        answer = _service(settings, db, embedder, server).answer("How much can executives spend on hotels in London per night?", collections=["default"])
        prompt = _prompt(server)
    assert "900" not in prompt and "900" not in answer.text
    assert all(c.source != "salaries.md" for c in answer.citations)


def test_a_failing_model_is_an_llm_error(db, settings, embedder):
    add_collection(db, embedder, "default", HANDBOOK)
    with OpenAIServer(fail_status=500) as server:
        with pytest.raises(LLMError):
            _service(settings, db, embedder, server).answer("When is the Friday deploy freeze?", collections=["default"])


def test_the_service_implements_the_answerer_protocol(db, settings, embedder):
    from bot.answering.types import Answerer

    service: Answerer = AnswerService(settings, db, embedder=embedder)
    answer = service.answer("anything at all?", collections=["no-such-collection"])
    assert isinstance(answer, Answer) and answer.abstained and answer.citations == []
