"""A Confluence space: its pages, titled by their place in the page tree, and their PDF and DOCX attachments.

The space's pages are listed with their version and ancestors (paged by `start`/`limit`, following
`_links.next`); a page whose version is the stored one costs that listing and nothing else. A changed
page's storage format is read and rendered to HTML for the HTML loader; each attachment a loader reads
(PDF, DOCX, Markdown, text, HTML) is re-read when its version changes. A page or attachment no longer
listed is removed, but only when the whole listing was read: a failure part-way removes nothing.
A 429 is waited out as its Retry-After says (by the client library).
"""

import logging
from collections.abc import Iterator

from bot.errors import UnsupportedDocument
from bot.index.store import StoredDocument
from bot.settings import Settings
from ingestion import loaders
from ingestion.discovery import Candidate, Discovery, Unusable
from ingestion.fetching import FetchPolicy
from ingestion.sources import confluence_client
from ingestion.sources.confluence_storage import storage_to_html
from ingestion.sources.specs import ConfluenceSpec

logger = logging.getLogger(__name__)

PAGE_LIMIT = 50  # pages per listing request (Confluence caps `limit` by its own setting)


class SpaceReader:
    def __init__(self, spec: ConfluenceSpec, settings: Settings, policy: FetchPolicy, stored: dict[str, StoredDocument]) -> None:
        self.spec = spec
        self.stored = stored  # source -> StoredDocument; its metadata holds the version it was read at
        self.max_bytes = policy.max_bytes
        self.site = settings.confluence_url.rstrip("/") if settings.confluence_url else ""
        self.client = confluence_client.connect(settings, policy)
        self.discovery = Discovery(spec.location, self._documents(), [], is_folder=False)
        self.whole = True  # every page and attachment list was read

    def _source(self, page_id: str, filename: str | None = None) -> str:
        page = f"{self.spec.location}/pages/{page_id}"
        return f"{page}/attachments/{filename}" if filename else page

    def _unchanged(self, source: str, version: int | None) -> bool:
        stored = self.stored.get(source)
        return bool(stored and version is not None and (stored.metadata or {}).get("version") == version)

    def _documents(self) -> Iterator[Candidate]:
        try:
            self.client.get_space(self.spec.space)
        except Exception as error:  # a missing space: the library's ApiError says so, naming the permission too
            self.discovery.error = f"the space {self.spec.space} could not be read: {_reason(error)}"
            return
        try:
            pages = self._list_pages()
        except Exception as error:  # the library raises requests' and its own errors alike: the boundary is here
            self.discovery.error = f"the space {self.spec.space} could not be listed: {_reason(error)}"
            return
        if not pages and self.stored:
            self.discovery.error = f"the space lists no pages, but {len(self.stored)} documents are stored from it"
            return
        for page in pages:
            yield from self._page(page)
            yield from self._attachments(page)
        self.discovery.is_folder = self.whole  # what is no longer listed goes, only after a whole listing
        logger.info("confluence space read location=%s pages=%d whole=%s", self.spec.location, len(pages), self.whole)

    def _list_pages(self) -> list[dict]:
        """Every page of the space, paged by start/limit while the answer has a `_links.next`. The paging is done
        here rather than by following `next` itself: Cloud's next links leave out its /wiki context."""
        pages: list[dict] = []
        while True:
            listing = self.client.get("rest/api/content", params={
                "spaceKey": self.spec.space, "type": "page", "start": len(pages), "limit": PAGE_LIMIT, "expand": "version,ancestors",
            })
            results = listing.get("results") or []
            pages += results
            if not results or not (listing.get("_links") or {}).get("next"):
                return pages

    def _page(self, page: dict) -> Iterator[Candidate]:
        source = self._source(page["id"])
        version = (page.get("version") or {}).get("number")
        link = self.site + (page.get("_links") or {}).get("webui", "")
        if self._unchanged(source, version):
            yield Candidate(source=source, location=self.spec.location, unchanged=True)
            return
        try:
            full = self.client.get_page_by_id(page["id"], expand="body.storage,version,ancestors")
        except Exception as error:
            self.whole = False
            self.discovery.unusable.append(Unusable(source, f"could not be read: {_reason(error)}"))
            return
        path = " / ".join([ancestor.get("title", "") for ancestor in full.get("ancestors") or []] + [full.get("title", "")])
        storage = ((full.get("body") or {}).get("storage") or {}).get("value", "")
        yield Candidate(
            source=source, location=self.spec.location, data=storage_to_html(path, storage), content_type="text/html",
            link=link, metadata={"version": (full.get("version") or {}).get("number", version), "title": full.get("title", "")},
        )

    def _attachments(self, page: dict) -> Iterator[Candidate]:
        start = 0
        while True:
            try:
                listing = self.client.get_attachments_from_content(page["id"], start=start, limit=PAGE_LIMIT, expand="version")
            except Exception as error:
                self.whole = False
                self.discovery.unusable.append(Unusable(self._source(page["id"]) + "/attachments", f"could not be listed: {_reason(error)}"))
                return
            results = listing.get("results") or []
            for attachment in results:
                yield from self._attachment(page, attachment)
            if not (listing.get("_links") or {}).get("next") or not results:
                return
            start += len(results)

    def _attachment(self, page: dict, attachment: dict) -> Iterator[Candidate]:
        filename = attachment.get("title", "")
        if not loaders.is_supported_name(filename):
            return  # images and the like: not documents, and not counted as skipped
        source = self._source(page["id"], filename)
        version = (attachment.get("version") or {}).get("number")
        if self._unchanged(source, version):
            yield Candidate(source=source, location=self.spec.location, unchanged=True)
            return
        size = (attachment.get("extensions") or {}).get("fileSize") or 0
        if size > self.max_bytes:
            self.discovery.unusable.append(Unusable(source, f"too large: {size:,} bytes is over the {self.max_bytes:,}-byte limit (MAX_FILE_BYTES)"))
            return
        links = attachment.get("_links") or {}
        try:
            data = self.client.get(links["download"], not_json_response=True)
        except Exception as error:
            self.whole = False
            self.discovery.unusable.append(Unusable(source, f"could not be downloaded: {_reason(error)}"))
            return
        yield Candidate(
            source=source, location=self.spec.location, data=data,
            content_type=(attachment.get("extensions") or {}).get("mediaType"),
            link=self.site + links.get("webui", links["download"]), metadata={"version": version},
        )


def _reason(error: Exception) -> str:
    """The error in a few words, without what a response body might echo."""
    response = getattr(error, "response", None)
    if response is not None and getattr(response, "status_code", None):
        return f"HTTP {response.status_code}"
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]


def discover(spec: ConfluenceSpec, settings: Settings, policy: FetchPolicy, stored: dict[str, StoredDocument]) -> Discovery:
    try:
        return SpaceReader(spec, settings, policy, stored).discovery
    except UnsupportedDocument as error:
        return Discovery(spec.location, [], [], is_folder=False, error=str(error))
