"""The start-up check of pgvector's version: the retriever's `hnsw.iterative_scan` needs pgvector 0.8.0 or newer."""

import psycopg
import pytest

from bot.db.engine import PGVECTOR_MINIMUM, check_pgvector_version, check_server, connect
from bot.errors import PgvectorTooOld

WHERE = "db.example:5432/docbot"


@pytest.mark.parametrize(
    ("available", "installed"),
    [("0.8.0", None), ("0.8.6", "0.8.6"), ("0.10.0", None), ("0.9.0", "0.8.1"), ("1.0.0-dev", None)],
)
def test_versions_from_0_8_pass(available, installed):
    check_pgvector_version(available=available, installed=installed, where=WHERE)


@pytest.mark.parametrize(("available", "installed"), [("0.7.4", None), ("0.5.1", None), ("0.7.4", "0.6.2")])
def test_a_server_with_an_older_pgvector_is_refused_in_one_line(available, installed):
    with pytest.raises(PgvectorTooOld) as caught:
        check_pgvector_version(available=available, installed=installed, where=WHERE)
    message = str(caught.value)
    assert "\n" not in message
    assert f"has pgvector {installed or available};" in message
    assert f"needs {PGVECTOR_MINIMUM} or newer" in message and WHERE in message
    assert "upgrade pgvector there" in message


def test_an_old_extension_in_a_database_whose_server_has_a_new_one_is_told_to_update():
    with pytest.raises(PgvectorTooOld, match=r"has pgvector 0\.7\.4; docbot needs 0\.8\.0 or newer, and the server has 0\.8\.6: run `ALTER EXTENSION vector UPDATE`"):
        check_pgvector_version(available="0.8.6", installed="0.7.4", where=WHERE)


def test_the_test_server_passes(db):
    check_server(db)
    with db.engine.connect() as connection:
        installed = connection.exec_driver_sql("SELECT extversion FROM pg_extension WHERE extname = 'vector'").scalar_one()
    assert tuple(int(part) for part in installed.split(".")) >= (0, 8, 0)


def test_connect_refuses_a_database_whose_vector_extension_reports_0_7(settings, database_url):
    # The catalog says 0.7.4 (the server's files are 0.8.6): what a database created before an upgrade looks like.
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("UPDATE pg_extension SET extversion = '0.7.4' WHERE extname = 'vector'")
    with pytest.raises(PgvectorTooOld, match=r"has pgvector 0\.7\.4; docbot needs 0\.8\.0"):
        connect(settings)
