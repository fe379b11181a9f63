"""Relevance from the passages found and the collection's own scale: real pipeline, real embedder, real Postgres."""

import pytest

from bot.index import calibration
from bot.index.search import resolve_collections
from bot.answering.service import AnswerService
from ingestion.pipeline import ingest
from tests.conftest import REPO


@pytest.fixture
def handbook(db, settings, embedder) -> AnswerService:
    ingest(db, settings, [str(REPO / "bot" / "demo" / "handbook")], collection="default")
    return AnswerService(settings, db, embedder=embedder)


def test_ingest_stores_the_collections_similarity_scale(handbook, db, embedder):
    [info] = resolve_collections(db, ["default"])
    stored = calibration.stored(db, info.id, embedder)
    assert stored is not None and stored.embedding_model == embedder.model_name
    # The collection's own pseudo-questions, scored against other documents: no list of "off-topic" probes.
    assert 0.0 < stored.low <= stored.typical < 1.0 and not hasattr(stored, "off_topic")


def test_questions_the_handbook_answers_are_relevant(handbook):
    for question in ("How long does a rollback take?", "Can I deploy on Friday afternoon?", "How much can I spend on a hotel in London?"):
        judged = handbook.judge(question, collections=["default"])
        assert judged.relevant, (question, judged.reason)


def test_casual_questions_with_words_the_handbook_never_uses_are_answered(handbook):
    """Slang, abbreviations and chat words ("ack", "pw", "chars", "whats", "arvo") are no reason to refuse."""
    for question, expected in (
        ("how fast must on-call ack a page?", "5 minutes"),
        ("what is the daily meal allowance when travelling?", "45"),
        ("how many chars must a pw have", "16 characters"),
        ("can i ship stuff on a friday arvo?", "15:00"),
        ("whats the yubikey model we use", "5C"),
    ):
        answer = handbook.answer(question, collections=["default"])
        assert not answer.abstained, question
        assert expected in answer.text, (question, answer.text)


def test_a_question_whose_passages_share_no_word_with_it_abstains(handbook):
    judged = handbook.judge("is there a gym discount?", collections=["default"])
    assert not judged.relevant and judged.reason == "the best passages share no word with the question"
    answer = handbook.answer("is there a gym discount?", collections=["default"])
    assert answer.abstained and answer.text.startswith("I couldn't find this") and 1 <= len(answer.citations) <= 3


def test_a_question_naming_what_the_documents_never_mention_abstains(handbook):
    judged = handbook.judge("what does spec.interval in a HelmRelease control?", collections=["default"])
    assert judged.retrieved.unknown_names == ("spec.interval", "HelmRelease")
    assert not judged.relevant and judged.reason == "2 names unknown to the collection"


def test_a_task_the_documents_cover_asked_with_another_tools_name_gets_the_documents_way(handbook):
    """The passages say how the team does it (shipit): that answers the asker better than "not in the docs"."""
    answer = handbook.answer("How do I deploy lumen-api with `kubectl rollout restart` and a HelmRelease?", collections=["default"])
    assert not answer.abstained and "shipit" in answer.text and "HelmRelease" not in answer.text


THREE_PAGES = {
    "on-call.md": "# On-call\n\nThe primary on-call engineer must acknowledge a page within 7 minutes. "
                  "Unacknowledged pages escalate to the secondary.\n",
    "travel.md": "# Travel\n\nBook trains for trips under four hours. Meals while travelling are reimbursed up to 45 EUR per day.\n",
    "laptops.md": "# Laptops\n\nLaptops are replaced every three years. Report a stolen laptop to IT within one hour.\n",
}


def test_a_three_page_handbook_answers_plain_questions(tmp_path, db, settings, embedder):
    """The first install of many teams: a few pages, asked the way people type."""
    for name, body in THREE_PAGES.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    ingest(db, settings, [str(tmp_path)], collection="small")
    service = AnswerService(settings, db, embedder=embedder)
    for question, expected in (("how fast must on-call ack a page?", "7 minutes"), ("what is the daily meal allowance when travelling?", "45 EUR")):
        answer = service.answer(question, collections=["small"])
        assert not answer.abstained, question
        assert expected in answer.text, (question, answer.text)
