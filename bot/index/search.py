"""Hybrid retrieval in one SQL statement: pgvector HNSW cosine search and Postgres full-text search, fused by
reciprocal rank fusion, restricted to the collections the caller may see and, within them, to the documents
that may be shown where the question was asked (`shown_in`: a document saved from a private channel carries
that channel in `documents.shown_only_in` and is found only there).

Both halves do bounded work whatever the collection's size: HNSW returns `CANDIDATES` neighbours from a
search whose breadth grows with the index up to pgvector's maximum (`hnsw`), and the full-text half ranks at
most `RANKED_ROWS` chunks, matched on the question's rarest terms (`keyword_query`).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import text

from bot.index import vocabulary
from bot.index.hnsw import set_search_breadth
from bot.index.keyword_query import RANKED_ROWS, KeywordQuery, keyword_query
from bot.db.engine import Database
from bot.embeddings import Embedder

logger = logging.getLogger(__name__)

Mode = Literal["hybrid", "vector", "keyword"]

RRF_K = 60  # the usual reciprocal-rank-fusion constant: damps the difference between rank 1 and rank 2
# How many chunks each search contributes to the fusion. On the Python docs eval set 100 found an answering
# document in the top 5 for 38 of 40 questions, 60 for 36 (the answer often ranks 60-100 in one of the lists).
CANDIDATES = 100
# How much each search's rank counts in the fusion.
VECTOR_WEIGHT = 1.0
KEYWORD_WEIGHT = 1.0


@dataclass(frozen=True)
class Hit:
    chunk_id: int
    document_id: int
    collection: str
    source: str
    title: str
    url: str | None
    heading: str
    text: str
    score: float  # the fused (RRF) score: orders results, but is not comparable across questions
    similarity: float | None  # cosine similarity of chunk and question
    # The best cosine similarity among all vector candidates of the query (the same on every hit): the
    # calibrated relevance signal. The fused top-k may leave out the single closest chunk.
    best_similarity: float | None
    vector_rank: int | None
    keyword_rank: int | None
    lexemes: frozenset[str] = frozenset()  # the full-text index's lexemes of its heading and text


@dataclass(frozen=True)
class CollectionInfo:
    id: int
    name: str
    embedding_model: str
    embedding_dim: int


def resolve_collections(database: Database, names: Sequence[str]) -> list[CollectionInfo]:
    """The named collections that exist (unknown names are simply not there)."""
    if not names:
        return []
    with database.session() as session:
        rows = session.execute(
            text("SELECT id, name, embedding_model, embedding_dim FROM collections WHERE name = ANY(:names) ORDER BY name"),
            {"names": list(names)},
        ).all()
    return [CollectionInfo(*row) for row in rows]


def hybrid_search(
    database: Database,
    embedder: Embedder,
    query: str,
    collections: Sequence[str],
    *,
    limit: int = 5,
    mode: Mode = "hybrid",
    words: vocabulary.WordCounts | None = None,
    shown_in: str | None = None,
    ef_search: int | None = None,
) -> list[Hit]:
    """The `limit` best chunks for `query` in `collections`, best first (`words`: the query's word counts, if read
    already; `ef_search`: HNSW's breadth fixed, for measuring, instead of the one for the index's size).

    `shown_in`: the Slack channel the question was asked in; documents shown only in another channel (or in any
    channel, when None) are left out."""
    infos = resolve_collections(database, collections)
    if not infos or not query.strip():
        return []
    dim = int(embedder.dimension)
    # Vector search only where the collection was embedded with the model the query is embedded with.
    vector_ids = [c.id for c in infos if c.embedding_model == embedder.model_name and c.embedding_dim == dim]
    for other in (c for c in infos if c.id not in vector_ids):
        logger.warning("collection embedded with another model: full-text search only collection=%s model=%s", other.name, other.embedding_model)
    weights = {"hybrid": (VECTOR_WEIGHT, KEYWORD_WEIGHT), "vector": (1.0, 0.0), "keyword": (0.0, 1.0)}[mode]
    params: dict[str, Any] = {
        "embedding": _vector_literal(embedder.embed_query(query)),
        "vector_ids": vector_ids if weights[0] else [],
        "keyword_ids": [c.id for c in infos] if weights[1] else [],
        "vector_weight": weights[0],
        "keyword_weight": weights[1],
        "rrf_k": RRF_K,
        "candidates": max(CANDIDATES, limit),
        "ranked_rows": RANKED_ROWS,
        "limit": limit,
        "shown_in": shown_in,
    }
    names = {c.id: c.name for c in infos}
    keywords = keyword_query(database, params["keyword_ids"], query, RANKED_ROWS, words) if weights[1] else KeywordQuery(match="", rank="")
    params.update(keyword_match=keywords.match, keyword_rank=keywords.rank, expansions_match=keywords.expansions_match, expansions_rank=keywords.expansions_rank)
    with database.session() as session:
        # Iterative index scans (with a collection filter, HNSW keeps scanning until it has enough rows) and a
        # breadth that grows with the index, for this transaction only (bot/index/hnsw.py).
        if params["vector_ids"]:
            set_search_breadth(session, dim, params["candidates"], ef_search)
        rows = session.execute(text(_hybrid_sql(dim)), params).mappings().all()
    return [_hit(row, names) for row in rows]


# Next to each collection filter: the chunk's document may be shown where the question was asked. Few documents
# are restricted (the partial index ix_documents_shown_only_in holds only them), so this is a small hashed set.
SHOWN_HERE = """document_id NOT IN (
        SELECT id FROM documents WHERE shown_only_in IS NOT NULL AND shown_only_in IS DISTINCT FROM CAST(:shown_in AS varchar)
    )"""


def _hybrid_sql(dim: int) -> str:
    # The expression and the literal dimension match the partial HNSW index, so the planner uses it.
    vector = f"embedding::vector({dim})"
    query_vector = f"CAST(:embedding AS vector({dim}))"
    return f"""
WITH semantic AS MATERIALIZED (
    SELECT id, {vector} <=> {query_vector} AS distance
    FROM chunks
    WHERE embedding_dim = {dim} AND collection_id = ANY(:vector_ids) AND {SHOWN_HERE}
    ORDER BY {vector} <=> {query_vector}
    LIMIT :candidates
),
semantic_ranked AS (
    -- relaxed_order may return rows slightly out of order: rank them exactly
    SELECT id, distance, ROW_NUMBER() OVER (ORDER BY distance, id) AS rank FROM semantic
),
keyword_matches AS MATERIALIZED (
    -- the GIN index finds the chunks with the question's rare terms; the cap bounds the work when statistics err
    SELECT id, tsv FROM chunks
    WHERE collection_id = ANY(:keyword_ids) AND {SHOWN_HERE}
      AND tsv @@ (websearch_to_tsquery('english', :keyword_match) || to_tsquery('simple', :expansions_match))
    LIMIT :ranked_rows
),
keyword AS (
    -- ts_rank, not ts_rank_cd: a third of the cost per row, and as good on the eval sets (docs/benchmarks.md)
    SELECT m.id, ROW_NUMBER() OVER (ORDER BY ts_rank(m.tsv, q.query, 1) DESC, m.id) AS rank
    FROM keyword_matches m, (SELECT websearch_to_tsquery('english', :keyword_rank) || to_tsquery('simple', :expansions_rank) AS query) AS q
    ORDER BY rank
    LIMIT :candidates
),
fused AS (
    SELECT COALESCE(s.id, k.id) AS id,
           COALESCE(:vector_weight / (:rrf_k + s.rank), 0.0)
         + COALESCE(:keyword_weight / (:rrf_k + k.rank), 0.0) AS score,
           s.rank AS vector_rank, k.rank AS keyword_rank, s.distance
    FROM semantic_ranked s FULL OUTER JOIN keyword k ON s.id = k.id
),
best AS (
    SELECT * FROM fused WHERE score > 0 ORDER BY score DESC, id LIMIT :limit
)
SELECT c.id AS chunk_id, c.document_id, c.collection_id, d.source, d.title, d.url, c.heading_path AS heading, c.text,
       b.score, b.vector_rank, b.keyword_rank, (SELECT 1 - MIN(distance) FROM semantic) AS best_similarity,
       tsvector_to_array(c.tsv) AS lexemes,
       -- computed for the `limit` rows only, and only for those the vector half did not measure already
       CASE WHEN b.distance IS NOT NULL THEN 1 - b.distance
            WHEN c.embedding_dim = {dim} THEN 1 - ({vector} <=> {query_vector}) END AS similarity
FROM best b
JOIN chunks c ON c.id = b.id
JOIN documents d ON d.id = c.document_id
ORDER BY b.score DESC, c.id
"""


def _hit(row: Any, names: dict[int, str]) -> Hit:
    return Hit(
        chunk_id=row["chunk_id"],
        document_id=row["document_id"],
        collection=names[row["collection_id"]],
        source=row["source"],
        title=row["title"] or "",
        url=row["url"],
        heading=row["heading"] or "",
        text=row["text"],
        score=float(row["score"]),
        similarity=None if row["similarity"] is None else float(row["similarity"]),
        vector_rank=row["vector_rank"],
        keyword_rank=row["keyword_rank"],
        best_similarity=None if row["best_similarity"] is None else float(row["best_similarity"]),
        lexemes=frozenset(row["lexemes"] or ()),
    )


def _vector_literal(vector: Any) -> str:
    return "[" + ",".join(f"{float(x):.7g}" for x in vector) + "]"


def closest_in_documents(
    database: Database, embedder: Embedder, query: str, document_ids: Sequence[int], per_document: int, shown_in: str | None = None
) -> list[Hit]:
    """Each document's `per_document` chunks closest to `query`, document by document in the order given.

    The hybrid search ranks chunks across the whole collection, so of a long page (Node's process.md has 249
    chunks) it may keep a section that shares the question's words and miss the one that answers it.
    """
    if not document_ids or per_document < 1:
        return []
    dim = int(embedder.dimension)
    vector = f"c.embedding::vector({dim})"
    query_vector = f"CAST(:embedding AS vector({dim}))"
    sql = f"""
SELECT c.id AS chunk_id, c.document_id, c.collection_id, k.name AS collection, d.source, d.title, d.url,
       c.heading_path AS heading, c.text, 1 - c.distance AS similarity, tsvector_to_array(c.tsv) AS lexemes
FROM unnest(CAST(:ids AS bigint[])) WITH ORDINALITY AS wanted(id, place)
CROSS JOIN LATERAL (
    SELECT c.*, {vector} <=> {query_vector} AS distance FROM chunks c
    WHERE c.document_id = wanted.id AND c.embedding_dim = {dim}
    ORDER BY distance LIMIT :per_document
) c
JOIN documents d ON d.id = c.document_id AND (d.shown_only_in IS NULL OR d.shown_only_in = CAST(:shown_in AS varchar))
JOIN collections k ON k.id = c.collection_id
ORDER BY wanted.place, c.distance
"""
    params = {"embedding": _vector_literal(embedder.embed_query(query)), "ids": list(document_ids), "per_document": per_document, "shown_in": shown_in}
    with database.session() as session:
        rows = session.execute(text(sql), params).mappings().all()
    return [
        Hit(
            chunk_id=row["chunk_id"], document_id=row["document_id"], collection=row["collection"], source=row["source"],
            title=row["title"] or "", url=row["url"], heading=row["heading"] or "", text=row["text"], score=0.0,
            similarity=float(row["similarity"]), best_similarity=None, vector_rank=None, keyword_rank=None,
            lexemes=frozenset(row["lexemes"] or ()),
        )
        for row in rows
    ]
