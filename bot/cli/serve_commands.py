"""`docbot serve`: the Slack bot over HTTP (uvicorn) or Socket Mode; `docbot answer-worker`: what answers.

`docbot serve` only acknowledges and stores questions; answers are written by answer worker processes,
which it starts itself (`--answer-workers N`) or which run anywhere else sharing the database
(`docbot answer-worker`), so acknowledgements never share CPU time or the GIL with the models.
"""

import logging
import os
import signal
import threading

import typer

from bot.answering.service import AnswerService
from bot.cli.context import cli_context
from bot.slack.answers.processes import AnswerProcesses, exit_with_parent, report_ready
from bot.slack.app import build_answer_worker, build_bot
from bot.slack.knowledge.experts import ExpertDesk
from bot.slack.common.client import build_client
from bot.slack.common.metrics import start_metrics_server
from bot.slack.server import serve as serve_http
from bot.slack.socket_mode import serve_socket_mode

logger = logging.getLogger(__name__)

_HOST = typer.Option("0.0.0.0", envvar="DOCBOT_HOST", help="Address to listen on [env DOCBOT_HOST]")
_THREADS = typer.Option(
    4, min=1, envvar="DOCBOT_ANSWER_THREADS", help="Questions each answer worker answers at the same time [env DOCBOT_ANSWER_THREADS]"
)
_METRICS_PORT = typer.Option(None, min=1, max=65535, help="Serve Prometheus /metrics on this port; off unless given [env METRICS_PORT]")


def serve(
    ctx: typer.Context,
    host: str = _HOST,
    port: int = typer.Option(3000, envvar="PORT", help="Port for /slack/events, /healthz and /livez [env PORT]"),
    socket_mode: bool = typer.Option(
        False, "--socket-mode", envvar="DOCBOT_SOCKET_MODE", help="Receive events over Socket Mode with SLACK_APP_TOKEN [env DOCBOT_SOCKET_MODE]"
    ),
    answer_workers: int = typer.Option(
        1, min=0, envvar="DOCBOT_ANSWER_WORKERS",
        help="Answer worker processes to start; 0: answer workers run elsewhere (`docbot answer-worker`) [env DOCBOT_ANSWER_WORKERS]",
    ),
    answer_threads: int = _THREADS,
    job_workers: int = typer.Option(
        1, min=0, envvar="DOCBOT_JOB_WORKERS",
        help="Knowledge jobs (saved threads, the gap digest, queued ingests) run at once in this process; 0: `docbot worker` runs them [env DOCBOT_JOB_WORKERS]",
    ),
    metrics_port: int | None = _METRICS_PORT,
) -> None:
    """Run the Slack bot: answers mentions, DMs, the assistant pane and /ask, and saves threads."""
    # Imported here, like the other commands' heavy parts: `docbot` starts without the Slack stack.

    context = cli_context(ctx)
    settings = context.settings
    database = context.database()
    metrics_port = metrics_port or settings.metrics_port
    answering = None
    if answer_workers:
        worker_args = ["--threads", str(answer_threads), "--host", host]
        answering = AnswerProcesses(answer_workers, worker_args, metrics_port=metrics_port)
    bot = build_bot(settings, database, answering=answering, socket_mode=socket_mode, job_workers=job_workers)
    if metrics_port:
        start_metrics_server(host, metrics_port)
    if socket_mode:
        serve_socket_mode(bot, settings, host, port)
    else:
        serve_http(bot, host, port)


def answer_worker(
    ctx: typer.Context,
    threads: int = _THREADS,
    host: str = _HOST,
    metrics_port: int | None = _METRICS_PORT,
    ready_fd: int | None = typer.Option(None, hidden=True, help="Write 'ready' here once the models are loaded"),
    with_parent: bool = typer.Option(False, "--exit-with-parent", hidden=True, help="Die when the starting process dies"),
    nice: int = typer.Option(0, min=0, max=19, help="Lower this process's CPU priority by this much (docbot serve starts its workers at 10)"),
) -> None:
    """Answer pending questions from the database (any number, on any hosts sharing it; each question once)."""
    if with_parent:
        exit_with_parent()
    if nice:
        os.nice(nice)
    context = cli_context(ctx)
    settings = context.settings
    database = context.database()
    answerer = AnswerService(settings, database)
    client = build_client(settings)
    worker = build_answer_worker(
        database, answerer, client, threads=threads, stream_seconds=settings.slack_stream_seconds, experts=ExpertDesk(database, settings, client)
    )
    metrics_port = metrics_port or (settings.metrics_port if ready_fd is None else None)
    if metrics_port:
        start_metrics_server(host, metrics_port)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_at_once)  # nothing claimed yet: stop loading and go
    if _warm_up(answerer):
        report_ready(ready_fd)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    worker.start()
    logger.info("answering questions threads=%d", threads)
    stopping.wait()
    logger.info("stopping: finishing the answers in progress")
    worker.stop()


def _exit_at_once(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _warm_up(answerer) -> bool:
    """False when the models could not be loaded: not ready, yet answering, so each question gets its :warning:."""
    try:
        answerer.warm_up()
    except Exception:  # noqa: BLE001 - each question will raise it again, and get a :warning: reply
        logger.exception("loading the models failed")
        return False
    return True
