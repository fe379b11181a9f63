"""Documents in the database: what is stored already, the one-transaction swap, and removal.

A document is one (collection, location, source): the same relative path under two folders is two
documents, and a re-sync of one location only ever removes documents of that location.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.types import BigInteger

from bot.db.engine import Database
from bot.db.models import Collection, Document, SyncSource
from bot.url_redaction import redact_location
from bot.index.chunk_writer import ChunkRow, copy_chunks


@dataclass(frozen=True)
class StoredDocument:
    id: int
    content_hash: str
    metadata: dict[str, Any] | None = None  # what its source keeps to re-sync cheaply (ETag, page version)


DocumentKey = tuple[str, str]  # (location, source)


def stored_documents(database: Database, collection_id: int) -> dict[DocumentKey, StoredDocument]:
    with database.session() as session:
        rows = session.execute(
            select(Document.location, Document.source, Document.id, Document.content_hash, Document.metadata_)
            .where(Document.collection_id == collection_id)
        )
        return {(location, source): StoredDocument(id, content_hash, metadata) for location, source, id, content_hash, metadata in rows}


def swap_document(
    database: Database,
    *,
    collection_id: int,
    location: str,
    source: str,
    title: str,
    url: str | None,
    content_hash: str,
    metadata: dict[str, Any],
    rows: list[ChunkRow],
    shown_only_in: str | None = None,
) -> bool:
    """Replaces the document's chunks in one transaction: readers see the old version or the new, never both.

    The upsert locks the document's row, so two workers swapping the same document take turns (the second
    deletes what the first wrote) instead of both adding chunks. Returns whether the document was new.
    """
    with database.session() as session:
        statement = insert(Document).values(
            collection_id=collection_id, location=location, source=source, title=title, url=url,
            content_hash=content_hash, metadata_=metadata, shown_only_in=shown_only_in,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["collection_id", "location", "source"],
            set_={
                "title": statement.excluded.title,
                "url": statement.excluded.url,
                "content_hash": statement.excluded.content_hash,
                "metadata": statement.excluded.metadata,
                "shown_only_in": statement.excluded.shown_only_in,
                "updated_at": func.now(),
            },
        ).returning(Document.id, text("xmax = 0"))
        document_id, inserted = session.execute(statement).one()
        session.execute(text("DELETE FROM chunks WHERE document_id = :id"), {"id": document_id})
        copy_chunks(session, document_id, collection_id, rows)
        return bool(inserted)


def restrict(database: Database, collection_id: int, location: str, source: str, shown_only_in: str | None) -> None:
    """Sets the one channel a stored document may be shown in (None: wherever its collection is seen)."""
    with database.session() as session:
        session.execute(
            update(Document)
            .where(Document.collection_id == collection_id, Document.location == location, Document.source == source)
            .values(shown_only_in=shown_only_in)
        )


# One array parameter, however many documents: a statement may carry at most 65,535 bind parameters.
_REMOVE_BY_ID = (
    delete(Document)
    .where(Document.id == func.any(bindparam("ids", type_=ARRAY(BigInteger))))
    .returning(Document.source)
)


def remove_documents(database: Database, document_ids: list[int]) -> list[str]:
    """Deletes these documents (and their chunks); returns their sources, sorted."""
    if not document_ids:
        return []
    with database.session() as session:
        return sorted(session.scalars(_REMOVE_BY_ID, {"ids": document_ids}).all())


def locations_of(database: Database, collection_id: int, source: str) -> list[str]:
    """The locations that hold a document with this source in the collection."""
    with database.session() as session:
        return list(session.scalars(
            select(Document.location).where(Document.collection_id == collection_id, Document.source == source)
            .order_by(Document.location)
        ))


def remove_source(database: Database, collection_id: int, source: str, location: str) -> bool:
    """Removes one document; when it was the last from its location, that location's re-sync goes too."""
    with database.session() as session:
        removed = session.execute(
            delete(Document)
            .where(Document.collection_id == collection_id, Document.location == location, Document.source == source)
            .returning(Document.id)
        ).first() is not None
        remaining = session.scalar(
            select(func.count()).select_from(Document)
            .where(Document.collection_id == collection_id, Document.location == location)
        )
        if removed and not remaining:
            syncs = session.execute(select(SyncSource.id, SyncSource.location).where(SyncSource.collection_id == collection_id))
            # A URL's re-sync keeps the URL as given (it may need its credentials); documents keep it redacted.
            ids = [id for id, synced in syncs if redact_location(synced) == location]
            session.execute(delete(SyncSource).where(SyncSource.id.in_(ids)))
        if removed:
            # Its words no longer count: the vocabulary is counted again when a question next reads it.
            session.execute(update(Collection).where(Collection.id == collection_id).values(vocabulary_chunks=None))
        return removed
