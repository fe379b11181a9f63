"""A docs site on loopback for crawl tests: pages a test can edit or remove, robots.txt, a sitemap, redirects.

It speaks HTTP as a static server does: an ETag and Last-Modified on each page, 304 when the client's
If-None-Match still matches, 404 for what is gone. Every request is recorded (path and the validators the
client sent), so a test can prove what was, and was not, fetched.
"""

import hashlib
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from tests.fakes.loopback_server import LoopbackServer


@dataclass
class Request:
    path: str
    if_none_match: str | None


def page(title: str, text: str, links: tuple[str, ...] = ()) -> str:
    anchors = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return (
        f"<html><head><title>{title}</title></head><body><main><h1>{title}</h1><p>{text}</p>"
        f"<ul>{anchors}</ul></main></body></html>"
    )


class DocsSiteStandIn(LoopbackServer):
    def __init__(self) -> None:
        self.pages: dict[str, str] = {}  # path -> HTML
        self.robots: str | None = None
        self.sitemap: list[str] | None = None  # paths listed in /sitemap.xml, None: no sitemap
        self.redirects: dict[str, str] = {}  # path -> Location
        self.failing: dict[str, int] = {}  # path -> status it answers with (500…)
        self.requests: list[Request] = []
        self.page_seconds = 0.0  # how long each page takes to answer
        self.in_flight = 0
        self.most_in_flight = 0  # the most requests it was answering at once
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                with site._lock:
                    site.in_flight += 1
                    site.most_in_flight = max(site.most_in_flight, site.in_flight)
                try:
                    self._get()
                finally:
                    with site._lock:
                        site.in_flight -= 1

            def _get(self) -> None:
                path = self.path.split("?", 1)[0]
                with site._lock:
                    site.requests.append(Request(path, self.headers.get("If-None-Match")))
                if path in site.failing:
                    return self._answer(site.failing[path], b"failing", "text/plain")
                if path in site.redirects:
                    return self._answer(302, b"", "text/html", Location=site.redirects[path])
                if path == "/robots.txt" and site.robots is not None:
                    return self._answer(200, site.robots.encode(), "text/plain")
                if path == "/sitemap.xml" and site.sitemap is not None:
                    return self._answer(200, site._sitemap_xml(), "application/xml")
                if path not in site.pages:
                    return self._answer(404, b"not here", "text/plain")
                time.sleep(site.page_seconds)
                body = site.pages[path].encode()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    return self._answer(304, b"", None, ETag=etag)
                self._answer(200, body, "text/html; charset=utf-8", ETag=etag, **{"Last-Modified": "Mon, 07 Dec 2026 07:00:00 GMT"})

            def _answer(self, status: int, body: bytes, content_type: str | None, **headers: str) -> None:
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

        self._listen(Handler)

    def _sitemap_xml(self) -> bytes:
        entries = "".join(f"<url><loc>{self.url}{path}</loc></url>" for path in self.sitemap or [])
        return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'.encode()


    def paths(self) -> list[str]:
        with self._lock:
            return [request.path for request in self.requests]

    def forget_requests(self) -> None:
        with self._lock:
            self.requests.clear()
