"""Stage 3, gather evidence: the documents a reply may draw on, cut into units and scored against the question.

A unit's score is its cosine similarity to the question (the unit embedded with its heading, term or
lead-in) plus the share of the question's terms it contains, each term weighted by how rare it is among
the candidate units (a term every unit has says nothing about which one answers).

The lead is then chosen by what the question asks for (answer_kind.py: a number for "how many", a time
for "when", a code span for "which command", a modal or negation for "can I"): of the units scoring
within `LEAD_MARGIN` of the best, the first that states it leads. The sentence that explains a topic
shares the question's words; the one that answers often doesn't ("It gives up after 3 attempts").
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answering.answer_kind import Kind, answers_kind, asked
from bot.answering.relevance import Judged
from bot.index.search import Hit
from bot.index.terms import content_terms, stems
from bot.answering.units import Unit, split_units
from bot.embeddings import Embedder

TERM_WEIGHT = 0.5  # a unit with all of the question's terms gains as much as half the full similarity scale
LEAD_MARGIN = 0.3  # as close to the best as compose.py's UNIT_MARGIN: a unit the reply would show anyway
RANK_WEIGHT = 0.05  # ties go to the chunk retrieval ranked higher
CONTEXT_SHARE = 0.5


@dataclass(frozen=True)
class Source:
    """One document and its retrieved chunks, best first; `number` is its place in the prompt."""

    number: int
    hits: tuple[Hit, ...]

    @property
    def first(self) -> Hit:
        return self.hits[0]

    @property
    def text(self) -> str:
        return "\n\n".join(h.text for h in self.hits)

    @property
    def label(self) -> str:
        hit = self.first
        return source_label(hit.title, hit.heading, hit.source)


@dataclass(frozen=True)
class Scored:
    unit: Unit
    source: Source
    score: float
    order: int  # reading order: by source number, then chunk, then place in the chunk
    chunk_id: int = 0  # the chunk it was cut from


@dataclass(frozen=True)
class Evidence:
    judged: Judged
    sources: list[Source]
    units: list[Scored]  # best first

    @property
    def question(self) -> str:
        return self.judged.retrieved.standalone.question

    def sections(self, source: Source) -> list[Hit]:
        """The source's chunks, those holding its best-scoring units first (then the rest as retrieved)."""
        best: dict[int, float] = {}
        for scored in self.units:
            if scored.source is source:
                best.setdefault(scored.chunk_id, scored.score)  # units are best first
        place = {hit.chunk_id: i for i, hit in enumerate(source.hits)}
        return sorted(source.hits, key=lambda h: (h.chunk_id not in best, -best.get(h.chunk_id, 0.0), place[h.chunk_id]))

    @property
    def text(self) -> str:
        """Everything a claim may be checked against: every source's titles, headings and text."""
        return "\n\n".join(f"{h.title}\n{h.heading}\n{h.text}" for s in self.sources for h in s.hits)


def gather(judged: Judged, embedder: Embedder, limit: int, *, for_model: bool = False) -> Evidence:
    """The best `limit` documents and their scored units: for a reply built from the evidence, the first
    and those relevant in their own right (a weak page's units would crowd the reply); for a writing
    model, the first `limit` (it reads them all, and what it isn't given it can't answer from)."""
    hits = judged.retrieved.hits
    floor = 0.0 if for_model else judged.floor
    documents = {hits[0].document_id} | {h.document_id for h in hits if (h.similarity or 0.0) >= floor}
    sources = number_sources([h for h in hits if h.document_id in documents], limit)
    sources = [Source(s.number, tuple(judged.retrieved.chunks_of(s.first.document_id))) for s in sources]
    # Units are matched with the question as asked: retrieval used the thread to find the documents, and
    # a follow-up's own words ("and on windows?") say which part of them it wants; its meaning ("can I
    # await that?") still needs the question it follows, so that is embedded with it.
    standalone = judged.retrieved.standalone
    return Evidence(judged, sources, score_units(standalone.question, sources, embedder, standalone.as_asked))


def number_sources(hits: Sequence[Hit], limit: int) -> list[Source]:
    """The best `limit` documents among `hits`, numbered from 1; a document's chunks are grouped under one number."""
    grouped: dict[int, list[Hit]] = {}
    for hit in hits:
        if hit.document_id in grouped:
            grouped[hit.document_id].append(hit)
        elif len(grouped) < limit:
            grouped[hit.document_id] = [hit]
    return [Source(number=i, hits=tuple(group)) for i, group in enumerate(grouped.values(), start=1)]


def score_units(question: str, sources: Sequence[Source], embedder: Embedder, meaning: str = "") -> list[Scored]:
    """Every unit of the sources, best first: by the question's terms, and by similarity to `meaning` (default: the question)."""
    candidates: list[tuple[Unit, Source, Hit, int]] = []
    seen: set[str] = set()
    rank = 0
    for source in sources:
        for hit in source.hits:
            rank += 1
            for unit in split_units(hit.text, hit.heading):
                if unit.text not in seen and not _cut_at_chunk_start(unit, hit.text):  # overlapping chunks repeat their edges
                    seen.add(unit.text)
                    candidates.append((unit, source, hit, rank))
    # A sentence cut by a chunk's edge is dropped where the neighbouring chunk has it whole.
    candidates = [c for c in candidates if not any(c[0].text in other[0].text and c[0].text != other[0].text for other in candidates)]
    if not candidates:
        return []
    vectors = embedder.embed_documents([f"{u.context}\n{u.text}" if u.context else u.text for u, _, _, _ in candidates])
    similarities = vectors @ embedder.embed_query(meaning or question)
    own_stems = [stems(u.text) for u, _, _, _ in candidates]
    context_stems = [stems(u.context) for u, _, _, _ in candidates]
    weights = term_weights(question, [own | context for own, context in zip(own_stems, context_stems)])
    total = sum(weights.values())
    scored = []
    for order, ((unit, source, hit, chunk_rank), similarity, own, context) in enumerate(zip(candidates, similarities, own_stems, context_stems)):
        # A term the unit says itself counts fully; one only its heading or term has, half.
        shared = sum(w * (1.0 if t in own else CONTEXT_SHARE if t in context else 0.0) for t, w in weights.items()) / total if total else 0.0
        scored.append(Scored(unit, source, float(similarity) + TERM_WEIGHT * shared + RANK_WEIGHT / chunk_rank, order, hit.chunk_id))
    return answering_first(sorted(scored, key=lambda s: s.score, reverse=True), asked(question))


def answering_first(ranked: list[Scored], kinds: frozenset[Kind]) -> list[Scored]:
    """`ranked` with the unit that best states the asked kinds moved first, if it scores within `LEAD_MARGIN` of the best."""
    if not kinds or not ranked:
        return ranked
    following = {(s.source.number, s.order): s for s in ranked if s.unit.follows}

    def states(scored: Scored) -> float:
        # compose.py shows the lead with the next sentence of its paragraph: that one may state it
        after = following.get((scored.source.number, scored.order + 1))
        return max(answers_kind(scored.unit, kinds), answers_kind(after.unit, kinds) if after else 0.0)

    close = [s for s in ranked if s.score >= ranked[0].score - LEAD_MARGIN]
    lead = max(close, key=lambda s: (states(s), s.score))  # ties: the better score, so the best if it states it
    return [lead, *(s for s in ranked if s is not lead)]


def _cut_at_chunk_start(unit: Unit, chunk_text: str) -> bool:
    """A chunk that begins mid-sentence (chunks overlap by words, not sentences): its first words are no sentence."""
    start = unit.text[:40]
    return not unit.code and start[:1].islower() and " ".join(chunk_text.split()).startswith(start)


def term_weights(question: str, unit_stems: Sequence[set[str]]) -> dict[str, float]:
    """The question's terms that some unit has, each weighted by its rarity among the units (inverse document frequency)."""
    wanted = {stem for term in content_terms(question) for stem in stems(term)}
    count = len(unit_stems)
    having = {term: sum(term in s for s in unit_stems) for term in wanted}
    return {term: math.log(1 + count / n) for term, n in having.items() if n}


def source_label(title: str, heading: str, source: str) -> str:
    """"Deploys > Rollbacks": the title, then the heading path unless it already starts with the title."""
    if heading and title and (heading == title or heading.startswith(title + " >")):
        return heading
    return " > ".join(p for p in (title, heading) if p) or source
