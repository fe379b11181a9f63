"""What a loader hands to the chunker: a document as a title and a list of sections under headings."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Section:
    """Text under one heading. `headings` is the path from the top, e.g. ["Deploys", "Friday freeze"]."""

    headings: list[str]
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)  # e.g. {"page": 3} for PDFs


@dataclass
class LoadedDocument:
    title: str
    sections: list[Section]
    url: str | None = None
    notes: list[str] = field(default_factory=list)  # what was cleaned on the way in, shown in the summary

    @property
    def is_empty(self) -> bool:
        return not any(section.text.strip() for section in self.sections)


class SectionBuilder:
    """Collects text under a heading stack as a structured document is walked in order."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self._stack: list[tuple[int, str]] = []
        self._parts: list[str] = []

    def heading(self, level: int, title: str) -> None:
        self.flush()
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, title))

    def end_section(self, level: int) -> None:
        """Text that follows belongs to the enclosing section again (reST and HTML nest sections)."""
        self.flush()
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()

    def add(self, text: str) -> None:
        if text.strip():
            self._parts.append(text.strip("\n"))

    def flush(self) -> None:
        text = "\n\n".join(self._parts).strip()
        if text:
            headings = [title for _, title in self._stack if title]
            self.sections.append(Section(headings=headings, text=text))
        self._parts = []

    def finish(self) -> list[Section]:
        self.flush()
        return self.sections
