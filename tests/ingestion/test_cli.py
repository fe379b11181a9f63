"""The admin commands: ingest, sources, sources remove, collections, jobs; --enqueue and --every."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from ingestion import schedule
from ingestion.queue import defer_sync, make_app
from ingestion.ingest_worker import run_worker
from tests.ingestion.helpers import rows


def test_ingest_prints_a_summary_and_the_admin_commands_show_it(docbot, db, handbook: Path):
    (handbook / "broken.pdf").write_bytes(b"%PDF-1.7 nothing else")

    result = docbot("ingest", str(handbook), "--collection", "handbook")

    assert result.exit_code == 0, result.output
    assert "7 files seen, 6 added, 0 updated, 0 unchanged, 0 removed, 1 skipped" in result.output
    assert "Skipped 1 file:\n  1 file: corrupt PDF" in result.output and "\n    broken.pdf\n" in result.output
    listing = docbot("sources").output
    assert "deploys.md" in listing and "Deploys" in listing and "travel-policy.pdf" in listing
    assert "handbook" in docbot("collections").output and "all-MiniLM-L6-v2" in docbot("collections").output
    assert "done" in docbot("jobs").output and "in-process" in docbot("jobs").output

    removed = docbot("sources", "remove", "expenses.md", "--collection", "handbook")
    assert removed.exit_code == 0 and "expenses.md" not in docbot("sources", "--collection", "handbook").output
    assert rows(db, "SELECT count(*) FROM documents WHERE source = 'expenses.md'") == [(0,)]
    again = docbot("sources", "remove", "expenses.md", "--collection", "handbook")
    assert again.exit_code != 0 and "No document 'expenses.md'" in str(again.exception)


def test_enqueue_defers_a_job_that_a_worker_runs(docbot, db, settings, handbook: Path):
    result = docbot("ingest", str(handbook), "--enqueue")
    assert result.exit_code == 0 and "Queued job" in result.output
    assert rows(db, "SELECT state, locations->>0 FROM ingest_runs") == [("queued", str(handbook.resolve()))]
    assert "queued" in docbot("jobs").output and "todo" in docbot("jobs").output

    run_worker(settings, db.url, once=True)

    assert rows(db, "SELECT state FROM ingest_runs") == [("done",)]
    assert rows(db, "SELECT count(*) FROM documents") == [(6,)]
    assert "succeeded" in docbot("jobs").output


def test_every_registers_a_resync_that_the_worker_runs_when_due(docbot, db, settings, handbook: Path):
    assert docbot("ingest", str(handbook), "--every", "1h").exit_code == 0
    assert rows(db, "SELECT location, every_seconds FROM sync_sources") == [(str(handbook.resolve()), 3600)]
    assert schedule.claim_due(db) == []  # just synced
    (handbook / "expenses.md").unlink()
    with db.session() as session:
        session.execute(text("UPDATE sync_sources SET last_synced_at = now() - interval '2 hours'"))

    due = schedule.claim_due(db)
    assert [d.location for d in due] == [str(handbook.resolve())] and schedule.claim_due(db) == []

    async def defer_twice():
        app = make_app(settings, db.url)
        async with app.open_async():
            await defer_sync(app, due[0])
            await defer_sync(app, due[0])  # the queueing lock keeps one re-sync in the queue

    asyncio.run(defer_twice())
    assert rows(db, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo' AND task_name = 'docbot.ingest'") == [(1,)]
    run_worker(settings, db.url, once=True)
    assert rows(db, "SELECT state, (summary->>'removed')::int FROM ingest_runs ORDER BY id DESC LIMIT 1") == [("done", 1)]


def test_bad_every_is_refused(docbot, handbook: Path):
    result = docbot("ingest", str(handbook), "--every", "soon")
    assert result.exit_code != 0 and "--every: 'soon' is not a duration" in str(result.exception)


def _docbot_process(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from bot.cli.app import main; main()", *args],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )


def test_missing_path_and_unreachable_database_exit_non_zero_with_one_line(settings, tmp_path: Path):
    missing = _docbot_process("ingest", str(tmp_path / "nope"), DATABASE_URL=settings.database_url)
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"Error: Path does not exist: {tmp_path / 'nope'}"

    unreachable = _docbot_process("ingest", str(tmp_path), DATABASE_URL="postgresql://docbot:pw-not-shown@127.0.0.1:1/docbot")
    assert unreachable.returncode == 1
    assert unreachable.stderr.strip().startswith("Error: Cannot reach the PostgreSQL server at 127.0.0.1:1/docbot")
    assert "pw-not-shown" not in unreachable.stderr
