"""How broadly an HNSW search looks: `hnsw.ef_search` grows with the index searched, so recall holds as it grows.

HNSW walks a graph from one entry point, keeping the `ef_search` closest rows it has met. The more rows the
graph holds, the more of them a walk must keep to still reach a question's nearest: with pgvector's default
build, bench/scale.py's recall@10 at ef_search 100 is 0.997 at 100k rows and 0.85 at 1M; with the build docbot
uses (ef_construction 128), 0.998 at 1M (docs/benchmarks.md, "Recall at a million chunks"). The index serves
every collection of one dimension, so the breadth follows the index's rows (Postgres's estimate, kept by VACUUM and ANALYZE), not the collection's.
"""

import math

from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.db.schema_filter import RUNTIME_INDEX_PREFIX

# Rows of the index per unit of ef_search: the breadth grows in proportion to the graph. With the index built
# as bot/db/models.HNSW_BUILD says (ef_construction 128), recall@10 on the benchmark's vectors (harder for a graph
# than real embeddings) is 0.998 at 1M rows with ef_search 100, so the breadth starts growing past 1M rows. With
# pgvector's default build it would have to grow ten times as fast (0.851 at 1M with ef_search 100, 0.954 with
# 1,000, at three times the latency).
ROWS_PER_EF = 10_000
MIN_EF_SEARCH = 40  # pgvector's default
MAX_EF_SEARCH = 1000  # pgvector's upper bound for hnsw.ef_search


def ef_search_for(indexed_rows: float, candidates: int = 1) -> int:
    """The breadth for an index of `indexed_rows` rows (negative or zero: unknown) asked for `candidates` rows."""
    grown = math.ceil(max(indexed_rows, 0) / ROWS_PER_EF)
    return min(MAX_EF_SEARCH, max(MIN_EF_SEARCH, candidates, grown))


def indexed_rows(session: Session, dim: int) -> float:
    """Postgres's estimate of the rows in the HNSW index of `dim`-dimensional chunks (0 when it has none yet)."""
    rows = session.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:index)"), {"index": f"{RUNTIME_INDEX_PREFIX}{dim}"}
    ).scalar()
    return float(rows or 0)


def set_search_breadth(session: Session, dim: int, candidates: int, ef_search: int | None = None) -> int:
    """Set, for this transaction, iterative scans (a filtered search still returns `candidates` rows) and
    ef_search for the index's size (or `ef_search` as given). Returns the ef_search set."""
    ef = ef_search if ef_search is not None else ef_search_for(indexed_rows(session, dim), candidates)
    session.execute(
        text("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.ef_search', :ef, true)"),
        {"ef": str(ef)},
    )
    return ef
