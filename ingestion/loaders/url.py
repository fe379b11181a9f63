"""http(s) pages: fetched with a timeout and a size limit; what they are is read from their content type."""

from dataclasses import dataclass

import httpx

from bot.errors import UnsupportedDocument

TIMEOUT_SECONDS = 30.0
_USER_AGENT = "docbot-ingest/0.1"


@dataclass
class Fetched:
    data: bytes
    content_type: str | None
    url: str


def fetch(url: str, *, max_bytes: int) -> Fetched:
    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=TIMEOUT_SECONDS, headers={"User-Agent": _USER_AGENT}) as response:
            if response.status_code >= 400:
                raise UnsupportedDocument(f"HTTP {response.status_code} from {url}")
            declared = int(response.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise UnsupportedDocument(f"too large: {declared:,} bytes is over the {max_bytes:,}-byte limit (MAX_FILE_BYTES)")
            body = bytearray()
            for part in response.iter_bytes():
                body += part
                if len(body) > max_bytes:
                    raise UnsupportedDocument(f"too large: over the {max_bytes:,}-byte limit (MAX_FILE_BYTES)")
            return Fetched(bytes(body), response.headers.get("content-type"), str(response.url))
    except httpx.HTTPError as error:
        raise UnsupportedDocument(f"could not fetch {url}: {type(error).__name__}: {error}") from None
