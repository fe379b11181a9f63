"""`ingest_document`: a document made in memory (a saved Slack thread) takes the files' path, hash and swap included."""

from pathlib import Path

from ingestion.pipeline import InMemoryDocument, ingest, ingest_document
from tests.ingestion.helpers import chunk_count, rows

THREAD = "# How do I rotate the VPN certificate?\n\n**Alice:** How do I rotate the VPN certificate?\n\n**Bob:** Run `vpnctl rotate`.\n"
SOURCE = "slack:C0123/1700000000.000100"
URL = "https://example.slack.com/archives/C0123/p1700000000000100"


def test_new_then_unchanged_then_updated_in_place(db, ingest_settings):
    first = ingest_document(db, ingest_settings, InMemoryDocument(SOURCE, THREAD, URL), "default")
    assert (first.added, first.updated, first.unchanged, first.skipped) == (1, 0, 0, [])
    assert first.chunks_embedded >= 1
    (document_id, title, url, hash_before), = rows(db, "SELECT id, title, url, content_hash FROM documents WHERE source = :s", s=SOURCE)
    assert (title, url) == ("How do I rotate the VPN certificate?", URL)
    assert "vpnctl rotate" in rows(db, "SELECT text FROM chunks")[0][0]

    again = ingest_document(db, ingest_settings, InMemoryDocument(SOURCE, THREAD, URL), "default")
    assert (again.added, again.updated, again.unchanged, again.chunks_embedded) == (0, 0, 1, 0)

    grown = THREAD + "\n**Alice:** Thanks, and restart the tunnel after.\n"
    changed = ingest_document(db, ingest_settings, InMemoryDocument(SOURCE, grown, URL), "default")
    assert (changed.added, changed.updated) == (0, 1)
    (same_id, hash_after), = rows(db, "SELECT id, content_hash FROM documents WHERE source = :s", s=SOURCE)
    assert same_id == document_id and hash_after != hash_before
    assert "restart the tunnel" in " ".join(r[0] for r in rows(db, "SELECT text FROM chunks"))
    runs = rows(db, "SELECT state, locations FROM ingest_runs ORDER BY id")
    assert runs == [("done", [SOURCE])] * 3


def test_a_folder_resync_leaves_in_memory_documents_alone(db, ingest_settings, tmp_path: Path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nSome text about alpha.\n")
    ingest(db, ingest_settings, [str(folder)])
    ingest_document(db, ingest_settings, InMemoryDocument(SOURCE, THREAD, URL), "default")
    (folder / "a.md").unlink()
    (folder / "b.md").write_text("# B\n\nSome text about beta.\n")
    summary = ingest(db, ingest_settings, [str(folder)])
    assert summary.removed_sources == ["a.md"]
    assert chunk_count(db, SOURCE) >= 1


def test_an_empty_document_is_skipped_with_its_reason(db, ingest_settings):
    summary = ingest_document(db, ingest_settings, InMemoryDocument(SOURCE, "   \n", URL), "default")
    assert summary.added == 0 and summary.skipped == [(SOURCE, "empty file")]
    assert rows(db, "SELECT count(*) FROM documents")[0][0] == 0
