"""Chunk rows in bulk: stored vectors looked up by content hash, new rows written with binary COPY."""

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from psycopg.types.json import Jsonb
from sqlalchemy.orm import Session

_COPY_CHUNKS = (
    "COPY chunks (document_id, collection_id, position, text, heading_path, content_hash, embedding_dim, embedding, metadata)"
    " FROM STDIN WITH (FORMAT BINARY)"
)
_COPY_TYPES = ["int8", "int4", "int4", "text", "text", "varchar", "int4", "vector", "jsonb"]
_registered: "weakref.WeakSet[psycopg.Connection]" = weakref.WeakSet()


@dataclass
class ChunkRow:
    position: int
    text: str
    heading_path: str
    content_hash: str
    embedding: np.ndarray
    metadata: dict[str, Any]


def driver_connection(session: Session) -> psycopg.Connection:
    """The session's own psycopg connection (same transaction), with pgvector's types registered."""
    connection = session.connection().connection.driver_connection
    if connection not in _registered:
        register_vector(connection)
        _registered.add(connection)
    return connection


def stored_vectors(session: Session, collection_id: int, hashes: Iterable[str]) -> dict[str, np.ndarray]:
    """Vectors already stored in the collection for these chunk hashes: such text is never embedded again."""
    wanted = list(set(hashes))
    if not wanted:
        return {}
    rows = driver_connection(session).execute(
        "SELECT DISTINCT ON (content_hash) content_hash, embedding FROM chunks"
        " WHERE collection_id = %s AND content_hash = ANY(%s)",
        (collection_id, wanted),
    )
    return {content_hash: np.asarray(vector, dtype=np.float32) for content_hash, vector in rows}


def copy_chunks(session: Session, document_id: int, collection_id: int, rows: list[ChunkRow]) -> None:
    connection = driver_connection(session)
    with connection.cursor() as cursor, cursor.copy(_COPY_CHUNKS) as copy:
        copy.set_types(_COPY_TYPES)
        for row in rows:
            copy.write_row((
                document_id, collection_id, row.position, row.text, row.heading_path, row.content_hash,
                int(row.embedding.shape[0]), row.embedding.astype(np.float32), Jsonb(row.metadata),
            ))
