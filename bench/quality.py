"""Answer quality on every eval set: each set's corpus in its own collection, one table per set.

    python -m bench.quality [--eval-dir ../shared/eval] [--corpus-root .corpus] [--set NAME ...]
                            [--no-answers] [--no-ingest] [--details FILE]

For each `NAME.jsonl` in the eval folder, `fetch-NAME.sh CORPUS_ROOT/NAME` there unpacks the corpus (or
just prints its folder when it is there already), the folder is ingested into the collection NAME
(incrementally: an unchanged corpus costs a read and a hash per file), and every question is answered
with the configured models (DOCBOT_HOME / DATABASE_URL, LLM_BACKEND, EMBEDDING_BACKEND as usual).

The table (Markdown, for docs/answering.md):
- hit@5 and MRR: an expected document among the first 5 distinct documents retrieved, and 1/rank;
- keyword recall: the share of a question's `answer_keywords` found in the answer text (answerable questions);
- context keyword recall: the share found in the source text a writing model would be given (`docbot eval
  --json`'s `context`): the ceiling of the model mode (abstentions included, so refusals don't hide it);
- answerable abstained, unanswerable abstained;
- invented identifiers: answers naming an identifier (code span, --flag, dotted, snake_case or CamelCase
  name) that appears nowhere in the collection's text;
- answer seconds p50, over the answers that were not abstentions.
"""

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from bench.measure import say
from bot.answering.evaluation import Case, Result, load_cases, run_case, summarize
from bot.answering.identifiers import bare, identifiers
from bot.db.engine import Database

K = 5


def main() -> None:
    args = parse_args()
    from bot.db.engine import connect
    from bot.db.migrate import upgrade
    from bot.settings import load_settings

    settings = load_settings()
    database = connect(settings)
    upgrade(database)
    sets = eval_sets(args.eval_dir, args.set)
    tables = []
    try:
        for name, path in sets:
            cases = load_cases(path)
            if not args.no_ingest or not collection_exists(database, name):
                ingest_corpus(database, settings, name, fetch_corpus(args.eval_dir, name, args.corpus_root))
            results = evaluate(database, settings, name, cases, answers=not args.no_answers, details=args.details)
            tables.append(table(name, results, CorpusText.load(database, name)))
            print(tables[-1], flush=True)
    finally:
        database.dispose()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"), help="folder of NAME.jsonl sets and their fetch-NAME.sh")
    parser.add_argument("--corpus-root", type=Path, default=Path(".corpus"), help="where fetch-NAME.sh unpacks corpus NAME (into ROOT/NAME)")
    parser.add_argument("--set", action="append", default=[], help="only this set (repeat for several); default: every set")
    parser.add_argument("--no-answers", action="store_true", help="retrieval and abstention only: no answers generated")
    parser.add_argument("--no-ingest", action="store_true", help="use the collection as it is when it exists")
    parser.add_argument("--details", type=Path, help="also write one JSON line per question here (NAME is put before the suffix)")
    return parser.parse_args()


def eval_sets(folder: Path, only: list[str]) -> list[tuple[str, Path]]:
    found = sorted((path.stem, path) for path in folder.glob("*.jsonl"))
    if not found:
        raise SystemExit(f"No eval sets (*.jsonl) in {folder}: pass --eval-dir.")
    unknown = set(only) - {name for name, _ in found}
    if unknown:
        raise SystemExit(f"No eval set named {', '.join(sorted(unknown))} in {folder}.")
    return [(name, path) for name, path in found if not only or name in only]


def fetch_corpus(eval_dir: Path, name: str, root: Path) -> Path:
    script = eval_dir / f"fetch-{name}.sh"
    if not script.is_file():
        raise SystemExit(f"Eval set {name} has no {script.name} in {eval_dir} to fetch its corpus.")
    done = subprocess.run(["bash", str(script), str(root / name)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{script} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    folder = Path(done.stdout.strip().splitlines()[-1])
    if not folder.is_dir():
        raise SystemExit(f"{script} printed {folder}, which is not a folder.")
    return folder


def collection_exists(database: Database, name: str) -> bool:
    with database.session() as session:
        return session.execute(text("SELECT 1 FROM collections WHERE name = :name"), {"name": name}).first() is not None


def ingest_corpus(database: Database, settings, name: str, folder: Path) -> None:
    from ingestion.pipeline import ingest

    say(f"{name}: ingesting {folder} (incremental)…")
    summary = ingest(database, settings, [str(folder)], collection=name)
    say(
        f"{name}: {summary.files_seen} files, {summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged, "
        f"{len(summary.skipped)} skipped, {summary.chunks_embedded} chunks embedded, {summary.seconds:.0f} s"
    )


def evaluate(database: Database, settings, name: str, cases: list[Case], *, answers: bool, details: Path | None) -> list[Result]:
    from bot.answering.service import AnswerService

    service = AnswerService(settings, database)
    results = []
    lines = []
    for number, case in enumerate(cases, start=1):
        result = run_case(service, case, [name], K, answers=answers)
        results.append(result)
        say(f"{name} {number}/{len(cases)} {case.id}: rank {result.rank or '-'}, abstained {result.abstained}, "
            f"keywords {len(result.keywords_found)}/{len(case.answer_keywords)}")
        lines.append(json.dumps({**result.line(), "kind": case.kind, "rank": result.rank, "best_similarity": result.best_similarity,
                                 "keywords_found": result.keywords_found, "context_keywords_found": result.context_keywords_found,
                                 "answer_seconds": result.answer_seconds}, ensure_ascii=False))
    if details:
        target = details.with_name(f"{details.stem}.{name}{details.suffix or '.jsonl'}")
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return results


@dataclass
class CorpusText:
    """All of a collection's text (chunks, headings, titles) in one string, for "does it appear anywhere"."""

    text: str

    @classmethod
    def load(cls, database: Database, collection: str) -> "CorpusText":
        with database.session() as session:
            rows = session.execute(
                text(
                    "SELECT d.title, c.heading_path, c.text FROM chunks c JOIN documents d ON d.id = c.document_id "
                    "JOIN collections k ON k.id = c.collection_id WHERE k.name = :name"
                ),
                {"name": collection},
            ).all()
        # Whitespace collapsed, as code spans are compared.
        return cls("\n".join(" ".join(f"{title or ''}\n{heading or ''}\n{body}".split()) for title, heading, body in rows))

    def invented(self, answer: str) -> list[str]:
        return [name for name in identifiers(answer) if bare(name) not in self.text]


def hit_at_1(results: list[Result]) -> float | None:
    answerable = [r for r in results if r.case.answerable]
    return round(sum(r.rank == 1 for r in answerable) / len(answerable), 3) if answerable else None


def table(name: str, results: list[Result], corpus: CorpusText) -> str:
    summary = summarize(results, K)
    answered = [r for r in results if r.answer is not None and not r.abstained]
    invented = {r.case.id: corpus.invented(r.answer or "") for r in answered}
    invented = {case_id: names for case_id, names in invented.items() if names}
    for case_id, names in invented.items():
        say(f"{name} {case_id}: invented {', '.join(names)}")
    answerable = sum(r.case.answerable for r in results)
    rows = [
        ("questions", f"{len(results)} ({answerable} answerable)"),
        ("hit@1", hit_at_1(results)),
        (f"hit@{K}", summary[f"hit@{K}"]),
        ("MRR", summary["mrr"]),
        ("keyword recall", summary["keyword_recall"]),
        ("context keyword recall", summary["context_keyword_recall"]),
        ("answerable abstained", summary["answerable_abstained"]),
        ("unanswerable abstained", summary["unanswerable_abstained"]),
        ("answers with invented identifiers", f"{len(invented)}/{len(answered)}" if answered else "-"),
        ("answer seconds p50", summary["answer_seconds_p50"]),
    ]
    body = "\n".join(f"| {measure} | {'-' if value is None else value} |" for measure, value in rows)
    return f"\n### {name}\n\n| measure | value |\n| --- | --- |\n{body}\n"


if __name__ == "__main__":
    sys.exit(main())
