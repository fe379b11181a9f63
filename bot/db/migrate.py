"""Runs the Alembic migrations (the `migrations` package, shipped in the wheel) against docbot's database."""

from importlib import metadata, resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

import migrations
from bot.db.engine import Database, translate_errors
from bot.errors import DatabaseError, TaskQueueUnsupported
from migrations import task_queue


def migrations_folder() -> Path:
    """The installed `migrations` package's folder: Alembic reads env.py and versions/ from files on disk."""
    folder = resources.files(migrations)
    if not isinstance(folder, Path):
        raise DatabaseError(f"docbot's migrations are not installed as plain files ({folder}); reinstall docbot from its wheel.")
    return folder


def alembic_config(connection) -> Config:
    folder = migrations_folder()
    config = Config(str(folder / "alembic.ini"))
    config.set_main_option("script_location", str(folder))
    config.attributes["connection"] = connection
    return config


# Several processes (bot, worker, migrate) may start at once: one migrates, the others wait.
MIGRATION_LOCK_KEY = 0x646F6362  # "docb"


def upgrade(database: Database, revision: str = "head") -> None:
    check_task_queue_library()
    with translate_errors(database.url), database.engine.begin() as connection:
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        command.upgrade(alembic_config(connection), revision)


def check_task_queue_library() -> None:
    """procrastinate's queries may need schema scripts newer than docbot's revisions apply: refuse to run on them."""
    newer = task_queue.scripts_not_applied()
    if newer:
        raise TaskQueueUnsupported(
            f"The installed procrastinate {metadata.version('procrastinate')} needs task-queue schema scripts that docbot's "
            f"migrations do not apply ({', '.join(newer)}): install the procrastinate version pyproject.toml pins."
        )


def downgrade(database: Database, revision: str = "base") -> None:
    with translate_errors(database.url), database.engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(database: Database) -> str | None:
    with translate_errors(database.url), database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
