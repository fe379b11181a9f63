"""Which part of a generated page is its content: each generator's navigation, sidebars, headers, footers and
tables of contents go, whatever generator made the page; what remains is the main content.

Known generators' chrome is named by their class and id names (below, one line per generator). Chrome no
list names is caught by its shape: a list or table whose text is mostly links is navigation.
"""

import re

_CLASSES = frozenset((
    "sphinxsidebar", "related", "footer", "skip-link", "headerlink",  # Sphinx
    "navheader", "navfooter", "toc", "list-of-tables", "list-of-figures", "list-of-examples", "docnav",  # DocBook XSL, Publican
    "md-sidebar", "md-header", "md-footer", "md-source-file", "md-content__button", "bs-sidebar",  # MkDocs (Material, bootstrap)
    "theme-doc-toc-desktop", "theme-doc-toc-mobile", "theme-doc-footer", "theme-doc-breadcrumbs",  # Docusaurus
    "pagination-nav", "hash-link", "theme-edit-this-page", "theme-last-updated", "table-of-contents",
    "sub-nav", "skip-nav", "top-nav",  # Javadoc
    "page-metadata", "pageSection",  # Confluence export (author line, attachment list)
    "table_of_contents", "page-header-icon",  # Notion export
))
_IDS = frozenset(("toc", "toctitle", "footer", "banner", "breadcrumb-section", "footer-text"))  # asciidoc, Publican, Confluence
_TAGS = frozenset(("script", "style", "noscript", "template", "nav", "aside", "form", "iframe", "svg", "button", "select", "link"))
_ROLES = frozenset(("navigation", "search", "banner", "contentinfo", "complementary"))


_MAIN = (
    "//*[@role='main']",
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' body ')]",  # Sphinx's classic themes
    "//main",
    "//article",
    "//body",
)
_LINK_LISTS = ".//ul | .//ol | .//dl | .//table"
_LINK_LIST_SHARE = 0.75  # of a list's text in its links: a table of contents, a breadcrumb trail, "next | previous"
_LINK_LIST_MIN_LINKS = 3
_NAVIGATION_PAGE_SHARE = 0.75
_SPACE = re.compile(r"\s+")


def main_content(root):
    """The page's main content element, without the chrome generators name (the tree is changed in place)."""
    for element in [element for element in root.iter() if isinstance(element.tag, str) and _is_chrome(element)]:
        drop(element)
    return next((found[0] for query in _MAIN if (found := root.xpath(query))), root)


def _is_chrome(element) -> bool:
    tag = element.tag.lower()
    if tag in _TAGS or element.get("role") in _ROLES or element.get("aria-hidden") == "true" or element.get("id") in _IDS:
        return True
    if tag in ("header", "footer"):
        # A page's header and footer are chrome; an article's own <header> often holds its title.
        return not any(ancestor.tag in ("main", "article") for ancestor in element.iterancestors())
    return not _CLASSES.isdisjoint((element.get("class") or "").split())


def drop_link_lists(main) -> None:
    """Drops lists and tables that are mostly links: chrome no generator list names."""
    for element in main.xpath(_LINK_LISTS):
        if is_link_list(element):
            drop(element)


def is_link_list(element) -> bool:
    links = element.xpath(".//a[@href]")
    return len(links) >= _LINK_LIST_MIN_LINKS and _link_share(element, links) > _LINK_LIST_SHARE


def is_navigation_page(main) -> bool:
    return _link_share(main, main.xpath(".//a")) > _NAVIGATION_PAGE_SHARE


def redirect_target(root) -> str | None:
    """Where a redirect stub (`<meta http-equiv="refresh" content="0; url=…">`) sends the reader."""
    for meta in root.xpath("//meta[translate(@http-equiv, 'REFSH', 'refsh')='refresh']"):
        match = re.search(r"url\s*=\s*['\"]?([^'\"]+)", meta.get("content") or "", re.IGNORECASE)
        if match:
            return match.group(1).strip()
    return None


def drop(element) -> None:
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


def _link_share(element, links) -> float:
    text = len(_SPACE.sub(" ", element.text_content()).strip())
    linked = sum(len(_SPACE.sub(" ", link.text_content()).strip()) for link in links)
    return linked / text if text else 0.0
