"""The guard: decisions that don't trust the model.

- Abstain when retrieval found nothing relevant enough (the model never says "I don't know").
- Check that a generated answer is supported by its sources: every number, and nearly every content
  word, must appear in the sources or the question. A model that invents "SQL Server 2020" fails.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answering.retriever import Hit
from bot.answering.terms import content_terms, is_number, stem, stems, tokens

# Cosine similarity (all-MiniLM-L6-v2) of the best chunk below which the docs are taken not to answer.
# Calibrated on the shared eval set (answerable vs unanswerable questions): see docs/answering.md.
MIN_SIMILARITY = 0.45
# The share of an answer's content words that may be absent from its sources (rephrasing, linking words).
MAX_UNSUPPORTED_SHARE = 0.25
# Words an answer may use about itself without the sources saying them.
_ANSWER_WORDS = frozenset(
    """source sources doc docs documentation document documents answer question example examples following
    default call calls called set true false none yes no option options function functions method methods
    python module modules parameter parameters argument arguments value values return returns returned""".split()
)
_CITATION = re.compile(r"\[\d+\]")
_LIST_NUMBER = re.compile(r"^\s*\d+[.)]\s", re.MULTILINE)
# What a model writes when it declines: with relevant sources found, that is no answer either.
_DECLINES = re.compile(
    r"\b(i (do not|don't|cannot|can't) (know|find|answer|help)|not (mentioned|provided|specified|in the sources?|found)|"
    r"no information|(sources?|documents?|context) (do(es)? not|don't|doesn't) (say|mention|contain|provide))\b",
    re.IGNORECASE,
)


def best_similarity(hits: Sequence[Hit]) -> float:
    return max((h.similarity for h in hits if h.similarity is not None), default=0.0)


def relevant_enough(hits: Sequence[Hit], min_similarity: float = MIN_SIMILARITY) -> bool:
    return best_similarity(hits) >= min_similarity


@dataclass(frozen=True)
class Support:
    supported: bool
    unsupported: tuple[str, ...]  # the content words and numbers the sources don't have
    reason: str = ""


def check_support(answer: str, evidence: Sequence[str], question: str = "") -> Support:
    """Whether the sources (and the question) back the answer's content words and numbers."""
    body = _LIST_NUMBER.sub(" ", _CITATION.sub(" ", answer))
    terms = [t.lstrip("-") for t in content_terms(body)]
    if not terms:
        return Support(False, (), "the answer says nothing")
    if _DECLINES.search(body):
        return Support(False, (), "the model declined to answer from the sources")
    known_stems = stems(" ".join([*evidence, question]))
    known_numbers = {t for t in tokens(" ".join([*evidence, question])) if is_number(t)}
    unsupported = [t for t in terms if not _known(t, known_stems, known_numbers)]
    numbers = [t for t in unsupported if is_number(t)]
    if numbers:
        return Support(False, tuple(unsupported), f"numbers not in the sources: {', '.join(numbers)}")
    share = len(unsupported) / len(terms)
    if share > MAX_UNSUPPORTED_SHARE:
        return Support(False, tuple(unsupported), f"{len(unsupported)} of {len(terms)} content words not in the sources")
    return Support(True, tuple(unsupported))


def _known(term: str, known_stems: set[str], known_numbers: set[str]) -> bool:
    if is_number(term):
        return term.rstrip("%") in known_numbers or term in known_numbers
    if term in _ANSWER_WORDS or stem(term) in known_stems:
        return True
    parts = [p for p in re.split(r"[._]+", term) if p]
    return len(parts) > 1 and all(stem(p) in known_stems or p in _ANSWER_WORDS for p in parts)
