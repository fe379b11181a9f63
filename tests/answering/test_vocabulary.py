"""A collection's vocabulary: counted by ingest, read per question by key, equal to counting the chunks."""

from sqlalchemy import text

from bot.index import vocabulary
from bot.answering.retrieve import distinctive_terms, unknown_names
from bot.answering.service import AnswerService
from bot.index.search import resolve_collections
from ingestion.pipeline import InMemoryDocument, ingest, ingest_document
from bot.index.store import remove_source
from tests.answering.corpus import Doc, add_collection
from tests.conftest import REPO


def _live_count(db, collection: str, term: str) -> int:
    with db.session() as session:
        return session.execute(
            text("SELECT count(*) FROM chunks c JOIN collections k ON k.id = c.collection_id WHERE k.name = :n AND c.tsv @@ plainto_tsquery('english', :t)"),
            {"n": collection, "t": term},
        ).scalar()


def test_ingest_counts_the_vocabulary_and_the_counts_are_the_chunks_that_have_each_word(db, settings, embedder):
    ingest(db, settings, [str(REPO / "bot" / "demo" / "handbook")], collection="handbook")
    infos = resolve_collections(db, ["handbook"])
    with db.session() as session:
        counted = session.execute(text("SELECT vocabulary_chunks FROM collections WHERE name = 'handbook'")).scalar()
        chunks = session.execute(text("SELECT count(*) FROM chunks")).scalar()
    assert counted == chunks > 0
    words = vocabulary.chunks_with(db, [c.id for c in infos], ["rollback", "deploys", "friday", "kubernetes", "the"])
    total, counts = words.total, words.counts
    assert total == chunks
    for term in ("rollback", "deploys", "friday"):
        assert counts[term] == _live_count(db, "handbook", term) > 0
    assert counts["kubernetes"] == 0 and "the" not in counts  # a stopword has no lexeme: it is left out
    assert _unknown(db, infos, ["rollback", "kubernetes", "the"]) == ("kubernet",)  # as the index stems it


def test_a_document_added_on_its_own_adds_its_words(db, settings, embedder):
    ingest(db, settings, [str(REPO / "bot" / "demo" / "handbook")], collection="handbook")
    infos = resolve_collections(db, ["handbook"])
    assert _unknown(db, infos, ["zeppelin"]) == ("zeppelin",)
    ingest_document(db, settings, InMemoryDocument(source="slack/thread-1", markdown="# Airships\n\nThe zeppelin hangar opens at nine."), collection="handbook")
    assert _unknown(db, infos, ["zeppelin"]) == ()
    assert vocabulary.chunks_with(db, [c.id for c in infos], ["zeppelin"]).counts["zeppelin"] == _live_count(db, "handbook", "zeppelin")


def test_a_collection_never_counted_is_counted_when_first_read_and_common_words_are_not_distinctive(db, embedder):
    docs = [Doc(f"page{n}.md", f"Page {n}", [("Guide", f"The widget manual, page {n}: tune the flux capacitor {n} times.")]) for n in range(9)]
    docs.append(Doc("rare.md", "Rare", [("Guide", "The widget manual mentions the gyroscope once.")]))
    add_collection(db, embedder, "manual", docs)
    infos = resolve_collections(db, ["manual"])
    # "widget" is in every chunk: it tells no document apart; "gyroscope" is in one.
    words = vocabulary.chunks_with(db, [c.id for c in infos], ["widget", "gyroscope"])
    assert distinctive_terms(words, ["widget", "gyroscope"]) == ["gyroscope"]
    assert distinctive_terms(words, ["widget"]) == ["widget"]  # none rare: the found ones
    assert unknown_names(db, infos, ["flux", "gyroscope", "hoverboard"]) == ("hoverboard",)


def test_a_removed_documents_words_stop_counting(db, settings, embedder):
    ingest(db, settings, [str(REPO / "bot" / "demo" / "handbook")], collection="handbook")
    ingest_document(db, settings, InMemoryDocument(source="slack/thread-1", markdown="# Airships\n\nThe zeppelin hangar opens at nine."), collection="handbook")
    infos = resolve_collections(db, ["handbook"])
    assert _unknown(db, infos, ["zeppelin"]) == ()
    assert remove_source(db, infos[0].id, "slack/thread-1", "slack/thread-1")
    assert _unknown(db, infos, ["zeppelin"]) == ("zeppelin",)


def _unknown(db, infos, terms: list[str]) -> tuple[str, ...]:
    """The words of `terms` no chunk of the collections has, read from the vocabulary as answering does."""
    words = vocabulary.chunks_with(db, [c.id for c in infos], [], " ".join(terms)).question
    return tuple(w.lexeme for w in words if not w.known)


def test_a_question_is_read_as_the_full_text_index_reads_chunks(db, settings, embedder):
    """Postgres's own stop words and stemmer; an unknown abbreviation comes with the forms the collection spells out."""
    ingest(db, settings, [str(REPO / "bot" / "demo" / "handbook")], collection="handbook")
    infos = resolve_collections(db, ["handbook"])
    words = {w.lexeme: w for w in vocabulary.chunks_with(db, [c.id for c in infos], [], "whats the rollback cmd, how many chars must a pw have?").question}
    assert "what" not in words and "the" not in words  # "whats" stems to a stop word
    assert words["rollback"].chunks == _live_count(db, "handbook", "rollback") > 0 and words["rollback"].expansions == ()
    assert words["char"].chunks == 0 and "charact" in words["char"].expansions  # "chars" → "characters"
    assert words["pw"].expansions[0] == "password" and words["cmd"].expansions == ("command",)  # a consonant run spells a word out
    assert words["mani"].chunks == 0 and not words["mani"].known  # "many": in no chunk and abbreviating nothing


def test_warming_up_counts_the_vocabularies_not_counted_yet(db, settings, embedder):
    add_collection(db, embedder, "manual", [Doc("a.md", "A", [("Guide", "The gyroscope spins.")])])
    with db.session() as session:
        assert session.execute(text("SELECT vocabulary_chunks FROM collections WHERE name = 'manual'")).scalar() is None
    AnswerService(settings, db, embedder=embedder).warm_up()
    with db.session() as session:
        assert session.execute(text("SELECT vocabulary_chunks FROM collections WHERE name = 'manual'")).scalar() == 1
    assert vocabulary.count_missing(db) == 0
