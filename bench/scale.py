"""Retrieval at scale: synthetic rows in docbot's real `chunks` table, its real HNSW index and its real query.

    python -m bench.scale [--sizes 10k,100k,1m] [--queries 200] [--ef 40,100] [--iterative-scan off,relaxed_order]
                          [--m 16] [--ef-construction 64] [--storage vector|halfvec] [--home DIR] [--corpus HTML --eval JSONL]

Each size gets its own database holding exactly that many rows: COPY the rows in, build the HNSW index
(timed), then for each iterative scan mode and ef_search: recall@10 of the vector search against exact
search (computed in numpy over the same vectors) and its latency p50/p99; then the latency of docbot's whole
hybrid query (`hybrid_search`: HNSW + full-text + fusion in one statement) at each ef_search and at the one
its own rule picks for the index's size (bot/index/hnsw.py), and of its full-text half alone. The query
vector is given, so the model's time is in neither: `bench.compare` measures that end to end.

`--home DIR` keeps each size's database in DIR/<size> and reuses it on the next run: rows already there are
not loaded again and the index is kept (its build time is the one recorded when it was built) unless it
was built with other `--m`, `--ef-construction` or `--storage`: then it is rebuilt. Without it, the
databases live in a scratch folder removed afterwards.

Synthetic vectors: clusters of 100 (a unit centre plus Gaussian noise of the same norm, so neighbours in
a cluster have cosine ~0.5, as related chunks of real text do), generated block by block from the seed,
so a kept database's vectors are regenerated exactly for the exact search; queries are new points near
random centres. Text, which sets how much full-text search has to do: with `--corpus`, 800-character
pieces of the Python docs (cycled to fill the rows) and the eval set's questions; otherwise 20 words from a
Zipf-like made-up vocabulary, queries of 4 such words.
"""

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.measure import percentile, say

DIM = 384
CLUSTER_SIZE = 100
BLOCK = 10_000  # rows generated from one seed: a kept database's vectors are rebuilt block by block
VOCABULARY = 20_000
WORDS_PER_ROW = 20
INDEX = "ix_chunks_embedding_hnsw_384"  # the schema's index: recreated with the same name and expression
COLLECTION = "scale"
PIECE_CHARS = 800
WARM_UP = 20  # queries run untimed before each latency series: the first ones read the index from disk
BUILD_RECORD = "index-build.json"  # in a kept size's folder: how its index was built and how long it took
STORAGES = ("vector", "halfvec")


def main() -> None:
    args = parse_args()
    scratch = None if args.home else Path(tempfile.mkdtemp(prefix="docbot-scale-"))
    root = args.home or scratch
    texts = corpus_texts(args.corpus, args.eval) if args.corpus else synthetic_texts(args.seed)
    say(f"text: {texts.description}")
    rows = []
    try:
        for size in [_count(s) for s in args.sizes.split(",")]:
            rows += measure_size(args, root / _label(size), size, texts)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    print_table(rows, args)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="row counts: e.g. 10k,100k,1m")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--ef", help="hnsw.ef_search values for the vector and hybrid rows (default: 40, 60 and 100)")
    parser.add_argument("--iterative-scan", default="relaxed_order",
                        help="hnsw.iterative_scan values for the vector rows, comma-separated: off, relaxed_order, strict_order")
    parser.add_argument("--m", type=int, default=16, help="HNSW m (pgvector's default 16)")
    parser.add_argument("--ef-construction", type=int, default=64, help="HNSW ef_construction (pgvector's default 64)")
    parser.add_argument("--storage", choices=STORAGES, default="vector",
                        help="the index's element type: halfvec (2-byte floats) halves its size; its rows are the vector half only, "
                             "since docbot's statement searches vector(384)")
    parser.add_argument("--maintenance-work-mem", default="3GB", help="for the index build: the graph must fit in it")
    parser.add_argument("--home", type=Path, help="keep each size's database under this folder and reuse it")
    parser.add_argument("--corpus", type=Path, help="Python docs HTML folder, for realistic text")
    parser.add_argument("--eval", type=Path, help="eval set (JSON lines) whose questions are the queries' text; with --corpus")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.corpus and not args.eval:
        parser.error("--corpus needs --eval (the questions that go with that text)")
    return args


# ---- one size ----


def measure_size(args: argparse.Namespace, home: Path, size: int, texts: "Texts") -> list[tuple]:
    from bot.index.hnsw import ef_search_for
    from bot.index.search import CANDIDATES
    from bot.db.engine import connect, psycopg_url
    from bot.db.migrate import upgrade
    from bot.settings import load_settings
    import psycopg
    from pgvector.psycopg import register_vector

    database = connect(load_settings(docbot_home=home))
    try:
        upgrade(database)
        connection = psycopg.connect(psycopg_url(database.url), autocommit=True)
        register_vector(connection)
        if size == _count(args.sizes.split(",")[0]):
            server = connection.execute(
                "SELECT current_setting('server_version'), extversion FROM pg_extension WHERE extname = 'vector'"
            ).fetchone()
            say(f"PostgreSQL {server[0]}, pgvector {server[1]}; HNSW m={args.m} ef_construction={args.ef_construction}, "
                f"maintenance_work_mem={args.maintenance_work_mem}, parallel maintenance workers=1")
        collection_id, present = _collection(connection)
        if present > size:
            raise SystemExit(f"{home} holds {present:,} rows, more than {size:,}: use another --home")
        if present < size:
            connection.execute(f"DROP INDEX IF EXISTS {INDEX}")
            started = time.perf_counter()
            load(connection, collection_id, present, size, texts, args.seed)
            say(f"{size:,} rows: {size - present:,} loaded with COPY in {time.perf_counter() - started:.1f} s; building the index ...")
        build = {"m": args.m, "ef_construction": args.ef_construction, "storage": args.storage}
        build_seconds = _kept_build_seconds(home, connection, build)
        if build_seconds is None:
            say(f"{size:,} rows: building the index {build} ...")
            build_seconds = build_index(connection, args)
            (home / BUILD_RECORD).write_text(json.dumps({"rows": size, "seconds": build_seconds, **build}))
            connection.execute("VACUUM ANALYZE chunks")
            say(f"  built in {build_seconds:.1f} s")
        vectors, centres = generate(size, args.seed)
        queries = query_vectors(centres, args.queries, args.seed)
        exact = exact_top10(vectors, queries)
        del vectors
        rows = []
        efs = sorted({int(e) for e in args.ef.split(",")} if args.ef else {40, 60, CANDIDATES})
        for scan in args.iterative_scan.split(","):
            for ef in efs:
                recall, missed, p50, p99, cpu = vector_search(connection, collection_id, queries, exact, ef, scan, args.storage)
                rows.append((size, build_seconds, f"vector ef={ef}" + ("" if scan == "relaxed_order" else f" {scan}"), recall, p50, p99))
                say(f"  ef_search={ef} iterative_scan={scan}: recall@10 {recall:.3f} ({missed} of {len(queries)} queries "
                    f"found none of their 10), p50 {p50:.1f} ms, p99 {p99:.1f} ms, server CPU {cpu:.1f} ms a query")
        if args.storage != "vector":
            say("  hybrid rows left out: docbot's statement searches vector(384), which this index does not serve")
            connection.close()
            return rows
        ruled = ef_search_for(connection.execute("SELECT reltuples FROM pg_class WHERE relname = %s", (INDEX,)).fetchone()[0])
        for ef in [*efs, None]:
            p50, p99 = retriever_latency(database, queries, texts, "hybrid", ef)
            rows.append((size, build_seconds, f"hybrid ef={ef or f'{ruled} (rule)'}", None, p50, p99))
            say(f"  hybrid_search ef_search={ef or f'{ruled} (rule)'}: p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        p50, p99 = retriever_latency(database, queries, texts, "keyword", None)
        rows.append((size, build_seconds, "keyword k=5", None, p50, p99))
        say(f"  hybrid_search mode=keyword: p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        p50, p99 = retrieve_latency(database, queries, texts)
        rows.append((size, build_seconds, "retrieve()", None, p50, p99))
        say(f"  retrieve() (answering's whole first stage): p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        connection.close()
    finally:
        database.dispose()  # the embedded server stops when this process exits
    return rows


def _collection(connection) -> tuple[int, int]:
    found = connection.execute("SELECT id FROM collections WHERE name = %s", (COLLECTION,)).fetchone()
    if found is None:
        found = connection.execute(
            "INSERT INTO collections (name, embedding_model, embedding_dim) VALUES (%s, 'synthetic', %s) RETURNING id", (COLLECTION, DIM)
        ).fetchone()
    present = connection.execute("SELECT count(*) FROM chunks WHERE collection_id = %s", (found[0],)).fetchone()[0]
    return found[0], present


def _kept_build_seconds(home: Path, connection, build: dict) -> float | None:
    """The kept index's build time, if it was built as `build` asks (records from before the options: pgvector's defaults)."""
    record = home / BUILD_RECORD
    has_index = connection.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", (INDEX,)).fetchone()
    if not (has_index and record.exists()):
        return None
    kept = {"m": 16, "ef_construction": 64, "storage": "vector", **json.loads(record.read_text())}
    if any(kept[key] != value for key, value in build.items()):
        return None
    return kept["seconds"]


# ---- rows ----


def generate(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `count` rows' vectors and every cluster centre among them, the same for every run with `seed`."""
    blocks = [_block(seed, b) for b in range(-(-count // BLOCK))]
    vectors = np.concatenate([v for v, _ in blocks])[:count]
    centres = np.concatenate([c for _, c in blocks])[: -(-count // CLUSTER_SIZE)]
    return vectors, centres


def _block(seed: int, block: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, block])
    centres = _unit(rng.standard_normal((BLOCK // CLUSTER_SIZE, DIM), dtype=np.float32))
    rows = np.repeat(centres, CLUSTER_SIZE, axis=0)
    return _unit(rows + rng.standard_normal(rows.shape, dtype=np.float32) / np.sqrt(DIM)), centres


def query_vectors(centres: np.ndarray, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, -1 % 2**32])
    picked = centres[rng.integers(0, len(centres), count)]
    return _unit(picked + rng.standard_normal(picked.shape, dtype=np.float32) / np.sqrt(DIM))


def load(connection, collection_id: int, first: int, end: int, texts: "Texts", seed: int) -> None:
    """Binary COPY of rows `first` to `end` into `chunks`; one document per cluster of 100 chunks."""
    connection.execute(
        "INSERT INTO documents (collection_id, source, content_hash)"
        " SELECT %s, 'synthetic/' || g || '.md', md5(g::text) FROM generate_series(%s::int, %s::int) g ON CONFLICT DO NOTHING",
        (collection_id, first // CLUSTER_SIZE, (end - 1) // CLUSTER_SIZE),
    )
    documents = dict(connection.execute(
        "SELECT (regexp_match(source, '[0-9]+'))[1]::int, id FROM documents WHERE collection_id = %s", (collection_id,)
    ).fetchall())
    with connection.cursor() as cursor, cursor.copy(
        "COPY chunks (document_id, collection_id, position, text, content_hash, embedding_dim, embedding) FROM STDIN WITH (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["int8", "int4", "int4", "text", "varchar", "int4", "vector"])
        for block in range(first // BLOCK, -(-end // BLOCK)):
            vectors, _ = _block(seed, block)
            for row in range(max(first, block * BLOCK), min(end, (block + 1) * BLOCK)):
                copy.write_row((documents[row // CLUSTER_SIZE], collection_id, row % CLUSTER_SIZE, texts.row(row),
                                f"{row:064x}", DIM, vectors[row - block * BLOCK]))


@dataclass
class Texts:
    description: str
    rows: list[str]  # row i's text is rows[i % len(rows)]
    questions: list[str]

    def row(self, index: int) -> str:
        return self.rows[index % len(self.rows)]

    def queries(self) -> Iterator[str]:
        while True:
            yield from self.questions


def corpus_texts(html: Path, eval_file: Path) -> Texts:
    from bs4 import BeautifulSoup

    pieces = []
    for path in sorted(html.rglob("*.html")):
        if path.relative_to(html).parts[0].startswith("_"):
            continue
        text = " ".join(BeautifulSoup(path.read_bytes(), "lxml").get_text(" ").split())
        pieces += [text[i:i + PIECE_CHARS] for i in range(0, len(text), PIECE_CHARS)]
    questions = [json.loads(line)["question"] for line in eval_file.read_text().splitlines() if line.strip()]
    description = f"{len(pieces):,} pieces of {PIECE_CHARS} characters of the Python docs, cycled; the eval set's {len(questions)} questions"
    return Texts(description, pieces, questions)


def synthetic_texts(seed: int) -> Texts:
    rng = np.random.default_rng([seed, 1])
    words = _vocabulary()
    ranks = np.arange(1, VOCABULARY + 1)
    weights = (1 / ranks) / (1 / ranks).sum()
    rows = [" ".join(words[w] for w in picks) for picks in rng.choice(VOCABULARY, size=(50_000, WORDS_PER_ROW), p=weights)]
    questions = [" ".join(words[w] for w in rng.integers(0, 2_000, 4)) for _ in range(500)]
    description = f"{WORDS_PER_ROW} words a row from a Zipf-like {VOCABULARY:,}-word made-up vocabulary; 4-word questions"
    return Texts(description, rows, questions)


# ---- measuring ----


def build_index(connection, args: argparse.Namespace) -> float:
    connection.execute(f"SET maintenance_work_mem = '{args.maintenance_work_mem}'")
    connection.execute("SET max_parallel_maintenance_workers = 1")
    connection.execute(f"DROP INDEX IF EXISTS {INDEX}")
    started = time.perf_counter()
    connection.execute(
        f"CREATE INDEX {INDEX} ON chunks USING hnsw ((embedding::{args.storage}({DIM})) {args.storage}_cosine_ops)"
        f" WITH (m = {args.m}, ef_construction = {args.ef_construction}) WHERE embedding_dim = {DIM}"
    )
    return time.perf_counter() - started


def exact_top10(vectors: np.ndarray, queries: np.ndarray) -> list[set[int]]:
    """Row positions of the 10 nearest vectors by cosine (all unit length: the dot product)."""
    found = []
    for start in range(0, len(queries), 50):
        scores = queries[start:start + 50] @ vectors.T
        found += [set(np.argpartition(-row, 10)[:10].tolist()) for row in scores]
    return found


def vector_search(
    connection, collection_id: int, queries: np.ndarray, exact: list[set[int]], ef: int, scan: str, storage: str
) -> tuple[float, int, float, float, float]:
    """The retriever's vector half on its own: recall@10 against exact search, how many queries found none
    of their 10 (the search never reached their cluster), latency p50 and p99, and the server's CPU time a
    query (load-independent: on a busy machine latency also counts the time spent waiting for a core)."""
    vector, query = f"embedding::{storage}({DIM})", f"%s::vector({DIM})::{storage}({DIM})"
    statement = (  # content_hash holds the row's position (see `load`)
        f"SELECT content_hash FROM chunks WHERE embedding_dim = {DIM} AND collection_id = ANY(%s)"
        f" ORDER BY {vector} <=> {query} LIMIT 10"
    )
    latencies, recalls = [], []
    backend = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
    with connection.transaction():
        connection.execute(f"SET LOCAL hnsw.ef_search = {ef}")
        connection.execute(f"SET LOCAL hnsw.iterative_scan = {scan}")
        plan = "\n".join(r[0] for r in connection.execute("EXPLAIN " + statement, ([collection_id], queries[0])))
        if INDEX not in plan:
            say(f"  warning: the vector search does not use {INDEX}:\n{plan}")
        for number, (query_vector, truth) in enumerate(zip(queries, exact)):
            if number == WARM_UP:
                cpu_started = _cpu_seconds(backend)
            started = time.perf_counter()
            ids = connection.execute(statement, ([collection_id], query_vector)).fetchall()
            if number >= WARM_UP:
                latencies.append((time.perf_counter() - started) * 1000)
            recalls.append(len({int(h, 16) for (h,) in ids} & truth) / 10)
    cpu_ms = (_cpu_seconds(backend) - cpu_started) * 1000 / len(latencies)
    return float(np.mean(recalls)), recalls.count(0.0), percentile(latencies, 0.5), percentile(latencies, 0.99), cpu_ms


def _cpu_seconds(pid: int) -> float:
    """CPU time a server process has used (Linux): what a query costs, whatever else shares the machine."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def retriever_latency(database, queries: np.ndarray, texts: Texts, mode: str, ef: int | None) -> tuple[float, float]:
    """docbot's own retrieval statement (`hybrid_search`, k=5), the query's embedding given, after 20 untimed;
    `ef`: its hnsw.ef_search fixed (None: its own rule)."""
    from bot.index.search import hybrid_search

    latencies = []
    for number, (query, question) in enumerate(zip(queries, texts.queries())):
        started = time.perf_counter()
        hybrid_search(database, _GivenVector(query), question, [COLLECTION], limit=5, mode=mode, ef_search=ef)
        if number >= WARM_UP:
            latencies.append((time.perf_counter() - started) * 1000)
    return percentile(latencies, 0.5), percentile(latencies, 0.99)


def retrieve_latency(database, queries: np.ndarray, texts: Texts) -> tuple[float, float]:
    """Answering's whole first stage (`retrieve`: both searches, the vocabulary look-ups, the first documents'
    closest sections, the calibration read), the query's embedding given, after 20 untimed."""
    from bot.answering.retrieve import retrieve

    latencies = []
    for number, (query, question) in enumerate(zip(queries, texts.queries())):
        started = time.perf_counter()
        retrieve(database, _GivenVector(query), question, [COLLECTION])
        if number >= WARM_UP:
            latencies.append((time.perf_counter() - started) * 1000)
    return percentile(latencies, 0.5), percentile(latencies, 0.99)


@dataclass
class _GivenVector:
    """Stands in for the model: the synthetic query already is a vector."""

    vector: np.ndarray
    model_name: str = "synthetic"
    dimension: int = DIM

    def embed_query(self, text: str) -> np.ndarray:
        return self.vector

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        # The collection's calibration (measured once, in the untimed queries) sees the query vector for every probe.
        return np.tile(self.vector, (len(texts), 1))


def print_table(rows: list[tuple], args: argparse.Namespace) -> None:
    print(f"\nHNSW m={args.m}, ef_construction={args.ef_construction}, {args.storage}; vector rows: iterative scan relaxed_order unless named; "
          f"{args.queries} queries; synthetic clustered 384-d vectors")
    print(f"{'rows':>10}  {'index build s':>13}  {'search':>14}  {'recall@10':>9}  {'p50 ms':>7}  {'p99 ms':>7}")
    for size, build, search, recall, p50, p99 in rows:
        recall_text = "" if recall is None else f"{recall:.3f}"
        print(f"{size:>10,}  {build:>13.1f}  {search:>14}  {recall_text:>9}  {p50:>7.1f}  {p99:>7.1f}")


def _vocabulary() -> list[str]:
    """Pronounceable made-up words (so the English stemmer keeps them apart), the same for every run."""
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    words = []
    for i in range(VOCABULARY):
        word, n = "", i + 1
        while n:
            n, c = divmod(n, len(consonants))
            n, v = divmod(n, len(vowels))
            word += consonants[c] + vowels[v]
        words.append(word + "x")
    return words


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _count(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def _label(size: int) -> str:
    return f"{size // 1_000_000}m" if size % 1_000_000 == 0 else f"{size // 1_000}k" if size % 1_000 == 0 else str(size)


if __name__ == "__main__":
    main()
