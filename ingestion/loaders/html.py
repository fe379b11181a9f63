"""HTML: the page's main content split on h1–h4, without navigation, sidebars, headers, footers or scripts.

API reference entries (Sphinx's `<dl class="py function">` and alike: a `<dt>` signature, a `<dd>`
description) become sections of their own named by the entry, their text starting with the full
signature, so a question about a parameter finds the entry that documents it.
"""

import re

import lxml.html
from lxml import etree

from bot.errors import UnsupportedDocument
from ingestion.documents import LoadedDocument, SectionBuilder
from ingestion.text_cleaning import decode, strip_control

_BOILERPLATE = (
    "//script | //style | //noscript | //template | //nav | //aside | //form | //iframe"
    # A page's header and footer are boilerplate; an article's own <header> often holds its title.
    " | //header[not(ancestor::main or ancestor::article)] | //footer[not(ancestor::main or ancestor::article)]"
    " | //svg | //button | //select | //*[@role='navigation'] | //*[@role='search'] | //*[@role='banner']"
    " | //*[@role='contentinfo'] | //*[@aria-hidden='true'] | //a[contains(concat(' ', @class, ' '), ' headerlink ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' sphinxsidebar ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' related ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' footer ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' skip-link ')]"
)
_MAIN = (
    "//*[@role='main']",
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' body ')]",
    "//main",
    "//article",
    "//body",
)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
_BLOCKS = {
    "address", "blockquote", "dd", "details", "div", "dl", "dt", "fieldset", "figcaption", "figure", "h5", "h6",
    "hr", "li", "main", "ol", "p", "pre", "section", "summary", "table", "ul", "article", "br", "caption", "tr",
}
_API_LEVEL = 10  # entries sit below any h1–h4 heading; nested entries (a class's methods) deeper still
_NAVIGATION_LINK_SHARE = 0.75
_SPACE = re.compile(r"\s+")


def load(data: bytes, *, name: str, url: str | None = None) -> LoadedDocument:
    cleaned = decode(data)
    if not cleaned.text.strip():
        raise UnsupportedDocument("no text")
    try:
        root = lxml.html.document_fromstring(cleaned.text)
    except (etree.ParserError, ValueError) as error:
        raise UnsupportedDocument(f"not parseable as HTML: {error}") from None
    page_title = _normalize(root.findtext(".//title") or "")
    for element in root.xpath(_BOILERPLATE):
        _drop(element)
    main = _main(root)
    if _is_navigation_page(main):
        raise UnsupportedDocument("a navigation page (mostly links), nothing to index")
    builder = SectionBuilder()
    walker = _Walker(builder)
    try:
        walker.walk(main)
    except RecursionError:
        raise UnsupportedDocument("HTML nested too deeply to read") from None
    sections = builder.finish()
    title = walker.first_heading or page_title or name.rsplit("/", 1)[-1]
    return LoadedDocument(title=title, sections=sections, url=url, notes=cleaned.notes)


class _Walker:
    """Walks elements in document order, gathering inline text into paragraphs and sections."""

    def __init__(self, builder: SectionBuilder) -> None:
        self.builder = builder
        self.paragraph: list[str] = []
        self.first_heading: str | None = None
        self.api_depth = 0

    def walk(self, element) -> None:
        self._inline(element.text)
        for child in element:
            if isinstance(child.tag, str):
                self._element(child)
            self._inline(child.tail)

    def _element(self, element) -> None:
        tag = element.tag.lower()
        if tag in _HEADINGS:
            self._flush()
            title = _normalize(element.text_content())
            if title:
                self.builder.heading(_HEADINGS[tag], title)
                self.first_heading = self.first_heading or title
        elif tag == "dl" and _is_api_entry(element):
            self._api_entry(element)
        elif tag == "pre":
            self._flush()
            self.builder.add(strip_control(element.text_content()).rstrip())
        elif tag == "table":
            self._flush()
            self.builder.add(_table(element))
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

    def _api_entry(self, element) -> None:
        self._flush()
        self.api_depth += 1
        level = _API_LEVEL + self.api_depth
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "dt":
                signature = _normalize(child.text_content())
                self.builder.heading(level, child.get("id") or signature[:80])
                self.builder.add(signature)
            else:
                self.walk(child)
                self._flush()
        self.builder.end_section(level)
        self.api_depth -= 1

    def _inline(self, text: str | None) -> None:
        if text:
            self.paragraph.append(text)

    def _flush(self) -> None:
        text = _normalize("".join(self.paragraph))
        self.paragraph = []
        if text and text != "-":
            self.builder.add(text)


def _is_api_entry(element) -> bool:
    first = next((child for child in element if isinstance(child.tag, str)), None)
    return first is not None and first.tag == "dt" and "sig" in (first.get("class") or "").split()


def _main(root):
    for query in _MAIN:
        found = root.xpath(query)
        if found:
            return found[0]
    return root


def _is_navigation_page(main) -> bool:
    text = len(_normalize(main.text_content()))
    linked = sum(len(_normalize(link.text_content())) for link in main.iter("a"))
    return text > 0 and linked / text > _NAVIGATION_LINK_SHARE


def _table(table) -> str:
    rows = []
    for row in table.iter("tr"):
        cells = [_normalize(cell.text_content()) for cell in row if isinstance(cell.tag, str) and cell.tag in ("td", "th")]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _drop(element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    # Keep the text that follows the dropped element: it belongs to the parent.
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _normalize(text: str) -> str:
    return strip_control(_SPACE.sub(" ", text)).strip()
