"""docbot installed as production installs it, run from a folder outside the repository.

The wheel is built from exactly what the Dockerfile copies and installed (not editable) into a fresh
virtualenv. Third-party packages come from the test environment through a .pth file (nothing to download),
but `bot` (with the demo handbook), `ingestion` and `migrations` must come from the wheel alone: the test checks
where they are imported from, and that no editable-install finder is active. Every command the compose services run
(tests/production.py) is run here verbatim, once on the embedded default and once with DATABASE_URL set.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
import venv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from alembic.script import ScriptDirectory

from bot.db.engine import connect
from bot.settings import load_settings
from bot.slack.questions.conversations import ConversationStore
from bot.slack.questions.question import IncomingQuestion, ReplyTo
from tests.conftest import MODEL_CACHE, REPO
from tests.fakes.llm_servers import OpenAIServer
from tests.fakes.slack_api import FakeSlackApi
from tests.production import SERVICE_COMMANDS, copy_image_source, on_port
from tests.slack.slack_requests import BOT_TOKEN, SIGNING_SECRET

HANDBOOK = REPO / "bot" / "demo" / "handbook"
HANDBOOK_FILES = len([path for path in HANDBOOK.iterdir() if path.is_file()])
QUESTION = "How long does a rollback take?"
HEAD = ScriptDirectory(str(REPO / "migrations")).get_current_head()


@dataclass
class Installed:
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    source, wheels = root / "image-source", root / "wheels"
    copy_image_source(source)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--quiet", "--wheel-dir", wheels, source])
    (wheel,) = wheels.glob("docbot-*.whl")

    environment = root / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(environment)
    python = environment / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet", wheel])
    # The test environment's packages, after the venv's own. Its .pth files (the editable install's finder
    # among them) are not run: only site directories' .pth files are, and this path is not one.
    site_packages = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    dependencies = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site_packages / "docbot-test-dependencies.pth").write_text("".join(f"{path}\n" for path in dependencies))
    return Installed(venv=environment)


def test_the_imported_packages_are_the_wheels(installed: Installed, tmp_path):
    probe = (
        "import sys, bot, bot.demo, ingestion, migrations\n"
        "from importlib import resources\n"
        "for module in (bot, ingestion, migrations): print(module.__file__)\n"
        "print(resources.files(bot.demo) / 'handbook' / 'deploys.md')\n"
        "print('finders:', *[type(finder).__module__ for finder in sys.meta_path])\n"
    )
    result = _run([installed.bin / "python", "-c", probe], cwd=tmp_path, env=_base_env(tmp_path))
    *files, finders = result.stdout.splitlines()
    assert len(files) == 4 and files[-1].endswith("deploys.md") and Path(files[-1]).is_file()
    for file in files:
        assert Path(file).is_relative_to(installed.venv), f"{file} is not the wheel's"
    assert "editable" not in finders, finders
    assert (installed.bin / "docbot").exists()


def test_every_command_on_the_embedded_default(installed: Installed, tmp_path):
    home = Path(tempfile.mkdtemp(prefix="docbot-wheel-"))  # short: the server's Unix socket lives under it
    session = Session(installed, tmp_path, _base_env(tmp_path) | {"DOCBOT_HOME": str(home)})
    try:
        assert "Embedded PostgreSQL running" in session.docbot("db", "start").stdout
        session.run_service("migrate")
        printed = session.docbot("db", "url")
        assert "keeps running until `docbot db stop`" in printed.stderr
        session.database_url = printed.stdout.strip()
        session.ingest_and_ask()
        session.enqueue()
        session.docbot("worker", "--once")
        session.assert_jobs_succeeded(1)
        session.run_service("bot")
        session.demo(local_model=True)
        assert "Embedded PostgreSQL stopped." in session.docbot("db", "stop").stdout
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(session.database_url, connect_timeout=5).close()
    finally:
        _stop_embedded(installed, home)
        shutil.rmtree(home, ignore_errors=True)


def test_every_command_with_database_url(installed: Installed, tmp_path, admin_url):
    with _empty_database(admin_url) as url:
        session = Session(installed, tmp_path, _base_env(tmp_path) | {"DATABASE_URL": url, "DOCBOT_HOME": str(tmp_path / "home")})
        refused = session.docbot("db", "start", expect_failure=True)
        assert "DATABASE_URL is set" in refused.stderr
        session.database_url = url
        session.run_service("migrate")
        session.ingest_and_ask()
        session.enqueue()
        session.run_service("worker")
        session.enqueue()
        session.docbot("worker", "--once")
        session.assert_jobs_succeeded(2)
        session.run_service("bot")
        session.run_service("answer-worker")
        session.demo(local_model=False)
        assert "DATABASE_URL is set" in session.docbot("db", "stop", expect_failure=True).stderr
        assert sorted(session.services_run) == sorted(SERVICE_COMMANDS), "every compose service's command runs from the wheel"


@dataclass
class Session:
    """docbot commands run from the installed wheel in `cwd`, outside the repository, with only `env`."""

    installed: Installed
    cwd: Path
    env: dict[str, str]
    database_url: str = ""
    services_run: list[str] = field(default_factory=list)

    def docbot(self, *args: str, expect_failure: bool = False, timeout: float = 600) -> subprocess.CompletedProcess:
        return _run([self.installed.bin / "docbot", *args], cwd=self.cwd, env=self.env, timeout=timeout, expect_failure=expect_failure)

    def run_service(self, name: str) -> None:
        """Runs compose service `name`'s command verbatim (the bot on a free port), the way that service is used."""
        runners: dict[str, Callable[[list[str]], None]] = {
            "migrate": self._migrate, "bot": self._serve, "answer-worker": self._answer, "worker": self._work,
        }
        assert name in runners, f"tests/production.py lists service {name!r}: add how to run it here"
        runners[name](SERVICE_COMMANDS[name])
        self.services_run.append(name)

    def _migrate(self, command: list[str]) -> None:
        assert f"is at revision {HEAD}" in self._docbot_command(command).stdout

    def _serve(self, command: list[str]) -> None:
        port = _free_port()
        with FakeSlackApi(bot_token=BOT_TOKEN) as slack:
            env = self.env | {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.url}
            with self._started(on_port(command, port), env) as (process, log):
                _wait_for(lambda: _healthy(port), process, log, "GET /healthz to answer 200")
                assert slack.calls("auth.test"), "the bot checks its token with the Slack Web API stand-in"

    def _answer(self, command: list[str]) -> None:
        """`docbot answer-worker` as the compose service runs it: it answers a stored question in Slack, then stops on SIGTERM."""
        with FakeSlackApi(bot_token=BOT_TOKEN) as slack, self._remote_model():
            env = self.env | {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.url}
            with self._started(command, env) as (process, log):
                thread = _store_question(self.database_url, QUESTION)
                _wait_for(lambda: any(not m.streaming and m.shown.strip() for m in slack.thread("C0WHEEL", thread)), process, log, "the answer in Slack")

    def _work(self, command: list[str]) -> None:
        """`docbot worker` as the compose service runs it: it takes the queued job, then stops on SIGTERM."""
        with self._started(command, self.env) as (process, log):
            _wait_for(lambda: self._jobs("todo", "doing") == 0, process, log, "the worker to run the queued job")

    def ingest_and_ask(self) -> None:
        docs = self.cwd / "docs"
        shutil.copytree(HANDBOOK, docs, dirs_exist_ok=True)
        ingested = self.docbot("ingest", str(docs), "--collection", "wheel").stdout
        assert f"{HANDBOOK_FILES} files seen, {HANDBOOK_FILES} added" in ingested, ingested
        with self._remote_model() as llm:
            answer = self.docbot("ask", QUESTION, "--collection", "wheel").stdout
        assert "A rollback takes about 4 minutes" in answer and "Sources:" in answer and "deploys.md" in answer, answer
        prompt = json.dumps(llm.requests[-1].body)
        assert "shipit rollback lumen-api" in prompt and QUESTION in prompt, "the question went to the model with the retrieved text"

    def enqueue(self) -> None:
        queued = self.cwd / "queued"
        shutil.copytree(HANDBOOK, queued, dirs_exist_ok=True)
        assert "Queued job" in self.docbot("ingest", str(queued), "--collection", "queued", "--enqueue").stdout

    def assert_jobs_succeeded(self, count: int) -> None:
        assert self._jobs("succeeded") == count and self._jobs("todo", "doing", "failed") == 0
        query = "SELECT count(*) FROM documents JOIN collections ON collections.id = collection_id WHERE name = 'queued'"
        with psycopg.connect(self.database_url, connect_timeout=10) as connection:
            assert connection.execute(query).fetchone() == (HANDBOOK_FILES,), "the worker ingested the queued folder"

    def demo(self, *, local_model: bool) -> None:
        """The demo as it ships (the bundled local model), or on the remote-model stand-in (the local one is slow to run twice)."""
        with self._remote_model() if not local_model else contextlib.nullcontext():
            output = self.docbot("demo").stdout
        assert f"Ingested {HANDBOOK_FILES} files ({HANDBOOK_FILES} added" in output, output
        assert "A rollback takes about 4 minutes" in output and "(deploys.md)" in output, output

    @contextlib.contextmanager
    def _remote_model(self) -> Iterator[OpenAIServer]:
        """LLM_BACKEND=openai against an OpenAI-compatible stand-in on loopback, for the commands run inside."""
        with OpenAIServer(reply="A rollback takes about 4 minutes [1].") as llm:
            saved = dict(self.env)
            self.env |= {"LLM_BACKEND": "openai", "LLM_ENDPOINT_URL": llm.url}
            try:
                yield llm
            finally:
                self.env = saved

    def _docbot_command(self, command: list[str]) -> subprocess.CompletedProcess:
        assert command[0] == "docbot"
        return self.docbot(*command[1:])

    def _jobs(self, *states: str) -> int:
        """Ingest jobs (not the workers' periodic maintenance) in these queue states."""
        with psycopg.connect(self.database_url, connect_timeout=10) as connection:
            query = "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'docbot.ingest' AND status::text = ANY(%s)"
            return connection.execute(query, (list(states),)).fetchone()[0]

    def _started(self, command: list[str], env: dict[str, str]):
        return _Started([self.installed.bin / command[0], *command[1:]], self.cwd, env)


class _Started:
    """A long-running docbot process, stopped with SIGTERM (as `docker stop` does), which it must obey."""

    def __init__(self, command: list, cwd: Path, env: dict[str, str]) -> None:
        self.command, self.cwd, self.env = command, cwd, env
        self.log = cwd / f"{Path(command[0]).name}-{command[1]}-{uuid.uuid4().hex[:6]}.log"

    def __enter__(self) -> tuple[subprocess.Popen, Path]:
        self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        return self.process, self.log

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"{self.command[1:]} did not stop on SIGTERM:\n{self.log.read_text()}") from None
        # uvicorn re-raises SIGTERM once it has shut down gracefully, so -SIGTERM is a clean stop too.
        assert self.process.returncode in (0, -signal.SIGTERM), f"{self.command[1:]} exited {self.process.returncode}:\n{self.log.read_text()}"


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen, log: Path, what: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, f"exited {process.returncode} before {what}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{log.read_text()}"
        time.sleep(0.3)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _store_question(database_url: str, text: str) -> str:
    """A question as `docbot serve` stores it (pending, announced to answer workers); returns its thread."""
    database = connect(load_settings(database_url=database_url))
    try:
        thread = "1700000000.000100"
        to = ReplyTo(origin="mention", team_id="T0TEAM", channel_id="C0WHEEL", user_id="UASKER", thread_ts=thread)
        question = IncomingQuestion(event_id="Ev0WHEEL", team_id="T0TEAM", channel_id="C0WHEEL", thread_ts=thread, user_id="UASKER", text=text, reply_to=to)
        assert ConversationStore(database).record_question(question) is not None
        return thread
    finally:
        database.dispose()


def _base_env(scratch: Path) -> dict[str, str]:
    """Nothing of the test run leaks in: no PYTHONPATH (it would import the checkout), a fresh HOME."""
    (scratch / "user-home").mkdir(exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(scratch / "user-home"),
        "LANG": "C.UTF-8",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        # Converted models are cached across runs (converting the local LLM takes ~35 s).
        "DOCBOT_MODEL_CACHE": str(MODEL_CACHE),
        "COLUMNS": "200",
    }


class _empty_database:
    """A new, empty database on the test session's embedded server: `docbot migrate` builds it from nothing."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url, self.name = admin_url, "wheel_" + uuid.uuid4().hex[:10]

    def __enter__(self) -> str:
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.name}"')
        return self.admin_url.replace("/postgres?", f"/{self.name}?")

    def __exit__(self, *exc: object) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _stop_embedded(installed: Installed, home: Path) -> None:
    """Whatever the test did, no server is left running (`db stop` twice is harmless)."""
    _run([installed.bin / "docbot", "db", "stop"], cwd=home, env=_base_env(home) | {"DOCBOT_HOME": str(home)}, expect_failure=None)


def _run(command: list, *, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 600, expect_failure: bool | None = False) -> subprocess.CompletedProcess:
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if expect_failure is not None:
        failed = result.returncode != 0
        assert failed == expect_failure, f"`{' '.join(map(str, command[1:]))}` exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result
