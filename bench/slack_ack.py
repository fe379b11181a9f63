"""Acknowledgement latency of `docbot serve` under bursts of concurrent @mentions, while answers are generated.

    python -m bench.slack_ack [--bursts 5] [--size 20] [--token-delay 0.05] [--answer-threads 4]

Starts `docbot serve` as its own process on loopback, against the Slack Web API stand-in and an
OpenAI-compatible model stand-in that streams one word every `--token-delay` seconds (so answers take a
few seconds each and are still being written while later bursts arrive). The bundled handbook is ingested
with the real embedder into a fresh embedded Postgres. Each burst sends `--size` Slack-signed `app_mention`
events at once; the figure is the time from sending a request to its HTTP 200 (Slack allows 3 s).
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.measure import percentile
from bot.db import embedded
from bot.db.engine import connect
from bot.db.migrate import upgrade
from bot.settings import load_settings
from tests.fakes.llm_servers import OpenAIServer
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.slack_requests import BOT_TOKEN, SIGNING_SECRET, SlackSender, mention, new_ts

REPO = Path(__file__).resolve().parents[1]
HANDBOOK = REPO / "examples" / "handbook"
QUESTIONS = [
    "How are expenses reimbursed?",
    "What are the paging response times for on-call?",
    "How do I roll back a deploy?",
    "What happens on my first day of onboarding?",
]
REPLY = (
    "According to the handbook, file it in the finance portal with the receipts attached, and your manager "
    "approves it within five working days; reimbursements are paid with the next salary run [1]."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--size", type=int, default=20, help="concurrent mentions per burst")
    parser.add_argument("--token-delay", type=float, default=0.05, help="seconds between streamed words of the model stand-in")
    parser.add_argument("--answer-threads", type=int, default=4)
    parser.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of the server; its log is kept in serve.log")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="docbot-slack-ack-"))
    print(f"working in {home}", flush=True)
    run(args, home, embedded.start(home))  # the embedded server stops when this process exits


def run(args: argparse.Namespace, home: Path, database_url: str) -> None:
    with FakeSlackApi(bot_token=BOT_TOKEN) as slack, OpenAIServer(reply=REPLY, token_delay=args.token_delay) as llm:
        settings = load_settings(database_url=database_url, docbot_home=home, llm_backend="openai", llm_endpoint_url=llm.url)
        prepare(settings)
        port = free_port()
        server = start_server(settings, slack, llm, port, args.answer_threads, args.log_level, home / "serve.log")
        try:
            sender = SlackSender(f"http://127.0.0.1:{port}", timeout=30)
            warm_up(sender, slack)
            latencies, failures, threads = [], 0, []
            started = time.monotonic()
            for burst in range(args.bursts):
                results = fire_burst(sender, args.size, burst)
                latencies += [seconds for _, seconds, _ in results]
                failures += sum(1 for status, _, _ in results if status != 200)
                threads += [thread for _, _, thread in results]
                in_flight = sum(1 for t in threads if not finished(slack, t))
                print(f"burst {burst + 1}: p50 {percentile([s for _, s, _ in results], 0.5) * 1000:.0f} ms, "
                      f"max {max(s for _, s, _ in results) * 1000:.0f} ms, answers still being written: {in_flight}", flush=True)
                time.sleep(1.0)
            answered = wait_for_answers(slack, threads, timeout=600)
            elapsed = time.monotonic() - started
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)
    print()
    print(f"ack latency over {len(latencies)} mentions in {args.bursts} bursts of {args.size}: "
          f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms; non-200: {failures}")
    print(f"answers delivered: {answered}/{len(threads)} in {elapsed:.1f} s "
          f"({args.answer_threads} answer threads, model stand-in {args.token_delay * 1000:.0f} ms/word)")


def prepare(settings) -> None:
    from ingestion.pipeline import ingest

    database = connect(settings)
    upgrade(database)
    summary = ingest(database, settings, [str(HANDBOOK)], "default")
    print(f"ingested the handbook: {summary.chunks_written} chunks", flush=True)
    database.dispose()


def start_server(settings, slack: FakeSlackApi, llm: OpenAIServer, port: int, threads: int, log_level: str, log: Path) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "DATABASE_URL": settings.database_url,
        "DOCBOT_HOME": str(settings.docbot_home),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "LLM_BACKEND": "openai",
        "LLM_ENDPOINT_URL": llm.url,
        "LOG_LEVEL": log_level,
    }
    command = [sys.executable, "-c", "from bot.cli.app import main; main()", "serve", "--host", "127.0.0.1", "--port", str(port), "--answer-threads", str(threads)]
    process = subprocess.Popen(command, env=env, cwd=log.parent, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("docbot serve exited:\n" + log.read_text())
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("docbot serve did not become healthy:\n" + log.read_text())


def warm_up(sender: SlackSender, slack: FakeSlackApi) -> None:
    """One question first, so the models are loaded before anything is timed."""
    root = new_ts()
    sender.event(mention(QUESTIONS[0], channel="C0WARMUP", ts=root))
    slack.wait_for(lambda fake: finished(fake, ("C0WARMUP", root)), timeout=300, what="the warm-up answer")


def fire_burst(sender: SlackSender, size: int, burst: int) -> list[tuple[int, float, tuple[str, str]]]:
    barrier = threading.Barrier(size)
    results: list[tuple[int, float, tuple[str, str]]] = []
    lock = threading.Lock()

    def one(index: int) -> None:
        channel, root = f"C0BENCH{index:02d}", new_ts()
        event = mention(QUESTIONS[(burst + index) % len(QUESTIONS)], channel=channel, ts=root)
        barrier.wait()
        started = time.perf_counter()
        status = sender.event(event).status_code
        seconds = time.perf_counter() - started
        with lock:
            results.append((status, seconds, (channel, root)))

    workers = [threading.Thread(target=one, args=(i,)) for i in range(size)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def finished(slack: FakeSlackApi, thread: tuple[str, str]) -> bool:
    """The thread has its final answer (the one with the feedback buttons) or a failure notice."""
    return any(
        not m.streaming and (any(b.get("type") == "actions" for b in m.blocks) or ":warning:" in m.shown)
        for m in slack.thread(*thread)
    )


def wait_for_answers(slack: FakeSlackApi, threads: list[tuple[str, str]], timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = sum(1 for t in threads if finished(slack, t))
        if done == len(threads):
            return done
        time.sleep(0.5)
    return sum(1 for t in threads if finished(slack, t))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    main()
