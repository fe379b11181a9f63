"""A PDF's outline (its bookmarks) as section headings: each entry starts a section where its title is
printed on its page, or at the top of that page when the title isn't found there."""

from dataclasses import dataclass

import pypdfium2

from ingestion.documents import Section
from ingestion.text_cleaning import strip_control

_MAX_DEPTH = 8
_TITLE_SLACK = 16  # a heading line may carry a number before the title ("2.1.3 Package sources")


@dataclass(frozen=True)
class Entry:
    page: int  # 1-based
    level: int
    title: str


def entries(document: pypdfium2.PdfDocument) -> list[Entry]:
    found = []
    for bookmark in document.get_toc(max_depth=_MAX_DEPTH):
        destination = bookmark.get_dest()
        index = destination.get_index() if destination is not None else None
        title = " ".join(strip_control(bookmark.get_title() or "").split())
        if index is not None and title:
            found.append(Entry(index + 1, bookmark.level, title))
    return found


def sections(pages: list[str], outline: list[Entry]) -> list[Section]:
    """The pages' text cut into sections under the outline's heading paths, each keeping its page number."""
    starting: dict[int, list[Entry]] = {}
    for entry in outline:
        starting.setdefault(entry.page, []).append(entry)
    path: list[str] = []
    result: list[Section] = []
    for number, text in enumerate(pages, start=1):
        lines = text.split("\n")
        start = 0
        for entry in starting.get(number, []):
            at = _title_line(lines, entry.title, start)
            _add(result, path, lines[start:at], number)
            start = at
            path = path[:entry.level] + [entry.title]
        _add(result, path, lines[start:], number)
    return result


def _title_line(lines: list[str], title: str, start: int) -> int:
    wanted = title.casefold()
    for index in range(start, len(lines)):
        line = " ".join(lines[index].split()).casefold()
        if line.endswith(wanted) and len(line) <= len(wanted) + _TITLE_SLACK:
            return index
    return start


def _add(result: list[Section], path: list[str], lines: list[str], page: int) -> None:
    text = "\n".join(lines).strip()
    if text:
        result.append(Section(headings=list(path), text=text, metadata={"page": page}))
