"""Hybrid retrieval against real Postgres + pgvector with the real embedding model."""

from dataclasses import replace

import psycopg
from sqlalchemy import text

from bot.index import search as retriever
from bot.index.keyword_query import KeywordQuery, keyword_query, matched_terms
from bot.answering.retrieve import PER_DOCUMENT, SECTION_CHUNKS, by_document, retrieve, search
from bot.index.search import Hit, _hybrid_sql, hybrid_search, resolve_collections
from bot.index.vocabulary import WordCounts
from tests.answering.corpus import Doc, add_collection

QUESTION = "How do I get reimbursed for a taxi?"
CATERING = (
    "Catering for events: order sandwiches, salads and drinks from the canteen at least three days ahead. "
    "Vegetarian and vegan options are always included; tell the canteen about allergies when you order. "
    "Tables, chairs and projectors for the atrium are booked with facilities. Clean-up is done by the event owner "
    "and rubbish goes to the bins behind the kitchen. Coffee urns hold forty cups each. "
    "Taxi vouchers: the taxi of late catering staff is reimbursed, and a taxi home after an evening event is reimbursed too."
)
# Built so that each search alone is fooled and only their fusion ranks the answer first:
# - vector search prefers the parking page (same shape of sentence: "claiming ... pays it back") that has none of the words;
# - full-text search prefers the catering page that repeats "taxi" and "reimbursed" in a long text about something else;
# - the travel policy is second in both lists, so reciprocal rank fusion puts it first.
TRAVEL = [
    Doc("travel/policy.md", "Travel policy", [("Travel", "Travel policy overview: flights are booked through the travel desk, hotels up to 150 EUR a night, a taxi is reimbursed only after 10 pm, and first-class trains are allowed for trips over four hours.")]),
    Doc("expenses/parking.md", "Parking fees", [("Expenses > Parking", "Claiming parking fees: snap the ticket and submit it in Expensify within 30 days; finance pays it back with your next salary.")]),
    Doc("events/catering.md", "Catering", [("Events > Catering", CATERING)]),
    Doc("expenses/trains.md", "Train tickets", [("Expenses > Rail", "Claiming train tickets: upload the e-ticket in Expensify; finance pays it back the next month.")]),
    Doc("expenses/mileage.md", "Mileage", [("Expenses > Cars", "Driving your own car for work? Log the kilometres in Expensify and finance pays an allowance with your salary.")]),
    Doc("expenses/meals.md", "Meals", [("Expenses > Meals", "Claiming meals on business trips: keep the receipt; finance pays back up to 40 EUR a day.")]),
    Doc("people/holidays.md", "Holidays", [("People", "Holiday policy: employees get 25 days of paid leave per year.")]),
    Doc("it/bluetooth.md", "Bluetooth", [("IT", "Bluetooth headsets pair from the settings menu.")]),
]


def test_hybrid_ranks_first_the_chunk_that_neither_search_alone_ranks_first(db, embedder):
    add_collection(db, embedder, "handbook", TRAVEL)

    vector = hybrid_search(db, embedder, QUESTION, ["handbook"], limit=5, mode="vector")
    keyword = hybrid_search(db, embedder, QUESTION, ["handbook"], limit=5, mode="keyword")
    hybrid = hybrid_search(db, embedder, QUESTION, ["handbook"], limit=5)

    assert vector[0].source == "expenses/parking.md"
    assert keyword[0].source == "events/catering.md"
    assert hybrid[0].source == "travel/policy.md"
    assert hybrid[0].vector_rank > 1 and hybrid[0].keyword_rank > 1  # it won by being good in both


def test_results_carry_document_fields_and_scores(db, embedder):
    add_collection(db, embedder, "handbook", [Doc("wiki/deploys.md", "Deploys", [("Deploys > Rollbacks", "Roll back with shipit rollback.")], url="https://wiki.example.com/deploys")])
    [hit] = hybrid_search(db, embedder, "how do I roll back", ["handbook"], limit=3)
    assert (hit.source, hit.title, hit.heading, hit.url, hit.collection) == ("wiki/deploys.md", "Deploys", "Deploys > Rollbacks", "https://wiki.example.com/deploys", "handbook")
    assert hit.score > 0 and 0.3 < hit.similarity <= 1.0 and hit.vector_rank == 1 and hit.keyword_rank == 1


def test_collection_filter_never_returns_another_collections_chunk_even_when_it_is_closer(db, embedder, database_url):
    secret = [Doc(f"secret/{i}.md", f"Salary bands {i}", [("Salaries", f"Salary band {i}: engineers at level {i} earn between {50 + i} and {60 + i} thousand euros.")]) for i in range(60)]
    public = [Doc("public/coffee.md", "Coffee", [("Office", "The coffee machine on floor two is descaled every Friday.")]),
              Doc("public/desks.md", "Desks", [("Office", "Hot desks are booked in the Robin app a day ahead.")])]
    add_collection(db, embedder, "secret", secret)
    add_collection(db, embedder, "public", public)
    # Make the planner use the HNSW index even on a small table: that's where a filter can starve the results.
    with psycopg.connect(database_url, autocommit=True) as connection:
        name = connection.info.dbname
        connection.execute(f'ALTER DATABASE "{name}" SET enable_seqscan = off')
    db.engine.dispose()

    hits = hybrid_search(db, embedder, "what do engineers earn, salary band", ["public"], limit=10)
    assert {h.source for h in hits} == {"public/coffee.md", "public/desks.md"}, "iterative scans still find the public chunks"
    assert all(h.collection == "public" for h in hits)
    assert {h.collection for h in hybrid_search(db, embedder, "salary band", ["secret", "public"], limit=70)} == {"secret", "public"}
    assert hybrid_search(db, embedder, "salary band", ["no-such-collection"], limit=5) == []


def test_vector_search_uses_the_partial_hnsw_index(db, embedder):
    add_collection(db, embedder, "handbook", TRAVEL)
    with db.session() as session:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        ids = [session.execute(text("SELECT id FROM collections WHERE name = 'handbook'")).scalar_one()]
        params = {"embedding": "[" + ",".join(["0.05"] * 384) + "]", "vector_ids": ids, "keyword_ids": ids, "keyword_match": "taxi",
                  "keyword_rank": "taxi", "expansions_match": "", "expansions_rank": "", "vector_weight": 1.0, "keyword_weight": 1.0, "rrf_k": 60, "candidates": 40,
                  "ranked_rows": 100, "limit": 5, "shown_in": None}
        plan = "\n".join(row[0] for row in session.execute(text("EXPLAIN " + _hybrid_sql(384)), params))
    assert "Index Scan using ix_chunks_embedding_hnsw_384" in plan


def test_one_long_document_does_not_fill_every_place(db, embedder):
    long_page = Doc("taxis.md", "Taxis", [(f"Taxis > Rule {n}", f"Taxi rule {n}: book a taxi to the airport with the travel desk, taxi receipts go to expenses.") for n in range(12)])
    add_collection(db, embedder, "handbook", [long_page, *TRAVEL])
    plain = hybrid_search(db, embedder, QUESTION, ["handbook"], limit=5)
    varied = search(db, embedder, QUESTION, ["handbook"], 5)
    assert {h.source for h in plain} == {"taxis.md"}  # the SQL ranks chunks: one page can take every place
    assert sum(h.source == "taxis.md" for h in varied) == PER_DOCUMENT
    assert "travel/policy.md" in {h.source for h in varied}
    for source in {h.source for h in varied}:  # a document's chunks best first
        scores = [h.score for h in varied if h.source == source]
        assert scores == sorted(scores, reverse=True)


def test_the_match_takes_the_rarest_terms_within_the_budget_and_the_rank_takes_them_all():
    rows = {"pathlib": 40.0, "mkdir": 10.0, "nested": 300.0, "error": 2000.0, "file": 4000.0}
    terms = ["pathlib", "mkdir", "nested", "error", "file"]

    assert matched_terms(terms, rows, budget=400) == "mkdir or pathlib or nested"
    assert matched_terms(terms, rows, budget=45) == "mkdir"
    assert matched_terms(["error", "file"], rows, budget=400) == "error file"  # all common: their conjunction
    assert matched_terms(terms, {}, budget=400) == " or ".join(terms)  # never analyzed: the row cap bounds it
    assert matched_terms(["pathlib", "doesn"], {"pathlib": 40.0}, budget=400) == "pathlib"  # no lexeme: matches nothing


def test_keyword_query_reads_how_common_each_term_is_from_the_collection(db, embedder):
    deploys = [Doc(f"deploys/{i}.md", f"Deploy {i}", [("Deploys", f"Deploy service {i} with the deploy button; deploy logs are kept.")]) for i in range(40)]
    rollback = [Doc("deploys/rollback.md", "Rollback", [("Deploys", "A rollback restores the previous deploy.")])]
    add_collection(db, embedder, "handbook", deploys + rollback)
    other = [Doc(f"other/{i}.md", f"Other {i}", [("Other", f"A rollback of release {i}.")]) for i in range(30)]
    add_collection(db, embedder, "other", other)
    ids = [c.id for c in resolve_collections(db, ["handbook"])]
    # Counted in the searched collection only: "rollback" is rare in the handbook, however common elsewhere.
    assert keyword_query(db, ids, "how do I deploy a rollback?", budget=10) == KeywordQuery(match="rollback", rank="deploy or rollback")
    assert keyword_query(db, ids, "how do I deploy a rollback?", budget=100).match == "rollback or deploy"
    assert keyword_query(db, ids, "the and or of") == KeywordQuery(match="", rank="")


def test_the_full_text_half_ranks_at_most_the_row_budget(db, embedder, monkeypatch):
    deploys = [Doc(f"deploys/{i}.md", f"Deploy {i}", [("Deploys", f"Deploy service {i} with the deploy button.")]) for i in range(40)]
    add_collection(db, embedder, "handbook", deploys)
    monkeypatch.setattr(retriever, "RANKED_ROWS", 7)

    hits = hybrid_search(db, embedder, "deploy button", ["handbook"], limit=30, mode="keyword")

    assert len(hits) == 7 and all("deploy" in h.text.lower() for h in hits)


def test_documents_are_ranked_by_their_best_chunks_together():
    base = Hit(0, 0, "c", "", "", None, "", "", 0.0, None, None, None, None)
    lucky = replace(base, chunk_id=1, document_id=1, source="lucky.md", score=0.030)
    steady = [replace(base, chunk_id=10 + n, document_id=2, source="steady.md", score=0.020) for n in range(2)]
    weak = [replace(base, chunk_id=20 + n, document_id=3, source="long.md", score=0.009) for n in range(6)]
    ranked = by_document([lucky, *steady, *weak])
    # Two good chunks beat one lucky one; six weak ones count only their best three.
    assert [h.source for h in ranked][:4] == ["steady.md", "steady.md", "lucky.md", "long.md"]


def test_the_first_documents_closest_sections_come_along_even_when_the_fused_list_left_them_out(db, embedder):
    # A long page: the reply's units are read from its sections closest to the question, not only from the
    # chunks of it that the fused list kept (here one).
    rules = [(f"Taxis > Rule {n}", f"Taxi rule {n}: a taxi to the airport is booked with the travel desk, taxi receipts go to expenses.") for n in range(12)]
    answer = ("Taxis > Claims", "Reimbursement for cab rides: submit the receipt in Expensify; finance pays it back with your next salary.")
    add_collection(db, embedder, "handbook", [Doc("taxis.md", "Taxis", [*rules, answer]), *TRAVEL])

    found = retrieve(db, embedder, QUESTION, ["handbook"], k=1)
    page = found.hits[0].document_id
    chunks = found.chunks_of(page)
    assert chunks[0] == found.hits[0]  # the fused list's own chunk first
    assert len({h.chunk_id for h in chunks}) == len(chunks) >= SECTION_CHUNKS  # a chunk both lists have is there once
    sections = [h for h in found.sections if h.document_id == page]
    assert len(sections) == SECTION_CHUNKS
    assert [h.similarity for h in sections] == sorted((h.similarity for h in sections), reverse=True)
    assert found.hits[0].heading == "Taxis > Claims"
    assert sum(h.heading.startswith("Taxis > Rule") for h in chunks) == SECTION_CHUNKS - 1  # the page's next closest sections


def test_keyword_query_takes_counts_already_read_when_they_cover_its_terms(db, embedder):
    add_collection(db, embedder, "handbook", [Doc("deploys/rollback.md", "Rollback", [("Deploys", "A rollback restores the previous deploy.")])])
    ids = [c.id for c in resolve_collections(db, ["handbook"])]
    # Counts the caller read (here made up so that "deploy" is the rare one): used as given, nothing read again.
    given = WordCounts(100, {"deploy": 1, "rollback": 90}, frozenset({"deploy", "rollback"}))
    assert keyword_query(db, ids, "deploy a rollback", budget=10, words=given).match == "deploy"
    # Counts that don't cover the question's terms are not trusted: the collection's own are read.
    partial = WordCounts(100, {"deploy": 1}, frozenset({"deploy"}))
    assert keyword_query(db, ids, "deploy a rollback", budget=10, words=partial).match in ("deploy or rollback", "rollback or deploy")
