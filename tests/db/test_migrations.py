"""The migrations make exactly the models' schema (procrastinate's objects: test_task_queue_schema.py)."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.db.migrate import current_revision, downgrade, migrations_folder, upgrade
from bot.db.models import Base
from bot.db.schema_filter import include_object


def head_revision() -> str | None:
    return ScriptDirectory(str(migrations_folder())).get_current_head()


def _differences(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, Base.metadata)


def test_migrations_produce_exactly_the_models_schema(db):
    assert current_revision(db) is not None
    assert _differences(db) == []


def test_downgrade_to_base_and_back(db):
    downgrade(db, "base")
    assert current_revision(db) is None
    with db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        extensions = {row[0] for row in connection.exec_driver_sql("SELECT extname FROM pg_extension")}
    assert tables <= {"alembic_version"}
    assert "vector" not in extensions
    upgrade(db)
    assert current_revision(db) == head_revision()  # one head: get_current_head() refuses several
    assert _differences(db) == []
