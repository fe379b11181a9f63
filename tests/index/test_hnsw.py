"""HNSW's breadth (hnsw.ef_search) grows with the index it searches: the rule, and where it is read and set."""

from dataclasses import dataclass

import numpy as np
from sqlalchemy import event, text

from bot.index.hnsw import MAX_EF_SEARCH, MIN_EF_SEARCH, ROWS_PER_EF, ef_search_for, indexed_rows, set_search_breadth
from bot.index.search import CANDIDATES, hybrid_search

INDEX = "ix_chunks_embedding_hnsw_384"


def test_a_small_or_unmeasured_index_gets_the_floor_or_the_rows_asked_for():
    assert ef_search_for(0) == MIN_EF_SEARCH
    assert ef_search_for(-1, 100) == 100  # reltuples is -1 until Postgres has measured the index
    assert ef_search_for(30 * ROWS_PER_EF, 100) == 100


def test_the_breadth_grows_in_proportion_to_the_index_up_to_pgvectors_bound():
    assert ef_search_for(300 * ROWS_PER_EF, 100) == 300
    assert ef_search_for(600 * ROWS_PER_EF, 100) == 2 * ef_search_for(300 * ROWS_PER_EF, 100)
    assert ef_search_for(300 * ROWS_PER_EF + 1, 100) == 301  # rounded up, never below the proportion
    assert ef_search_for(50_000_000, 100) == MAX_EF_SEARCH


def test_the_breadth_follows_postgres_estimate_of_the_index_for_the_transaction_only(db):
    with db.session() as session:
        assert set_search_breadth(session, 384, 100) == 100
        assert _settings(session) == ("100", "relaxed_order")
    _pretend_index_rows(db, 2 * MAX_EF_SEARCH * ROWS_PER_EF)
    with db.session() as session:
        assert indexed_rows(session, 384) == 2 * MAX_EF_SEARCH * ROWS_PER_EF
        assert set_search_breadth(session, 384, 100) == MAX_EF_SEARCH
        assert _settings(session) == (str(MAX_EF_SEARCH), "relaxed_order")
    with db.session() as session:
        # set_config(..., true) ends with the transaction: back to pgvector's defaults (empty while the backend
        # has not loaded pgvector's library since)
        assert _settings(session) in {("40", "off"), ("", "")}
        assert indexed_rows(session, 768) == 0  # a dimension with no index yet


def test_hybrid_search_searches_as_broadly_as_its_index_needs(db):
    with db.session() as session:
        session.execute(text("INSERT INTO collections (name, embedding_model, embedding_dim) VALUES ('big', 'given', 384)"))
    breadths = _recorded_breadths(db)

    hybrid_search(db, _GivenVector(), "how do I deploy", ["big"])
    _pretend_index_rows(db, 500 * ROWS_PER_EF)
    hybrid_search(db, _GivenVector(), "how do I deploy", ["big"])
    hybrid_search(db, _GivenVector(), "how do I deploy", ["big"], ef_search=123)
    hybrid_search(db, _GivenVector(), "how do I deploy", ["big"], mode="keyword")  # no vector half: nothing to set

    assert breadths == [str(CANDIDATES), "500", "123"]


def _pretend_index_rows(db, rows: int) -> None:
    """Postgres's estimate of the index's rows, as VACUUM or ANALYZE would leave it after `rows` were added."""
    with db.session() as session:
        session.execute(text("UPDATE pg_class SET reltuples = :rows WHERE relname = :index"), {"rows": rows, "index": INDEX})


def _settings(session) -> tuple[str, str]:
    return tuple(session.execute(text("SELECT current_setting('hnsw.ef_search'), current_setting('hnsw.iterative_scan')")).one())


def _recorded_breadths(db) -> list[str]:
    breadths: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany):
        if "set_config('hnsw.ef_search'" in statement:
            breadths.append(parameters["ef"])

    event.listen(db.engine, "before_cursor_execute", record)
    return breadths


@dataclass
class _GivenVector:
    """Stands in for the model: what is measured here is the breadth the search sets, not what it finds."""

    model_name: str = "given"
    dimension: int = 384

    def embed_query(self, text: str) -> np.ndarray:
        return np.full(self.dimension, 1 / np.sqrt(self.dimension), dtype=np.float32)


def test_every_hnsw_index_is_built_for_recall_at_scale(db):
    """The schema's index and one made at run time for another dimension both carry HNSW_BUILD's parameters."""
    from bot.db.models import HNSW_BUILD
    from bot.index.collections import ensure_vector_index

    with db.session() as session:
        ensure_vector_index(session, 768)
    with db.session() as session:
        options = dict(session.execute(text(
            "SELECT c.relname, c.reloptions FROM pg_class c WHERE c.relname LIKE 'ix_chunks_embedding_hnsw_%'"
        )).tuples().all())
    wanted = sorted(f"{name}={value}" for name, value in HNSW_BUILD.items())
    assert {name: sorted(found or []) for name, found in options.items()} == {INDEX: wanted, "ix_chunks_embedding_hnsw_768": wanted}
