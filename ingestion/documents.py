"""What a loader hands to the chunker: a document as a title and a list of sections under headings.

A section's text is paragraphs separated by blank lines. A definition (a term and what it means: an option
and what it does, a setting and its effect) is one paragraph whose first line is the term, listed in the
section's `terms`: the chunker keeps it whole, and where it must split a long one, repeats the term.
"""

import re
from dataclasses import dataclass, field
from typing import Any

_NAME_SEPARATORS = re.compile(r"[-_\s]+")


@dataclass
class Section:
    """Text under one heading. `headings` is the path from the top, e.g. ["Deploys", "Friday freeze"]."""

    headings: list[str]
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)  # e.g. {"page": 3} for PDFs
    terms: list[str] = field(default_factory=list)  # first lines of the definitions in `text`


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
        self._terms: list[str] = []

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

    def add_definition(self, term: str, description: str) -> None:
        """One unit: the term on its first line, its description (no blank lines in it) below."""
        term = " ".join(term.split())
        description = re.sub(r"\n\s*\n+", "\n", description.strip("\n"))
        if not term:
            self.add(description)
            return
        self._parts.append(f"{term}\n{description}" if description.strip() else term)
        self._terms.append(term)

    def flush(self) -> None:
        text = "\n\n".join(self._parts).strip()
        if text:
            headings = [title for _, title in self._stack if title]
            self.sections.append(Section(headings=headings, text=text, terms=self._terms))
        self._parts = []
        self._terms = []

    def finish(self) -> list[Section]:
        self.flush()
        return self.sections


def title_from_name(name: str) -> str:
    """The fallback title of a document with none of its own: its file name's words, without the extension."""
    base = name.rstrip("/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    return _NAME_SEPARATORS.sub(" ", stem).strip() or base
