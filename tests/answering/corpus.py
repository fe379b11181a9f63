"""Writes small test corpora straight into the schema, embedded with the real embedder."""

import hashlib
from dataclasses import dataclass, field

from bot.db.engine import Database
from bot.db.models import Chunk, Collection, Document
from bot.embeddings import Embedder


@dataclass
class Doc:
    source: str
    title: str
    sections: list[tuple[str, str]]  # (heading path, text): one chunk each
    url: str | None = None
    metadata: dict = field(default_factory=dict)


def add_collection(database: Database, embedder: Embedder, name: str, docs: list[Doc]) -> None:
    texts = [text for doc in docs for _, text in doc.sections]
    vectors = iter(embedder.embed_documents([f"{h}\n{t}" for doc in docs for h, t in doc.sections]))
    assert len(texts) > 0
    with database.session() as session:
        collection = session.query(Collection).filter_by(name=name).one_or_none()
        if collection is None:
            collection = Collection(name=name, embedding_model=embedder.model_name, embedding_dim=embedder.dimension)
            session.add(collection)
            session.flush()
        collection.vocabulary_chunks = None  # chunks written behind ingest's back: the vocabulary is counted again when read
        for doc in docs:
            document = Document(
                collection_id=collection.id, source=doc.source, title=doc.title, url=doc.url, content_hash=_hash(str(doc.sections))
            )
            session.add(document)
            session.flush()
            for position, (heading, text) in enumerate(doc.sections):
                session.add(
                    Chunk(
                        document_id=document.id,
                        collection_id=collection.id,
                        position=position,
                        text=text,
                        heading_path=heading,
                        content_hash=_hash(heading + text),
                        embedding_dim=embedder.dimension,
                        embedding=next(vectors).tolist(),
                    )
                )


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
