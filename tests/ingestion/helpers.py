"""Small queries shared by the ingestion tests."""

from sqlalchemy import text

from bot.db.engine import Database


def rows(db: Database, sql: str, **params) -> list:
    with db.session() as session:
        return list(session.execute(text(sql), params))


def chunk_count(db: Database, source: str | None = None) -> int:
    if source is None:
        return rows(db, "SELECT count(*) FROM chunks")[0][0]
    return rows(db, "SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source = :s", s=source)[0][0]


def sources(db: Database) -> list[str]:
    return [r[0] for r in rows(db, "SELECT source FROM documents ORDER BY source")]
