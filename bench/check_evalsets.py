"""Checks eval sets against their corpora before anyone measures with them.

    python -m bench.check_evalsets [--eval-dir bench/eval] [--corpus-root .corpus] [--set NAME ...]

For each `NAME.jsonl` the corpus is fetched as bench/quality.py fetches it, and every question is checked:
- ids are unique; an unanswerable question has no sources and no keywords, an answerable one has both;
- every source file exists in the corpus folder;
- every answer keyword occurs (case-insensitively, whitespace collapsed) in the text docbot's own loader
  reads from at least one of the question's sources, so a keyword no answer could quote is caught.
Prints one line per problem and a summary per set; exits 1 when any set has a problem.
"""

import argparse
import sys
from functools import cache
from pathlib import Path

from bench.quality import eval_sets, fetch_corpus
from bot.answering.evaluation import Case, load_cases


def main() -> int:
    args = parse_args()
    problems = 0
    for name, path in eval_sets(args.eval_dir, args.set):
        cases = load_cases(path)
        folder = fetch_corpus(args.eval_dir, name, args.corpus_root)
        found = [problem for case in cases for problem in case_problems(case, folder)] + duplicate_ids(cases)
        for problem in found:
            print(f"{name}: {problem}")
        answerable = sum(case.answerable for case in cases)
        print(f"{name}: {len(cases)} questions ({answerable} answerable, {len(cases) - answerable} unanswerable), "
              f"{len(documents(folder))} documents, {len(found)} problems")
        problems += len(found)
    return 1 if problems else 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=Path("bench/eval"), help="folder of NAME.jsonl sets and their fetch-NAME.sh")
    parser.add_argument("--corpus-root", type=Path, default=Path(".corpus"), help="where fetch-NAME.sh unpacks corpus NAME (into ROOT/NAME)")
    parser.add_argument("--set", action="append", default=[], help="only this set (repeat for several); default: every set")
    return parser.parse_args()


def case_problems(case: Case, folder: Path) -> list[str]:
    if not case.answerable:
        return [f"{case.id}: unanswerable but lists sources or keywords"] if case.sources or case.answer_keywords else []
    if not case.sources or not case.answer_keywords:
        return [f"{case.id}: answerable but has no sources or no answer_keywords"]
    missing = [source for source in case.sources if not (folder / source).is_file()]
    texts = [indexed_text(folder / source) for source in case.sources if source not in missing]
    unfound = [kw for kw in case.answer_keywords if texts and not any(normalized(kw) in text for text in texts)]
    return [f"{case.id}: source {source} not in {folder}" for source in missing] + [
        f"{case.id}: keyword {kw!r} not in the text of {', '.join(case.sources)}" for kw in unfound
    ]


def duplicate_ids(cases: list[Case]) -> list[str]:
    seen: set[str] = set()
    repeated = [case.id for case in cases if case.id in seen or seen.add(case.id)]
    return [f"{case_id}: id used more than once" for case_id in repeated]


@cache
def indexed_text(path: Path) -> str:
    """The title, headings and section text docbot's loader reads from the file, lower case, whitespace collapsed."""
    from ingestion.loaders import load

    document = load(path.read_bytes(), name=path.name)
    parts = [document.title] + [f"{' '.join(section.headings)} {section.text}" for section in document.sections]
    return normalized(" ".join(parts))


def normalized(text: str) -> str:
    return " ".join(text.lower().split())


def documents(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


if __name__ == "__main__":
    sys.exit(main())
