"""Abstention from the collection's own calibration, measured at ingest: real pipeline, real embedder, real Postgres."""

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
    # Questions about other tools sit below the collection's own pseudo-questions.
    assert 0.0 < stored.off_topic.p50 < stored.floor < stored.typical < 1.0


def test_questions_the_handbook_answers_are_relevant(handbook):
    for question in ("How long does a rollback take?", "Can I deploy on Friday afternoon?", "How much can I spend on a hotel in London?"):
        judged = handbook.judge(question, collections=["default"])
        assert judged.relevant, (question, judged.reason)


def test_a_question_about_something_else_abstains(handbook):
    judged = handbook.judge("What's the guest wifi password at the Berlin office?", collections=["default"])
    assert not judged.relevant and judged.reason == "half or more of the words unknown to the collection"
    answer = handbook.answer("What's the guest wifi password at the Berlin office?", collections=["default"])
    assert answer.abstained and answer.text.startswith("I couldn't find this") and 1 <= len(answer.citations) <= 3


def test_a_question_naming_what_the_documents_never_mention_abstains(handbook):
    judged = handbook.judge("How do I deploy lumen-api with `kubectl rollout restart` and a HelmRelease?", collections=["default"])
    assert judged.retrieved.unknown_names == ("HelmRelease",)
    assert not judged.relevant


def test_far_from_every_chunk_abstains(handbook, db, embedder):
    [info] = resolve_collections(db, ["default"])
    judged = handbook.judge("How do I season a cast iron pan before the first use?", collections=["default"])
    assert judged.retrieved.best_similarity < calibration.stored(db, info.id, embedder).floor
    assert not judged.relevant
