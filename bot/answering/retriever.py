"""Hybrid retrieval in one SQL statement: pgvector HNSW cosine search and Postgres full-text search, fused by
reciprocal rank fusion, restricted to the collections the caller may see.
"""

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from sqlalchemy import text

from bot.answering.safety import strip_mentions
from bot.answering.terms import content_terms
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

    def to_document(self) -> Document:
        metadata = asdict(self)
        return Document(page_content=metadata.pop("text"), metadata=metadata)

    @classmethod
    def from_document(cls, document: Document) -> "Hit":
        return cls(text=document.page_content, **document.metadata)


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


def keyword_query(question: str) -> str:
    """A `websearch_to_tsquery` string matching any content term: a chat question rarely has all its words in a chunk."""
    terms = [t.strip("-") for t in content_terms(question)]
    return " or ".join(t for t in terms if t and t not in {"or", "and"})


def hybrid_search(
    database: Database,
    embedder: Embedder,
    query: str,
    collections: Sequence[str],
    *,
    limit: int = 5,
    mode: Mode = "hybrid",
) -> list[Hit]:
    """The `limit` best chunks for `query` in `collections`, best first."""
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
        "keywords": keyword_query(query),
        "vector_weight": weights[0],
        "keyword_weight": weights[1],
        "rrf_k": RRF_K,
        "candidates": max(CANDIDATES, limit),
        "limit": limit,
    }
    names = {c.id: c.name for c in infos}
    with database.session() as session:
        # Iterative index scans: with a collection filter, HNSW keeps scanning until it has enough rows.
        session.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
        session.execute(text(f"SET LOCAL hnsw.ef_search = {max(40, params['candidates'])}"))
        rows = session.execute(text(_hybrid_sql(dim)), params).mappings().all()
    return [_hit(row, names) for row in rows]


def _hybrid_sql(dim: int) -> str:
    # The expression and the literal dimension match the partial HNSW index, so the planner uses it.
    vector = f"embedding::vector({dim})"
    query_vector = f"CAST(:embedding AS vector({dim}))"
    return f"""
WITH semantic AS MATERIALIZED (
    SELECT id, {vector} <=> {query_vector} AS distance
    FROM chunks
    WHERE embedding_dim = {dim} AND collection_id = ANY(:vector_ids)
    ORDER BY {vector} <=> {query_vector}
    LIMIT :candidates
),
semantic_ranked AS (
    -- relaxed_order may return rows slightly out of order: rank them exactly
    SELECT id, ROW_NUMBER() OVER (ORDER BY distance, id) AS rank FROM semantic
),
keyword AS (
    SELECT chunks.id, ROW_NUMBER() OVER (ORDER BY ts_rank_cd(chunks.tsv, query, 1) DESC, chunks.id) AS rank
    FROM chunks, websearch_to_tsquery('english', :keywords) AS query
    WHERE chunks.collection_id = ANY(:keyword_ids) AND chunks.tsv @@ query
    ORDER BY rank
    LIMIT :candidates
),
fused AS (
    SELECT COALESCE(s.id, k.id) AS id,
           COALESCE(:vector_weight / (:rrf_k + s.rank), 0.0)
         + COALESCE(:keyword_weight / (:rrf_k + k.rank), 0.0) AS score,
           s.rank AS vector_rank, k.rank AS keyword_rank
    FROM semantic_ranked s FULL OUTER JOIN keyword k ON s.id = k.id
)
SELECT c.id AS chunk_id, c.document_id, c.collection_id, d.source, d.title, d.url, c.heading_path AS heading, c.text,
       f.score, f.vector_rank, f.keyword_rank, (SELECT 1 - MIN(distance) FROM semantic) AS best_similarity,
       CASE WHEN c.embedding_dim = {dim} THEN 1 - ({vector} <=> {query_vector}) END AS similarity
FROM fused f
JOIN chunks c ON c.id = f.id
JOIN documents d ON d.id = c.document_id
WHERE f.score > 0
ORDER BY f.score DESC, c.id
LIMIT :limit
"""


def _hit(row: Any, names: dict[int, str]) -> Hit:
    return Hit(
        chunk_id=row["chunk_id"],
        document_id=row["document_id"],
        collection=names[row["collection_id"]],
        source=row["source"],
        title=strip_mentions(row["title"] or ""),
        url=row["url"],
        heading=strip_mentions(row["heading"] or ""),
        text=strip_mentions(row["text"]),
        score=float(row["score"]),
        similarity=None if row["similarity"] is None else float(row["similarity"]),
        vector_rank=row["vector_rank"],
        keyword_rank=row["keyword_rank"],
        best_similarity=None if row["best_similarity"] is None else float(row["best_similarity"]),
    )


def _vector_literal(vector: Any) -> str:
    return "[" + ",".join(f"{float(x):.7g}" for x in vector) + "]"


class HybridRetriever(BaseRetriever):
    """The LangChain face of `hybrid_search`: documents carry source, title, url, heading and scores as metadata."""

    database: Any
    embedder: Any
    collections: list[str]
    k: int = 5
    mode: Mode = "hybrid"

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = hybrid_search(self.database, self.embedder, query, self.collections, limit=self.k, mode=self.mode)
        return [hit.to_document() for hit in hits]
