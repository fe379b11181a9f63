"""The shared eval set (`id, question, sources, kind`, `thread` for follow-ups) and its document-level metrics."""

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    sources: list[str]  # paths relative to the corpus folder; empty: the docs don't answer it
    kind: str
    thread: list[dict] = field(default_factory=list)  # earlier turns: {"role", "text"}

    @property
    def answerable(self) -> bool:
        return bool(self.sources)


def load_questions(path: Path) -> list[Question]:
    questions = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        try:
            questions.append(Question(row["id"], row["question"], list(row["sources"]), row["kind"], row.get("thread", [])))
        except KeyError as missing:
            raise SystemExit(f"{path}:{number}: missing field {missing}") from None
    return questions


def distinct(sources: list[str]) -> list[str]:
    """Documents in the order their best chunk ranked."""
    return list(dict.fromkeys(sources))


def hit_at(questions: list[Question], retrieved: dict[str, list[str]], k: int = 5) -> float:
    """Share of answerable questions with an expected document among the first k distinct documents."""
    scored = [q for q in questions if q.answerable]
    return sum(bool(set(retrieved[q.id][:k]) & set(q.sources)) for q in scored) / len(scored)


def mrr(questions: list[Question], retrieved: dict[str, list[str]], k: int = 5) -> float:
    """Mean of 1/rank of the first expected document within the first k (0 when absent)."""
    scored = [q for q in questions if q.answerable]
    total = 0.0
    for q in scored:
        ranks = [rank for rank, source in enumerate(retrieved[q.id][:k], start=1) if source in q.sources]
        total += 1 / ranks[0] if ranks else 0.0
    return total / len(scored)
