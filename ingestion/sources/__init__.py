"""Where teams keep their docs beyond folders, files and single pages: a crawled site, a git repository, a
Confluence space. Each is one location string (see `specs`) and turns into a `Discovery` the pipeline
ingests like a folder's: unchanged costs nothing, changed is re-embedded, gone is removed only when the
source was read whole.
"""

from collections.abc import Callable

from bot.index.store import StoredDocument
from bot.settings import Settings
from ingestion import discovery
from ingestion.discovery import Discovery
from ingestion.fetching import FetchPolicy
from ingestion.sources import crawl, git
from ingestion.sources.specs import CONFLUENCE, CRAWL, GIT, ConfluenceSpec, CrawlSpec, GitSpec

# The documents stored from a location, by source.
StoredAt = Callable[[str], dict[str, StoredDocument]]


def discover(location: str, settings: Settings, policy: FetchPolicy, stored_at: StoredAt) -> Discovery:
    if location.startswith(CRAWL):
        spec = CrawlSpec.parse(location)
        return crawl.discover(spec, settings, policy, stored_at(spec.location))
    if location.startswith(GIT):
        spec = GitSpec.parse(location)
        return git.discover(spec, settings, policy)
    if location.startswith(CONFLUENCE):
        from ingestion.sources import confluence  # its client library is imported only where a space is read

        spec = ConfluenceSpec.parse(location)
        return confluence.discover(spec, settings, policy, stored_at(spec.location))
    return discovery.discover(location, follow_links=settings.ingest_follow_links)
