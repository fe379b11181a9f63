"""Re-sync never deletes by accident: unreadable or empty locations, unreadable subfolders, the same path in
two folders, and folders of more than 65,535 files."""

import hashlib
import shutil
from pathlib import Path

import pytest

from bot.errors import LocationUnreadable
from ingestion.admin import list_sources
from bot.index.collections import ensure_collection
from ingestion.pipeline import PIPELINE_VERSION, ingest
from tests.ingestion.helpers import rows, sources
from tests.ingestion.permissions import permissions_enforced
from tests.ingestion.test_pipeline import HANDBOOK_SOURCES

POSTGRES_MAX_BIND_PARAMETERS = 65_535


def _last_run(db) -> tuple:
    return rows(db, "SELECT state, error, (summary->>'removed')::int FROM ingest_runs ORDER BY id DESC LIMIT 1")[0]


def test_a_folder_that_reads_as_empty_removes_nothing_and_fails_the_run(db, ingest_settings, handbook: Path, tmp_path: Path):
    ingest(db, ingest_settings, [str(handbook)])
    for entry in handbook.iterdir():  # the share is unmounted: the mount point is an empty folder
        shutil.move(entry, tmp_path / entry.name)

    with pytest.raises(LocationUnreadable, match="reads as empty, but 6 documents are stored from it: nothing was removed"):
        ingest(db, ingest_settings, [str(handbook)])

    assert sources(db) == HANDBOOK_SOURCES
    state, error, removed = _last_run(db)
    assert state == "failed" and "reads as empty" in error and removed == 0


def test_an_unreadable_folder_removes_nothing_and_the_other_locations_are_still_ingested(db, ingest_settings, handbook: Path, tmp_path: Path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "faq.md").write_text("# FAQ\n\nThe wifi is lumen-guest.\n")
    ingest(db, ingest_settings, [str(handbook)])
    handbook.chmod(0)
    try:
        with permissions_enforced(), pytest.raises(LocationUnreadable, match="cannot read the folder: unreadable: permission denied"):
            ingest(db, ingest_settings, [str(handbook), str(other)])
    finally:
        handbook.chmod(0o755)

    assert sources(db) == sorted(HANDBOOK_SOURCES + ["faq.md"])
    assert _last_run(db)[0] == "failed"


def test_an_unreadable_subfolder_keeps_everything_under_it(db, ingest_settings, handbook: Path):
    team = handbook / "team"
    (team / "deeper").mkdir(parents=True)
    (team / "rota.md").write_text("# Rota\n\nAlex is on call this week.\n")
    (team / "deeper" / "contacts.md").write_text("# Contacts\n\nCall the front desk on 4410.\n")
    ingest(db, ingest_settings, [str(handbook)])
    (handbook / "expenses.md").unlink()  # a real deletion in the same run is still honoured
    team.chmod(0)
    try:
        with permissions_enforced():
            summary = ingest(db, ingest_settings, [str(handbook)])
    finally:
        team.chmod(0o755)

    assert dict(summary.skipped)["team"] == "unreadable: permission denied"
    assert summary.removed_sources == ["expenses.md"]
    assert {"team/rota.md", "team/deeper/contacts.md"} <= set(sources(db))


def test_the_same_relative_path_in_two_folders_makes_two_documents(db, ingest_settings, tmp_path: Path):
    first, second = tmp_path / "service-a", tmp_path / "service-b"
    for folder, port in ((first, 8080), (second, 9090)):
        (folder / "docs").mkdir(parents=True)
        (folder / "README.md").write_text(f"# README\n\nThis service listens on port {port}.\n")
        (folder / "docs" / "setup.md").write_text(f"# Setup\n\nStart it with --port {port}.\n")

    summary = ingest(db, ingest_settings, [str(first), str(second)])

    assert summary.added == 4 and summary.skipped == []
    assert [(row.source, row.location) for row in list_sources(db) if row.source == "README.md"] == [
        ("README.md", str(first)), ("README.md", str(second))
    ]
    stored = rows(db, "SELECT location, source FROM documents ORDER BY location, source")
    assert stored == [(str(first), "README.md"), (str(first), "docs/setup.md"), (str(second), "README.md"), (str(second), "docs/setup.md")]

    (first / "README.md").unlink()
    again = ingest(db, ingest_settings, [str(first)])  # re-syncing one folder never touches the other's

    assert again.removed_sources == ["README.md"]
    assert rows(db, "SELECT location FROM documents WHERE source = 'README.md'") == [(str(second),)]
    texts = " ".join(r[0] for r in rows(db, "SELECT text FROM chunks"))
    assert "port 9090" in texts and "listens on port 8080" not in texts


def _seed_documents(db, collection_id: int, location: str, sources_sql: str, count: int, content_hash: str) -> None:
    with db.session() as session:
        session.connection().exec_driver_sql(
            "INSERT INTO documents (collection_id, location, source, content_hash)"
            f" SELECT %s, %s, {sources_sql}, %s FROM generate_series(0, %s) g",
            (collection_id, location, content_hash, count - 1),
        )


@pytest.mark.timeout(900)
def test_a_folder_of_more_than_65535_files_resyncs(db, ingest_settings, embedder, tmp_path: Path):
    """A real tree of 66,000 files; their documents are seeded as already stored, so nothing is embedded."""
    folder = tmp_path / "many"
    body = b"# Note\n\nTiny.\n"
    count, per_folder = POSTGRES_MAX_BIND_PARAMETERS + 465, 1000
    for index in range(count):
        if index % per_folder == 0:
            (folder / f"d{index // per_folder}").mkdir(parents=True)
        (folder / f"d{index // per_folder}" / f"{index}.md").write_bytes(body)
    with db.session() as session:
        collection_id = ensure_collection(session, "default", embedder).id
    unchanged_hash = hashlib.sha256(PIPELINE_VERSION.encode() + b"\0" + body).hexdigest()
    _seed_documents(db, collection_id, str(folder), f"'d' || (g / {per_folder}) || '/' || g || '.md'", count, unchanged_hash)
    _seed_documents(db, collection_id, str(folder), "'gone/' || g || '.md'", 3, "0" * 64)

    summary = ingest(db, ingest_settings, [str(folder)])

    assert (summary.files_seen, summary.unchanged, summary.chunks_embedded) == (count, count, 0)
    assert summary.removed_sources == ["gone/0.md", "gone/1.md", "gone/2.md"]
    assert rows(db, "SELECT count(*) FROM documents") == [(count,)]


def test_more_than_65535_gone_documents_are_removed_in_one_statement(db, ingest_settings, embedder, tmp_path: Path):
    folder = tmp_path / "shrunk"
    folder.mkdir()
    (folder / "kept.md").write_text("# Kept\n\nThe one page left.\n")
    with db.session() as session:
        collection_id = ensure_collection(session, "default", embedder).id
    gone = POSTGRES_MAX_BIND_PARAMETERS + 1000
    _seed_documents(db, collection_id, str(folder), "'old/' || g || '.md'", gone, "0" * 64)

    summary = ingest(db, ingest_settings, [str(folder)])

    assert summary.removed == gone and summary.added == 1
    assert sources(db) == ["kept.md"]
