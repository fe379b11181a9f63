"""What a crawl reads from fetched bytes: a page's links (base href, fragments, robots meta), sitemaps and
sitemap indexes (gzipped too), and no entity in a sitemap is ever expanded."""

import gzip

from ingestion.sources.pages import clean_url, is_asset, page_links, read_sitemap
from ingestion.sources.specs import CrawlSpec, GitSpec, source_location

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def test_links_are_resolved_against_base_href_without_fragments_or_credentials():
    html = b"""<html><head><base href="https://docs.example.com/guide/v2/"></head><body>
        <a href="setup.html#install">Setup</a> <a href="../faq.html">FAQ</a> <a href="#top">top</a>
        <a href="mailto:ops@example.com">mail</a> <a href="https://user:pw@docs.example.com/guide/v2/setup.html">again</a>
        <map><area href="/maps/floor.html"></map></body></html>"""

    found = page_links(html, "https://docs.example.com/guide/index.html")

    assert found.links == [
        "https://docs.example.com/guide/v2/setup.html", "https://docs.example.com/guide/faq.html", "https://docs.example.com/maps/floor.html",
    ]
    assert found.follow and found.index


def test_robots_meta_says_whether_to_follow_and_index():
    found = page_links(b'<html><head><meta name="robots" content="noindex, nofollow"></head><body><a href="a.html">a</a></body></html>', "https://x/")
    assert not found.follow and not found.index


def test_a_sitemap_index_names_sitemaps_and_a_gzipped_urlset_its_pages():
    index = f'<sitemapindex xmlns="{SITEMAP_NS}"><sitemap><loc>https://x/a.xml.gz</loc></sitemap></sitemapindex>'.encode()
    urlset = f'<urlset xmlns="{SITEMAP_NS}"><url><loc> https://x/guide/a.html </loc><lastmod>2026-12-01</lastmod></url></urlset>'.encode()

    assert read_sitemap(index, 10_000).sitemaps == ["https://x/a.xml.gz"]
    assert read_sitemap(gzip.compress(urlset), 10_000).pages == ["https://x/guide/a.html"]
    assert read_sitemap(gzip.compress(urlset), 50) is None  # inflates past the size limit
    assert read_sitemap(b"<html><body>not a sitemap</body></html>", 10_000) is None


def test_no_entity_in_a_sitemap_is_expanded():
    hostile = f"""<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
        <urlset xmlns="{SITEMAP_NS}"><url><loc>https://x/&secret;</loc></url></urlset>""".encode()

    sitemap = read_sitemap(hostile, 10_000)

    assert sitemap is None or all("root:" not in page for page in sitemap.pages)


def test_urls_are_cleaned_and_assets_recognised():
    assert clean_url("HTTPS://Docs.Example.com/guide/a.html#part") == "https://docs.example.com/guide/a.html"
    assert is_asset("https://x/_static/theme.css") and is_asset("https://x/img/logo.PNG")
    assert not is_asset("https://x/guide/") and not is_asset("https://x/guide/setup.html") and not is_asset("https://x/manual.pdf")


def test_location_strings_carry_their_options_and_documents_keep_a_location_without_the_page_limit():
    crawl = CrawlSpec.parse(source_location("https://u:pw@docs.example.com/guide/", crawl=True, max_pages=200, allow_prefix="/"))
    assert (crawl.start, crawl.max_pages, crawl.allow_prefix) == ("https://u:pw@docs.example.com/guide/", 200, "/")
    assert crawl.location == "crawl+https://***@docs.example.com/guide/#allow-prefix=/"

    git = GitSpec.parse(source_location("git@github.com:team/handbook.git", branch="main", path="/docs/"))
    assert (git.repository, git.branch, git.path) == ("git@github.com:team/handbook.git", "main", "docs")
    assert source_location("https://docs.example.com/page.html") == "https://docs.example.com/page.html"  # a page stays a page
