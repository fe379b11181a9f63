"""Collections: each records the embedding model it was built with; another model is refused."""

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from bot.db.models import DEFAULT_EMBEDDING_DIM, HNSW_BUILD, Collection
from bot.embeddings import Embedder
from bot.errors import EmbeddingModelMismatch, NotFound


def ensure_collection(session: Session, name: str, embedder: Embedder) -> Collection:
    """The collection `name`, created for `embedder` if new; EmbeddingModelMismatch if built with another model."""
    session.execute(
        insert(Collection)
        .values(name=name, embedding_model=embedder.model_name, embedding_dim=embedder.dimension)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    collection = session.scalars(select(Collection).where(Collection.name == name)).one()
    if (collection.embedding_model, collection.embedding_dim) != (embedder.model_name, embedder.dimension):
        raise EmbeddingModelMismatch(
            f"Collection {name!r} was built with embedding model {collection.embedding_model!r} "
            f"({collection.embedding_dim} dimensions), but the configured model is {embedder.model_name!r} "
            f"({embedder.dimension} dimensions). Use the same EMBEDDING_MODEL/EMBEDDING_ENDPOINT_URL, "
            f"or ingest into another collection (--collection)."
        )
    if collection.embedding_dim != DEFAULT_EMBEDDING_DIM:
        ensure_vector_index(session, collection.embedding_dim)
    return collection


def ensure_vector_index(session: Session, dimension: int) -> None:
    """An HNSW index for chunks of this dimension (the schema's own covers 384, the bundled model's)."""
    dimension = int(dimension)
    build = ", ".join(f"{name} = {int(value)}" for name, value in HNSW_BUILD.items())
    session.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS ix_chunks_embedding_hnsw_{dimension} ON chunks "
            f"USING hnsw ((embedding::vector({dimension})) vector_cosine_ops) WITH ({build}) WHERE embedding_dim = {dimension}"
        )
    )


def get_collection(session: Session, name: str) -> Collection:
    collection = session.scalars(select(Collection).where(Collection.name == name)).one_or_none()
    if collection is None:
        raise NotFound(f"No collection named {name!r} (see `docbot collections`).")
    return collection


def remove_collection(session: Session, name: str) -> None:
    """Deletes the collection with its documents, chunks, re-syncs and channel links (all cascade)."""
    get_collection(session, name)  # NotFound naming it
    session.execute(delete(Collection).where(Collection.name == name))
