"""End to end against real Postgres and the real model: the handbook in, chunks out, and re-syncs."""

from pathlib import Path

import numpy as np

from ingestion.pipeline import ingest
from tests.ingestion.helpers import chunk_count, rows, sources

HANDBOOK_SOURCES = ["deploys.md", "expenses.md", "on-call.md", "onboarding.md", "security-policy.html", "travel-policy.pdf"]


def test_handbook_is_ingested_with_sources_titles_and_headings(db, ingest_settings, handbook: Path):
    summary = ingest(db, ingest_settings, [str(handbook)])

    assert (summary.files_seen, summary.added, summary.updated, summary.unchanged, summary.removed) == (6, 6, 0, 0, 0)
    assert summary.skipped == []
    assert sources(db) == HANDBOOK_SOURCES
    titles = dict(rows(db, "SELECT source, title FROM documents"))
    assert titles["deploys.md"] == "Deploys"
    assert titles["security-policy.html"] == "Security policy"
    assert titles["travel-policy.pdf"] == "Lumen Labs travel policy"
    freeze = rows(db, "SELECT heading_path, text, embedding_dim, content_hash FROM chunks WHERE text LIKE '%15:00 on Fridays%'")
    assert len(freeze) == 1
    heading_path, text, dim, _ = freeze[0]
    # Small sibling sections share a chunk under their parent's path, each led by its own heading.
    assert heading_path == "Deploys > Deploy windows"
    assert text.startswith("Friday freeze\nDeploys freeze after 15:00 on Fridays")
    assert dim == 384
    assert summary.chunks_embedded == summary.chunks_written == chunk_count(db)
    pages = rows(db, "SELECT DISTINCT (c.metadata->>'page')::int FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source = 'travel-policy.pdf' ORDER BY 1")
    assert [p[0] for p in pages] == [1, 2]
    assert not rows(db, "SELECT 1 FROM chunks WHERE text LIKE '%analytics%' OR text LIKE '%Handbook home%' OR text LIKE '%Privacy%'")
    run = rows(db, "SELECT state, summary->>'added', finished_at FROM ingest_runs")
    assert run[0][0] == "done" and run[0][1] == "6" and run[0][2] is not None


def test_embedding_is_of_heading_path_and_text(db, ingest_settings, handbook: Path, embedder):
    ingest(db, ingest_settings, [str(handbook / "deploys.md")])
    heading_path, text, embedding = rows(db, "SELECT heading_path, text, embedding::text FROM chunks WHERE text LIKE '%15:00 on Fridays%'")[0]
    with_heading, text_only = embedder.embed_documents([f"{heading_path}\n\n{text}", text])
    stored = np.array([float(x) for x in embedding.strip("[]").split(",")])
    # int8 dynamic quantization scales activations per batch, so a vector depends slightly on its batch-mates:
    # compare directions, and check the heading path is part of what was embedded.
    assert float(stored @ with_heading) > 0.98
    assert float(stored @ with_heading) > float(stored @ text_only)
    assert sources(db) == ["deploys.md"]  # a single file's source is its name


def test_unchanged_reingest_embeds_nothing(db, ingest_settings, handbook: Path):
    ingest(db, ingest_settings, [str(handbook)])
    before = rows(db, "SELECT id, content_hash FROM chunks ORDER BY id")

    again = ingest(db, ingest_settings, [str(handbook)])

    assert (again.unchanged, again.added, again.updated, again.removed, again.chunks_embedded) == (6, 0, 0, 0, 0)
    assert rows(db, "SELECT id, content_hash FROM chunks ORDER BY id") == before


def test_edited_document_embeds_only_its_new_chunk_texts(db, ingest_settings, handbook: Path):
    ingest(db, ingest_settings, [str(handbook)])
    deploys_before = chunk_count(db, "deploys.md")
    page = handbook / "deploys.md"
    page.write_text(page.read_text().replace("about 4 minutes", "about 6 minutes"))

    edited = ingest(db, ingest_settings, [str(handbook)])

    assert (edited.updated, edited.unchanged, edited.added) == (1, 5, 0)
    assert edited.chunks_embedded == 1  # only the Rollbacks chunk's text changed
    assert chunk_count(db, "deploys.md") == deploys_before
    assert rows(db, "SELECT count(*) FROM chunks WHERE text LIKE '%about 6 minutes%'")[0][0] == 1
    assert rows(db, "SELECT count(*) FROM chunks WHERE text LIKE '%about 4 minutes%'")[0][0] == 0


def test_deleted_file_is_removed_and_reported(db, ingest_settings, handbook: Path):
    ingest(db, ingest_settings, [str(handbook)])
    (handbook / "expenses.md").unlink()

    summary = ingest(db, ingest_settings, [str(handbook)])

    assert summary.removed == 1 and summary.removed_sources == ["expenses.md"]
    assert "expenses.md" not in sources(db)
    assert rows(db, "SELECT count(*) FROM chunks c LEFT JOIN documents d ON d.id = c.document_id WHERE d.id IS NULL")[0][0] == 0


def test_reingest_of_another_folder_leaves_the_first_alone(db, ingest_settings, handbook: Path, tmp_path: Path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "faq.md").write_text("# FAQ\n\nThe office wifi network is called lumen-guest.\n")
    ingest(db, ingest_settings, [str(handbook)])

    summary = ingest(db, ingest_settings, [str(other)])

    assert summary.removed == 0
    assert sources(db) == sorted(HANDBOOK_SOURCES + ["faq.md"])


def test_collections_are_separate(db, ingest_settings, handbook: Path):
    ingest(db, ingest_settings, [str(handbook / "expenses.md")], collection="people")
    ingest(db, ingest_settings, [str(handbook / "deploys.md")])

    by_collection = rows(db, "SELECT c.name, d.source FROM documents d JOIN collections c ON c.id = d.collection_id ORDER BY 1")
    assert by_collection == [("default", "deploys.md"), ("people", "expenses.md")]
    assert rows(db, "SELECT count(*) FROM chunks ch JOIN documents d ON d.id = ch.document_id WHERE ch.collection_id <> d.collection_id")[0][0] == 0
