"""The words of an answer around what the model wrote: quotes, the quotes-instead message, and abstention."""

import re
from collections.abc import Sequence

from bot.answering.prompt import Source
from bot.answering.retriever import Hit
from bot.answering.types import Answer, Citation

QUOTES_HEADER = "From the sources:"
REPLACED_HEADER = "I couldn't write an answer these sources support, so here is what they say:"
ABSTAINED_TEXT = (
    "I couldn't find this in the documents I can search, so I won't guess. "
    "The closest sources are listed below; they may help, but they don't answer it."
)
_CITATION = re.compile(r"\s?\[(\d+)\]")


def keep_known_citations(text: str, count: int) -> str:
    """Drops citation marks that point at no source ("[3]" when there were two)."""
    return _CITATION.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= count else "", text)


def quotes_block(sources: Sequence[Source], quotes: Sequence[str]) -> str:
    lines = [f"> {quote} [{source.number}]" for source, quote in zip(sources, quotes) if quote]
    return "\n".join(lines)


def with_quotes(draft: str, sources: Sequence[Source], quotes: Sequence[str]) -> str:
    block = quotes_block(sources, quotes)
    return f"{draft.strip()}\n\n{QUOTES_HEADER}\n{block}" if block else draft.strip()


def quotes_instead(sources: Sequence[Source], quotes: Sequence[str]) -> str:
    return f"{REPLACED_HEADER}\n{quotes_block(sources, quotes)}"


def citations(sources: Sequence[Source], quotes: Sequence[str]) -> list[Citation]:
    return [_citation(source.first, quote) for source, quote in zip(sources, quotes)]


def abstention(hits: Sequence[Hit], closest: int = 3) -> Answer:
    seen: dict[int, Hit] = {}
    for hit in hits:
        if len(seen) < closest:
            seen.setdefault(hit.document_id, hit)
    return Answer(text=ABSTAINED_TEXT, citations=[_citation(h, "") for h in seen.values()], abstained=True)


def _citation(hit: Hit, quote: str) -> Citation:
    title = hit.title or hit.source
    return Citation(source=hit.source, title=title, heading=section(title, hit.heading), url=hit.url, quote=quote)


def section(title: str, heading_path: str) -> str:
    """The heading path below the title: ingestion starts it with the document's title, a citation shows that once."""
    if heading_path == title:
        return ""
    prefix = title + " > "
    return heading_path[len(prefix):] if heading_path.startswith(prefix) else heading_path
