"""What `docbot ingest` tells a person: results on stdout, skip reasons grouped, a failed run exits non-zero
and a mostly skipped one warns; logs on stderr at WARNING unless -v or LOG_LEVEL asks for more."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from bot.cli.ingest_summary import print_summary
from bot.errors import NothingIngested
from ingestion.summary import IngestSummary

PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)


def _folder(tmp_path: Path, good: int, images: int) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir(parents=True)
    for n in range(good):
        (folder / f"page-{n}.md").write_text(f"# Page {n}\n\nThe office on floor {n} opens at 08:00.\n")
    for n in range(images):
        (folder / f"diagram-{n}.md").write_bytes(PNG)
    (folder / "notes.pdf").write_text("plain text named as a PDF\n")
    return folder


def test_identical_skip_reasons_are_grouped_and_verbose_lists_every_file(docbot, tmp_path: Path):
    folder = _folder(tmp_path, good=8, images=5)

    result = docbot("ingest", str(folder), "--collection", "grouped")

    assert result.exit_code == 0, result.output
    assert "14 files seen, 8 added, 0 updated, 0 unchanged, 0 removed, 6 skipped" in result.output
    assert (
        "Skipped 6 files:\n"
        "  5 files: binary content (a PNG image), though named as markdown\n"
        "    diagram-0.md, diagram-1.md, diagram-2.md and 2 more (--verbose lists them)\n"
        "  1 file: mislabelled: named as pdf but the content is not a PDF file\n"
        "    notes.pdf\n"
    ) in result.stdout
    assert result.stdout.count("binary content") == 1
    assert "Warning" not in result.stderr

    verbose = docbot("ingest", str(folder), "--collection", "grouped", "--verbose")
    assert "  5 files: binary content (a PNG image), though named as markdown\n" + "".join(f"    diagram-{n}.md\n" for n in range(5)) in verbose.stdout


def test_a_run_that_ingests_nothing_fails_and_one_that_skips_most_warns(docbot, tmp_path: Path):
    nothing = _folder(tmp_path / "a", good=0, images=3)
    failed = docbot("ingest", str(nothing), "--collection", "failing")
    assert failed.exit_code == 1
    assert isinstance(failed.exception, NothingIngested)
    assert str(failed.exception) == "Nothing was ingested: all 4 files were skipped (reasons above)."
    assert "Skipped 4 files:" in failed.stdout  # the reasons are still shown

    mostly = _folder(tmp_path / "b", good=2, images=3)
    warned = docbot("ingest", str(mostly), "--collection", "mostly")
    assert warned.exit_code == 0
    assert "Warning: 4 of 6 files were skipped (reasons above)." in warned.stderr
    assert "Warning" not in warned.stdout


def _docbot_process(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "LOG_LEVEL"}
    return subprocess.run(
        [sys.executable, "-c", "from bot.cli.app import main; main()", *args],
        env={**environment, **env}, capture_output=True, text=True, timeout=300,
    )


def test_results_on_stdout_logs_on_stderr_at_warning_unless_asked(settings, tmp_path: Path):
    folder = _folder(tmp_path, good=2, images=1)
    env = {"DATABASE_URL": settings.database_url, "DOCBOT_HOME": str(settings.docbot_home), "HF_HUB_OFFLINE": "1"}

    quiet = _docbot_process("ingest", str(folder), "--collection", "logs", **env)
    assert quiet.returncode == 0, quiet.stderr
    assert "4 files seen, 2 added" in quiet.stdout and "level=" not in quiet.stdout
    assert "level=INFO" not in quiet.stderr and "Loading weights" not in quiet.stderr + quiet.stdout

    verbose = _docbot_process("-v", "ingest", str(folder), "--collection", "logs", **env)
    assert "level=INFO" in verbose.stderr and "level=DEBUG" not in verbose.stderr
    assert "4 files seen, 0 added, 0 updated, 2 unchanged" in verbose.stdout and "level=" not in verbose.stdout

    asked = _docbot_process("ingest", str(folder), "--collection", "logs", LOG_LEVEL="INFO", **env)
    assert "level=INFO" in asked.stderr and "level=" not in asked.stdout


def test_reasons_of_one_kind_are_grouped_with_their_details_behind_verbose():
    summary = IngestSummary(files_seen=5, added=2, skipped=[
        ("a.pdf", "corrupt PDF: PdfStreamError: Stream has ended unexpectedly"),
        ("b.pdf", "corrupt PDF: KeyError: '/Root'"),
        ("c.md", "empty file"),
    ])

    def printed(verbose: bool) -> str:
        out = io.StringIO()
        print_summary(Console(file=out, width=200), summary, "kinds", verbose=verbose)
        return out.getvalue()

    assert "Skipped 3 files:\n  2 files: corrupt PDF: \u2026\n    a.pdf, b.pdf\n  1 file: empty file\n    c.md\n" in printed(False)
    assert ("  2 files: corrupt PDF: \u2026\n    a.pdf: corrupt PDF: PdfStreamError: Stream has ended unexpectedly\n"
            "    b.pdf: corrupt PDF: KeyError: '/Root'\n  1 file: empty file\n    c.md\n") in printed(True)
