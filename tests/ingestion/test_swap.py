"""A document's chunks are swapped in one transaction: readers see the old version or the new, never both or none."""

import threading
from pathlib import Path

import pytest

from bot.index import store
from ingestion.pipeline import ingest
from tests.ingestion.helpers import rows


def _texts(db) -> list[str]:
    return sorted(r[0] for r in rows(db, "SELECT text FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source = 'faq.md'"))


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "faq.md").write_text("# FAQ\n\n## Wifi\n\nThe wifi is lumen-guest.\n\n## Parking\n\nParking is on level -2.\n")
    return folder


def test_readers_see_the_old_version_until_the_swap_commits(db, ingest_settings, faq: Path, monkeypatch):
    ingest(db, ingest_settings, [str(faq)])
    old = _texts(db)
    (faq / "faq.md").write_text("# FAQ\n\n## Wifi\n\nThe wifi is lumen-staff now.\n")
    written, proceed = threading.Event(), threading.Event()
    real_copy = store.copy_chunks

    def paused_copy(*args, **kwargs):
        real_copy(*args, **kwargs)
        written.set()
        proceed.wait(30)  # the new rows are written, the transaction not yet committed

    monkeypatch.setattr(store, "copy_chunks", paused_copy)
    worker = threading.Thread(target=ingest, args=(db, ingest_settings, [str(faq)]))
    worker.start()
    try:
        assert written.wait(60)
        during = _texts(db)
    finally:
        proceed.set()
        worker.join(60)

    assert during == old
    assert _texts(db) == ["The wifi is lumen-staff now."]


def test_a_failure_mid_swap_leaves_the_old_version(db, ingest_settings, faq: Path, monkeypatch):
    ingest(db, ingest_settings, [str(faq)])
    old = _texts(db)
    old_hash = rows(db, "SELECT content_hash FROM documents")
    (faq / "faq.md").write_text("# FAQ\n\nEverything changed.\n")

    def failing_copy(session, *args, **kwargs):
        raise RuntimeError("connection lost mid-copy")

    monkeypatch.setattr(store, "copy_chunks", failing_copy)
    with pytest.raises(RuntimeError):
        ingest(db, ingest_settings, [str(faq)])

    assert _texts(db) == old
    assert rows(db, "SELECT content_hash FROM documents") == old_hash
    assert rows(db, "SELECT state, error FROM ingest_runs ORDER BY id DESC LIMIT 1") == [("failed", "connection lost mid-copy")]
