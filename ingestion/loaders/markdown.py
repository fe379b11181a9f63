"""Markdown: sections split on ATX (`## x`) and setext headings, ignoring `#` lines inside code fences."""

import re

from ingestion.documents import LoadedDocument, SectionBuilder, title_from_name
from ingestion.text_cleaning import decode

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FRONT_MATTER_TITLE = re.compile(r"^title:\s*['\"]?(.*?)['\"]?\s*$", re.MULTILINE)


def load(data: bytes, *, name: str) -> LoadedDocument:
    cleaned = decode(data)
    text, front_title = _strip_front_matter(cleaned.text)
    builder = SectionBuilder()
    first_heading = None
    fence: str | None = None
    paragraph: list[str] = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        opener = _FENCE.match(line)
        if fence is not None:
            paragraph.append(line)
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            continue
        if opener:
            fence = opener.group(1)
            paragraph.append(line)
            continue
        atx = _ATX.match(line)
        setext = _SETEXT.match(line) if paragraph and paragraph[-1].strip() and index > 0 else None
        if atx:
            level, title = len(atx.group(1)), _inline(atx.group(2))
        elif setext and len(paragraph) >= 1 and not _is_list_or_quote(paragraph[-1]):
            level, title = (1 if setext.group(1)[0] == "=" else 2), _inline(paragraph.pop())
        else:
            paragraph.append(line)
            continue
        builder.add("\n".join(paragraph))
        paragraph = []
        builder.heading(level, title)
        first_heading = first_heading or title
    builder.add("\n".join(paragraph))
    title = front_title or first_heading or title_from_name(name)
    return LoadedDocument(title=title, sections=builder.finish(), notes=cleaned.notes)


def _strip_front_matter(text: str) -> tuple[str, str | None]:
    if not text.startswith("---\n"):
        return text, None
    end = text.find("\n---", 4)
    if end < 0:
        return text, None
    match = _FRONT_MATTER_TITLE.search(text[4:end])
    return text[end + 4:].lstrip("-\n"), (match.group(1).strip() if match else None)


def _inline(title: str) -> str:
    """Heading text without emphasis markers, code ticks or link targets."""
    title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)
    return re.sub(r"[*_`]", "", title).strip()


def _is_list_or_quote(line: str) -> bool:
    return bool(re.match(r"^\s*([-*+>]|\d+[.)])\s", line))
