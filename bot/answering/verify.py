"""Stage 5, verify: each sentence is checked against the sources as it comes; one that fails is not shown.

A sentence passes when, in the text of the sources it cites (all the reply's sources if it cites none;
titles and headings included):
- every identifier it names (code span, `--flag`, dotted, snake_case or CamelCase name) appears verbatim;
- every number and every link appears;
- at most a quarter of its content words are missing (rephrasing and linking words);
- it doesn't negate what its closest source unit affirms, or affirm what it negates;
- it isn't the model declining ("the sources don't say").
The question is no support: words only the asker wrote can't make the bot state them as fact.
"""

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from bot.answering.compose import Sentence
from bot.answering.declines import declines
from bot.answering.evidence import Evidence, Source
from bot.answering.identifiers import bare, identifiers, numbers, urls
from bot.index.terms import content_terms, stem, stems

logger = logging.getLogger(__name__)

MAX_UNSUPPORTED_SHARE = 0.25
# Words an answer may use about itself without the sources saying them.
_ANSWER_WORDS = frozenset(
    """source sources doc docs documentation document documents answer question example examples following
    default call calls called set true false none option options function functions method methods
    module modules parameter parameters argument arguments value values return returns returned""".split()
)
_NEGATION = re.compile(r"\b(not|no|never|cannot|none|without)\b|n't\b", re.IGNORECASE)
_NUMBER_TOKEN = re.compile(r"\d+(?:[.:,]\d+)*")
_LABELLED = re.compile(r"`(?P<label>[^`]+)`: (?P<quote>.+)", re.DOTALL)  # a quote under its API name (units.Unit.shown)


@dataclass(frozen=True)
class Check:
    passed: bool
    reason: str = ""


class Support:
    """What the text of some sources can back: its words, identifiers, numbers, links and units."""

    def __init__(self, sources: Sequence[Source], units: Sequence[str]) -> None:
        source_text = "\n\n".join(f"{h.title}\n{h.heading}\n{h.text}" for s in sources for h in s.hits)
        self.text = " ".join(source_text.split())
        self.stems = stems(source_text)
        self.numbers = set(_NUMBER_TOKEN.findall(source_text))
        self.urls = {_normal(u) for u in urls(source_text)} | {_normal(s.first.url) for s in sources if s.first.url}
        self.units = list(units)


class Verifier:
    """Checks a sentence against the sources it cites (all the reply's sources when it cites none)."""

    def __init__(self, evidence: Evidence) -> None:
        self.evidence = evidence
        self._support: dict[tuple[int, ...], Support] = {}

    def support(self, sources: Sequence[Source]) -> Support:
        chosen = list(sources) or self.evidence.sources
        key = tuple(s.number for s in chosen)
        if key not in self._support:
            units = [u.unit.text for u in self.evidence.units if u.source.number in key]
            self._support[key] = Support(chosen, units)
        return self._support[key]

    def check(self, sentence: Sentence) -> Check:
        text = sentence.text
        support = self.support(sentence.sources)
        if not content_terms(text):
            return Check(False, "says nothing")
        if sentence.quoted and _copied(text, support.text):
            return Check(True)
        if declines(text):
            return Check(False, "declines to answer")
        missing = [name for name in identifiers(text) if bare(name) not in support.text]
        if missing:
            return Check(False, f"{len(missing)} identifiers not in the sources")
        if any(n.rstrip("%") not in support.numbers for n in numbers(text)):
            return Check(False, "a number not in the sources")
        if any(_normal(u) not in support.urls for u in urls(text)):
            return Check(False, "a link not in the sources")
        terms = [t.lstrip("-") for t in content_terms(_strip_code(text))]
        unsupported = [t for t in terms if not _known(t, support.stems)]
        if terms and len(unsupported) / len(terms) > MAX_UNSUPPORTED_SHARE:
            return Check(False, f"{len(unsupported)} of {len(terms)} content words not in the sources")
        if _flips_negation(text, support.units):
            return Check(False, "negation differs from its source")
        return Check(True)


def _copied(text: str, source_text: str) -> bool:
    """A quote as it stands in the source, or `label`: quote where both do (the API name or option it is under)."""
    labelled = _LABELLED.match(text)
    parts = [labelled["label"], labelled["quote"]] if labelled else [text]
    return all(part.removesuffix(" …") in source_text for part in parts)


def _known(term: str, known: set[str]) -> bool:
    if term in _ANSWER_WORDS or stem(term) in known:
        return True
    parts = [p for p in re.split(r"[._]+", term) if p]
    return len(parts) > 1 and all(stem(p) in known for p in parts)


def _flips_negation(text: str, units: Sequence[str]) -> bool:
    """Whether the sentence says "not" where its closest source unit doesn't, or keeps a word the unit negates
    ("needs no approval") without the negation."""
    own = stems(text)
    closest = max(units, key=lambda unit: len(own & stems(unit)), default=None)
    if closest is None or not own & stems(closest):
        return False
    if _NEGATION.search(text):
        return not _NEGATION.search(closest)
    return bool(_negated_terms(closest) & own)


def _negated_terms(text: str) -> set[str]:
    """The stems of the first two content words after each negation ("no approval" → approval)."""
    negated: set[str] = set()
    for match in _NEGATION.finditer(text):
        negated |= {stem(t) for t in content_terms(text[match.end():])[:2]}
    return negated


def verified(sentences: Iterable[Sentence], evidence: Evidence) -> Iterator[Sentence]:
    """The sentences that pass, in order, each as soon as it is checked."""
    verifier = Verifier(evidence)
    dropped = 0
    for sentence in sentences:
        check = verifier.check(sentence)
        if check.passed:
            yield sentence
        else:
            dropped += 1
            logger.debug("sentence not shown reason=%s", check.reason)
    if dropped:
        logger.info("answer sentences not shown count=%d", dropped)


def _strip_code(text: str) -> str:
    return re.sub(r"`[^`]*`", " ", text)


def _normal(url: str) -> str:
    url = url.strip().rstrip(".,;:!?").lower()
    url = re.sub(r"^https?://", "", url)
    url = re.sub(r"^www\.", "", url)
    return url.rstrip("/")
