"""Acknowledgement latency of `docbot serve` under bursts of @mentions, from the first moment it serves; and
answers per minute with 1, 2, … answer worker processes.

    python -m bench.slack_ack [--bursts 5] [--size 20] [--token-delay 0.05] [--answer-workers 1]
    python -m bench.slack_ack --local-model             # the bundled local model (ANSWER_WRITER=model: loading cold)
    python -m bench.slack_ack --throughput 40 --answer-workers 1,2

Starts `docbot serve` as its own process on loopback against the Slack Web API stand-in, with the bundled
handbook ingested by the real embedder into a fresh embedded Postgres. The model is an OpenAI-compatible
stand-in streaming one word every `--token-delay` seconds, or with `--local-model` the bundled local model,
loaded cold by the answer worker (converted into an empty model cache first unless DOCBOT_MODEL_CACHE names
a filled one). The first burst of `--size` Slack-signed mentions goes out the moment the server answers
`/livez`, while the answer worker is still loading its models; the others follow, one a second, once
`/healthz` says ready, while earlier answers are still being written. The figure is the time from sending a
request to its HTTP 200 (Slack allows 3 s). `--throughput N` instead sends N mentions at once to a ready
server and times until every one is answered, for each answer worker count given.
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
HANDBOOK = REPO / "bot" / "demo" / "handbook"
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
    parser.add_argument("--answer-threads", type=int, default=4, help="questions each answer worker answers at once")
    parser.add_argument("--answer-workers", default="1", help="answer worker processes; with --throughput, a comma-separated list")
    parser.add_argument("--local-model", action="store_true", help="answer with the bundled local model, loaded cold")
    parser.add_argument("--throughput", type=int, default=0, metavar="N", help="measure answers per minute over N mentions")
    parser.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of the server; its log is kept in serve.log")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="docbot-slack-ack-"))
    print(f"working in {home}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    database_url = embedded.start(home)  # the embedded server stops when this process exits
    with FakeSlackApi(bot_token=BOT_TOKEN) as slack, OpenAIServer(reply=REPLY, token_delay=args.token_delay) as llm:
        settings = load_settings(database_url=database_url, docbot_home=home, llm_backend="openai", llm_endpoint_url=llm.url)
        prepare(settings)
        if args.throughput:
            for workers in [int(n) for n in args.answer_workers.split(",")]:
                measure_throughput(args, settings, slack, llm, workers, home)
        else:
            measure_acks(args, settings, slack, llm, int(args.answer_workers), home)


def measure_acks(args, settings, slack: FakeSlackApi, llm: OpenAIServer, workers: int, home: Path) -> None:
    port = free_port()
    server = start_server(settings, slack, llm, port, workers, args, home / "serve.log")
    try:
        sender = SlackSender(f"http://127.0.0.1:{port}", timeout=30)
        started = time.monotonic()
        first = fire_burst(sender, args.size, 0)
        ready_after = wait_until(port, "/healthz", server, home / "serve.log", timeout=900) - started
        report("first burst (models loading)", first, slack)
        print(f"  the answer worker was ready {ready_after:.1f} s after the first burst", flush=True)
        steady: list[tuple[int, float, tuple[str, str]]] = []
        for burst in range(1, args.bursts):
            results = fire_burst(sender, args.size, burst)
            report(f"burst {burst + 1}", results, slack)
            steady += results
            time.sleep(1.0)
        threads = [t for _, _, t in first + steady]
        if args.local_model:
            answered = sum(1 for t in threads if finished(slack, t))  # the local model writes one answer in ~1.5 min
        else:
            answered = wait_for_answers(slack, threads, timeout=600)
        elapsed = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(120)
    model = "bundled local model, loaded cold" if args.local_model else f"model stand-in {args.token_delay * 1000:.0f} ms/word"
    print()
    summarize("first burst right after start-up", first)
    if steady:
        summarize(f"steady state ({args.bursts - 1} bursts)", steady)
    print(f"answers delivered: {answered}/{len(threads)} after {elapsed:.1f} s ({workers} answer worker(s) × "
          f"{args.answer_threads} threads, {model})")


def measure_throughput(args, settings, slack: FakeSlackApi, llm: OpenAIServer, workers: int, home: Path) -> None:
    port = free_port()
    server = start_server(settings, slack, llm, port, workers, args, home / f"serve-{workers}.log")
    try:
        wait_until(port, "/healthz", server, home / f"serve-{workers}.log", timeout=600)
        sender = SlackSender(f"http://127.0.0.1:{port}", timeout=30)
        warm = fire_burst(sender, workers * args.answer_threads, 0)  # each worker's first answers load what they load lazily
        wait_for_answers(slack, [t for _, _, t in warm], timeout=300)
        started = time.monotonic()
        results = fire_burst(sender, args.throughput, 1)
        answered = wait_for_answers(slack, [t for _, _, t in results], timeout=1800)
        minutes = (time.monotonic() - started) / 60
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(120)
    print(f"{workers} answer worker(s) × {args.answer_threads} threads: {answered}/{args.throughput} answered in "
          f"{minutes * 60:.1f} s = {answered / minutes:.0f} answers/min (model stand-in {args.token_delay * 1000:.0f} ms/word, "
          f"load average {os.getloadavg()[0]:.1f})", flush=True)


def report(label: str, results, slack: FakeSlackApi) -> None:
    seconds = [s for _, s, _ in results]
    in_flight = sum(1 for _, _, t in results if not finished(slack, t))
    print(f"{label}: p50 {percentile(seconds, 0.5) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms, "
          f"unanswered yet: {in_flight}", flush=True)


def summarize(label: str, results) -> None:
    seconds = [s for _, s, _ in results]
    failures = sum(1 for status, _, _ in results if status != 200)
    print(f"ack latency, {label}, {len(seconds)} mentions: p50 {percentile(seconds, 0.5) * 1000:.0f} ms, "
          f"p99 {percentile(seconds, 0.99) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms; non-200: {failures}")


def prepare(settings) -> None:
    from ingestion.pipeline import ingest

    database = connect(settings)
    upgrade(database)
    summary = ingest(database, settings, [str(HANDBOOK)], "default")
    print(f"ingested the handbook: {summary.chunks_written} chunks", flush=True)
    database.dispose()


def start_server(settings, slack: FakeSlackApi, llm: OpenAIServer, port: int, workers: int, args, log: Path) -> subprocess.Popen:
    """`docbot serve` with its answer workers; returns once it serves /livez (models may still be loading)."""
    env = {
        # ANSWER_WRITER=model makes the bundled model write, so it is loaded (by default it builds no reply and isn't).
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH", "DOCBOT_MODEL_CACHE", "ANSWER_WRITER")},
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "DATABASE_URL": settings.database_url,
        "DOCBOT_HOME": str(settings.docbot_home),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "LOG_LEVEL": args.log_level,
        **({"LLM_BACKEND": "local"} if args.local_model else {"LLM_BACKEND": "openai", "LLM_ENDPOINT_URL": llm.url}),
    }
    command = [
        sys.executable, "-c", "from bot.cli.app import main; main()", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--answer-workers", str(workers), "--answer-threads", str(args.answer_threads),
    ]
    process = subprocess.Popen(command, env=env, cwd=log.parent, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    wait_until(port, "/livez", process, log, timeout=120)
    return process


def wait_until(port: int, path: str, process: subprocess.Popen, log: Path, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("docbot serve exited:\n" + log.read_text())
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1).status_code == 200:
                return time.monotonic()
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    process.kill()
    raise SystemExit(f"docbot serve did not answer {path} with 200:\n" + log.read_text())


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
        time.sleep(0.2)
    return sum(1 for t in threads if finished(slack, t))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    main()
