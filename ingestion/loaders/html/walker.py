"""Walks a page's main content in document order into sections: headings, paragraphs, code, tables, and
definitions (a term with its description as one unit).

API reference entries (Sphinx's `<dl class="py function">` and alike: a `<dt>` signature, a `<dd>`
description) become sections of their own named by the entry, their text starting with the full
signature, so a question about a parameter finds the entry that documents it. Other definition lists
(`dl/dt/dd`: DocBook's variablelist, asciidoc's labelled lists, Javadoc's notes) become definitions.
"""

import re

from ingestion.documents import SectionBuilder
from ingestion.loaders.html import tables
from ingestion.text_cleaning import strip_control

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
_BLOCKS = {
    "address", "blockquote", "dd", "details", "div", "dl", "dt", "fieldset", "figcaption", "figure", "h5", "h6",
    "hr", "li", "main", "ol", "p", "pre", "section", "summary", "table", "ul", "article", "br", "caption", "tr",
    "header", "footer", "td", "th", "tbody", "thead",
}
_API_LEVEL = 10  # entries sit below any h1–h4 heading; nested entries (a class's methods) deeper still
_SPACE = re.compile(r"\s+")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")  # zero-width marks, soft hyphens


class Walker:
    """Gathers inline text into paragraphs and hands blocks to `builder` (a SectionBuilder or a Lines)."""

    def __init__(self, builder, page_title: str = "") -> None:
        self.builder = builder
        self.page_title = page_title
        self.paragraph: list[str] = []
        self.first_heading: str | None = None
        self.api_depth = 0

    def walk(self, element) -> None:
        self._inline(element.text)
        for child in element:
            if isinstance(child.tag, str):
                self._element(child)
            self._inline(child.tail)

    def finish(self) -> None:
        self._flush()

    def _element(self, element) -> None:
        tag = element.tag.lower()
        if tag in HEADINGS:
            self._heading(HEADINGS[tag], element)
        elif tag == "dl" and _is_api_entry(element):
            self._api_entry(element)
        elif tag == "dl":
            self._flush()
            self._definitions(element)
        elif tag == "pre":
            self._flush()
            self.builder.add(_preformatted(element))
        elif tag == "table" or tables.is_grid(element):
            self._flush()
            self._table(element)
        elif tag == "li":
            self._flush()
            self.paragraph.append("- ")
            self.walk(element)
            self._flush()
        elif tag in _BLOCKS:
            self._flush()
            self.walk(element)
            self._flush()
        else:
            self.walk(element)

    def _heading(self, level: int, element) -> None:
        self._flush()
        title = normalize(element.text_content())
        if not title:
            return
        if self.first_heading is None:
            self.first_heading = title
            # The page's own title heads everything on it, even where its siblings share its level
            # (a DocBook reference page's <h2>pg_dump</h2> is followed by <h2>Options</h2>).
            if _names_the_page(title, self.page_title):
                level = 0
        self.builder.heading(level, title)

    def _api_entry(self, element) -> None:
        self._flush()
        self.api_depth += 1
        level = _API_LEVEL + self.api_depth
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "dt":
                signature = normalize(child.text_content())
                self.builder.heading(level, child.get("id") or signature[:80])
                self.builder.add(signature)
            else:
                self.walk(child)
                self._flush()
        self.builder.end_section(level)
        self.api_depth -= 1

    def _definitions(self, element) -> None:
        terms: list[str] = []
        descriptions: list[str] = []
        for child in _items(element):
            if child.tag == "dt":
                if descriptions:
                    self.builder.add_definition(", ".join(terms), "\n".join(descriptions))
                    terms, descriptions = [], []
                terms.append(render(child, separator=", "))
            else:
                descriptions.append(render(child))
        if terms or descriptions:
            self.builder.add_definition(", ".join(terms), "\n".join(descriptions))

    def _table(self, element) -> None:
        table = tables.read(element, render)
        if table.definitions:
            if table.header:
                self.builder.add(table.header)
            for term, description in table.definitions:
                self.builder.add_definition(term, description)
        elif table.text:
            self.builder.add(table.text)

    def _inline(self, text: str | None) -> None:
        if text:
            self.paragraph.append(text)

    def _flush(self) -> None:
        text = normalize("".join(self.paragraph))
        self.paragraph = []
        if any(character.isalnum() for character in text):  # not a lone bullet, icon or separator
            self.builder.add(text)


class Lines:
    """A builder that only collects text: what a definition's term or description renders to."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def heading(self, level: int, title: str) -> None:
        self.parts.append(title)

    def end_section(self, level: int) -> None:
        pass

    def add(self, text: str) -> None:
        if text.strip():
            self.parts.append(text.strip("\n"))

    def add_definition(self, term: str, description: str) -> None:
        self.add(f"{term}\n{description}" if description.strip() else term)


def render(element, separator: str = "\n") -> str:
    """An element's text as the walker reads it, its blocks joined by `separator`."""
    lines = Lines()
    walker = Walker(lines)
    walker.walk(element)
    walker.finish()
    return separator.join(lines.parts)


def _preformatted(pre) -> str:
    """A code block's lines as written; highlighters (Prism in Docusaurus) end each line with a <br>."""
    for br in pre.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return strip_control(_INVISIBLE.sub("", pre.text_content())).rstrip()


def normalize(text: str) -> str:
    return strip_control(_SPACE.sub(" ", _INVISIBLE.sub("", text))).strip()


def _items(dl):
    """A definition list's dt and dd elements (HTML allows each pair wrapped in a div)."""
    for child in dl:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "div":
            yield from (grandchild for grandchild in child if isinstance(grandchild.tag, str) and grandchild.tag in ("dt", "dd"))
        elif child.tag in ("dt", "dd"):
            yield child


def _is_api_entry(element) -> bool:
    first = next((child for child in element if isinstance(child.tag, str)), None)
    return first is not None and first.tag == "dt" and "sig" in (first.get("class") or "").split()


def _names_the_page(heading: str, page_title: str) -> bool:
    """The heading and the <title> agree, one being the other with a suffix ("pg_dump", "Intro | My site")."""
    shorter, longer = sorted((heading.casefold(), page_title.casefold()), key=len)
    return bool(shorter) and longer.startswith(shorter) and not longer[len(shorter):][:1].isalnum()
