"""Crawling a docs site end to end against a site on loopback: sitemap, link following, robots.txt, the path
prefix, a redirect to a private address, ETag re-sync, and removal only after a whole crawl."""

import time

import pytest

from bot.errors import LocationUnreadable
from ingestion.pipeline import ingest
from ingestion.sources.specs import source_location
from tests.ingestion.docs_site_standin import DocsSiteStandIn, page
from tests.ingestion.helpers import rows, sources

GUIDE = {
    "/guide/": page("Operations guide", "This guide explains how the platform team installs, configures and deploys the billing service.",
                    ("install.html", "deploy.html", "private/keys.html", "../blog/news.html", "http://example.invalid/elsewhere.html")),
    "/guide/install.html": page("Installing", "Install the billing service with the bootstrap script; it needs Python 3.11 and Postgres 16.",
                                ("config.html", "/guide/#top")),
    "/guide/config.html": page("Configuring", "The billing service reads BILLING_QUEUE_URL; retries back off for up to ninety seconds."),
    "/guide/deploy.html": page("Deploying", "Deploys happen on Tuesdays and Thursdays after the change board approves the release."),
    "/guide/private/keys.html": page("Signing keys", "The signing key rotation code is kept here and must never be crawled."),
    "/blog/news.html": page("News", "The team offsite is in March; this page is outside the guide."),
}


@pytest.fixture
def site():
    with DocsSiteStandIn() as standin:
        standin.pages.update(GUIDE)
        yield standin


@pytest.fixture
def crawl_settings(ingest_settings):
    """Loopback is internal, so the stand-in is let in by name, as an admin would an intranet host."""
    return ingest_settings.model_copy(update={"ingest_allowed_hosts": ("127.0.0.1",), "crawl_delay_seconds": 0.0})


def _crawl(site: DocsSiteStandIn, path: str = "/guide/", **options) -> str:
    return source_location(site.url + path, crawl=True, **options)


def _urls(site: DocsSiteStandIn, *paths: str) -> list[str]:
    return sorted(site.url + path for path in paths)


def test_links_are_followed_under_the_start_folder_and_robots_txt_is_honoured(db, crawl_settings, site: DocsSiteStandIn):
    site.robots = "User-agent: *\nDisallow: /guide/private/\n"

    summary = ingest(db, crawl_settings, [_crawl(site)])

    assert sources(db) == _urls(site, "/guide/", "/guide/config.html", "/guide/deploy.html", "/guide/install.html")
    assert "/guide/private/keys.html" not in site.paths()  # disallowed: never asked for
    assert "/blog/news.html" not in site.paths()  # outside the prefix
    assert (f"{site.url}/guide/private/keys.html", "disallowed by the site's robots.txt") in summary.skipped
    assert summary.added == 4 and summary.chunks_embedded > 0
    location, url = rows(db, "SELECT location, url FROM documents WHERE source = :s", s=f"{site.url}/guide/deploy.html")[0]
    assert location == f"crawl+{site.url}/guide/" and url == f"{site.url}/guide/deploy.html"


def test_allow_prefix_widens_the_crawl(db, crawl_settings, site: DocsSiteStandIn):
    ingest(db, crawl_settings, [_crawl(site, allow_prefix="/")])

    assert f"{site.url}/blog/news.html" in sources(db)
    assert f"{site.url}/guide/private/keys.html" in sources(db)  # no robots.txt here: nothing is disallowed


def test_a_sitemap_lists_the_pages_and_links_are_not_followed(db, crawl_settings, site: DocsSiteStandIn):
    site.sitemap = ["/guide/", "/guide/deploy.html", "/guide/config.html", "/blog/news.html"]

    ingest(db, crawl_settings, [_crawl(site)])

    assert sources(db) == _urls(site, "/guide/", "/guide/config.html", "/guide/deploy.html")  # /blog is outside the prefix
    assert "/guide/install.html" not in site.paths()  # linked, but the sitemap is the list


def test_max_pages_bounds_the_requests_and_then_nothing_is_removed(db, crawl_settings, site: DocsSiteStandIn):
    ingest(db, crawl_settings, [_crawl(site)])
    site.forget_requests()

    summary = ingest(db, crawl_settings, [_crawl(site, max_pages=2)])

    page_requests = [path for path in site.paths() if path not in ("/robots.txt", "/sitemap.xml", "/guide/sitemap.xml")]
    assert len(page_requests) == 2
    assert len(sources(db)) == 5 and summary.removed == 0
    assert any("stopped at --max-pages 2" in reason for _, reason in summary.skipped)


def test_a_redirect_to_a_private_address_is_refused(db, crawl_settings, site: DocsSiteStandIn):
    site.pages["/guide/"] = page("Operations guide", "The guide now links to the metadata page, which redirects inward.", ("install.html", "moved.html"))
    site.redirects["/guide/moved.html"] = "http://169.254.169.254/latest/meta-data/"

    summary = ingest(db, crawl_settings, [_crawl(site)])

    reasons = dict(summary.skipped)
    assert "a link-local address" in reasons[f"{site.url}/guide/moved.html"]
    assert "INGEST_ALLOWED_HOSTS" in reasons[f"{site.url}/guide/moved.html"]
    assert f"{site.url}/guide/install.html" in sources(db)


def test_resync_asks_with_the_etag_and_a_304_costs_nothing_an_edit_is_reembedded(db, crawl_settings, site: DocsSiteStandIn):
    ingest(db, crawl_settings, [_crawl(site)])
    site.forget_requests()

    again = ingest(db, crawl_settings, [_crawl(site)])

    assert (again.added, again.updated, again.unchanged, again.chunks_embedded) == (0, 0, 5, 0)
    page_requests = [r for r in site.requests if r.path.endswith((".html", "/")) and r.path != "/"]
    assert page_requests and all(r.if_none_match for r in page_requests)

    site.pages["/guide/deploy.html"] = page("Deploying", "Deploys now happen every weekday morning once the canary is green.")
    edited = ingest(db, crawl_settings, [_crawl(site)])

    assert (edited.updated, edited.unchanged) == (1, 4) and edited.chunks_embedded >= 1
    text = rows(db, "SELECT string_agg(c.text, ' ') FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source = :s",
                s=f"{site.url}/guide/deploy.html")[0][0]
    assert "canary is green" in text and "Tuesdays" not in text


def test_a_removed_page_disappears_after_a_whole_crawl(db, crawl_settings, site: DocsSiteStandIn):
    ingest(db, crawl_settings, [_crawl(site)])
    del site.pages["/guide/config.html"]  # gone (404), though install.html still links to it

    summary = ingest(db, crawl_settings, [_crawl(site)])

    assert summary.removed_sources == [f"{site.url}/guide/config.html"]
    assert f"{site.url}/guide/config.html" not in sources(db)


def test_a_failing_page_keeps_everything_stored_since_the_crawl_was_not_whole(db, crawl_settings, site: DocsSiteStandIn):
    ingest(db, crawl_settings, [_crawl(site)])
    del site.pages["/guide/config.html"]
    site.failing["/guide/install.html"] = 503  # its links can't be read: what they lead to may still exist

    summary = ingest(db, crawl_settings, [_crawl(site)])

    assert summary.removed == 0
    assert sorted(sources(db)) == _urls(site, "/guide/", "/guide/config.html", "/guide/deploy.html", "/guide/install.html", "/guide/private/keys.html")
    assert (f"{site.url}/guide/install.html", "HTTP 503") in summary.skipped


def test_a_site_that_is_down_removes_nothing_and_fails_the_run(db, crawl_settings, site: DocsSiteStandIn):
    ingest(db, crawl_settings, [_crawl(site)])
    site.failing["/robots.txt"] = 503

    with pytest.raises(LocationUnreadable, match="robots.txt answered HTTP 503, so nothing was crawled; nothing of it was removed"):
        ingest(db, crawl_settings, [_crawl(site)])

    assert len(sources(db)) == 5
    assert rows(db, "SELECT state FROM ingest_runs ORDER BY id DESC LIMIT 1")[0][0] == "failed"


def test_the_crawl_is_refused_on_loopback_unless_allowed(db, ingest_settings, site: DocsSiteStandIn):
    with pytest.raises(LocationUnreadable, match="a loopback address; add it to INGEST_ALLOWED_HOSTS"):
        ingest(db, ingest_settings, [_crawl(site)])

    assert site.requests == [] and sources(db) == []


def test_one_page_linked_under_two_urls_is_one_document_on_every_sync(db, crawl_settings, site: DocsSiteStandIn):
    site.pages["/guide/index.html"] = site.pages["/guide/"]
    site.pages["/guide/deploy.html"] = page("Deploying", "Deploys happen on Tuesdays; the guide's home is index.html.", ("index.html",))

    first = ingest(db, crawl_settings, [_crawl(site)])
    again = ingest(db, crawl_settings, [_crawl(site)])

    assert "/guide/index.html" in site.paths()
    assert f"{site.url}/guide/index.html" not in sources(db) and f"{site.url}/guide/" in sources(db)
    assert first.added == 5 and (again.added, again.removed) == (0, 0)


def test_a_start_url_without_its_trailing_slash_crawls_that_folder(db, crawl_settings, site: DocsSiteStandIn):
    site.redirects["/guide"] = "/guide/"

    ingest(db, crawl_settings, [_crawl(site, "/guide")])

    assert f"{site.url}/guide/deploy.html" in sources(db) and f"{site.url}/guide/" in sources(db)
    assert "/blog/news.html" not in site.paths()  # the folder is /guide/, not the whole host


def test_requests_to_the_site_are_bounded_and_spaced(db, crawl_settings, site: DocsSiteStandIn):
    polite = crawl_settings.model_copy(update={"crawl_concurrency": 2, "crawl_delay_seconds": 0.05})
    site.page_seconds = 0.2  # slow pages: the crawl would run more at once if it could

    started = time.monotonic()
    ingest(db, polite, [_crawl(site)])

    assert site.most_in_flight == 2
    assert time.monotonic() - started >= (len(site.requests) - 1) * 0.05
