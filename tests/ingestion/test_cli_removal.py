"""The CLI side of safe re-syncs: a failed location exits non-zero, removals clean their re-syncs,
`docbot schedules` lists and cancels them, and `--follow-links` is a per-run choice."""

import shutil
from pathlib import Path

from sqlalchemy import text

from bot.errors import ConfigError
from ingestion.queue import enqueue, make_app
from tests.ingestion.helpers import rows, sources


def _syncs(db) -> list[tuple]:
    return rows(db, "SELECT c.name, s.location FROM sync_sources s JOIN collections c ON c.id = s.collection_id ORDER BY 1, 2")


def test_a_location_that_reads_as_empty_exits_non_zero_and_keeps_its_documents(docbot, db, handbook: Path, tmp_path: Path):
    assert docbot("ingest", str(handbook)).exit_code == 0
    shutil.move(handbook, tmp_path / "unmounted")
    handbook.mkdir()

    result = docbot("ingest", str(handbook))

    assert result.exit_code == 1
    assert "reads as empty, but 6 documents are stored from it: nothing was removed" in str(result.exception)
    assert "0 removed" in result.output  # the summary is still printed
    assert len(sources(db)) == 6


def test_schedules_lists_and_cancels_resyncs(docbot, db, handbook: Path):
    assert docbot("ingest", str(handbook), "--every", "2h").exit_code == 0
    sync_id = rows(db, "SELECT id FROM sync_sources")[0][0]

    listing = docbot("schedules").output
    assert str(handbook.resolve()) in listing and "2h" in listing and "default" in listing

    cancelled = docbot("schedules", "cancel", str(sync_id))
    assert cancelled.exit_code == 0 and "Cancelled the re-sync" in cancelled.output
    assert _syncs(db) == [] and len(sources(db)) == 6  # the documents stay
    assert "No periodic re-syncs" in docbot("schedules").output
    missing = docbot("schedules", "cancel", str(sync_id))
    assert missing.exit_code == 1 and f"No periodic re-sync with id {sync_id}" in str(missing.exception)


def test_removing_the_last_document_of_a_location_ends_its_resync(docbot, db, handbook: Path):
    single = handbook / "deploys.md"
    assert docbot("ingest", str(single), str(handbook), "--every", "1h").exit_code == 0
    assert len(_syncs(db)) == 2
    assert rows(db, "SELECT count(*) FROM documents WHERE source = 'deploys.md'") == [(2,)]  # as a file, and in the folder

    ambiguous = docbot("sources", "remove", "deploys.md")
    assert ambiguous.exit_code == 1 and "choose one with --location" in str(ambiguous.exception)

    removed = docbot("sources", "remove", "deploys.md", "--location", str(single))
    assert removed.exit_code == 0
    assert _syncs(db) == [("default", str(handbook.resolve()))]  # the file's re-sync is gone, the folder's stays

    from_folder = docbot("sources", "remove", "expenses.md")
    assert from_folder.exit_code == 0 and "is still re-synced" in from_folder.output
    assert _syncs(db) == [("default", str(handbook.resolve()))]


def test_collections_remove_takes_documents_resyncs_and_queued_ingests(docbot, db, settings, handbook: Path):
    assert docbot("ingest", str(handbook), "--collection", "scratch", "--every", "1h").exit_code == 0
    assert docbot("ingest", str(handbook / "deploys.md"), "--collection", "kept").exit_code == 0
    app = make_app(settings, db.url)
    with app.open():
        enqueue(app, db, "scratch", [str(handbook.resolve())])

    refused = docbot("collections", "remove", "scratch")  # no --yes, and no one to say yes
    assert refused.exit_code != 0 and rows(db, "SELECT count(*) FROM collections WHERE name = 'scratch'") == [(1,)]

    result = docbot("collections", "remove", "scratch", "--yes")

    assert result.exit_code == 0 and "1 queued ingest(s) cancelled" in result.output
    assert rows(db, "SELECT name FROM collections") == [("kept",)]
    assert _syncs(db) == [] and sources(db) == ["deploys.md"]
    assert rows(db, "SELECT count(*) FROM chunks WHERE collection_id NOT IN (SELECT id FROM collections)") == [(0,)]
    assert rows(db, "SELECT status::text FROM procrastinate_jobs") == [("cancelled",)]
    missing = docbot("collections", "remove", "scratch", "--yes")
    assert missing.exit_code == 1 and "No collection named 'scratch'" in str(missing.exception)


def test_follow_links_on_the_command_line(docbot, db, handbook: Path, tmp_path: Path):
    (tmp_path / "shared.md").write_text("# Shared\n\nThe shared page lives elsewhere.\n")
    (handbook / "shared.md").symlink_to(tmp_path / "shared.md")

    plain = docbot("ingest", str(handbook))
    assert plain.exit_code == 0
    assert "symlink points outside the folder (--follow-links or INGEST_FOLLOW_LINKS=true reads it)" in plain.output
    assert "shared.md" in plain.output and "shared.md" not in sources(db)

    following = docbot("ingest", str(handbook), "--follow-links")
    assert following.exit_code == 0 and "shared.md" in sources(db)

    queued = docbot("ingest", str(handbook), "--follow-links", "--enqueue")
    assert isinstance(queued.exception, ConfigError) and "INGEST_FOLLOW_LINKS" in str(queued.exception)


def test_migration_0004_moves_the_location_into_its_column(db):
    from bot.db.migrate import downgrade, upgrade

    downgrade(db, "0002")
    with db.session() as session:
        session.execute(text("INSERT INTO collections (name, embedding_model, embedding_dim) VALUES ('c', 'm', 384)"))
        session.execute(text(
            "INSERT INTO documents (collection_id, source, content_hash, metadata)"
            " SELECT id, 'a.md', 'h', '{\"location\": \"/srv/docs\"}'::jsonb FROM collections"
        ))
    upgrade(db)
    assert rows(db, "SELECT location, source, metadata::text FROM documents") == [("/srv/docs", "a.md", "{}")]
