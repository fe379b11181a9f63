"""The baseline a user would wire up by hand with LangChain, on the same model and the same Postgres as docbot.

HTML read the way langchain-community's `BSHTMLLoader` does (all of `soup.get_text()`, title from `<title>`;
that package is not a dependency, so its dozen lines are repeated here), `RecursiveCharacterTextSplitter
(chunk_size=1000, chunk_overlap=200)`, `HuggingFaceEmbeddings` on the bundled all-MiniLM-L6-v2, and a
langchain-postgres store with its defaults: `PGVector` or its successor `PGVectorStore`; `similarity_search(k=5)`.
"""

from pathlib import Path

from bs4 import BeautifulSoup
from langchain_core.documents import Document

from bot.db.engine import sqlalchemy_url
from bot.embeddings import bundled_model_path

# PGVector sends one multi-row INSERT per call: 16k chunks would pass Postgres's 65,535-parameter limit
# ("number of parameters must be between 0 and 65535"), so, like a user who hit that, add in batches.
ADD_BATCH = 1000
CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
VECTOR_SIZE = 384
KINDS = ("pgvector", "pgvectorstore")


def load_documents(corpus: Path) -> list[Document]:
    """One document per HTML file; `source` is the path relative to the corpus folder, as in the eval set."""
    documents = []
    for path in sorted(corpus.rglob("*.html")):
        with path.open(encoding="utf-8") as file:
            soup = BeautifulSoup(file, "lxml")
        title = str(soup.title.string) if soup.title and soup.title.string else ""
        documents.append(Document(page_content=soup.get_text(""), metadata={"source": str(path.relative_to(corpus)), "title": title}))
    return documents


def split(documents: list[Document]) -> list[Document]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP).split_documents(documents)


def embeddings():
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(model_name=str(bundled_model_path()))


def open_store(kind: str, url: str, name: str, embedding, *, fresh: bool):
    """The store named `name`; `fresh` empties it first, as a script re-run from scratch would."""
    if kind == "pgvector":
        from langchain_postgres import PGVector

        return PGVector(embeddings=embedding, connection=sqlalchemy_url(url), collection_name=name, pre_delete_collection=fresh)
    if kind == "pgvectorstore":
        from langchain_postgres import PGEngine, PGVectorStore

        engine = PGEngine.from_connection_string(_asyncpg_url(url))
        if fresh:
            engine.init_vectorstore_table(name, VECTOR_SIZE, overwrite_existing=True)
        return PGVectorStore.create_sync(engine, embedding, name)
    raise SystemExit(f"unknown baseline {kind!r}: choose one of {', '.join(KINDS)}")


def ingest(kind: str, url: str, name: str, corpus: Path) -> int:
    """Load, split, embed, store: the whole script a user runs. Returns the number of chunks stored."""
    store = open_store(kind, url, name, embeddings(), fresh=True)
    chunks = split(load_documents(corpus))
    for start in range(0, len(chunks), ADD_BATCH):
        store.add_documents(chunks[start:start + ADD_BATCH])
    return len(chunks)


def _asyncpg_url(url: str) -> str:
    return sqlalchemy_url(url).replace("postgresql+psycopg://", "postgresql+asyncpg://", 1)
