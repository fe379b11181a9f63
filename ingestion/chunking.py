"""Structure-aware chunking: sections first, then paragraphs, sentences and words, measured in model tokens.

Every chunk's heading path plus text fits `max_tokens` of the embedding model's tokenizer, since the
embedding is computed from both. Consecutive chunks of one long section share a little overlap (the
previous chunk's last sentence); runs of small sibling sections are packed together under their common
heading path, each keeping its own heading as a line, so a chunk is rarely a lone heading and a line.

A definition (a paragraph whose first line is one of its section's `terms`) is never cut from its term:
it fits a chunk whole, or each of its pieces starts with the term again; it gets no overlap before it.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ingestion.documents import Section

HEADING_SEPARATOR = " > "
MAX_HEADING_TOKENS = 48  # a heading path longer than this loses its middle headings
MAX_COUNTED_CHARS = 8000  # longer paragraphs are split before counting: tokenizing megabytes costs memory
MAX_WORD_CHARS = 400  # an unbroken "word" (base64, a minified line) is cut into slices this long
PACK_BELOW_SHARE = 3  # sections under a third of the chunk budget may share a chunk with their neighbours
_PARAGRAPH = re.compile(r"\n[ \t]*\n+")
_SENTENCE = re.compile(r"(?<=[.!?:;])\s+(?=\S)|\n+")
_WORD = re.compile(r"\S+\s*")
_PROSE_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_CODE_LINE = re.compile(r"^[ \t]+\S|[;{}()\[\],=]\s*$")  # indented, or ending as code lines do
_FENCE = re.compile(r"^[ \t]*(?:```|~~~)", re.MULTILINE)


@dataclass
class Chunk:
    heading_path: str
    text: str
    tokens: int  # heading path + text, without the model's special tokens
    metadata: dict[str, Any] = field(default_factory=dict)
    text_tokens: int = 0

    @property
    def embedding_text(self) -> str:
        """What is embedded: the heading path helps a section's title find it."""
        return f"{self.heading_path}\n\n{self.text}" if self.heading_path else self.text


@dataclass
class ChunkingOptions:
    max_tokens: int = 200
    overlap_tokens: int = 32


class Chunker:
    """Splits a document's sections into chunks; `count_tokens` counts a text's tokens without special ones."""

    def __init__(self, count_tokens: Callable[[str], int], options: ChunkingOptions | None = None) -> None:
        self.count = count_tokens
        self.options = options or ChunkingOptions()

    def split(self, sections: list[Section], title: str = "") -> list[Chunk]:
        pieces: list[tuple[Section, list[str], Chunk]] = []
        for section in sections:
            headings = section.headings or ([title] if title else [])
            for chunk in self._split_section(headings, section):
                pieces.append((section, headings, chunk))
        return self._pack_small(pieces)

    def _split_section(self, headings: list[str], section: Section) -> list[Chunk]:
        path, path_tokens = self._heading_path(headings)
        budget = self.options.max_tokens - path_tokens - 2  # two newlines between path and text
        terms = set(section.terms)
        units = self._units(section.text, budget, terms)
        chunks: list[Chunk] = []
        current: list[tuple[str, int]] = []
        used = 0
        for unit, tokens in units:
            if current and used + tokens > budget:
                chunks.append(self._chunk(path, path_tokens, current, section.metadata))
                current = [] if _term_of(unit, terms) else self._overlap(current, budget - tokens)
                used = sum(t for _, t in current)
            current.append((unit, tokens))
            used += tokens
        if current:
            chunks.append(self._chunk(path, path_tokens, current, section.metadata))
        return chunks

    def _units(self, text: str, budget: int, terms: set[str]) -> list[tuple[str, int]]:
        """Paragraphs that fit the budget; longer ones broken into sentences (or lines), then words."""
        units: list[tuple[str, int]] = []
        in_fence = False
        for paragraph in _PARAGRAPH.split(text):
            paragraph = paragraph.strip("\n")
            if not paragraph.strip():
                continue
            code = in_fence or bool(_FENCE.match(paragraph))
            in_fence ^= len(_FENCE.findall(paragraph)) % 2 == 1
            tokens = self._count_bounded(paragraph, budget)
            if tokens <= budget:
                units.append((paragraph, tokens))
                continue
            if code:
                # Code is cut between lines only: "idle: 1070919370," is no sentence to end at its colon.
                units.extend(self._runs(self._lines(paragraph, budget), budget))
                continue
            term = _term_of(paragraph, terms)
            lead_tokens = self.count(term) + 1 if term else 0
            if term and lead_tokens <= budget // 2:
                description = paragraph[len(term) + 1:]
                pieces = self._runs(self._sentences(description, budget - lead_tokens), budget - lead_tokens)
                units.extend((f"{term}\n{piece}", lead_tokens + tokens) for piece, tokens in pieces)
            else:
                units.extend(self._sentences(paragraph, budget))
        return units

    def _sentences(self, paragraph: str, budget: int) -> list[tuple[str, int]]:
        """A paragraph's sentences within the budget; a longer one is broken at clauses and lines, then words.

        A hard-wrapped line is no sentence: cutting there leaves half-sentences at chunk edges.
        """
        units: list[tuple[str, int]] = []
        for sentence in _PROSE_SENTENCE_END.split(paragraph):
            if not sentence.strip():
                continue
            tokens = self._count_bounded(sentence, budget)
            if tokens <= budget:
                units.append((sentence, tokens))
                continue
            for part in _SENTENCE.split(sentence):
                if part.strip():
                    part_tokens = self._count_bounded(part, budget)
                    units.extend([(part, part_tokens)] if part_tokens <= budget else self._words(part, budget))
        return units

    def _lines(self, paragraph: str, budget: int) -> list[tuple[str, int]]:
        units: list[tuple[str, int]] = []
        for line in paragraph.split("\n"):
            tokens = self._count_bounded(line, budget)
            units.extend([(line, tokens)] if tokens <= budget else self._words(line, budget))
        return units

    def _runs(self, units: list[tuple[str, int]], budget: int) -> list[tuple[str, int]]:
        """Consecutive units joined (by a line break) into as few pieces as fit the budget."""
        runs: list[tuple[str, int]] = []
        current: list[str] = []
        used = 0
        for unit, tokens in units:
            if current and used + tokens > budget:
                runs.append(("\n".join(current), used))
                current, used = [], 0
            current.append(unit)
            used += tokens
        if current:
            runs.append(("\n".join(current), used))
        return runs

    def _count_bounded(self, text: str, budget: int) -> int:
        """The token count, or "over budget" without tokenizing megabytes of one unbroken paragraph."""
        return self.count(text) if len(text) <= MAX_COUNTED_CHARS else budget + 1

    def _words(self, text: str, budget: int) -> list[tuple[str, int]]:
        """Greedy runs of words within the budget; each word counted once (word-piece counts add up)."""
        pieces: list[tuple[str, int]] = []
        current: list[str] = []
        used = 0
        for word in _WORD.findall(text):
            for part in _slices(word, MAX_WORD_CHARS):
                tokens = self.count(part)
                if current and used + tokens > budget:
                    pieces.extend(self._fitted("".join(current).strip(), budget))
                    current, used = [], 0
                current.append(part)
                used += tokens
        if current and "".join(current).strip():
            pieces.extend(self._fitted("".join(current).strip(), budget))
        return pieces

    def _fitted(self, text: str, budget: int) -> list[tuple[str, int]]:
        """`text` as one piece, or halves of it for a tokenizer whose counts don't add up."""
        tokens = self.count(text)
        if tokens <= budget or len(text) < 2:
            return [(text, tokens)]
        middle = len(text) // 2
        return self._fitted(text[:middle], budget) + self._fitted(text[middle:], budget)

    def _longest_prefix(self, text: str, budget: int) -> int:
        low, high = 1, min(len(text), MAX_COUNTED_CHARS)
        while low < high:
            middle = (low + high + 1) // 2
            if self.count(text[:middle]) <= budget:
                low = middle
            else:
                high = middle - 1
        return low

    def _overlap(self, previous: list[tuple[str, int]], room: int) -> list[tuple[str, int]]:
        """The previous chunk's last sentence, when it is short enough to repeat."""
        limit = min(self.options.overlap_tokens, room)
        if not previous or limit <= 0:
            return []
        # The last sentence of prose (across its hard wraps); of code, the last line, never from a colon on.
        last = _PROSE_SENTENCE_END.split(previous[-1][0].strip("\n"))[-1]
        lines = [line for line in last.split("\n") if line.strip()]
        if not lines:
            return []
        tail = lines[-1] if any(_CODE_LINE.search(line) for line in lines) else " ".join(line.strip() for line in lines)
        tokens = self.count(tail)
        return [(tail, tokens)] if tokens <= limit else []

    def _chunk(self, path: str, path_tokens: int, units: list[tuple[str, int]], metadata: dict[str, Any]) -> Chunk:
        text = "\n\n".join(unit for unit, _ in units)
        text_tokens = sum(t for _, t in units)
        return Chunk(path, text, path_tokens + 2 + text_tokens, dict(metadata), text_tokens)

    def _heading_path(self, headings: list[str]) -> tuple[str, int]:
        headings = [h for h in headings if h]
        path = HEADING_SEPARATOR.join(headings)
        tokens = self.count(path) if path else 0
        while tokens > MAX_HEADING_TOKENS and len(headings) > 1:
            headings = headings[:1] + headings[2:] if len(headings) > 2 else headings[1:]
            path = HEADING_SEPARATOR.join(headings)
            tokens = self.count(path)
        if tokens > MAX_HEADING_TOKENS:
            path = path[: self._longest_prefix(path, MAX_HEADING_TOKENS)]
            tokens = self.count(path)
        return path, tokens

    def _pack_small(self, pieces: list[tuple[Section, list[str], Chunk]]) -> list[Chunk]:
        """Packs runs of small sections (siblings, or a section and its first children) into one chunk."""
        chunks_of: dict[int, int] = {}
        for section, _, _ in pieces:
            chunks_of[id(section)] = chunks_of.get(id(section), 0) + 1
        small = self.options.max_tokens // PACK_BELOW_SHARE
        packed: list[Chunk] = []
        group: list[tuple[list[str], Chunk]] = []
        for section, headings, chunk in pieces:
            packable = chunks_of[id(section)] == 1 and chunk.tokens <= small
            if group and packable and _related(group[0][0], headings) and group[0][1].metadata == chunk.metadata \
                    and self._fits(group, headings, chunk):
                group.append((headings, chunk))
                continue
            if group:
                packed.append(self._merge(group))
                group = []
            if packable:
                group = [(headings, chunk)]
            else:
                packed.append(chunk)
        if group:
            packed.append(self._merge(group))
        return packed

    def _fits(self, group: list[tuple[list[str], Chunk]], headings: list[str], chunk: Chunk) -> bool:
        # Token counts add up over whitespace-separated pieces, so the merged size is a sum (no re-count).
        members = group + [(headings, chunk)]
        common = _common_prefix([h for h, _ in members])
        _, path_tokens = self._heading_path(common)
        total = path_tokens + 2
        for member_headings, member in members:
            own = HEADING_SEPARATOR.join(h for h in member_headings[len(common):] if h)
            total += member.text_tokens + (self.count(own) + 1 if own else 0)
        return total <= self.options.max_tokens

    def _merge(self, group: list[tuple[list[str], Chunk]]) -> Chunk:
        if len(group) == 1:
            return group[0][1]
        common = _common_prefix([headings for headings, _ in group])
        path, path_tokens = self._heading_path(common)
        parts = []
        for headings, chunk in group:
            own = HEADING_SEPARATOR.join(h for h in headings[len(common):] if h)
            parts.append(f"{own}\n{chunk.text}" if own else chunk.text)
        text = "\n\n".join(parts)
        text_tokens = self.count(text)
        return Chunk(path, text, path_tokens + 2 + text_tokens, dict(group[0][1].metadata), text_tokens)


def _term_of(paragraph: str, terms: set[str]) -> str | None:
    first = paragraph.split("\n", 1)[0]
    return first if first in terms else None


def counted_text(sections: list[Section], title: str = "") -> str:
    """Every text `Chunker.split` measures pieces of, joined: what a token counter is told about up front."""
    headings = dict.fromkeys(h for section in sections for h in section.headings)
    return "\n".join([title, HEADING_SEPARATOR.strip(), *headings, *(section.text for section in sections)])


def _slices(word: str, size: int) -> list[str]:
    return [word[start:start + size] for start in range(0, len(word), size)] or [word]


def _related(first: list[str], other: list[str]) -> bool:
    """Siblings (same parent), or `other` directly under `first`."""
    return other[:-1] == first[:-1] or other[:-1] == first


def _common_prefix(paths: list[list[str]]) -> list[str]:
    prefix = paths[0]
    for path in paths[1:]:
        length = 0
        while length < min(len(prefix), len(path)) and prefix[length] == path[length]:
            length += 1
        prefix = prefix[:length]
    return prefix
