"""A web site on loopback for URL ingestion tests: pages, redirects, a slow drip, a page behind Basic auth.

It records every request (path and Host header) so a test can prove that a refused URL was never fetched.
"""

import base64
import time
from http.server import BaseHTTPRequestHandler

from tests.fakes.loopback_server import LoopbackServer

PAGE = b"<html><head><title>Runbook</title></head><body><h1>Runbook</h1><p>Restart the queue with care.</p></body></html>"
SECRET_PAGE = b"<html><head><title>Secret</title></head><body><p>Internal only: the vault code is 9911.</p></body></html>"
USER, PASSWORD = "reader", "s3cret-pw-e1"


class SiteStandIn(LoopbackServer):
    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []  # (path, Host header)
        self.redirects: dict[str, str] = {}  # path -> Location
        self.authorizations: list[str | None] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                site.requests.append((self.path, self.headers.get("Host", "")))
                path = self.path.split("?", 1)[0]
                if path in site.redirects:
                    self._answer(302, b"", Location=site.redirects[path])
                elif path == "/page.html":
                    self._answer(200, PAGE)
                elif path == "/secret.html":
                    self._answer(200, SECRET_PAGE)
                elif path == "/private.html":
                    site.authorizations.append(self.headers.get("Authorization"))
                    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
                    self._answer(200, PAGE) if self.headers.get("Authorization") == expected else self._answer(401, b"")
                elif path == "/slow.html":
                    self._drip()
                else:
                    self._answer(404, b"not here")

            def _answer(self, status: int, body: bytes, **headers: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _drip(self) -> None:
                """Headers at once, then one byte every 0.2 s for a minute: no single read is slow."""
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "300")
                self.end_headers()
                try:
                    for _ in range(300):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.2)
                except OSError:
                    pass  # the client gave up, as it should

        self._listen(Handler)


    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]
