"""Nothing outside the ingested folder is read unless asked, and /proc, /sys, /dev, pipes and sockets never are."""

import os
import shutil
import socket
from pathlib import Path

import pytest

from bot.errors import IngestError, UnsupportedDocument
from ingestion.discovery import discover
from ingestion.fetching import FetchPolicy
from ingestion.pipeline import ingest
from ingestion.reading import read_bytes
from tests.ingestion.helpers import rows, sources

CANARY = "canary-env-value-7f3a"  # in this process's environment, so in /proc/self/environ


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch) -> Path:
    """A folder whose links lead out of it, into system folders, and to a pipe and a socket."""
    monkeypatch.setenv("DOCBOT_TEST_CANARY", CANARY)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "shared").mkdir(parents=True)
    (elsewhere / "secret.md").write_text("# Secret\n\nThe outside secret is tangerine-42.\n")
    (elsewhere / "shared" / "team.md").write_text("# Team\n\nThe shared team page says lunch is at noon.\n")
    folder = tmp_path / "docs"
    (folder / "guide").mkdir(parents=True)
    (folder / "good.md").write_text("# Good\n\nThe release train leaves on Wednesdays.\n")
    (folder / "guide" / "setup.md").write_text("# Setup\n\nInstall the tools first.\n")
    (folder / "alias.md").symlink_to(folder / "good.md")  # inside: followed
    (folder / "guide-link").symlink_to(folder / "guide")  # inside: followed (once)
    (folder / "outside.md").symlink_to(elsewhere / "secret.md")
    (folder / "relative-escape.md").symlink_to(Path("..") / "elsewhere" / "secret.md")
    (folder / "shared").symlink_to(elsewhere / "shared")
    (folder / "environ.txt").symlink_to("/proc/self/environ")
    (folder / "proc").symlink_to("/proc/self")
    (folder / "kernel.txt").symlink_to("/sys/kernel/hostname" if os.path.exists("/sys/kernel/hostname") else "/sys")
    (folder / "zero.md").symlink_to("/dev/zero")
    (folder / "devices").symlink_to("/dev")
    os.mkfifo(folder / "pipe.md")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "socket.md"))
    yield folder
    server.close()


REFUSED_ALWAYS = {
    "environ.txt": "points into /proc",
    "proc": "points into /proc",
    "kernel.txt": "points into /sys",
    "zero.md": "points into /dev",
    "devices": "points into /dev",
    "pipe.md": "not a regular file",
    "socket.md": "not a regular file",
}


def _all_text(db) -> str:
    return " ".join(r[0] for r in rows(db, "SELECT text FROM chunks"))


@pytest.mark.timeout(300)  # a FIFO that was opened would block here forever
def test_links_out_of_the_folder_and_system_files_are_skipped_with_their_reason(db, ingest_settings, hostile: Path):
    summary = ingest(db, ingest_settings, [str(hostile)])

    skipped = dict(summary.skipped)
    for source in ("outside.md", "relative-escape.md", "shared"):
        assert "points outside the folder" in skipped[source], skipped[source]
        assert "--follow-links" in skipped[source]
    for source, reason in REFUSED_ALWAYS.items():
        assert reason in skipped[source], (source, skipped[source])
    assert sources(db) == ["alias.md", "good.md", "guide/setup.md"]  # guide-link/ is guide/, visited once
    text = _all_text(db)
    assert CANARY not in text and "tangerine-42" not in text and "noon" not in text


@pytest.mark.timeout(300)
def test_follow_links_reads_outside_the_folder_but_never_system_files(db, ingest_settings, hostile: Path):
    following = ingest_settings.model_copy(update={"ingest_follow_links": True})

    summary = ingest(db, following, [str(hostile)])

    skipped = dict(summary.skipped)
    assert set(skipped) == set(REFUSED_ALWAYS) | {"guide-link"}
    assert "already visited" in skipped["guide-link"]
    for source, reason in REFUSED_ALWAYS.items():
        assert reason in skipped[source]
    assert sources(db) == ["alias.md", "good.md", "guide/setup.md", "outside.md", "relative-escape.md", "shared/team.md"]
    assert CANARY not in _all_text(db) and "tangerine-42" in _all_text(db)


def test_system_folders_given_directly_are_refused(db, ingest_settings):
    for location in ("/proc/self", "/proc/self/environ", "/dev/zero", "/sys"):
        with pytest.raises(IngestError, match="which docbot never reads"):
            ingest(db, ingest_settings, [location])
    assert rows(db, "SELECT count(*) FROM documents") == [(0,)]


def test_a_document_whose_file_became_a_link_out_of_the_folder_is_removed(db, ingest_settings, hostile: Path, tmp_path: Path):
    leak = hostile / "notes.md"
    leak.write_text("# Notes\n\nOrdinary notes.\n")
    ingest(db, ingest_settings, [str(hostile)])
    leak.unlink()
    leak.symlink_to(tmp_path / "elsewhere" / "secret.md")

    summary = ingest(db, ingest_settings, [str(hostile)])

    assert "points outside the folder" in dict(summary.skipped)["notes.md"]
    assert "notes.md" in summary.removed_sources and "notes.md" not in sources(db)


@pytest.fixture
def policy(ingest_settings) -> FetchPolicy:
    return FetchPolicy.from_settings(ingest_settings)


def _candidate(folder: Path, source: str):
    return next(c for c in discover(str(folder)).candidates if c.source == source)


def test_a_file_swapped_for_a_link_after_discovery_is_not_followed(hostile: Path, policy: FetchPolicy):
    candidate = _candidate(hostile, "good.md")
    (hostile / "good.md").unlink()
    (hostile / "good.md").symlink_to("/proc/self/environ")

    with pytest.raises(UnsupportedDocument, match="is now a symlink"):
        read_bytes(candidate, policy)


def test_a_folder_swapped_for_a_link_after_discovery_is_caught_on_the_open_file(hostile: Path, tmp_path: Path, policy: FetchPolicy):
    candidate = _candidate(hostile, "guide/setup.md")
    shutil.move(hostile / "guide", tmp_path / "moved-guide")
    (hostile / "guide").symlink_to(tmp_path / "moved-guide")  # the same path now resolves outside the folder

    with pytest.raises(UnsupportedDocument, match="points outside the folder"):
        read_bytes(candidate, policy)


@pytest.mark.timeout(60)
def test_a_file_swapped_for_a_pipe_after_discovery_does_not_block(hostile: Path, policy: FetchPolicy):
    candidate = _candidate(hostile, "good.md")
    (hostile / "good.md").unlink()
    os.mkfifo(hostile / "good.md")  # nobody writes to it: a blocking open would never return

    with pytest.raises(UnsupportedDocument, match="not a regular file"):
        read_bytes(candidate, policy)
