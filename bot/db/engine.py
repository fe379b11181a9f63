"""The connection boundary: builds the engine and translates driver errors into docbot's own."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import psycopg
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import embedded
from bot.errors import DatabaseAuthFailed, DatabaseError, DatabaseUnreachable, PgvectorMissing, PgvectorTooOld
from bot.settings import Settings

logger = logging.getLogger(__name__)

# The retriever sets hnsw.iterative_scan (filtered HNSW search that still returns k rows), new in pgvector 0.8.0.
PGVECTOR_MINIMUM = "0.8.0"


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]
    url: str

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with translate_errors(self.url), self.sessions.begin() as session:
            yield session

    def describe(self) -> str:
        return describe_url(self.url)

    def dispose(self) -> None:
        self.engine.dispose()


def resolve_url(settings: Settings) -> str:
    """DATABASE_URL, or the embedded server's URL (starting it when needed)."""
    if settings.database_url:
        return settings.database_url
    return embedded.start(settings.docbot_home)


def connect(settings: Settings, *, check: bool = True) -> Database:
    url = resolve_url(settings)
    engine = create_engine(sqlalchemy_url(url), pool_pre_ping=True, pool_size=10, max_overflow=20)
    database = Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False), url=url)
    if check:
        check_server(database)
    return database


def check_server(database: Database) -> None:
    """Fails with one line naming the problem: unreachable, bad credentials, no pgvector or too old a one."""
    with translate_errors(database.url), database.engine.connect() as connection:
        vector = connection.execute(
            text("SELECT default_version, installed_version FROM pg_available_extensions WHERE name = 'vector'")
        ).first()
    if not vector:
        raise PgvectorMissing(f"The PostgreSQL server at {database.describe()} has no pgvector extension (`vector`); install pgvector there.")
    check_pgvector_version(available=vector.default_version, installed=vector.installed_version, where=database.describe())


def check_pgvector_version(*, available: str, installed: str | None, where: str) -> None:
    """The version in use is the one created in the database, else the one `CREATE EXTENSION` would create."""
    needed = _version_key(PGVECTOR_MINIMUM)
    if _version_key(installed or available) >= needed:
        return
    if installed and _version_key(available) >= needed:
        raise PgvectorTooOld(
            f"The database {where} has pgvector {installed}; docbot needs {PGVECTOR_MINIMUM} or newer, and the server "
            f"has {available}: run `ALTER EXTENSION vector UPDATE` in that database."
        )
    raise PgvectorTooOld(
        f"The PostgreSQL server at {where} has pgvector {installed or available}; docbot needs {PGVECTOR_MINIMUM} or newer: upgrade pgvector there."
    )


def _version_key(version: str) -> tuple[int, ...]:
    """'0.7.4' -> (0, 7, 4); a suffix such as '-dev' is ignored."""
    return tuple(int("".join(c for c in part if c.isdigit()) or 0) for part in version.split("-")[0].split("."))


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def describe_url(url: str) -> str:
    """host:port/database, never the password."""
    parsed = make_url(sqlalchemy_url(url))
    host = parsed.host or parsed.query.get("host") or "localhost"
    if isinstance(host, tuple):
        host = host[0]
    port = f":{parsed.port}" if parsed.port else ""
    return f"{host}{port}/{parsed.database or ''}"


def url_without_password(url: str) -> str:
    """The URL as given, less its password (in the user part or a `password=` parameter)."""
    parts = urlsplit(url)
    parameters = parse_qsl(parts.query, keep_blank_values=True)
    password_parameter = any(name == "password" for name, _ in parameters)
    if parts.password is None and not password_parameter:
        return url
    userinfo, at, hostport = parts.netloc.rpartition("@")
    netloc = f"{userinfo.partition(':')[0]}@{hostport}" if at else hostport
    query = urlencode([(name, value) for name, value in parameters if name != "password"]) if password_parameter else parts.query
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


@contextmanager
def translate_errors(url: str) -> Iterator[None]:
    try:
        yield
    except (OperationalError, psycopg.OperationalError) as error:
        raise _translate_operational(error, url) from None
    except DBAPIError as error:
        raise DatabaseError(f"Database error at {describe_url(url)}: {_first_line(error.orig or error)}") from None


def _translate_operational(error: Exception, url: str) -> DatabaseError:
    message = str(getattr(error, "orig", None) or error)
    where = describe_url(url)
    lowered = message.lower()
    if "password authentication failed" in lowered or "authentication failed" in lowered or "no password supplied" in lowered:
        return DatabaseAuthFailed(f"The PostgreSQL server at {where} refused the credentials in DATABASE_URL.")
    if "does not exist" in lowered and "database" in lowered:
        return DatabaseUnreachable(f"The database {where} does not exist.")
    if "connection refused" in lowered or "could not connect" in lowered or "timeout" in lowered or "name or service not known" in lowered or "failed to resolve" in lowered or "no such file" in lowered:
        return DatabaseUnreachable(f"Cannot reach the PostgreSQL server at {where} (check DATABASE_URL and that the server is running).")
    return DatabaseError(f"Database error at {where}: {_first_line(message)}")


def _first_line(error: object) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
