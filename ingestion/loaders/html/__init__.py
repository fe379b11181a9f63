"""HTML and XHTML, whatever generated them: the page's main content split on h1–h4.

Bytes are decoded as the page declares (see `encoding`), XHTML included; each generator's navigation,
sidebars, headers, footers and tables of contents are dropped (see `content`); definitions keep their
term with their description (see `walker` and `tables`).
"""

import re

import lxml.html
from lxml import etree

from bot.errors import UnsupportedDocument
from ingestion.documents import LoadedDocument, SectionBuilder, title_from_name
from ingestion.loaders.html import content
from ingestion.loaders.html.encoding import decode_html
from ingestion.loaders.html.walker import Walker, normalize

_XHTML_PREFIX = re.compile(r"""xmlns:([A-Za-z_][\w.-]*)\s*=\s*["']http://www\.w3\.org/1999/xhtml["']""")


def load(data: bytes, *, name: str, url: str | None = None, content_type: str | None = None) -> LoadedDocument:
    cleaned = decode_html(data, content_type)
    if not cleaned.text.strip():
        raise UnsupportedDocument("no text")
    try:
        root = lxml.html.document_fromstring(_unprefixed(cleaned.text))
    except (etree.ParserError, ValueError) as error:
        raise UnsupportedDocument(f"not parseable as HTML: {error}") from None
    page_title = normalize(root.findtext(".//title") or "")
    target = content.redirect_target(root)
    main = content.main_content(root)
    if target and len(normalize(main.text_content())) < len(page_title) + 40:
        raise UnsupportedDocument(f"a redirect page, nothing to index: it points to {target}")
    if content.is_navigation_page(main):
        raise UnsupportedDocument("a navigation page (mostly links), nothing to index")
    if main.tag == "body":  # no element marks the content: unnamed chrome may sit among it
        content.drop_link_lists(main)
    builder = SectionBuilder()
    walker = Walker(builder, page_title)
    try:
        walker.walk(main)
        walker.finish()
    except RecursionError:
        raise UnsupportedDocument("HTML nested too deeply to read") from None
    sections = builder.finish()
    if not sections:
        raise UnsupportedDocument("only headings and navigation on the page, nothing to index")
    title = walker.first_heading or page_title or title_from_name(name)
    return LoadedDocument(title=title, sections=sections, url=url, notes=cleaned.notes)


def _unprefixed(text: str) -> str:
    """XHTML written with a namespace prefix (`<h:p>`) as plain HTML tags, which the HTML parser knows."""
    for prefix in set(_XHTML_PREFIX.findall(text[:4096])):
        text = re.sub(rf"<(/?){re.escape(prefix)}:", r"<\1", text)
    return text
