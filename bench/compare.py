"""docbot against the LangChain baseline, side by side: same machine, corpus, model and Postgres, one run.

    python -m bench.compare [--quick] [--baseline pgvector|pgvectorstore] [--backends onnx-int8,torch]

Prints one table: first ingest (chunks/s, wall time), re-ingest of the unchanged corpus, hit@5 and MRR on
the shared eval set (distinct documents, best first), retrieval latency p50/p95 with the query embedding,
and peak memory. Each phase runs in its own process, so its peak RSS is its own (the Postgres server's
memory is not counted on either side). `--quick` uses the eval set's documents plus a few others.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import baseline
from bench.evalset import Question, distinct, hit_at, load_questions, mrr
from bench.measure import child_env, peak_rss_mb, percentile, say

REPO = Path(__file__).resolve().parents[1]
EVAL_FILE = REPO.parent / "shared" / "eval" / "python-docs.jsonl"
CORPUS_SCRIPT = REPO.parent / "shared" / "eval" / "fetch-python-docs.sh"
K = 5
DEEP = 30  # chunks looked at for "5 distinct documents out of 30 chunks", as `docbot eval` does (k x 6)
ROUNDS = 3  # timed passes over the questions, after one untimed warm-up pass
QUICK_OTHERS = 25  # --quick: every Nth of the other documents joins the eval set's documents


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "phase":
        print(json.dumps(run_phase(json.loads(sys.argv[2]))))
        return
    args = parse_args()
    questions = load_questions(args.eval)
    scratch = Path(tempfile.mkdtemp(prefix="docbot-bench-"))
    try:
        corpus = copy_corpus(args.corpus or fetch_corpus(), scratch / "corpus", questions, args.quick)
        results = run_all(args, corpus, scratch)
    finally:
        stop_postgres(scratch)
        shutil.rmtree(scratch, ignore_errors=True)
    print_table(results, questions, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true",
        help="a slice: the eval set's documents plus every 25th other; the baseline's re-ingest (a full re-embed) is not run",
    )
    parser.add_argument("--corpus", type=Path, help="the Python docs HTML folder (default: fetched into .corpus/)")
    parser.add_argument("--eval", type=Path, default=EVAL_FILE, help="eval set (JSON lines)")
    parser.add_argument("--baseline", choices=baseline.KINDS, default="pgvector")
    parser.add_argument(
        "--backends", default="onnx-int8",
        help="docbot EMBEDDING_BACKENDs, comma-separated; the first is compared with the baseline, the rest add hit@5 rows",
    )
    parser.add_argument("--no-baseline-reingest", action="store_true", help="skip timing the baseline's re-ingest")
    parser.add_argument("--model-cache", type=Path, help="where exported models are cached (default: DOCBOT_MODEL_CACHE)")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    return parser.parse_args()


# ---- orchestration (parent process) ----


def run_all(args: argparse.Namespace, corpus: Path, scratch: Path) -> dict:
    from bot.db.engine import connect
    from bot.db.migrate import upgrade
    from bot.settings import load_settings

    home = scratch / "home"
    cache = args.model_cache or load_settings().model_cache
    settings = load_settings(docbot_home=home, docbot_model_cache=cache)
    database = connect(settings)  # starts the embedded server under the scratch home
    upgrade(database)
    url = database.url
    database.dispose()
    common = {"url": url, "home": str(home), "cache": str(cache), "corpus": str(corpus)}
    files = sum(1 for _ in corpus.rglob("*.html"))
    results: dict = {"files": files, "corpus_mb": round(sum(p.stat().st_size for p in corpus.rglob("*.html")) / 1e6, 1)}
    say(f"corpus: {files} HTML files, {results['corpus_mb']} MB; Postgres at {home}")

    store = f"baseline_{args.baseline}"
    say(f"baseline {args.baseline}: first ingest ...")
    results["baseline_ingest"] = phase("baseline-ingest", common, kind=args.baseline, store=store, count_tokens=True)
    if not (args.no_baseline_reingest or args.quick):
        say(f"baseline {args.baseline}: re-ingest of the unchanged corpus ...")
        results["baseline_reingest"] = phase("baseline-ingest", common, kind=args.baseline, store=store)
    say(f"baseline {args.baseline}: eval questions ...")
    results["baseline_search"] = phase("baseline-search", common, kind=args.baseline, store=store, questions=str(args.eval))

    results["docbot"] = {}
    for backend in args.backends.split(","):
        collection = f"bench-{backend}"
        runs = results["docbot"][backend] = {}
        runs["prepare"] = phase("docbot-prepare", common, backend=backend)
        say(f"docbot {backend}: first ingest ...")
        runs["ingest"] = phase("docbot-ingest", common, backend=backend, collection=collection, count_tokens=True)
        say(f"docbot {backend}: re-ingest of the unchanged corpus ...")
        runs["reingest"] = phase("docbot-ingest", common, backend=backend, collection=collection)
        say(f"docbot {backend}: eval questions ...")
        runs["search"] = phase("docbot-search", common, backend=backend, collection=collection, questions=str(args.eval))
    return results


def phase(name: str, common: dict, **params) -> dict:
    """Runs one phase in a fresh process, so its timings and peak memory are its own."""
    command = [sys.executable, "-m", "bench.compare", "phase", json.dumps({"phase": name, **common, **params})]
    done = subprocess.run(command, cwd=REPO, env=child_env(), stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed (exit {done.returncode})")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    say(f"  {name}: " + ", ".join(f"{k}={v}" for k, v in result.items() if not isinstance(v, (dict, list))))
    return result


def stop_postgres(scratch: Path) -> None:
    from bot.db import embedded

    if (scratch / "home").exists():
        embedded.stop(scratch / "home")


def fetch_corpus() -> Path:
    done = subprocess.run(["bash", str(CORPUS_SCRIPT), str(REPO / ".corpus" / "python-docs")], stdout=subprocess.PIPE, text=True, check=True)
    return Path(done.stdout.strip().splitlines()[-1])


def copy_corpus(html: Path, target: Path, questions: list[Question], quick: bool) -> Path:
    """The HTML pages only (both sides ingest the same files); --quick: the eval's documents plus some others."""
    pages = sorted(p.relative_to(html) for p in html.rglob("*.html") if not p.relative_to(html).parts[0].startswith("_"))
    if quick:
        wanted = {s for q in questions for s in q.sources}
        others = [p for p in pages if str(p) not in wanted]
        pages = [p for p in pages if str(p) in wanted] + others[::QUICK_OTHERS]
    for page in pages:
        (target / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(html / page, target / page)
    return target


# ---- phases (child processes) ----


def run_phase(params: dict) -> dict:
    handlers = {
        "baseline-ingest": baseline_ingest,
        "baseline-search": baseline_search,
        "docbot-prepare": docbot_prepare,
        "docbot-ingest": docbot_ingest,
        "docbot-search": docbot_search,
    }
    result = handlers[params["phase"]](params)
    result["peak_rss_mb"] = round(peak_rss_mb())
    return result


def baseline_ingest(params: dict) -> dict:
    started = time.perf_counter()
    chunks = baseline.ingest(params["kind"], params["url"], params["store"], Path(params["corpus"]))
    seconds = time.perf_counter() - started
    result = {"chunks": chunks, "seconds": round(seconds, 2), "chunks_per_s": round(chunks / seconds, 2)}
    if params.get("count_tokens"):  # after the timing: not part of what the user's script does
        result.update(baseline_truncation(Path(params["corpus"])))
    return result


def baseline_truncation(corpus: Path) -> dict:
    """How many baseline chunks the model cuts short (it reads 256 word pieces): that text is never embedded."""
    from bot.embeddings import load_embedder
    from bot.settings import EmbeddingBackend, load_settings

    embedder = load_embedder(load_settings(embedding_backend=EmbeddingBackend.TORCH))
    counts = [embedder.count_tokens(c.page_content) for c in baseline.split(baseline.load_documents(corpus))]
    return {
        "truncated_share": round(sum(n > embedder.max_tokens for n in counts) / len(counts), 3),
        "mean_tokens": round(sum(counts) / len(counts)),
        "embedded_tokens": sum(min(n, embedder.max_tokens) for n in counts),
    }


def baseline_search(params: dict) -> dict:
    store = baseline.open_store(params["kind"], params["url"], params["store"], baseline.embeddings(), fresh=False)

    def search(question: Question, depth: int) -> list[str]:
        return [d.metadata["source"] for d in store.similarity_search(question.question, k=depth)]

    return timed_questions(load_questions(Path(params["questions"])), search)


def docbot_settings(params: dict):
    from bot.settings import load_settings

    return load_settings(
        database_url=params["url"], docbot_home=params["home"], docbot_model_cache=params["cache"], embedding_backend=params["backend"]
    )


def docbot_prepare(params: dict) -> dict:
    """Loads the embedder once, exporting it if the cache lacks it: a one-time cost, kept out of the ingest figures."""
    from bot.embeddings import load_embedder

    started = time.perf_counter()
    load_embedder(docbot_settings(params))
    return {"load_or_export_seconds": round(time.perf_counter() - started, 2)}


def docbot_ingest(params: dict) -> dict:
    from bot.db.engine import connect
    from ingestion.pipeline import ingest

    settings = docbot_settings(params)
    database = connect(settings)
    started = time.perf_counter()
    summary = ingest(database, settings, [params["corpus"]], params["collection"])
    seconds = time.perf_counter() - started
    tokens = docbot_tokens(database, settings, params["collection"]) if params.get("count_tokens") else {}
    database.dispose()
    return {
        **tokens,
        "chunks": summary.chunks_written,
        "embedded": summary.chunks_embedded,
        "unchanged": summary.unchanged,
        "skipped": len(summary.skipped),
        "seconds": round(seconds, 2),
        "chunks_per_s": round(summary.chunks_written / seconds, 2),
    }


def docbot_tokens(database, settings, collection: str) -> dict:
    """Word pieces the model read for the stored chunks (heading path and text, as embedded), after the timing."""
    from sqlalchemy import text

    from bot.embeddings import load_embedder

    embedder = load_embedder(settings)
    with database.session() as session:
        rows = session.execute(
            text("SELECT heading_path, chunks.text FROM chunks JOIN collections c ON c.id = collection_id WHERE c.name = :name"),
            {"name": collection},
        ).all()
    counts = [embedder.count_tokens(f"{heading}\n\n{body}" if heading else body) for heading, body in rows]
    return {"mean_tokens": round(sum(counts) / max(1, len(counts))), "embedded_tokens": sum(min(n, embedder.max_tokens) for n in counts)}


def docbot_search(params: dict) -> dict:
    from bot.answering.service import AnswerService
    from bot.answering.types import Turn
    from bot.db.engine import connect

    settings = docbot_settings(params)
    service = AnswerService(settings, connect(settings))
    service.embedder  # noqa: B018 - loaded before timing, as the baseline's model is

    def search(question: Question, depth: int) -> list[str]:
        history = [Turn(t["role"], t["text"]) for t in question.thread]
        retrieval = service.retrieve(question.question, collections=[params["collection"]], history=history, k=depth)
        return [hit.source for hit in retrieval.hits]

    return timed_questions(load_questions(Path(params["questions"])), search)


def timed_questions(questions: list[Question], search) -> dict:
    """Scores the k=5 ranking and the 30-chunk one (untimed, also the warm-up), then times k=5 searches."""
    retrieved = {q.id: distinct(search(q, K)) for q in questions}
    deep = {q.id: distinct(search(q, DEEP)) for q in questions}
    latencies = []
    for _ in range(ROUNDS):
        for question in questions:
            started = time.perf_counter()
            search(question, K)
            latencies.append((time.perf_counter() - started) * 1000)
    return {
        "hit_at_5": round(hit_at(questions, retrieved, K), 3),
        "mrr": round(mrr(questions, retrieved, K), 3),
        "hit_at_5_standalone": round(hit_at([q for q in questions if not q.thread], retrieved, K), 3),
        "hit_at_5_deep": round(hit_at(questions, deep, K), 3),
        "mrr_deep": round(mrr(questions, deep, K), 3),
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "retrieved": retrieved,
    }


# ---- the table ----


def print_table(results: dict, questions: list[Question], args: argparse.Namespace) -> None:
    backends = list(results["docbot"])
    main_backend = backends[0]
    base, mine = results, results["docbot"][main_backend]
    b_ingest, d_ingest = base["baseline_ingest"], mine["ingest"]
    b_re = base.get("baseline_reingest")
    b_search, d_search = base["baseline_search"], mine["search"]
    answerable = sum(q.answerable for q in questions)
    rows = [
        ("first ingest: chunks", b_ingest["chunks"], d_ingest["chunks"], ""),
        ("first ingest: wall s", b_ingest["seconds"], d_ingest["seconds"], _times(b_ingest["seconds"], d_ingest["seconds"])),
        ("first ingest: chunks/s", b_ingest["chunks_per_s"], d_ingest["chunks_per_s"], _ratio(d_ingest["chunks_per_s"], b_ingest["chunks_per_s"])),
        ("first ingest: word pieces embedded/s", _per_second(b_ingest), _per_second(d_ingest), _ratio(_per_second(d_ingest), _per_second(b_ingest))),
        ("chunk size, mean word pieces", b_ingest["mean_tokens"], d_ingest["mean_tokens"], ""),
        ("re-ingest unchanged: wall s", b_re["seconds"] if b_re else "not run", mine["reingest"]["seconds"],
         _times(b_re["seconds"], mine["reingest"]["seconds"]) if b_re else ""),
        ("re-ingest: chunks embedded", b_re["chunks"] if b_re else "", mine["reingest"]["embedded"], ""),
        ("first / re-ingest (own)", _times(b_ingest["seconds"], b_re["seconds"]) if b_re else "",
         _times(d_ingest["seconds"], mine["reingest"]["seconds"]), ""),
        (f"hit@5 ({answerable} questions)", b_search["hit_at_5"], d_search["hit_at_5"], f"{d_search['hit_at_5'] - b_search['hit_at_5']:+.3f}"),
        ("hit@5 without follow-ups", b_search["hit_at_5_standalone"], d_search["hit_at_5_standalone"],
         f"{d_search['hit_at_5_standalone'] - b_search['hit_at_5_standalone']:+.3f}"),
        ("MRR", b_search["mrr"], d_search["mrr"], f"{d_search['mrr'] - b_search['mrr']:+.3f}"),
        (f"hit@5, 5 docs of {DEEP} chunks", b_search["hit_at_5_deep"], d_search["hit_at_5_deep"],
         f"{d_search['hit_at_5_deep'] - b_search['hit_at_5_deep']:+.3f}"),
        (f"MRR, 5 docs of {DEEP} chunks", b_search["mrr_deep"], d_search["mrr_deep"], f"{d_search['mrr_deep'] - b_search['mrr_deep']:+.3f}"),
        ("retrieval p50 ms", b_search["p50_ms"], d_search["p50_ms"], _ratio(d_search["p50_ms"], b_search["p50_ms"])),
        ("retrieval p95 ms", b_search["p95_ms"], d_search["p95_ms"], _ratio(d_search["p95_ms"], b_search["p95_ms"])),
        ("peak RSS ingest MB", b_ingest["peak_rss_mb"], d_ingest["peak_rss_mb"], _ratio(d_ingest["peak_rss_mb"], b_ingest["peak_rss_mb"])),
        ("peak RSS search MB", b_search["peak_rss_mb"], d_search["peak_rss_mb"], _ratio(d_search["peak_rss_mb"], b_search["peak_rss_mb"])),
    ]
    for backend in backends[1:]:
        other = results["docbot"][backend]
        rows.append((f"docbot {backend}: hit@5 / MRR", "", f"{other['search']['hit_at_5']} / {other['search']['mrr']}",
                     f"{main_backend} {d_search['hit_at_5'] - other['search']['hit_at_5']:+.3f}"))
        rows.append((f"docbot {backend}: same, 5 docs of {DEEP}", "", f"{other['search']['hit_at_5_deep']} / {other['search']['mrr_deep']}",
                     f"{main_backend} {d_search['hit_at_5_deep'] - other['search']['hit_at_5_deep']:+.3f}"))
        rows.append((f"docbot {backend}: first ingest chunks/s", "", other["ingest"]["chunks_per_s"],
                     _ratio(d_ingest["chunks_per_s"], other["ingest"]["chunks_per_s"]) + f" for {main_backend}"))
    mode = "quick slice" if args.quick else "full corpus"
    print(f"\nPython docs, {mode}: {results['files']} HTML files ({results['corpus_mb']} MB); {os.cpu_count()} CPUs")
    print(f"baseline: {args.baseline}, 1000/200-char chunks ({b_ingest['mean_tokens']} word pieces on average, "
          f"{b_ingest['truncated_share']:.0%} cut at the model's 256), HuggingFaceEmbeddings, similarity_search(k={K})")
    print(f"docbot: EMBEDDING_BACKEND={main_backend}, hybrid retrieval (follow-ups rewritten from the thread), k={K} chunks")
    print(f"hit@5 and MRR: distinct documents, best first, among k={K} chunks (and among {DEEP}, as `docbot eval` counts); "
          f"latency: k={K}, query embedding included, {ROUNDS} rounds of the {len(questions)} questions\n")
    headers = ("", f"baseline ({args.baseline})", f"docbot ({main_backend})", "docbot vs baseline")
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(4)]
    for row in [headers, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i]) for i, cell in enumerate(row)))


def _per_second(ingest: dict) -> int:
    return round(ingest["embedded_tokens"] / ingest["seconds"])


def _ratio(mine: float, theirs: float) -> str:
    return f"{mine / theirs:.2f}x" if theirs else ""


def _times(slow: float, fast: float) -> str:
    return f"{slow / fast:.1f}x faster" if fast else ""


if __name__ == "__main__":
    main()
