"""`docbot ingest` with a crawl or a git repository: the flags, `--enqueue --every` run by a worker, `docbot jobs`
and `docbot schedules` showing them, and credentials shown nowhere."""

from pathlib import Path

import pytest

from ingestion.ingest_worker import run_worker
from tests.ingestion.docs_site_standin import DocsSiteStandIn
from tests.ingestion.git_standin import GitHttpStandIn, WorkingRepository
from tests.ingestion.helpers import rows, sources
from tests.ingestion.test_crawl import GUIDE

TOKEN = "tok-9f8e7d6c5b4a"


@pytest.fixture
def loopback_allowed(monkeypatch):
    monkeypatch.setenv("INGEST_ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.setenv("CRAWL_DELAY_SECONDS", "0")


def test_a_crawl_enqueued_every_hour_is_run_by_the_worker_and_shown_by_jobs(docbot, db, settings, loopback_allowed):
    with DocsSiteStandIn() as site:
        site.pages.update(GUIDE)
        result = docbot("ingest", f"{site.url}/guide/", "--crawl", "--max-pages", "50", "--enqueue", "--every", "1h")
        assert result.exit_code == 0, result.output
        spec = f"crawl+{site.url}/guide/#max-pages=50"
        assert rows(db, "SELECT location, every_seconds FROM sync_sources") == [(spec, 3600)]
        assert spec in docbot("schedules").output

        worker_settings = settings.model_copy(update={"ingest_allowed_hosts": ("127.0.0.1",), "crawl_delay_seconds": 0.0})
        run_worker(worker_settings, db.url, once=True)

    assert rows(db, "SELECT state, locations->>0 FROM ingest_runs") == [("done", spec)]
    assert f"{site.url}/guide/deploy.html" in sources(db)
    jobs = docbot("jobs").output
    assert "succeeded" in jobs and "crawl+http://127.0.0.1" in jobs

    *others, last = sources(db)
    for source in others:
        assert docbot("sources", "remove", source).exit_code == 0
    removed = docbot("sources", "remove", last).output  # the crawl's last page: its re-sync would bring it back
    assert "is still re-synced" in removed and "#max-pages" not in removed, removed


def test_crawl_flags_are_checked_before_any_work(docbot, tmp_path: Path):
    without_crawl = docbot("ingest", "https://docs.example.com/", "--max-pages", "10")
    assert without_crawl.exit_code != 0 and "--max-pages and --allow-prefix bound a crawl: add --crawl" in str(without_crawl.exception)
    on_a_folder = docbot("ingest", str(tmp_path), "--crawl")
    assert on_a_folder.exit_code != 0 and "--crawl needs an http(s) URL" in str(on_a_folder.exception)


def test_git_credentials_in_the_url_are_sent_as_a_header_and_shown_nowhere(docbot, db, tmp_path: Path, loopback_allowed):
    repository = WorkingRepository(tmp_path / "work", tmp_path / "served" / "team" / "handbook.git")
    repository.write("runbook.md", "# Runbook\n\nRestart the billing queue with the drain flag first.\n")
    repository.push("Runbook")
    with GitHttpStandIn(tmp_path / "served", token=TOKEN) as host:
        port = host.url.rsplit(":", 1)[1]
        result = docbot("ingest", f"http://reader:{TOKEN}@127.0.0.1:{port}/team/handbook.git", "--branch", "main", "--every", "1d")

    assert result.exit_code == 0, result.output
    assert sources(db) == ["runbook.md"]
    shown = result.output + docbot("jobs").output + docbot("sources").output + docbot("schedules").output
    assert "git+http://***@127.0.0.1" in shown and TOKEN not in shown
    assert TOKEN not in str(rows(db, "SELECT locations, summary, error FROM ingest_runs"))
    assert TOKEN not in str(rows(db, "SELECT location, url FROM documents"))
