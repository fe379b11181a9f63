"""A docs site, crawled: its sitemap's pages when it has one, else the pages its links reach.

Every request goes through the guarded fetcher (`ingestion.fetching`): robots.txt, sitemaps and pages
alike, each redirect vetted. The crawl stays on the start URL's host, under its folder (or
`allow-prefix`), asks robots.txt first (protego: longest match, wildcards) and stops at `max-pages`
requests. At most `CRAWL_CONCURRENCY` requests run at once, each starting at least
`CRAWL_DELAY_SECONDS` (or robots.txt's Crawl-delay, if longer) after the one before.

A page stored before is asked for with its ETag / Last-Modified: a 304 costs a request and nothing else.
A page that answers 404 or 410, or is no longer listed or linked, is removed only when the crawl as a
whole succeeded: it reached its end, and no page failed in a way that could hide others (5xx, 429, a
network error). Otherwise nothing is removed, and pages that failed keep their stored versions.
"""

import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from protego import Protego

from bot.errors import UnsupportedDocument
from bot.index.store import StoredDocument
from bot.settings import Settings
from bot.url_redaction import redact_url
from ingestion.discovery import Candidate, Discovery, Unusable
from ingestion.fetching import FetchPolicy, Fetched, fetch
from ingestion.sources.pages import clean_url, is_asset, is_html, page_links, read_sitemap
from ingestion.sources.specs import CrawlSpec

logger = logging.getLogger(__name__)

ROBOTS_AGENT = "docbot-ingest"
_GONE = (404, 410)
_EVERY_ERROR = frozenset(range(400, 600))
_MAX_SITEMAPS = 50


@dataclass
class _Answer:
    url: str  # as asked for, cleaned
    fetched: Fetched | None = None
    error: str | None = None  # the fetcher's reason (refused, too large, timed out…)
    links: list[str] | None = None  # found on the page, when the crawl follows links
    indexable: bool = True


class HostThrottle:
    """Spaces the starts of requests to one host by `delay` seconds, whichever thread sends them."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.delay
        if start > now:
            time.sleep(start - now)


class Crawl:
    def __init__(self, spec: CrawlSpec, settings: Settings, policy: FetchPolicy, stored: dict[str, StoredDocument]) -> None:
        self.spec = spec
        self.policy = policy
        self.stored = stored  # source -> StoredDocument: its metadata holds the page's validators
        self.concurrency = settings.crawl_concurrency
        self.delay = settings.crawl_delay_seconds
        start = urlsplit(spec.start)
        self.credentials = start.netloc.rsplit("@", 1)[0] if "@" in start.netloc else None
        self.start = clean_url(spec.start)
        self.origin = urlsplit(self.start)[:2]
        self.prefix = _prefix(self.start, spec.allow_prefix)
        self.discovery = Discovery(spec.location, self._pages(), [], is_folder=False)
        self.seen: set[str] = set()
        self.frontier: deque[str] = deque()
        self.requests = 0
        self.incomplete: list[str] = []  # why pages not reached may still exist
        self.robots: Protego | None = None
        self.found_any = False
        self.bodies: set[bytes] = set()  # digests of the pages read: one page linked under two URLs is one document

    # -- scope

    def in_scope(self, url: str) -> bool:
        parts = urlsplit(url)
        return (parts.scheme, parts.netloc) == self.origin and parts.path.startswith(self.prefix)

    def allowed(self, url: str) -> bool:
        return self.robots is None or self.robots.can_fetch(url, ROBOTS_AGENT)

    # -- fetching (any thread)

    def _get(self, url: str, headers: dict[str, str] | None = None) -> Fetched:
        self.throttle.wait()
        return fetch(self._with_credentials(url), self.policy, headers=headers, answered=_EVERY_ERROR)

    def _with_credentials(self, url: str) -> str:
        """The crawl's own credentials go to its own origin only (the fetcher drops them on other hosts' redirects)."""
        parts = urlsplit(url)
        if not self.credentials or (parts.scheme, parts.netloc) != self.origin:
            return url
        return urlunsplit((parts.scheme, f"{self.credentials}@{parts.netloc}", parts.path, parts.query, parts.fragment))

    def _read(self, url: str, follow: bool) -> _Answer:
        stored = self.stored.get(redact_url(url))
        validators = (stored.metadata or {}) if stored else {}
        headers = {}
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
        try:
            fetched = self._get(url, headers)
        except UnsupportedDocument as error:
            return _Answer(url, error=str(error))
        answer = _Answer(url, fetched)
        if fetched.status == 200 and is_html(fetched.data, fetched.content_type):
            found = page_links(fetched.data, fetched.final_url)
            answer.indexable = found.index
            if follow and found.follow:
                answer.links = found.links
        return answer

    # -- the crawl (the pipeline's thread)

    def _pages(self) -> Iterator[Candidate]:
        self.throttle = HostThrottle(self.delay)
        failure = self._read_robots()
        if failure:
            self.discovery.error = failure
            return
        sitemap_pages = self._sitemap_pages()
        follow = not sitemap_pages
        self._add(self.start)
        for url in sitemap_pages:
            self._add(url)
        if follow:  # pages stored before are asked for again: one gone answers 404 even when nothing links to it
            for source in sorted(self.stored):
                if source.startswith(("http://", "https://")) and "***" not in source and self.in_scope(source):
                    self._add(source)
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="crawl") as pool:
            pending: dict[Future, str] = {}
            while self.frontier or pending:
                while self.frontier and len(pending) < 2 * self.concurrency and self.requests < self.spec.max_pages:
                    url = self.frontier.popleft()
                    self.requests += 1
                    pending[pool.submit(self._read, url, follow)] = url
                if not pending:  # the frontier holds more, but the limit is reached
                    self.incomplete.append(f"stopped at --max-pages {self.spec.max_pages}")
                    self.discovery.unusable.append(Unusable(
                        self.spec.location,
                        f"the crawl stopped at --max-pages {self.spec.max_pages} with {len(self.frontier)} pages "
                        "not read: they keep their stored versions, and nothing was removed",
                    ))
                    break
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    pending.pop(future)
                    yield from self._take(future.result())
        if self.discovery.error:
            return
        if not self.found_any and self.stored:
            self.discovery.error = f"no page of it could be read, but {len(self.stored)} documents are stored from it"
            return
        self.discovery.is_folder = not self.incomplete  # removes what was not found again only after a whole crawl
        logger.info("crawl done location=%s requests=%d complete=%s", self.spec.location, self.requests, not self.incomplete)

    def _add(self, url: str) -> None:
        if url in self.seen or (url != self.start and not self.in_scope(url)) or is_asset(url):
            return
        self.seen.add(url)
        if self.allowed(url):
            self.frontier.append(url)
        else:
            self.discovery.unusable.append(Unusable(redact_url(url), "disallowed by the site's robots.txt", keeps_stored=False))

    def _take(self, answer: _Answer) -> Iterator[Candidate]:
        source = redact_url(answer.url)
        is_start = answer.url == self.start
        if answer.error:
            refused = answer.error.startswith(("refused", "too large"))
            if not refused:
                self.incomplete.append(answer.error)
            if is_start:
                self.discovery.error = f"the start page could not be read: {answer.error}"
            self.discovery.unusable.append(Unusable(source, answer.error, keeps_stored=not refused))
            return
        fetched = answer.fetched
        if fetched.status in _GONE:
            if is_start:
                self.discovery.error = f"the start page answered HTTP {fetched.status}"
            return  # gone: not found again, so removed after a whole crawl
        if fetched.status >= 400:
            if fetched.status >= 500 or fetched.status == 429:
                self.incomplete.append(f"HTTP {fetched.status}")
            if is_start:
                self.discovery.error = f"the start page answered HTTP {fetched.status}"
            self.discovery.unusable.append(Unusable(source, f"HTTP {fetched.status}"))
            return
        if fetched.status == 304:
            self.found_any = True
            stored = self.stored.get(source)
            body = ((stored.metadata or {}) if stored else {}).get("body")
            if body:
                self.bodies.add(bytes.fromhex(body))
            yield Candidate(source=source, location=self.spec.location, url=answer.url, unchanged=True)
            return
        final = clean_url(fetched.final_url) if fetched.final_url else answer.url
        if final != answer.url:
            if not self.in_scope(final):
                self.discovery.unusable.append(Unusable(
                    source, f"redirects outside the crawl to {redact_url(final)}", keeps_stored=False))
                return
            if final in self.seen and final != answer.url:
                return  # a page already read (or queued) under its own URL
            self.seen.add(final)
            source = redact_url(final)
        for link in answer.links or ():
            self._add(link)
        digest = hashlib.sha256(fetched.data).digest()
        if digest in self.bodies:
            return  # the same page under a second URL (`guide/` and `guide/index.html`): indexed once
        self.bodies.add(digest)
        if not answer.indexable:
            self.discovery.unusable.append(Unusable(source, "the page asks not to be indexed (robots noindex)", keeps_stored=False))
            return
        self.found_any = True
        metadata = {key: fetched.headers[header] for key, header in (("etag", "etag"), ("last_modified", "last-modified")) if fetched.headers.get(header)}
        metadata["body"] = digest.hex()
        yield Candidate(
            source=source, location=self.spec.location, url=final, data=fetched.data,
            content_type=fetched.content_type, metadata=metadata,
        )

    def _read_robots(self) -> str | None:
        """Reads robots.txt (RFC 9309: 4xx means no rules; a server error or no answer means stay away)."""
        url = urlunsplit((*self.origin, "/robots.txt", "", ""))
        try:
            fetched = self._get(url)
        except UnsupportedDocument as error:
            return f"robots.txt could not be read ({error}), so nothing was crawled"
        if fetched.status >= 500 or fetched.status == 429:
            return f"robots.txt answered HTTP {fetched.status}, so nothing was crawled"
        if fetched.status == 200:
            self.robots = Protego.parse(fetched.data.decode("utf-8", "replace"))
            delay = self.robots.crawl_delay(ROBOTS_AGENT)
            if delay:
                self.throttle.delay = max(self.throttle.delay, float(delay))
        return None

    def _sitemap_pages(self) -> list[str]:
        """The in-scope pages the site's sitemaps list (those robots.txt names, else /sitemap.xml and one in the folder)."""
        named = list(self.robots.sitemaps) if self.robots else []
        queue = deque(named or [urlunsplit((*self.origin, "/sitemap.xml", "", "")), urljoin(self.start, self.prefix + "sitemap.xml")])
        read: set[str] = set()
        pages: list[str] = []
        while queue and len(read) < _MAX_SITEMAPS:
            url = clean_url(queue.popleft())
            if url in read or urlsplit(url)[:2] != self.origin:
                continue
            read.add(url)
            try:
                fetched = self._get(url)
            except UnsupportedDocument as error:
                self.incomplete.append(f"sitemap {redact_url(url)}: {error}")
                continue
            if fetched.status >= 400:
                if fetched.status not in _GONE and url in named:
                    self.incomplete.append(f"sitemap {redact_url(url)}: HTTP {fetched.status}")
                continue
            sitemap = read_sitemap(fetched.data, self.policy.max_bytes)
            if sitemap is None:
                continue
            queue.extend(sitemap.sitemaps)
            pages += [clean_url(page) for page in sitemap.pages]
        return [page for page in dict.fromkeys(pages) if self.in_scope(page)]


def _prefix(start: str, allow_prefix: str | None) -> str:
    if allow_prefix:
        parts = urlsplit(allow_prefix)
        return parts.path or "/"
    path = urlsplit(start).path
    if "." not in path.rsplit("/", 1)[-1]:
        return path.rstrip("/") + "/"  # `/guide` names the folder the server will redirect to (`/guide/`)
    return path[: path.rfind("/") + 1] or "/"


def discover(spec: CrawlSpec, settings: Settings, policy: FetchPolicy, stored: dict[str, StoredDocument]) -> Discovery:
    return Crawl(spec, settings, policy, stored).discovery

