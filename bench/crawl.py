"""Crawl speed on a real docs site served from a folder on loopback: pages/s and chunks/s of a first crawl, then
the seconds and requests of a re-sync of the unchanged site.

    apt-get download python3.11-doc && dpkg -x python3.11-doc_*.deb out
    python bench/crawl.py out/usr/share/doc/python3.11/html --start library/index.html --max-pages 300

The folder is served by Python's http.server (Last-Modified, and 304 to If-Modified-Since, no ETag), as a
static docs host would; the crawl goes through docbot's guarded fetcher with 127.0.0.1 allowed.
"""

import argparse
import functools
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class _Handler(SimpleHTTPRequestHandler):
    statuses: Counter = Counter()

    def log_request(self, code="-", size="-") -> None:
        _Handler.statuses[str(code)] += 1

    def log_error(self, *args) -> None:
        pass  # a 404 for robots.txt or sitemap.xml is counted, not printed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="The site's HTML folder")
    parser.add_argument("--start", default="index.html", help="Page to start from, relative to the folder")
    parser.add_argument("--max-pages", type=int, default=5000)
    parser.add_argument("--crawl-only", action="store_true", help="Only crawl (fetch and follow links): no loading, embedding or database")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a fresh embedded server, removed after)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    from bot.db.engine import connect
    from bot.db.migrate import upgrade
    from bot.embeddings import load_embedder
    from bot.settings import load_settings
    from ingestion import sources
    from ingestion.fetching import FetchPolicy
    from ingestion.pipeline import ingest
    from ingestion.sources.specs import source_location

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=args.folder))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    start = f"http://127.0.0.1:{server.server_port}/{args.start}"
    location = source_location(start, crawl=True, max_pages=args.max_pages)
    home = Path(tempfile.mkdtemp(prefix="docbot-bench-crawl-"))
    try:
        settings = load_settings(database_url=args.database_url, docbot_home=home, ingest_allowed_hosts="127.0.0.1")
        print(f"crawl of {start} (max {args.max_pages} pages, {settings.crawl_concurrency} at once, "
              f"{settings.crawl_delay_seconds:g} s apart)")
        started = time.monotonic()
        crawled = list(sources.discover(location, settings, FetchPolicy.from_settings(settings), lambda _: {}).candidates)
        seconds = time.monotonic() - started
        print(f"crawl alone (fetch and links, no loading or embedding): {len(crawled)} pages, "
              f"{sum(len(c.data or b'') for c in crawled) / 1e6:.1f} MB in {seconds:.1f} s -> {len(crawled) / seconds:.1f} pages/s")
        del crawled
        if args.crawl_only:
            return
        database = connect(settings)
        upgrade(database)
        load_embedder(settings)
        _Handler.statuses.clear()

        first = ingest(database, settings, [location], "crawl-bench")
        requests = sum(_Handler.statuses.values())
        print(f"first crawl: {first.files_seen} pages seen ({requests} requests), {first.added} documents, "
              f"{len(first.skipped)} skipped, {first.chunks_embedded} chunks embedded in {first.seconds:.1f} s -> "
              f"{first.files_seen / first.seconds:.2f} pages/s, {first.chunks_embedded / first.seconds:.1f} chunks/s")
        for reason, count in Counter(reason.split(":")[0] for _, reason in first.skipped).most_common(5):
            print(f"  skipped {count}: {reason}")

        _Handler.statuses.clear()
        started = time.monotonic()
        again = ingest(database, settings, [location], "crawl-bench")
        print(f"re-sync of the unchanged site: {again.unchanged} unchanged, {again.chunks_embedded} embedded, "
              f"{again.removed} removed in {time.monotonic() - started:.1f} s; answers: {dict(_Handler.statuses)}")
        database.dispose()
    finally:
        server.shutdown()
        if not args.database_url and not args.crawl_only:
            from bot.db import embedded

            embedded.stop(home)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
