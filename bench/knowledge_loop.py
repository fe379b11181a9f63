"""The knowledge loop's costs: saving a thread (first save, unchanged, grown) and grouping knowledge gaps.

    python -m bench.knowledge_loop [--threads 10,100,400] [--gaps 1000,5000]

Threads are saved by the real ThreadSaver (conversations.replies, users.info, chat.getPermalink against the
Slack Web API stand-in on loopback, then the real pipeline and embedder) into a fresh embedded Postgres.
Grouping: the real eval questions (all distinct, so every question they merge is a false merge), and the
grouping step alone on synthetic unit vectors, whose time grows with the square of the count.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.measure import say
from bot.db import embedded
from bot.db.engine import connect
from bot.db.migrate import upgrade
from bot.embeddings import load_embedder
from bot.settings import load_settings
from bot.slack.common.client import build_client
from bot.slack.knowledge.gap_groups import group_by_meaning
from bot.slack.knowledge.thread_saver import SaveRequest, ThreadSaver
from tests.slack.slack_requests import BOT_TOKEN
from tests.slack.workspace_api import WorkspaceSlackApi

EVAL_SETS = [Path("/work/shared/eval/python-docs.jsonl"), Path("/work/shared/eval/node-docs.jsonl")]
WORDS = "deploy cache staging token rotate tunnel certificate rollback queue worker pager rota schema index".split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", default="10,100,400", help="thread lengths (messages) to save")
    parser.add_argument("--gaps", default="1000,5000", help="synthetic question counts to group")
    parser.add_argument("--eval", nargs="*", type=Path, default=EVAL_SETS, help="eval sets whose questions are grouped")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="docbot-knowledge-"))
    say(f"working in {home}")
    settings = load_settings(database_url=embedded.start(home), docbot_home=home)
    embedder = load_embedder(settings)
    save_threads(settings, [int(n) for n in args.threads.split(",")])
    group_eval_questions(embedder, [p for p in args.eval if p.exists()])
    group_synthetic([int(n) for n in args.gaps.split(",")])


def save_threads(base_settings, lengths: list[int]) -> None:
    with WorkspaceSlackApi(bot_token=BOT_TOKEN) as slack:
        settings = base_settings.model_copy(update={"slack_bot_token": base_settings.slack_bot_token or BOT_TOKEN, "slack_api_url": slack.url})
        settings = load_settings(**{**settings.model_dump(exclude_none=True), "slack_bot_token": BOT_TOKEN})
        database = connect(settings)
        upgrade(database)
        saver = ThreadSaver(database, settings, build_client(settings))
        for person in range(8):
            slack.add_person(f"U{person:03d}", f"Person {person}")
        print("save a thread    messages  first save  unchanged  one more message")
        for length in lengths:
            channel = f"C{length:06d}"
            root = slack.say(channel, "U000", "How do we rotate the staging certificate without downtime?")
            for n in range(1, length):
                words = " ".join(WORDS[(n * k) % len(WORDS)] for k in range(1, 25))
                slack.say(channel, f"U{n % 8:03d}", f"Reply {n}: {words}.", thread_ts=root)
            request = SaveRequest(team_id=slack.team_id, channel_id=channel, thread_ts=root, user_id="U000")  # the asker: saved at once
            first = timed(lambda: saver.save(request))
            unchanged = timed(lambda: saver.save(request))
            slack.say(channel, "U001", "And afterwards restart the tunnel.", thread_ts=root)
            grown = timed(lambda: saver.save(request))
            print(f"                 {length:8d}  {first:9.2f}s  {unchanged:8.2f}s  {grown:15.2f}s")
        database.dispose()


def group_eval_questions(embedder, paths: list[Path]) -> None:
    questions = [json.loads(line)["question"] for path in paths for line in path.read_text().splitlines() if line.strip()]
    if not questions:
        return
    started = time.monotonic()
    vectors = np.asarray(embedder.embed_documents(questions), dtype=np.float32)
    embedded_in = time.monotonic() - started
    started = time.monotonic()
    grouping = group_by_meaning(vectors)
    grouped_in = time.monotonic() - started
    merged = sum(len(g) for g in grouping.groups if len(g) > 1)
    print(f"\neval questions (all distinct): {len(questions)} → {len(grouping.groups)} groups, {merged} distinct questions "
          f"grouped together, threshold {grouping.threshold:.3f}; embedding {embedded_in:.2f}s, grouping {grouped_in * 1000:.0f} ms")


def group_synthetic(counts: list[int]) -> None:
    rng = np.random.default_rng(0)
    print("\ngroup synthetic questions   count  groups  seconds")
    for count in counts:
        topics = rng.normal(size=(max(1, count // 10), 384))
        vectors = topics[rng.integers(0, len(topics), count)] + rng.normal(scale=0.8, size=(count, 384))
        vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
        started = time.monotonic()
        grouping = group_by_meaning(vectors)
        print(f"                          {count:7d}  {len(grouping.groups):6d}  {time.monotonic() - started:7.2f}")


def timed(work) -> float:
    started = time.monotonic()
    work()
    return time.monotonic() - started


if __name__ == "__main__":
    main()
