"""Ingest speed on the Python 3.11 docs: chunks/s of a first ingest, seconds of a re-ingest of the unchanged corpus.

    python bench/ingest.py                      # fetches the corpus, uses a fresh embedded Postgres
    python bench/ingest.py --corpus DIR --database-url postgresql://...
    python bench/ingest.py --corpus DIR --profile ingest.prof   # also: where the first ingest's time went

Prints documents, chunks, chunks/s, the re-ingest's seconds, peak memory, whether the eval set's sources
(`../shared/eval/python-docs.jsonl`, e.g. `library/pathlib.html`) are all among the documents, and the
vector-only retrieval hit@5 on its answerable questions: a check of the chunking, not of answering's
hybrid retrieval.
"""

import argparse
import cProfile
import json
import os
import pstats
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
FETCH = REPO.parent / "shared" / "eval" / "fetch-python-docs.sh"
EVAL = REPO.parent / "shared" / "eval" / "python-docs.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="Folder of the Python docs HTML (default: fetched into .corpus/)")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a fresh embedded server, removed after)")
    parser.add_argument("--collection", default="python-docs")
    parser.add_argument("--profile", type=Path, help="profile the first ingest (cProfile): stats written here, top entries printed")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the embedded server on the way out

    from bot.db.engine import connect
    from bot.db.migrate import upgrade
    from bot.embeddings import load_embedder
    from bot.settings import load_settings
    from ingestion.pipeline import ingest

    corpus = args.corpus or subprocess.run(
        ["bash", str(FETCH), str(REPO / ".corpus" / "python-docs")], check=True, capture_output=True, text=True
    ).stdout.strip()
    home = Path(tempfile.mkdtemp(prefix="docbot-bench-"))
    try:
        settings = load_settings(database_url=args.database_url, docbot_home=home)
        database = connect(settings)
        upgrade(database)
        started = time.monotonic()
        embedder = load_embedder(settings)
        print(f"model {embedder.model_name} ({embedder.dimension} dims) loaded in {time.monotonic() - started:.1f} s")

        profiler = cProfile.Profile() if args.profile else None
        first = (profiler.runcall if profiler else _call)(
            ingest, database, settings, [corpus], args.collection, progress=_progress_every(10)
        )
        print(f"first ingest: {first.added} documents, {first.chunks_written} chunks ({first.chunks_embedded} embedded), "
              f"{len(first.skipped)} files skipped, {first.seconds:.1f} s -> {first.chunks_per_second:.1f} chunks/s, {first.pages_per_second:.2f} pages/s")

        again = ingest(database, settings, [corpus], args.collection)
        print(f"re-ingest of the unchanged corpus: {again.unchanged} unchanged, {again.chunks_embedded} embedded, {again.seconds:.1f} s")

        if profiler:
            _print_profile(profiler, args.profile)
        print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        _check_eval_sources(database, args.collection)
        _vector_hit_at_5(database, embedder, args.collection)
        for source, reason in first.skipped:
            print(f"  skipped {source}: {reason}")
        database.dispose()
    finally:
        if not args.database_url:
            from bot.db import embedded

            embedded.stop(home)
        shutil.rmtree(home, ignore_errors=True)


def _call(function, *args, **kwargs):
    return function(*args, **kwargs)


def _print_profile(profiler: cProfile.Profile, path: Path) -> None:
    profiler.dump_stats(str(path))
    stats = pstats.Stats(str(path))
    print(f"profile of the first ingest written to {path}; by own time:")
    stats.sort_stats("tottime").print_stats(12)
    print("by cumulative time:")
    stats.sort_stats("cumulative").print_stats(25)


def _progress_every(seconds: float):
    from ingestion.progress import every

    return every(seconds, lambda progress: print(f"  {progress.describe()}", file=sys.stderr, flush=True))


def _eval_questions() -> list[dict]:
    return [json.loads(line) for line in EVAL.read_text().splitlines() if line.strip()] if EVAL.exists() else []


def _vector_hit_at_5(database, embedder, collection: str) -> None:
    from sqlalchemy import text

    questions = [q for q in _eval_questions() if q["sources"]]
    if not questions:
        return
    hits = followup_hits = 0
    with database.session() as session:
        for question in questions:
            vector = "[" + ",".join(f"{x:.7f}" for x in embedder.embed_query(question["question"])) + "]"
            top = session.execute(text(
                f"SELECT d.source FROM chunks c JOIN documents d ON d.id = c.document_id JOIN collections k ON k.id = c.collection_id"
                f" WHERE k.name = :name AND c.embedding_dim = {embedder.dimension}"
                f" ORDER BY c.embedding::vector({embedder.dimension}) <=> CAST(:v AS vector({embedder.dimension})) LIMIT 5"
            ), {"name": collection, "v": vector}).scalars().all()
            hit = bool(set(top) & set(question["sources"]))
            hits += hit
            followup_hits += hit and question.get("kind") == "followup"
    followups = sum(q.get("kind") == "followup" for q in questions)
    standalone = len(questions) - followups
    print(f"vector-only hit@5 on the eval set's answerable questions: {hits}/{len(questions)} = {hits / len(questions):.2f}; "
          f"without follow-ups (they need the conversation): {hits - followup_hits}/{standalone} = {(hits - followup_hits) / max(standalone, 1):.2f}")


def _check_eval_sources(database, collection: str) -> None:
    if not EVAL.exists():
        return
    from sqlalchemy import text

    wanted = {source for question in _eval_questions() for source in question["sources"]}
    with database.session() as session:
        present = {row[0] for row in session.execute(text(
            "SELECT d.source FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = :name"), {"name": collection})}
    missing = sorted(wanted - present)
    print(f"eval sources present: {len(wanted) - len(missing)}/{len(wanted)}" + (f" (missing: {', '.join(missing)})" if missing else ""))


if __name__ == "__main__":
    main()
