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
    """The question's similarity to the closest chunk the vector search saw (0 when it saw none)."""
    values = [v for h in hits for v in (h.similarity, h.best_similarity) if v is not None]
    return max(values, default=0.0)


@dataclass(frozen=True)
class Relevance:
    """Whether retrieval found something that answers the question, from scores alone.

    The closest chunk's cosine similarity (all-MiniLM-L6-v2) decides, except in a grey zone where
    answerable and unanswerable questions overlap: there a chunk counts only if both searches agree on it
    (one of the top fused chunks ranks within `corroboration_rank` in the vector AND the full-text list).
    Calibrated on the shared Python-docs eval set (see docs/answering.md for the figures and margins);
    another embedding model needs its own numbers.
    """

    min_similarity: float = 0.50  # below: abstain (unanswerable questions reached 0.487; answerable ones 0.492+)
    confident_similarity: float = 0.55  # above: answer
    corroboration_rank: int = 30  # grey zone: answerable questions' best agreement was 20 at worst; unanswerable 43+
    agreeing_hits: int = 3

    def relevant(self, hits: Sequence[Hit]) -> bool:
        best = best_similarity(hits)
        if best < self.min_similarity:
            return False
        return best >= self.confident_similarity or self.corroborated(hits)

    def corroborated(self, hits: Sequence[Hit]) -> bool:
        return any(
            h.vector_rank is not None and h.keyword_rank is not None and max(h.vector_rank, h.keyword_rank) <= self.corroboration_rank
            for h in hits[: self.agreeing_hits]
        )


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
