"""A collection's own similarity scale, measured once after each ingest and stored with the collection.

Cosine similarities mean different things in different collections and under different embedding models
(all-MiniLM-L6-v2 gives a typical answering chunk 0.5-0.7; other models crowd everything into 0.7-0.9).
So similarities are read against a distribution measured on the collection itself: pseudo-queries made
from its own text (a sentence of a sampled chunk), each scored against the chunks of *other* documents,
as a question about this collection would be.

There is no "off-topic" distribution: a fixed list of questions the documents supposedly don't answer
("how do I book a meeting room?") is exactly what a handbook answers, and then it measures nothing.
Whether the documents answer a question is decided from the passages found (relevance.py).

Stored as quantiles in `collections.calibration` (JSONB), with the embedding model it was measured with.
"""

import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from bot.db.engine import Database
from bot.embeddings import Embedder
from bot.index.hnsw import set_search_breadth

logger = logging.getLogger(__name__)

VERSION = 2  # bump when the probes or the method change: stored calibrations are then measured again
SAMPLE_CHUNKS = 80  # pseudo-queries: enough for stable quartiles, a few seconds of work
MIN_CHUNKS = 12  # a smaller collection has no in-domain distribution to speak of (a few pages on unrelated topics
# score each other's sentences near zero): it has no calibration, and relevance reads the passages' words alone
MIN_PSEUDO_QUERIES = MIN_CHUNKS // 2
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_MIN_SENTENCE, _MAX_SENTENCE = 40, 220

@dataclass(frozen=True)
class Quantiles:
    p10: float
    p25: float
    p50: float
    p75: float
    p90: float

    @classmethod
    def of(cls, values: list[float]) -> "Quantiles":
        ordered = sorted(values)
        return cls(*(_at(ordered, share) for share in (0.1, 0.25, 0.5, 0.75, 0.9)))


def _at(ordered: list[float], share: float) -> float:
    """Linear-interpolated quantile of sorted values."""
    if not ordered:
        return 0.0
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 4)


@dataclass(frozen=True)
class Calibration:
    embedding_model: str
    chunks: int
    in_domain: Quantiles
    version: int = VERSION
    measured_at: str = ""

    @property
    def low(self) -> float:
        """Nine in ten questions drawn from the collection's own text reach at least this similarity."""
        return self.in_domain.p10

    @property
    def typical(self) -> float:
        """The similarity a question drawn from the collection's own text typically reaches (the median)."""
        return self.in_domain.p50

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "Calibration | None":
        if not data or data.get("version") != VERSION:
            return None
        try:
            return cls(
                embedding_model=data["embedding_model"], chunks=int(data["chunks"]),
                in_domain=Quantiles(**data["in_domain"]),
                version=VERSION, measured_at=data.get("measured_at", ""),
            )
        except (KeyError, TypeError, ValueError):
            return None


def stored(database: Database, collection_id: int, embedder: Embedder) -> Calibration | None:
    """The collection's calibration, if one was measured with this embedding model."""
    with database.session() as session:
        data = session.execute(text("SELECT calibration FROM collections WHERE id = :id"), {"id": collection_id}).scalar()
    found = Calibration.from_json(data)
    return found if found and found.embedding_model == embedder.model_name else None


def ensure(database: Database, collection_id: int, embedder: Embedder) -> Calibration | None:
    """The stored calibration, measured now if there is none yet (collections ingested before it existed)."""
    return stored(database, collection_id, embedder) or calibrate(database, collection_id, embedder)


def calibrate(database: Database, collection_id: int, embedder: Embedder) -> Calibration | None:
    """Measures and stores the collection's calibration; None for one searched by full text only, or too small to
    measure (fewer than `MIN_CHUNKS` chunks, or `MIN_PSEUDO_QUERIES` sentences scored against another document)."""
    dim = int(embedder.dimension)
    with database.session() as session:
        model, stored_dim = session.execute(
            text("SELECT embedding_model, embedding_dim FROM collections WHERE id = :id"), {"id": collection_id}
        ).one()
        if model != embedder.model_name or stored_dim != dim:
            return None  # searched by full text only: similarities don't apply
        count = session.execute(text("SELECT count(*) FROM chunks WHERE collection_id = :id"), {"id": collection_id}).scalar()
        # A stable sample: the same chunks each time the collection is unchanged.
        rows = session.execute(
            text("SELECT document_id, text FROM chunks WHERE collection_id = :id ORDER BY md5(content_hash), id LIMIT :n"),
            {"id": collection_id, "n": SAMPLE_CHUNKS},
        ).all()
    pseudo = [(document, sentence) for document, body in rows if (sentence := pseudo_query(body))]
    if (count or 0) < MIN_CHUNKS or len(pseudo) < MIN_PSEUDO_QUERIES:
        return None
    vectors = embedder.embed_documents([s for _, s in pseudo])
    in_domain = [s for (d, _), v in zip(pseudo, vectors) if (s := _closest(database, collection_id, dim, v, exclude_document=d)) is not None]
    if len(in_domain) < MIN_PSEUDO_QUERIES:
        return None  # one document: nothing else to score its sentences against
    calibration = Calibration(
        embedding_model=embedder.model_name,
        chunks=int(count),
        in_domain=Quantiles.of(in_domain),
        measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    with database.session() as session:
        session.execute(
            text("UPDATE collections SET calibration = CAST(:data AS jsonb) WHERE id = :id"),
            {"data": json.dumps(calibration.to_json()), "id": collection_id},
        )
    logger.info(
        "collection calibrated collection_id=%s chunks=%d low=%.3f typical=%.3f",
        collection_id, calibration.chunks, calibration.low, calibration.typical,
    )
    return calibration


def pseudo_query(body: str) -> str | None:
    """The chunk's most varied sentence of a question's length: what a reader might ask about it."""
    candidates = [" ".join(s.split()) for s in _SENTENCE.split(body)]
    candidates = [s for s in candidates if _MIN_SENTENCE <= len(s) <= _MAX_SENTENCE]
    return max(candidates, key=lambda s: (len(set(s.lower().split())), hashlib.md5(s.encode()).hexdigest()), default=None)


def _closest(database: Database, collection_id: int, dim: int, vector: Any, exclude_document: int | None = None) -> float | None:
    literal = "[" + ",".join(f"{float(x):.7g}" for x in vector) + "]"
    query_vector = f"CAST(:embedding AS vector({dim}))"
    other = "AND document_id <> :document" if exclude_document is not None else ""
    with database.session() as session:
        set_search_breadth(session, dim, 1)  # the nearest one is only found as reliably as the search reaches
        value = session.execute(
            text(
                f"SELECT 1 - (embedding::vector({dim}) <=> {query_vector}) FROM chunks "
                f"WHERE embedding_dim = {dim} AND collection_id = :id {other} "
                f"ORDER BY embedding::vector({dim}) <=> {query_vector} LIMIT 1"
            ),
            {"embedding": literal, "id": collection_id, "document": exclude_document},
        ).scalar()
    return None if value is None else float(value)
