"""What a crawl reads out of the bytes the guarded fetcher returned: a page's links, a sitemap's URLs.

Neither ever fetches: a nested sitemap is handed back for the crawler to fetch through the guard.
"""

import gzip
import io
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

# Links to these are files no loader reads (styles, scripts, images, fonts, archives): not worth a request.
ASSET_EXTENSIONS = frozenset(
    ".css .js .mjs .map .json .png .jpg .jpeg .gif .svg .webp .ico .bmp .woff .woff2 .ttf .otf .eot "
    ".zip .gz .tgz .bz2 .xz .tar .7z .rar .mp3 .mp4 .webm .avi .mov .wasm .exe .dmg .deb .rpm .iso".split()
)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_MAX_SITEMAP_URLS = 50_000  # the sitemaps protocol's own limit per file


def clean_url(url: str) -> str:
    """`url` without its fragment and user info: one page, however it was linked (credentials travel apart)."""
    parts = urlsplit(urldefrag(url)[0])
    netloc = parts.netloc.rsplit("@", 1)[-1].lower()
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def is_asset(url: str) -> bool:
    path = urlsplit(url).path.lower()
    name = path.rsplit("/", 1)[-1]
    return "." in name and "." + name.rsplit(".", 1)[-1] in ASSET_EXTENSIONS


def is_html(data: bytes, content_type: str | None) -> bool:
    if content_type:
        return content_type.split(";", 1)[0].strip().lower() in _HTML_TYPES
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


@dataclass
class PageLinks:
    links: list[str] = field(default_factory=list)  # absolute, cleaned
    follow: bool = True  # <meta name="robots" content="nofollow"> says not to
    index: bool = True  # … "noindex": the page asks not to be indexed


def page_links(data: bytes, base_url: str) -> PageLinks:
    """The `<a href>` and `<area href>` targets of an HTML page, resolved against its URL (or its `<base href>`)."""
    try:
        root = lxml.html.document_fromstring(data)
    except (etree.ParserError, ValueError):
        return PageLinks()
    found = PageLinks()
    for meta in root.iter("meta"):
        if (meta.get("name") or "").lower() in ("robots", "docbot"):
            words = {word.strip() for word in (meta.get("content") or "").lower().split(",")}
            found.follow = found.follow and "nofollow" not in words and "none" not in words
            found.index = found.index and "noindex" not in words and "none" not in words
    base = base_url
    for element in root.iter("base"):
        if element.get("href"):
            base = urljoin(base_url, element.get("href"))
            break
    seen: set[str] = set()
    for element in root.iter("a", "area"):
        href = (element.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:", "data:")):
            continue
        try:
            url = clean_url(urljoin(base, href))
        except ValueError:
            continue
        if url.startswith(("http://", "https://")) and url not in seen:
            seen.add(url)
            found.links.append(url)
    return found


@dataclass
class Sitemap:
    pages: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # a sitemap index's entries, to fetch in turn


def read_sitemap(data: bytes, max_bytes: int) -> Sitemap | None:
    """The URLs of a sitemap or sitemap index (gzipped or not); None when the bytes are not one."""
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
                data = unzipped.read(max_bytes + 1)
        except (OSError, EOFError):
            return None
        if len(data) > max_bytes:
            return None
    # No entities, no network, no huge trees: a sitemap is data from a server, not trusted markup.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        return None
    found = Sitemap()
    entries = found.pages if kind == "urlset" else found.sitemaps
    for element in root:
        if not isinstance(element.tag, str):
            continue
        for child in element:
            if isinstance(child.tag, str) and etree.QName(child).localname == "loc" and child.text:
                entries.append(child.text.strip())
        if len(entries) >= _MAX_SITEMAP_URLS:
            break
    return found
