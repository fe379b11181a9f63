"""`docbot eval`: retrieval and answer quality on a JSONL question set (the format of shared/eval/python-docs.jsonl).

Each line: {"id", "question", "sources": [expected document sources], "answer_keywords": [...],
"kind": "single" | "multi" | "followup" | "unanswerable", "thread": [{"role", "text"}, ...] (follow-ups)}.
"""

import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.answering.service import AnswerService
from bot.answering.types import Turn
from bot.errors import EvalFileError

UNANSWERABLE = "unanswerable"


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    sources: tuple[str, ...]
    answer_keywords: tuple[str, ...]
    kind: str
    thread: tuple[Turn, ...] = ()

    @property
    def answerable(self) -> bool:
        return self.kind != UNANSWERABLE


@dataclass
class Result:
    case: Case
    retrieved: list[str]  # distinct documents, best first
    abstained: bool
    best_similarity: float
    answer: str | None = None
    replaced_by_quotes: bool = False
    first_token_seconds: float | None = None
    answer_seconds: float | None = None
    keywords_found: list[str] = field(default_factory=list)
    context: str | None = None  # the source text a writing model would be given (None: answers not run)
    context_keywords_found: list[str] = field(default_factory=list)

    @property
    def rank(self) -> int | None:
        """1-based rank of the first expected source among the retrieved documents."""
        return next((i for i, source in enumerate(self.retrieved, start=1) if source in self.case.sources), None)

    def line(self) -> dict[str, Any]:
        return {"id": self.case.id, "retrieved": self.retrieved, "answer": self.answer, "abstained": self.abstained, "context": self.context}


def load_cases(path: Path) -> list[Case]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise EvalFileError(f"Cannot read {path}: {error.strerror or error}") from None
    cases = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            cases.append(Case(
                id=str(item["id"]),
                question=str(item["question"]),
                sources=tuple(item.get("sources") or ()),
                answer_keywords=tuple(item.get("answer_keywords") or ()),
                kind=str(item.get("kind") or "single"),
                thread=tuple(Turn(role=t["role"], text=t["text"]) for t in item.get("thread") or ()),
            ))
        except (ValueError, KeyError, TypeError) as error:
            raise EvalFileError(f"{path}:{number}: not an eval case ({type(error).__name__}: {error}); expected JSON with id and question") from None
    if not cases:
        raise EvalFileError(f"{path} holds no questions.")
    return cases


def run_case(service: AnswerService, case: Case, collections: Sequence[str], k: int, answers: bool) -> Result:
    judged = service.judge(case.question, collections=collections, history=case.thread)
    hits = service.search(judged.retrieved.standalone.search, collections=collections, k=k * 6)
    retrieved = list(dict.fromkeys(h.source for h in hits))[:k]
    result = Result(case, retrieved, abstained=not judged.relevant, best_similarity=judged.retrieved.best_similarity)
    if not answers:
        return result
    started = time.monotonic()
    first: list[float] = []

    def note_first_token(_: str) -> None:
        if not first:
            first.append(time.monotonic())

    answer = service.answer(case.question, collections=collections, history=case.thread, on_token=note_first_token)
    result.answer_seconds = time.monotonic() - started
    result.first_token_seconds = first[0] - started if first else None
    result.answer, result.abstained, result.replaced_by_quotes = answer.text, answer.abstained, answer.replaced_by_quotes
    result.keywords_found = found_in(case.answer_keywords, answer.text)
    result.context = service.model_context(judged)
    result.context_keywords_found = found_in(case.answer_keywords, result.context)
    return result


def found_in(keywords: Sequence[str], text: str) -> list[str]:
    """The keywords `text` contains, case ignored."""
    return [kw for kw in keywords if kw.lower() in text.lower()]


def summarize(results: Sequence[Result], k: int) -> dict[str, Any]:
    answerable = [r for r in results if r.case.answerable]
    unanswerable = [r for r in results if not r.case.answerable]
    answered = [r for r in answerable if r.answer is not None and r.case.answer_keywords]  # answers were run
    generated = [r for r in results if r.answer_seconds is not None and not r.abstained]
    return {
        "questions": len(results),
        "k": k,
        f"hit@{k}": _mean([1.0 if r.rank else 0.0 for r in answerable]),
        "mrr": _mean([1.0 / r.rank if r.rank else 0.0 for r in answerable]),
        "keyword_recall": _mean([len(r.keywords_found) / len(r.case.answer_keywords) for r in answered]) if answered else None,
        "context_keyword_recall": _mean([len(r.context_keywords_found) / len(r.case.answer_keywords) for r in answered]) if answered else None,
        "abstention_accuracy": _mean([1.0 if r.abstained == (not r.case.answerable) else 0.0 for r in results]),
        "unanswerable_abstained": f"{sum(r.abstained for r in unanswerable)}/{len(unanswerable)}",
        "answerable_abstained": f"{sum(r.abstained for r in answerable)}/{len(answerable)}",
        "replaced_by_quotes": sum(r.replaced_by_quotes for r in results) if generated else None,
        "first_token_seconds_p50": _median([r.first_token_seconds for r in generated if r.first_token_seconds is not None]),
        "answer_seconds_p50": _median([r.answer_seconds for r in generated]),
        "answer_seconds_max": round(max(r.answer_seconds for r in generated), 2) if generated else None,
    }


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 3) if values else None


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None
