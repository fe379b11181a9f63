"""Runs the Alembic migrations in migrations/ against docbot's database."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from bot.db.engine import Database, translate_errors

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(connection) -> Config:
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


# Several processes (bot, worker, migrate) may start at once: one migrates, the others wait.
MIGRATION_LOCK_KEY = 0x646F6362  # "docb"


def upgrade(database: Database, revision: str = "head") -> None:
    with translate_errors(database.url), database.engine.begin() as connection:
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        command.upgrade(alembic_config(connection), revision)


def downgrade(database: Database, revision: str = "base") -> None:
    with translate_errors(database.url), database.engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with translate_errors(database.url), database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
