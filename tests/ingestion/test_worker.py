"""The queue with real `docbot worker` processes: two share a queue; a SIGKILLed worker's job is rerun once."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ingestion.queue import enqueue, make_app
from tests.ingestion.helpers import rows

READY = "worker ready"


class WorkerProcess:
    """A `docbot worker` subprocess whose log lines are collected as they come."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from bot.cli.app import main; main()", "worker", "--heartbeat", "0.5", *args],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"worker never logged {text!r}:\n{''.join(self.lines)}")
            time.sleep(0.1)

    def jobs_started(self) -> set[int]:
        return {int(line.split("job=")[1].split()[0]) for line in self.lines if "ingest job started" in line}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def worker_env(settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=settings.database_url, DOCBOT_HOME=str(settings.docbot_home), HF_HUB_OFFLINE="1", LOG_LEVEL="INFO")
    return env


def _folder(root: Path, name: str, files: int) -> Path:
    folder = root / name
    folder.mkdir()
    for number in range(files):
        paragraphs = "\n\n".join(
            f"Team {name} rule {number}.{part}: the build cache for service {number * 7 + part} is cleared every {part + 2} days "
            f"by the {name} maintainers, and tickets tagged {name}-{number}-{part} go to queue {part * 3 + number}."
            for part in range(12)
        )
        (folder / f"{name}-{number:02d}.md").write_text(f"# {name} page {number}\n\n## Rules\n\n{paragraphs}\n")
    return folder


def _wait_until(condition, timeout: float = 180, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {message}")
        time.sleep(0.2)


def _no_duplicate_chunks(db) -> bool:
    total, distinct = rows(db, "SELECT count(*), count(DISTINCT (document_id, position)) FROM chunks")[0]
    return total == distinct


def test_two_workers_share_the_queue_and_run_each_job_once(db, settings, worker_env, tmp_path: Path):
    workers = [WorkerProcess(worker_env, "--name", f"w{index}") for index in (1, 2)]
    try:
        for worker in workers:
            worker.wait_for(READY)
        app = make_app(settings, db.url)
        with app.open():
            jobs = [enqueue(app, db, "default", [str(_folder(tmp_path, f"team{index}", 3))])[1] for index in range(6)]
        _wait_until(lambda: rows(db, "SELECT count(*) FROM ingest_runs WHERE state IN ('done', 'failed')")[0][0] == 6,
                    message="six runs finished")
        started = [worker.jobs_started() for worker in workers]
    finally:
        for worker in workers:
            worker.stop()

    assert rows(db, "SELECT DISTINCT state FROM ingest_runs") == [("done",)]
    assert started[0] | started[1] == set(jobs) and not started[0] & started[1]
    assert started[0] and started[1], "both workers took jobs from the shared queue"
    assert rows(db, "SELECT status::text, count(*) FROM procrastinate_jobs WHERE task_name = 'docbot.ingest' GROUP BY 1") == [("succeeded", 6)]
    assert rows(db, "SELECT count(*) FROM procrastinate_events e JOIN procrastinate_jobs j ON j.id = e.job_id"
                    " WHERE e.type = 'started' AND j.task_name = 'docbot.ingest'")[0][0] == 6
    assert rows(db, "SELECT count(*) FROM documents")[0][0] == 18
    assert _no_duplicate_chunks(db)


def test_killed_workers_job_is_rerun_and_finishes_once(db, settings, worker_env, tmp_path: Path):
    folder = _folder(tmp_path, "big", 44)  # ~130 chunks in batches of 32: the kill lands mid-job
    worker_env = {**worker_env, "INGEST_BATCH_CHUNKS": "32"}
    first = WorkerProcess(worker_env, "--name", "doomed")
    try:
        first.wait_for(READY)
        app = make_app(settings, db.url)
        with app.open():
            run_id, job_id = enqueue(app, db, "default", [str(folder)])
        _wait_until(lambda: rows(db, "SELECT count(*) FROM documents")[0][0] > 0, message="first documents written")
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
    finally:
        first.stop()
    written_before_kill = rows(db, "SELECT count(*) FROM documents")[0][0]
    assert rows(db, "SELECT status::text FROM procrastinate_jobs WHERE id = :id", id=job_id) == [("doing",)]
    assert 0 < written_before_kill < 44, "the kill came mid-job"

    second = WorkerProcess(worker_env, "--name", "rescuer", "--once", "--stalled-after", "1")
    second.process.wait(timeout=300)

    output = "".join(second.lines)
    assert second.process.returncode == 0, output
    assert "reclaimed=1" in output
    assert rows(db, "SELECT status::text FROM procrastinate_jobs WHERE id = :id", id=job_id) == [("succeeded",)]
    state, summary = rows(db, "SELECT state, summary FROM ingest_runs WHERE id = :id", id=run_id)[0]
    assert state == "done"
    assert summary["unchanged"] == written_before_kill and summary["added"] == 44 - written_before_kill
    assert rows(db, "SELECT count(*) FROM documents")[0][0] == 44
    assert _no_duplicate_chunks(db)
    positions_complete = rows(db, "SELECT bool_and(n = top + 1) FROM (SELECT count(*) n, max(position) top FROM chunks GROUP BY document_id) t")
    assert positions_complete == [(True,)]
