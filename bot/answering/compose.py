"""Stage 4, compose the reply: sentences, each with the sources it comes from, in the order they are shown.

Two writers:
- **the evidence itself** (the bundled 135M model, or `ANSWER_WRITER=evidence`): the best-scoring unit
  leads, then the next best, each copied from its source. A small model's own claims are never shown:
  a word check can't tell "yes" from "no".
- **a model** (remote backends, a local `LLM_MODEL` of a billion parameters or more, or
  `ANSWER_WRITER=model`): it writes from the fenced sources; its text is cut into sentences as it
  streams, and the best units follow as quotes a reader can check.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.answering.evidence import Evidence, Scored, Source
from bot.answering.llm import LLM
from bot.answering.llm.streaming import stream_pieces
from bot.answering.prompt import format_sources, prompt_for, prompt_question
from bot.answering.declines import declines

MAX_UNITS = 5  # the lead and up to four more
MAX_CODE_UNITS = 1  # one line of code illustrates; more is a listing torn out of context
MAX_REPLY_CHARS = 1100
UNIT_MARGIN = 0.3  # a unit scoring this far below the lead is not worth the reader's time
MODEL_QUOTES = 2  # after a model's answer, its best supporting units

_CITATION = re.compile(r"\s*\[(\d+)\]")
# A sentence ends at . ! ? (then any citation marks), before whitespace and a capital, digit, code or quote.
_BOUNDARY = re.compile(r"[.!?](?:\s*\[\d+\])*(?=\s+[A-Z0-9`\"'(*])|\n+(?=\S)")


@dataclass(frozen=True)
class Sentence:
    text: str  # without citation marks
    sources: tuple[Source, ...]  # what it says it comes from (empty: the model cited nothing)
    quoted: bool  # copied from a source, not written


def from_evidence(evidence: Evidence) -> Iterator[Sentence]:
    yield from quoted(choose_units(evidence.units))


def quoted(units: Iterable[Scored]) -> Iterator[Sentence]:
    """Units as sentences; an API name labels the first unit under it (the later ones read under it)."""
    labels: set[str] = set()
    for scored in units:
        unit = scored.unit
        text = unit.shown if unit.label and unit.label not in labels else unit.text
        labels.add(unit.label)
        yield Sentence(text, (scored.source,), quoted=True)


def choose_units(units: list[Scored]) -> list[Scored]:
    """The lead (best) unit, then the next best that are close to it, in reading order."""
    # A lead-in ("the following pattern should be used:") says nothing without the code it introduces.
    units = [u for u in units if not u.unit.text.rstrip(" *_").endswith(":")] or units
    if not units:
        return []
    lead = next((u for u in units if not u.unit.code), units[0])  # code follows the prose that explains it
    chosen = [lead]
    # The sentence after the lead in its paragraph comes with it: documentation states a caveat, then its
    # remedy ("`os.cpus().length` should not be used… Use `os.availableParallelism()` for this purpose.").
    chosen += [u for u in units if u.unit.follows and u.source is lead.source and u.order == lead.order + 1][:1]
    opening = len(chosen)
    length = sum(len(c.unit.text) for c in chosen)
    for scored in units:
        if scored is lead:
            continue
        if scored in chosen:
            continue
        if len(chosen) == MAX_UNITS or scored.score < lead.score - UNIT_MARGIN:
            break
        if length + len(scored.unit.text) > MAX_REPLY_CHARS or any(scored.unit.text in c.unit.text for c in chosen):
            continue
        if scored.unit.code and sum(c.unit.code for c in chosen) >= MAX_CODE_UNITS:
            continue
        chosen.append(scored)
        length += len(scored.unit.text)
    return [*chosen[:opening], *sorted(chosen[opening:], key=lambda s: s.order)]


class ModelReply:
    """A writing model's sentences as it streams them, then its best supporting units as quotes.

    If every sentence the model wrote says the sources don't answer, it declined: no quotes follow (they
    would answer what the model judged unanswered), and `declined` is set for the reply to be an abstention.
    """

    def __init__(self, evidence: Evidence, llm: LLM) -> None:
        self.evidence = evidence
        self.llm = llm
        self.declined = False

    def __iter__(self) -> Iterator[Sentence]:
        evidence = self.evidence
        standalone = evidence.judged.retrieved.standalone
        inputs = {"sources": format_sources(evidence.sources, evidence), "question": prompt_question(standalone.question, standalone.context)}
        written = declining = 0
        for text in sentences_of(stream_pieces(self.llm, prompt_for(self.llm.chat), inputs)):
            sentence = cited(text, evidence.sources)
            written += 1
            declining += declines(sentence.text)
            yield sentence
        if written and declining == written:
            self.declined = True
            return
        yield from quoted(evidence.units[:MODEL_QUOTES])


def from_model(evidence: Evidence, llm: LLM) -> ModelReply:
    return ModelReply(evidence, llm)


def sentences_of(pieces: Iterable[str]) -> Iterator[str]:
    """Complete sentences as soon as the stream has them (a sentence ends once the next one has begun)."""
    buffer = ""
    for piece in pieces:
        buffer += piece
        while (end := _BOUNDARY.search(buffer)) is not None:
            sentence, buffer = buffer[: end.end()], buffer[end.end():]
            if sentence.strip():
                yield sentence.strip()
    if buffer.strip():
        yield buffer.strip()


def cited(text: str, sources: list[Source]) -> Sentence:
    """A written sentence with its citation marks taken out and resolved; marks that point nowhere are dropped."""
    numbers = [int(n) for n in _CITATION.findall(text)]
    by_number = {s.number: s for s in sources}
    cited_sources = tuple(dict.fromkeys(by_number[n] for n in numbers if n in by_number))
    return Sentence(_CITATION.sub("", text).strip(), cited_sources, quoted=False)
