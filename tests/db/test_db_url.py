"""`docbot db url` prints a URL that works after the command exits (psql "$(docbot db url)"), never a password."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from bot.db import embedded
from bot.db.engine import url_without_password

DOCBOT = [sys.executable, "-c", "from bot.cli.app import main; main()"]


def docbot(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DOCBOT_HOME")} | env
    return subprocess.run([*DOCBOT, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120)


@pytest.fixture
def home():
    # Unix socket paths are limited to ~100 bytes: a short folder, as in conftest.py.
    folder = Path(tempfile.mkdtemp(prefix="docbot-url-"))
    yield folder
    embedded.stop(folder)
    shutil.rmtree(folder, ignore_errors=True)


def test_the_embedded_server_runs_on_after_db_url_until_db_stop(home, tmp_path):
    printed = docbot("db", "url", cwd=tmp_path, DOCBOT_HOME=str(home))
    assert printed.returncode == 0, printed.stderr
    url = printed.stdout.strip()
    assert "keeps running until `docbot db stop`" in printed.stderr
    with psycopg.connect(url, connect_timeout=10) as connection:  # another process, after `db url` exited
        assert connection.execute("SELECT current_database()").fetchone() == ("docbot",)

    stopped = docbot("db", "stop", cwd=tmp_path, DOCBOT_HOME=str(home))
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=5).close()


def test_db_url_never_prints_the_password_of_database_url(tmp_path, home):
    given = "postgresql://docbot:s3cret-Pa55@db.internal:5432/docbot?sslmode=require"
    printed = docbot("db", "url", cwd=tmp_path, DOCBOT_HOME=str(home), DATABASE_URL=given)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.strip() == "postgresql://docbot@db.internal:5432/docbot?sslmode=require"
    assert "s3cret-Pa55" not in printed.stdout + printed.stderr
    assert "password is not shown" in printed.stderr
    assert not embedded.status(home).running  # DATABASE_URL is set: nothing embedded was started


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("postgresql://postgres:@/docbot?host=/tmp/x/pgdata", "postgresql://postgres@/docbot?host=/tmp/x/pgdata"),
        ("postgresql://u:p%40ss@h:5432/d", "postgresql://u@h:5432/d"),
        ("postgresql://h/d?user=u&password=p&sslmode=require", "postgresql://h/d?user=u&sslmode=require"),
        ("postgresql://u@h/d", "postgresql://u@h/d"),
        ("postgresql:///d?host=/run/postgresql", "postgresql:///d?host=/run/postgresql"),
    ],
)
def test_url_without_password(given, shown):
    assert url_without_password(given) == shown
