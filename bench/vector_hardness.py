"""How hard bench/scale.py's synthetic vectors are for a nearest-neighbour index, beside real embeddings.

    python -m bench.vector_hardness --corpus HTML --eval JSONL [--rows 5000] [--home DIR]

Recall at a million rows can't be measured on real embeddings here (no million-chunk corpus), so this
compares the two at the same number of rows by what makes a graph index miss:
- local intrinsic dimensionality (the maximum-likelihood estimate over each query's 20 nearest): how many
  directions the neighbourhood spreads in; a greedy graph walk needs more steps and more breadth as it grows;
- the gap between the 10th and 11th nearest (cosine distance, relative to the 10th): a small gap means the
  top 10 is one of many near-ties, and a search that reaches the neighbourhood still swaps members of it;
- relative contrast (the mean distance over the nearest one): near 1, every row is about as far as the nearest.

Real: the first `--rows` 800-character pieces of the Python docs, embedded with docbot's bundled model, and
the eval set's questions as queries. Synthetic: the same number of rows and queries from bench/scale.py's
generator.
"""

import argparse
import json
from pathlib import Path

import numpy as np

from bench.measure import say
from bench.scale import corpus_texts, generate, query_vectors

NEIGHBOURS = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="Python docs HTML folder")
    parser.add_argument("--eval", type=Path, required=True, help="eval set (JSON lines): its questions are the real queries")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--home", type=Path, help="DOCBOT_HOME for the model cache")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    real_rows, real_queries = real_vectors(args)
    synthetic_rows, centres = generate(args.rows, args.seed)
    synthetic_queries = query_vectors(centres, len(real_queries), args.seed)
    print(f"\n{args.rows:,} rows, {len(real_queries)} queries; medians over the queries (cosine distance)")
    print(f"{'vectors':<28} {'LID@20':>7} {'gap 10→11':>10} {'d1':>6} {'d10':>6} {'contrast':>9}")
    for name, rows, queries in (("MiniLM, Python docs", real_rows, real_queries), ("bench/scale.py synthetic", synthetic_rows, synthetic_queries)):
        figures = hardness(rows, queries)
        print(f"{name:<28} {figures['lid']:>7.1f} {figures['gap']:>10.4f} {figures['d1']:>6.3f} {figures['d10']:>6.3f} {figures['contrast']:>9.2f}")


def real_vectors(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    from bot.embeddings.factory import load_embedder
    from bot.settings import load_settings

    texts = corpus_texts(args.corpus, args.eval)
    pieces = texts.rows[: args.rows]
    questions = [json.loads(line)["question"] for line in args.eval.read_text().splitlines() if line.strip()]
    embedder = load_embedder(load_settings(**({"docbot_home": args.home} if args.home else {})))
    say(f"embedding {len(pieces):,} pieces and {len(questions)} questions ...")
    rows = np.vstack([embedder.embed_documents(pieces[i:i + 64]) for i in range(0, len(pieces), 64)])
    queries = np.vstack([embedder.embed_query(q) for q in questions])
    return _unit(rows), _unit(queries)


def hardness(rows: np.ndarray, queries: np.ndarray) -> dict[str, float]:
    distances = 1 - queries @ rows.T
    nearest = np.sort(np.partition(distances, NEIGHBOURS, axis=1)[:, : NEIGHBOURS + 1], axis=1)
    nearest = np.maximum(nearest, 1e-9)
    k = nearest[:, :NEIGHBOURS]
    lid = -1 / np.mean(np.log(k / k[:, -1:]), axis=1)
    return {
        "lid": float(np.median(lid)),
        "gap": float(np.median((nearest[:, 10] - nearest[:, 9]) / nearest[:, 9])),
        "d1": float(np.median(nearest[:, 0])),
        "d10": float(np.median(nearest[:, 9])),
        "contrast": float(np.median(distances.mean(axis=1) / nearest[:, 0])),
    }


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


if __name__ == "__main__":
    main()
