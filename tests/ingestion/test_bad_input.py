"""Bad input never stops a run: each bad file is skipped (or cleaned) with its reason, the rest is ingested."""

import os
import resource
from pathlib import Path

import pytest

from bot.settings import Settings
from ingestion.pipeline import ingest
from ingestion.reading import read_file
from bot.errors import UnsupportedDocument
from tests.ingestion.badfiles import HANDBOOK_PDF, write_bad_folder
from tests.ingestion.helpers import rows, sources

MAX_BYTES = 2_000_000


@pytest.fixture
def small_limit_settings(ingest_settings: Settings) -> Settings:
    return ingest_settings.model_copy(update={"max_file_bytes": MAX_BYTES})


def test_every_bad_input_is_skipped_with_its_reason_and_the_rest_ingested(db, small_limit_settings, tmp_path: Path):
    folder = tmp_path / "docs"
    expected = write_bad_folder(folder, max_file_bytes=MAX_BYTES)
    (folder / "notes.md").write_bytes(HANDBOOK_PDF.read_bytes())  # a PDF named .md: read as what it is
    (folder / "latin1.md").write_bytes("# Menu\n\nCaf\xe9 opens at 08:30.\n".encode("latin-1"))
    (folder / "nul.txt").write_bytes(b"Badge office\x00 hours: 09:00\x00-12:00.\n")
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    summary = ingest(db, small_limit_settings, [str(folder)])

    peak_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert peak_growth_mb < 300, "a 1 GB decompression bomb must not be inflated in memory"
    skipped = dict(summary.skipped)
    for source, reason in expected.items():
        assert source in skipped, f"{source} not reported as skipped"
        assert reason in skipped[source], f"{source}: {skipped[source]!r} lacks {reason!r}"
    assert set(skipped) == set(expected)
    assert sources(db) == ["good.md", "latin1.md", "notes.md", "nul.txt", "sub/inner.md"]
    notes = dict(summary.notes)
    assert "read as PDF" in notes["notes.md"]
    assert "invalid UTF-8" in notes["latin1.md"]
    assert "NUL" in notes["nul.txt"]
    assert rows(db, "SELECT text FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source = 'nul.txt'") == [
        ("Badge office hours: 09:00-12:00.",)
    ]
    assert "Caf\ufffd opens at 08:30." in rows(db, "SELECT text FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source = 'latin1.md'")[0][0]
    stored = rows(db, "SELECT summary->'skipped' FROM ingest_runs")[0][0]
    assert {item["source"]: item["reason"] for item in stored} == skipped


def test_a_file_that_turns_bad_keeps_its_stored_version(db, ingest_settings, tmp_path: Path):
    folder = tmp_path / "docs"
    folder.mkdir()
    page = folder / "policy.md"
    page.write_text("# Policy\n\nVisitors sign in at reception.\n")
    ingest(db, ingest_settings, [str(folder)])
    page.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(500))  # overwritten by a broken export

    summary = ingest(db, ingest_settings, [str(folder)])

    assert summary.removed == 0 and dict(summary.skipped)["policy.md"].startswith("binary content")
    assert rows(db, "SELECT text FROM chunks") == [("Visitors sign in at reception.",)]


def test_unreadable_file_is_reported_as_permission_denied(tmp_path: Path):
    # Root reads any file, so the read happens in a child process that gave up root first.
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n")
    secret.chmod(0)
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(reader)
        message = "read"
        try:
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            read_file(secret, 10_000)
        except UnsupportedDocument as error:
            message = str(error)
        os.write(writer, message.encode())
        os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    with os.fdopen(reader) as pipe:
        assert pipe.read() == "unreadable: permission denied"
