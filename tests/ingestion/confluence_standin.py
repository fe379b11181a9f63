"""A Confluence Data Center on loopback, speaking the REST API v1 as the real one does for what docbot reads.

`/rest/api/space/{key}`, `/rest/api/content?spaceKey=…&type=page` (paged: `start`/`limit`, the server's own
cap on `limit`, `_links.next`), `expand=body.storage,version,ancestors`, `/rest/api/content/{id}`,
`/rest/api/content/{id}/child/attachment` and `/download/attachments/{id}/{name}`. It checks the bearer
token (a personal access token) or Basic email:token (Cloud), answers 429 with Retry-After when told to,
and records each request's path.
"""

import base64
import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from tests.fakes.loopback_server import LoopbackServer

SERVER_LIMIT = 2  # the most results the server returns per request, whatever `limit` asks: paging is exercised


@dataclass
class Attachment:
    data: bytes
    media_type: str
    version: int = 1


@dataclass
class Page:
    title: str
    storage: str
    parent: str | None = None
    version: int = 1
    attachments: dict[str, Attachment] = field(default_factory=dict)


class ConfluenceStandIn(LoopbackServer):
    def __init__(self, space: str, token: str, email: str | None = None) -> None:
        self.space = space
        self.token = token
        self.email = email
        self.pages: dict[str, Page] = {}
        self.requests: list[str] = []
        self.throttled = 0  # how many of the next requests answer 429
        self.throttled_path = ""  # only requests whose path holds this (all by default)
        self.refused_429 = 0
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                stand_in.requests.append(self.path)
                if not stand_in._authorized(self.headers.get("Authorization")):
                    return self._json(401, {"statusCode": 401, "message": "Unauthorized"})
                if stand_in.throttled and stand_in.throttled_path in self.path:
                    stand_in.throttled -= 1
                    stand_in.refused_429 += 1
                    return self._json(429, {"statusCode": 429, "message": "Rate limit exceeded"}, {"Retry-After": "1"})
                parts = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(parts.query).items()}
                status, body, headers = stand_in._route(parts.path, query)
                if isinstance(body, bytes):
                    return self._raw(status, body, headers)
                self._json(status, body, headers)

            def _json(self, status: int, body: dict, headers: dict | None = None) -> None:
                self._raw(status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})})

            def _raw(self, status: int, body: bytes, headers: dict) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._listen(Handler)

    def _authorized(self, authorization: str | None) -> bool:
        if not authorization:
            return False
        if self.email is None:
            return authorization == f"Bearer {self.token}"
        return authorization == "Basic " + base64.b64encode(f"{self.email}:{self.token}".encode()).decode()

    def _route(self, path: str, query: dict[str, str]):
        segments = [segment for segment in path.split("/") if segment]
        if segments[:3] == ["rest", "api", "space"] and len(segments) == 4:
            if segments[3] != self.space:
                return 404, {"statusCode": 404, "message": f"No space with key : {segments[3]}"}, {}
            return 200, {"id": 98304, "key": self.space, "name": "Operations", "type": "global"}, {}
        if segments == ["rest", "api", "content"]:
            if query.get("spaceKey") != self.space or query.get("type") != "page":
                return 200, self._paged([], query, path), {}
            return 200, self._paged([self._page_json(id, query.get("expand", "")) for id in self.pages], query, path), {}
        if segments[:3] == ["rest", "api", "content"] and len(segments) == 4:
            if segments[3] not in self.pages:
                return 404, {"statusCode": 404, "message": "No content found with id: " + segments[3]}, {}
            return 200, self._page_json(segments[3], query.get("expand", "")), {}
        if segments[:3] == ["rest", "api", "content"] and segments[4:] == ["child", "attachment"]:
            page = self.pages.get(segments[3])
            if page is None:
                return 404, {"statusCode": 404, "message": "No content found"}, {}
            return 200, self._paged([self._attachment_json(segments[3], name) for name in page.attachments], query, path), {}
        if segments[:2] == ["download", "attachments"] and len(segments) == 4:
            page = self.pages.get(segments[2])
            attachment = page and page.attachments.get(segments[3])
            if not attachment:
                return 404, b"not found", {"Content-Type": "text/plain"}
            return 200, attachment.data, {"Content-Type": attachment.media_type}
        return 404, {"statusCode": 404, "message": "null for uri: " + path}, {}

    def _paged(self, results: list, query: dict[str, str], path: str) -> dict:
        start = int(query.get("start", 0))
        limit = min(int(query.get("limit", 25)), SERVER_LIMIT)
        shown = results[start:start + limit]
        links = {"base": self.url, "context": "", "self": self.url + path}
        if start + limit < len(results):
            links["next"] = path + "?" + urlencode({**query, "start": start + limit, "limit": limit}, safe=",")
        return {"results": shown, "start": start, "limit": limit, "size": len(shown), "_links": links}

    def _page_json(self, page_id: str, expand: str) -> dict:
        page = self.pages[page_id]
        expanded = set(expand.split(","))
        data = {
            "id": page_id, "type": "page", "status": "current", "title": page.title,
            "_links": {"webui": f"/display/{self.space}/{quote(page.title.replace(' ', '+'), safe='+')}", "self": f"{self.url}/rest/api/content/{page_id}"},
            "_expandable": {},
        }
        if "version" in expanded:
            data["version"] = {"number": page.version, "when": "2026-12-07T07:00:00.000Z"}
        if "ancestors" in expanded:
            data["ancestors"] = [{"id": id, "type": "page", "title": self.pages[id].title} for id in self._ancestors(page_id)]
        if "body.storage" in expanded:
            data["body"] = {"storage": {"value": page.storage, "representation": "storage"}}
        return data

    def _ancestors(self, page_id: str) -> list[str]:
        chain, parent = [], self.pages[page_id].parent
        while parent:
            chain.insert(0, parent)
            parent = self.pages[parent].parent
        return chain

    def _attachment_json(self, page_id: str, name: str) -> dict:
        attachment = self.pages[page_id].attachments[name]
        return {
            "id": f"att{page_id}{len(name)}", "type": "attachment", "status": "current", "title": name,
            "version": {"number": attachment.version},
            "metadata": {"mediaType": attachment.media_type},
            "extensions": {"mediaType": attachment.media_type, "fileSize": len(attachment.data)},
            "_links": {
                "webui": f"/pages/viewpageattachments.action?pageId={page_id}&preview={quote('/' + page_id + '/' + name)}",
                "download": f"/download/attachments/{page_id}/{quote(name)}?version={attachment.version}&api=v2",
            },
        }

