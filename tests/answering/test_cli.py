"""`docbot search`, `ask`, `chat` and `eval`, with the JSON formats other tools read."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.errors import DocbotError
from tests.answering.corpus import Doc, add_collection
from tests.answering.test_service import HANDBOOK
from tests.conftest import MODEL_CACHE
from tests.fakes.llm_servers import OpenAIServer


@pytest.fixture
def model_server():
    def reply(body):
        question = body["messages"][-1]["content"].rsplit("Question:", 1)[-1]
        if "windows" in question:
            return "On Windows run tutorial-env\\Scripts\\activate [1]."
        return "Deploys freeze after 15:00 on Fridays [1]."

    with OpenAIServer(reply=reply) as server:
        yield server


@pytest.fixture
def docbot(settings, db, embedder, model_server):
    add_collection(db, embedder, "default", HANDBOOK)
    env = {
        "DATABASE_URL": settings.database_url, "DOCBOT_HOME": str(settings.docbot_home), "DOCBOT_MODEL_CACHE": str(MODEL_CACHE),
        "LLM_BACKEND": "openai", "LLM_ENDPOINT_URL": model_server.url, "COLUMNS": "200",
    }

    def invoke(*args: str, input: str | None = None):
        result = CliRunner().invoke(app, list(args), env=env, input=input)
        if result.exception and not isinstance(result.exception, (SystemExit, DocbotError)):
            raise result.exception
        return result

    return invoke


def test_search_json_lists_chunks_best_first(docbot):
    result = docbot("search", "friday deploy freeze", "--k", "3", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 3 and set(hits[0]) == {"source", "title", "heading", "score", "text"}
    assert hits[0]["source"] == "deploys.md" and "15:00" in hits[0]["text"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_search_for_an_unknown_collection_says_so(docbot):
    result = docbot("search", "anything", "--collection", "nope")
    assert result.exit_code != 0 and "No collection named nope" in str(result.exception)


def test_ask_json_gives_the_answer_and_its_sources(docbot):
    result = docbot("ask", "When is the Friday deploy freeze?", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"answer", "sources"}
    assert payload["answer"].startswith("Deploys freeze after 15:00")
    assert payload["sources"][0] == {"source": "deploys.md", "title": "Deploys", "url": "https://wiki.example.com/deploys"}


def test_ask_prints_the_answer_and_its_sources(docbot):
    result = docbot("ask", "When is the Friday deploy freeze?")
    assert result.exit_code == 0, result.output
    assert "Deploys freeze after 15:00 on Fridays [1]." in result.stdout
    assert "Sources:" in result.stdout and "[1] Deploys > Friday freeze (deploys.md) https://wiki.example.com/deploys" in result.stdout


def test_chat_keeps_the_conversation(docbot, model_server):
    result = docbot("chat", input="what's the built-in way to get an isolated python environment?\nand the windows version of activating it?\nexit\n")
    assert result.exit_code == 0, result.output
    assert "tutorial-env\\Scripts\\activate" in result.stdout
    follow_up_prompt = model_server.requests[-1].body["messages"][-1]["content"]
    assert "earlier question: what's the built-in way" in follow_up_prompt


EVAL_SET = [
    {"id": "q1", "question": "When is the Friday deploy freeze?", "sources": ["deploys.md"], "answer_keywords": ["15:00"], "kind": "single"},
    {"id": "q2", "question": "and the windows version of that last step?", "sources": ["python/venv.md"], "answer_keywords": ["Scripts"], "kind": "followup",
     "thread": [{"role": "user", "text": "how do I make an isolated python environment?"}, {"role": "assistant", "text": "Use `python -m venv tutorial-env` and `source tutorial-env/bin/activate`."}]},
    {"id": "q3", "question": "What is the guest wifi password in the Berlin office?", "sources": [], "answer_keywords": [], "kind": "unanswerable"},
]


def _eval_file(tmp_path: Path) -> Path:
    path = tmp_path / "eval.jsonl"
    path.write_text("\n".join(json.dumps(case) for case in EVAL_SET) + "\n")
    return path


def test_eval_json_prints_one_line_per_question_then_the_summary(docbot, tmp_path):
    result = docbot("eval", str(_eval_file(tmp_path)), "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("id") for line in lines[:-1]] == ["q1", "q2", "q3"]
    for line in lines[:-1]:
        assert set(line) == {"id", "retrieved", "answer", "abstained", "context"}
    q1, q2, q3 = lines[:3]
    # The source text a writing model is given: fenced, each source its best-matching sections under a heading.
    assert q1["context"].startswith('<source n="1">\nDeploys > Friday freeze') and "15:00" in q1["context"]
    assert "Scripts" in q2["context"] and q1["context"].count("</source>") == q1["context"].count("<source ")
    assert q1["retrieved"][0] == "deploys.md" and len(q1["retrieved"]) == len(set(q1["retrieved"]))
    assert q2["retrieved"][0] == "python/venv.md"
    assert q3["abstained"] is True and q1["abstained"] is False and "15:00" in q1["answer"]
    summary = lines[-1]["summary"]
    assert summary["hit@5"] == 1.0 and summary["mrr"] == 1.0
    assert summary["abstention_accuracy"] == 1.0 and summary["unanswerable_abstained"] == "1/1"
    assert summary["keyword_recall"] == 1.0 and summary["context_keyword_recall"] == 1.0
    assert summary["first_token_seconds_p50"] is not None and summary["answer_seconds_p50"] is not None


def test_eval_without_answers_measures_retrieval_only(docbot, tmp_path, model_server):
    result = docbot("eval", str(_eval_file(tmp_path)), "--no-answers", "--json", "--k", "2")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(line["answer"] is None and line["context"] is None for line in lines[:-1])
    assert lines[-1]["summary"]["hit@2"] == 1.0 and lines[-1]["summary"]["keyword_recall"] is None
    assert not model_server.requests


def test_eval_prints_a_table_without_json(docbot, tmp_path):
    result = docbot("eval", str(_eval_file(tmp_path)), "--no-answers")
    assert result.exit_code == 0, result.output
    assert "q1" in result.stdout and "hit@5: 1.0" in result.stdout and "unanswerable_abstained: 1/1" in result.stdout


def test_eval_names_a_bad_line(docbot, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(EVAL_SET[0]) + "\n{not json\n")
    result = docbot("eval", str(path))
    assert result.exit_code != 0 and "bad.jsonl:2" in str(result.exception)
