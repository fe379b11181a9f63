"""Progress you can watch: the counts and rates sources report, the line `docbot ingest` draws on a terminal
(run under a pseudo-terminal), `--json`, the running run's progress `docbot jobs` reads, the worker's log."""

import json
import logging
import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

from ingestion import pipeline
from ingestion.ingest_worker import run_worker
from ingestion.progress import ProgressSnapshot, ProgressTracker, every
from tests.conftest import MODEL_CACHE
from tests.ingestion.helpers import rows

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_tracker_counts_what_sources_report_and_derives_rates_and_eta():
    clock, seen = Clock(), []
    tracker = ProgressTracker([seen.append], clock=clock)
    tracker.found(10)
    tracker.read("a.html", 40)
    tracker.read("b.html", 60)
    tracker.skipped("c.png", "binary content")
    clock.now += 10
    tracker.embedded(50)

    snapshot = seen[-1]
    assert (snapshot.found, snapshot.read, snapshot.chunks, snapshot.embedded, snapshot.skipped) == (10, 2, 100, 50, 1)
    assert snapshot.chunks_per_second == 5.0 and snapshot.pages_per_second == 0.2
    # 7 pages left (3 gone through), cut like the 2 read (50 chunks each): 450 in all, 400 left at 5 a second.
    assert snapshot.eta_seconds == 80.0
    tracker.error("https://example.org/: unreachable")
    final = tracker.finish()
    assert final.done and final.errors == 1 and final.eta_seconds == 0.0 and seen[-1] is final
    assert "2/10 read, 50 embedded, 5.0 chunks/s, 0.2 pages/s, ETA 0 s, 1 skipped, 1 errors" == final.describe()
    assert ProgressSnapshot.from_json(json.loads(json.dumps(final.to_json()))) == final


def test_eta_is_unknown_until_there_is_a_rate_and_unchanged_pages_cost_only_reading():
    clock = Clock()
    tracker = ProgressTracker([], clock=clock)
    tracker.found(4)
    assert tracker.snapshot().eta_seconds is None  # nothing read yet
    tracker.read("a.md", 30)
    clock.now += 2
    assert tracker.snapshot().eta_seconds is None  # chunks to embed, none embedded: no rate yet
    again = ProgressTracker([], clock=clock)
    again.found(4)
    again.read("a.md", 0)
    clock.now += 1
    assert again.snapshot().eta_seconds == 3.0  # a re-sync of unchanged pages: 3 more at 1 a second


def test_every_shows_the_first_and_last_snapshots_and_at_most_one_a_period_between():
    clock, shown = Clock(), []
    watcher = every(1.0, shown.append, clock=clock)
    for step in range(5):
        watcher(ProgressSnapshot(read=step))
        clock.now += 0.4
    watcher(ProgressSnapshot(read=5, done=True))
    assert [s.read for s in shown] == [0, 3, 5]


def _docbot_on_a_terminal(settings, *args: str) -> str:
    """Runs `docbot ARGS` with its output on a pseudo-terminal, as a person at a terminal sees it."""
    env = {
        **os.environ, "DATABASE_URL": settings.database_url, "DOCBOT_HOME": str(settings.docbot_home),
        "DOCBOT_MODEL_CACHE": str(MODEL_CACHE), "COLUMNS": "200", "LINES": "40", "TERM": "xterm-256color",
    }
    env.pop("NO_COLOR", None)
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", "from bot.cli.app import main; main()", *args],
        stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal, env=env, close_fds=True,
    )
    os.close(terminal)
    output = bytearray()
    while True:
        try:
            data = os.read(controller, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        output += data
    os.close(controller)
    assert process.wait(timeout=120) == 0, output.decode(errors="replace")
    return output.decode(errors="replace")


def test_ingest_on_a_terminal_shows_one_progress_line_then_the_summary(settings, embedder, handbook: Path):
    (handbook / "broken.pdf").write_bytes(b"%PDF-1.7 nothing else")

    output = _docbot_on_a_terminal(settings, "ingest", str(handbook), "--collection", "watched")

    plain = _ANSI.sub("", output)
    drawn = re.findall(
        r"(\d+) found, (\d+) read, (\d+) chunks embedded · [\d.]+ chunks/s, [\d.]+ pages/s · ETA [\d:…]+(?: · (\d+) skipped, 0 errors)?",
        plain,
    )
    assert drawn, plain
    found, read, embedded, skipped = drawn[-1]  # the line as the run ended, drawn before the summary
    assert (found, read, skipped) == ("7", "6", "1") and int(embedded) > 0
    assert "\x1b[" in output and "\r" in plain  # drawn, and redrawn in place
    assert "7 files seen, 6 added, 0 updated, 0 unchanged, 0 removed, 1 skipped" in plain
    assert re.search(rf"{embedded} chunks embedded in [\d.]+ s \([\d.]+ chunks/s, [\d.]+ pages/s\)", plain)


def test_json_on_a_terminal_prints_only_the_summary(settings, embedder, handbook: Path):
    output = _docbot_on_a_terminal(settings, "ingest", str(handbook), "--collection", "scripted", "--json")

    assert "\x1b[" not in output and "chunks/s" not in output  # no progress line, no colours
    summary = json.loads(output.strip())
    assert summary["collection"] == "scripted" and summary["added"] == 6 and summary["skipped"] == []
    assert summary["chunks_embedded"] > 0 and summary["chunks_per_second"] > 0 and summary["pages_per_second"] > 0
    assert summary["error"] is None


def test_piped_ingest_draws_no_progress(docbot, handbook: Path):
    result = docbot("ingest", str(handbook), "--collection", "piped")
    assert result.exit_code == 0 and "found," not in result.output and "\x1b[" not in result.output


def test_jobs_shows_a_running_ingests_progress_from_the_database(docbot, db, ingest_settings, handbook: Path, monkeypatch):
    monkeypatch.setattr(pipeline, "RUN_PROGRESS_EVERY_SECONDS", 0.0)  # every event written, so the test sees one mid-run
    listings: list[str] = []

    def watch(progress: ProgressSnapshot) -> None:
        if progress.embedded and not listings:
            listings.append(docbot("jobs").output)  # another terminal, while this run embeds

    summary = pipeline.ingest(db, ingest_settings, [str(handbook)], "watched", progress=watch)

    assert listings, "the run embedded nothing"
    assert re.search(r"\d/6 read, \d+ embedded, [\d.]+ chunks/s, [\d.]+ pages/s, ETA", _result_cell(listings[0])), listings[0]
    [(stored,)] = rows(db, "SELECT summary FROM ingest_runs")
    assert "progress" not in stored and stored["chunks_embedded"] == summary.chunks_embedded > 0
    assert stored["pages_per_second"] > 0 and stored["chunks_per_second"] > 0
    done = docbot("jobs").output
    assert " done " in done and re.fullmatch(r"\+6 ~0 =0 -0 skipped 0, \d+ embedded \([\d.]+ chunks/s, [\d.]+ pages/s\)", _result_cell(done)), done


def _result_cell(table: str) -> str:
    """The `result` cell of a one-run `docbot jobs` table, its wrapped lines joined (the column's width
    follows the terminal and the other cells, so a long location wraps it)."""
    lines = table.splitlines()
    column = [cell.strip() for cell in next(line for line in lines if "┃" in line).split("┃")].index("result")
    pieces = [line.split("│")[column].strip() for line in lines if line.count("│") > column]
    return " ".join(piece for piece in pieces if piece)


def test_worker_logs_each_jobs_progress_without_sources(docbot, db, settings, handbook: Path, caplog):
    caplog.set_level(logging.INFO, logger="ingestion")
    assert docbot("ingest", str(handbook), "--enqueue").exit_code == 0

    run_worker(settings, db.url, once=True)

    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ingest progress")]
    assert lines and re.fullmatch(
        r"ingest progress job=\d+ run=\d+ found=6 read=6 embedded=\d+ chunks_per_s=[\d.]+ pages_per_s=[\d.]+ eta_s=0 "
        r"skipped=0 errors=0 done=True",
        lines[-1],
    ), lines
    assert not any("handbook" in line or ".md" in line for line in lines)
    assert re.search(r"ingest done run=\d+ .* chunks_per_s=[\d.]+ pages_per_s=[\d.]+", caplog.text)
