"""Documents in the database: what is stored already, the one-transaction swap, and removal."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert

from bot.db.engine import Database
from bot.db.models import Document
from ingestion.writer import ChunkRow, copy_chunks


@dataclass(frozen=True)
class StoredDocument:
    content_hash: str
    location: str | None


def stored_documents(database: Database, collection_id: int) -> dict[str, StoredDocument]:
    with database.session() as session:
        rows = session.execute(
            select(Document.source, Document.content_hash, Document.metadata_["location"].astext)
            .where(Document.collection_id == collection_id)
        )
        return {source: StoredDocument(content_hash, location) for source, content_hash, location in rows}


def swap_document(
    database: Database,
    *,
    collection_id: int,
    source: str,
    title: str,
    url: str | None,
    content_hash: str,
    metadata: dict[str, Any],
    rows: list[ChunkRow],
) -> bool:
    """Replaces the document's chunks in one transaction: readers see the old version or the new, never both.

    The upsert locks the document's row, so two workers swapping the same document take turns (the second
    deletes what the first wrote) instead of both adding chunks. Returns whether the document was new.
    """
    with database.session() as session:
        statement = insert(Document).values(
            collection_id=collection_id, source=source, title=title, url=url, content_hash=content_hash, metadata_=metadata
        )
        statement = statement.on_conflict_do_update(
            index_elements=["collection_id", "source"],
            set_={
                "title": statement.excluded.title,
                "url": statement.excluded.url,
                "content_hash": statement.excluded.content_hash,
                "metadata": statement.excluded.metadata,
                "updated_at": func.now(),
            },
        ).returning(Document.id, text("xmax = 0"))
        document_id, inserted = session.execute(statement).one()
        session.execute(text("DELETE FROM chunks WHERE document_id = :id"), {"id": document_id})
        copy_chunks(session, document_id, collection_id, rows)
        return bool(inserted)


def remove_missing(database: Database, collection_id: int, location: str, present: set[str]) -> list[str]:
    """Deletes the documents ingested from `location` whose source is no longer there; returns their sources."""
    with database.session() as session:
        removed = session.scalars(
            delete(Document)
            .where(
                Document.collection_id == collection_id,
                Document.metadata_["location"].astext == location,
                Document.source.not_in(present) if present else text("true"),
            )
            .returning(Document.source)
        ).all()
    return sorted(removed)


def remove_source(database: Database, collection_id: int, source: str) -> bool:
    with database.session() as session:
        return session.execute(
            delete(Document).where(Document.collection_id == collection_id, Document.source == source).returning(Document.id)
        ).first() is not None
