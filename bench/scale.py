"""Retrieval at scale: synthetic rows in docbot's real `chunks` table, its real HNSW index and its real query.

    python -m bench.scale [--sizes 10k,100k,1m] [--queries 200] [--m 16] [--ef-construction 64]

For each size (rows are added, never reloaded): drop the HNSW index, COPY rows in, build the index (timed),
then for each ef_search: recall@10 of the vector search against exact search (computed in numpy over the
same vectors) and its latency p50/p99, and the latency of docbot's whole hybrid query (`hybrid_search`:
HNSW + full-text + fusion in one statement; the query vector is given, so the model's time is not in it:
`bench.compare` measures that end to end).

Synthetic vectors: clusters of ~100 (a unit centre plus Gaussian noise of the same norm, so neighbours in
a cluster have cosine ~0.5, as related chunks of real text do); queries are new points near random centres.
Text, which sets how much full-text search has to rank: 800-character pieces of the Python docs corpus
(cycled to fill the rows) and the eval set's questions, when the corpus is there (`--corpus`); otherwise
20 words from a Zipf-like made-up vocabulary, queries of 4 such words. Runs on a scratch embedded
Postgres, removed afterwards.
"""

import argparse
import itertools
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.measure import percentile, say

DIM = 384
CLUSTER_SIZE = 100
VOCABULARY = 20_000
WORDS_PER_ROW = 20
INDEX = "ix_chunks_embedding_hnsw_384"  # the schema's index: recreated with the same name and expression
EF_SEARCH = (40, 60, 100)  # pgvector's default, docbot's retriever (max(40, its 60 candidates)), a wider one
RETRIEVER_EF = 60
REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / ".corpus" / "python-docs" / "usr" / "share" / "doc" / "python3.11" / "html"
EVAL_FILE = REPO.parent / "shared" / "eval" / "python-docs.jsonl"
PIECE_CHARS = 800


def main() -> None:
    args = parse_args()
    rng = np.random.default_rng(args.seed)
    scratch = Path(tempfile.mkdtemp(prefix="docbot-scale-"))
    try:
        run(args, rng, scratch)
    finally:
        from bot.db import embedded

        embedded.stop(scratch / "home")
        shutil.rmtree(scratch, ignore_errors=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="row counts, ascending: e.g. 10k,100k,1m")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--m", type=int, default=16, help="HNSW m (pgvector's default 16)")
    parser.add_argument("--ef-construction", type=int, default=64, help="HNSW ef_construction (pgvector's default 64)")
    parser.add_argument("--maintenance-work-mem", default="3GB", help="for the index build: the graph must fit in it")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="Python docs HTML folder for realistic text")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


@dataclass
class Corpus:
    """The vectors loaded so far (kept here for exact search) and the generator of more."""

    rng: np.random.Generator
    vectors: np.ndarray
    centres: list[np.ndarray]

    def grow(self, count: int) -> np.ndarray:
        clusters = -(-count // CLUSTER_SIZE)
        centres = _unit(self.rng.standard_normal((clusters, DIM), dtype=np.float32))
        self.centres.append(centres)
        rows = np.repeat(centres, CLUSTER_SIZE, axis=0)[:count]
        new = _unit(rows + self.rng.standard_normal(rows.shape, dtype=np.float32) / np.sqrt(DIM))
        self.vectors = np.concatenate([self.vectors, new]) if len(self.vectors) else new
        return new

    def queries(self, count: int) -> np.ndarray:
        centres = np.concatenate(self.centres)
        picked = centres[self.rng.integers(0, len(centres), count)]
        return _unit(picked + self.rng.standard_normal(picked.shape, dtype=np.float32) / np.sqrt(DIM))


def run(args: argparse.Namespace, rng: np.random.Generator, scratch: Path) -> None:
    from bot.db.engine import connect, psycopg_url
    from bot.db.migrate import upgrade
    from bot.settings import load_settings

    database = connect(load_settings(docbot_home=scratch / "home"))
    upgrade(database)
    import psycopg
    from pgvector.psycopg import register_vector

    connection = psycopg.connect(psycopg_url(database.url), autocommit=True)
    register_vector(connection)
    collection_id = connection.execute(
        "INSERT INTO collections (name, embedding_model, embedding_dim) VALUES ('scale', 'synthetic', %s) RETURNING id", (DIM,)
    ).fetchone()[0]
    corpus = Corpus(rng, np.zeros((0, DIM), dtype=np.float32), [])
    texts = corpus_texts(args.corpus) if args.corpus.is_dir() else synthetic_texts(rng)
    say(f"text: {texts.description}")
    server = connection.execute("SELECT current_setting('server_version'), extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    say(f"PostgreSQL {server[0]}, pgvector {server[1]}; HNSW m={args.m} ef_construction={args.ef_construction}, "
        f"maintenance_work_mem={args.maintenance_work_mem}, parallel maintenance workers=1")
    rows = []
    for size in [_count(s) for s in args.sizes.split(",")]:
        connection.execute(f"DROP INDEX IF EXISTS {INDEX}")
        added = size - len(corpus.vectors)
        started = time.perf_counter()
        load(connection, collection_id, corpus, added, texts)
        say(f"{size:,} rows: {added:,} loaded with COPY in {time.perf_counter() - started:.1f} s; building the index ...")
        build_seconds = build_index(connection, args)
        connection.execute("VACUUM ANALYZE chunks")
        queries = corpus.queries(args.queries)
        exact = exact_top10(corpus.vectors, queries)
        for ef in EF_SEARCH:
            recall, p50, p99 = vector_search(connection, collection_id, queries, exact, ef)
            rows.append((size, build_seconds, ef, recall, p50, p99))
            say(f"  ef_search={ef}: recall@10 {recall:.3f}, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        hybrid = hybrid_latency(database, queries, texts)
        rows.append((size, build_seconds, "hybrid", None, *hybrid))
        say(f"  docbot hybrid_search (ef_search={RETRIEVER_EF}, iterative scan relaxed_order): p50 {hybrid[0]:.1f} ms, p99 {hybrid[1]:.1f} ms")
    connection.close()
    database.dispose()
    print_table(rows, args)


def load(connection, collection_id: int, corpus: Corpus, count: int, texts: "Texts") -> None:
    """Binary COPY into `chunks`; one document per 100 chunks."""
    first = len(corpus.vectors)
    vectors = corpus.grow(count)
    documents = connection.execute(
        "INSERT INTO documents (collection_id, source, content_hash)"
        " SELECT %s, 'synthetic/' || g || '.md', md5(g::text) FROM generate_series(%s::int, %s::int) g RETURNING id",
        (collection_id, first // CLUSTER_SIZE, (first + count - 1) // CLUSTER_SIZE),
    ).fetchall()
    with connection.cursor() as cursor, cursor.copy(
        "COPY chunks (document_id, collection_id, position, text, content_hash, embedding_dim, embedding) FROM STDIN WITH (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["int8", "int4", "int4", "text", "varchar", "int4", "vector"])
        for index, text in zip(range(count), texts.rows):
            row = first + index
            document = documents[row // CLUSTER_SIZE - first // CLUSTER_SIZE][0]
            copy.write_row((document, collection_id, row % CLUSTER_SIZE, text, f"{row:064x}", DIM, vectors[index]))


@dataclass
class Texts:
    description: str
    rows: "itertools.cycle[str]"  # endless: rows take the next piece
    questions: "itertools.cycle[str]"


def corpus_texts(html: Path) -> Texts:
    from bs4 import BeautifulSoup

    pieces = []
    for path in sorted(html.rglob("*.html")):
        if path.relative_to(html).parts[0].startswith("_"):
            continue
        text = " ".join(BeautifulSoup(path.read_bytes(), "lxml").get_text(" ").split())
        pieces += [text[i:i + PIECE_CHARS] for i in range(0, len(text), PIECE_CHARS)]
    questions = [json.loads(line)["question"] for line in EVAL_FILE.read_text().splitlines() if line.strip()]
    description = f"{len(pieces):,} pieces of {PIECE_CHARS} characters of the Python docs, cycled; the eval set's {len(questions)} questions"
    return Texts(description, itertools.cycle(pieces), itertools.cycle(questions))


def synthetic_texts(rng: np.random.Generator) -> Texts:
    words = _vocabulary()
    ranks = np.arange(1, VOCABULARY + 1)
    weights = (1 / ranks) / (1 / ranks).sum()

    def rows():
        while True:
            for picks in rng.choice(VOCABULARY, size=(10_000, WORDS_PER_ROW), p=weights):
                yield " ".join(words[w] for w in picks)

    def questions():
        while True:
            yield " ".join(words[w] for w in rng.integers(0, 2_000, 4))

    description = f"{WORDS_PER_ROW} words a row from a Zipf-like {VOCABULARY:,}-word made-up vocabulary; 4-word questions"
    return Texts(description, rows(), questions())


def build_index(connection, args: argparse.Namespace) -> float:
    connection.execute(f"SET maintenance_work_mem = '{args.maintenance_work_mem}'")
    connection.execute("SET max_parallel_maintenance_workers = 1")
    started = time.perf_counter()
    connection.execute(
        f"CREATE INDEX {INDEX} ON chunks USING hnsw ((embedding::vector({DIM})) vector_cosine_ops)"
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


def vector_search(connection, collection_id: int, queries: np.ndarray, exact: list[set[int]], ef: int) -> tuple[float, float, float]:
    """The retriever's vector half on its own: recall@10 against exact search, and latency."""
    first_id = connection.execute("SELECT min(id) FROM chunks").fetchone()[0]
    statement = (
        f"SELECT id FROM chunks WHERE embedding_dim = {DIM} AND collection_id = ANY(%s)"
        f" ORDER BY embedding::vector({DIM}) <=> %s::vector({DIM}) LIMIT 10"
    )
    latencies, recalls = [], []
    with connection.transaction():
        connection.execute(f"SET LOCAL hnsw.ef_search = {ef}")
        connection.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        plan = "\n".join(r[0] for r in connection.execute("EXPLAIN " + statement, ([collection_id], queries[0])))
        if INDEX not in plan:
            say(f"  warning: the vector search does not use {INDEX}:\n{plan}")
        for query, truth in zip(queries, exact):
            started = time.perf_counter()
            ids = connection.execute(statement, ([collection_id], query)).fetchall()
            latencies.append((time.perf_counter() - started) * 1000)
            recalls.append(len({i - first_id for (i,) in ids} & truth) / 10)
    return float(np.mean(recalls)), percentile(latencies, 0.5), percentile(latencies, 0.99)


def hybrid_latency(database, queries: np.ndarray, texts: Texts) -> tuple[float, float]:
    """docbot's own retrieval statement (`hybrid_search`, k=5), the query's embedding given."""
    from bot.answering.retriever import hybrid_search

    latencies = []
    for query, question in zip(queries, texts.questions):
        started = time.perf_counter()
        hybrid_search(database, _GivenVector(query), question, ["scale"], limit=5)
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


def print_table(rows: list[tuple], args: argparse.Namespace) -> None:
    print(f"\nHNSW m={args.m}, ef_construction={args.ef_construction}; iterative scan relaxed_order; "
          f"{args.queries} queries; synthetic clustered 384-d vectors")
    print(f"{'rows':>10}  {'index build s':>13}  {'search':>14}  {'recall@10':>9}  {'p50 ms':>7}  {'p99 ms':>7}")
    for size, build, ef, recall, p50, p99 in rows:
        search = f"hybrid ef={RETRIEVER_EF}" if ef == "hybrid" else f"vector ef={ef}"
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


if __name__ == "__main__":
    main()
