"""Fetching http(s) pages to ingest: only to addresses docbot may reach, within one deadline and a size limit.

Each hop (the URL, then every redirect, followed here, at most `MAX_REDIRECTS`) is checked before any
connection: the scheme is http or https, the host is resolved, and every address it resolves to must be
public or allowed by `INGEST_ALLOWED_HOSTS`. The connection then goes to the address that was checked,
whatever DNS says a moment later (a rebinding answer can't swap it), while the request keeps the URL's
host for the Host header, SNI and certificate check. `INGEST_URL_TIMEOUT_SECONDS` bounds the whole fetch.
"""

import base64
import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit

import httpcore
import httpx

from bot.errors import UnsupportedDocument
from bot.settings import Settings
from ingestion.addresses import Address, AllowList, refusal
from bot.url_redaction import redact_url

MAX_REDIRECTS = 5
_REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_USER_AGENT = "docbot-ingest/0.1"
_DEFAULT_PORTS = {"http": 80, "https": 443}

Resolver = Callable[[str, int], list[Address]]


def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to (the system resolver, as a connection would use)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos))


@dataclass(frozen=True)
class FetchPolicy:
    allowed: AllowList
    timeout_seconds: float
    max_bytes: int
    resolver: Resolver = resolve

    @classmethod
    def from_settings(cls, settings: Settings, resolver: Resolver = resolve) -> "FetchPolicy":
        return cls(
            AllowList.parse(settings.ingest_allowed_hosts), settings.ingest_url_timeout_seconds,
            settings.max_file_bytes, resolver,
        )


@dataclass
class Fetched:
    data: bytes
    content_type: str | None
    url: str  # where the content came from after redirects, redacted
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)  # the answer's, names lower case
    final_url: str = ""  # where it came from after redirects, as fetched (a crawl resolves links against it)


@dataclass(frozen=True)
class _Hop:
    scheme: str
    host: str  # as resolved and as sent in SNI: IDNA-encoded, no brackets
    port: int
    authority: str  # the Host header: host[:port], brackets kept, no user info
    target: str  # path and query
    addresses: list[Address]  # every one checked; tried in order
    credentials: tuple[str, str] | None


def fetch(url: str, policy: FetchPolicy, *, headers: dict[str, str] | None = None, answered: frozenset[int] = frozenset()) -> Fetched:
    """The page at `url`; UnsupportedDocument naming why not (refused address, HTTP error, too slow, too large).

    `headers` are sent on every hop (a crawl's If-None-Match); a status in `answered` (a crawl's 404 and 410)
    comes back as a Fetched with no data instead of an error. A 304 always comes back so.
    """
    deadline = _Deadline(policy.timeout_seconds)
    shown = redact_url(url)
    origin = _origin(url)
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        hop = _vet(current, policy, keep_credentials=_origin(current) == origin)
        try:
            status, found, body = _get(hop, deadline, policy.max_bytes, headers or {})
        except httpcore.TimeoutException:
            raise UnsupportedDocument(
                f"could not fetch {shown}: no complete answer within {policy.timeout_seconds:g} s (INGEST_URL_TIMEOUT_SECONDS)"
            ) from None
        except (httpcore.NetworkError, httpcore.ProtocolError, OSError) as error:
            raise UnsupportedDocument(f"could not fetch {redact_url(current)}: {type(error).__name__}") from None
        if status in _REDIRECT_STATUSES:
            location = found.get("location")
            if not location:
                raise UnsupportedDocument(f"HTTP {status} without a Location from {redact_url(current)}")
            current = urljoin(current, location)
            continue
        if status >= 400 and status not in answered:
            raise UnsupportedDocument(f"HTTP {status} from {shown}")
        return Fetched(body, found.get("content-type"), redact_url(current), status, found, current)
    raise UnsupportedDocument(f"could not fetch {shown}: more than {MAX_REDIRECTS} redirects")


def request_once(method: str, url: str, policy: FetchPolicy, *, headers: dict[str, str], body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """One request, no redirect followed, to a vetted address within the deadline and size limit: the transport
    of a client library (Confluence's), whose every hop thereby passes the same checks. UnsupportedDocument
    naming why not; the status, headers (lower case) and body otherwise."""
    deadline = _Deadline(policy.timeout_seconds)
    hop = _vet(url, policy, keep_credentials=False)
    sent = [("Host", hop.authority), ("User-Agent", _USER_AGENT), ("Accept-Encoding", "identity")]
    sent += [(name, value) for name, value in headers.items() if name.lower() not in ("host", "user-agent", "accept-encoding", "content-length")]
    target = httpcore.URL(scheme=hop.scheme, host=hop.host, port=hop.port, target=hop.target)
    backend = _PinnedBackend(hop.addresses, deadline)
    try:
        with httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=backend, retries=0) as pool:
            with pool.stream(method, target, headers=sent, content=body or None, extensions={"timeout": deadline.timeouts()}) as response:
                found = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in response.headers}
                return response.status, found, _body(response, found, policy.max_bytes)
    except httpcore.TimeoutException:
        raise UnsupportedDocument(f"no complete answer from {redact_url(url)} within {policy.timeout_seconds:g} s (INGEST_URL_TIMEOUT_SECONDS)") from None
    except (httpcore.NetworkError, httpcore.ProtocolError, OSError) as error:
        raise UnsupportedDocument(f"could not reach {redact_url(url)}: {type(error).__name__}") from None


def resolve_vetted(url: str, policy: FetchPolicy) -> list[Address]:
    """The addresses `url`'s host resolves to, once every one is allowed: for a client that connects to them
    itself (git, pinned to them); UnsupportedDocument naming why not."""
    return _vet(url, policy, keep_credentials=False).addresses


def _vet(url: str, policy: FetchPolicy, *, keep_credentials: bool) -> _Hop:
    """The hop to `url`, once its scheme and every address its host resolves to are allowed."""
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
        scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    except ValueError:
        raise UnsupportedDocument(f"not a valid URL: {shown}") from None
    if scheme not in _DEFAULT_PORTS:
        raise UnsupportedDocument(f"refused: {shown} is not an http or https URL")
    if not host:
        raise UnsupportedDocument(f"not a valid URL (no host): {shown}")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise UnsupportedDocument(f"not a valid host name in {shown}") from None
    port = port or _DEFAULT_PORTS[scheme]
    addresses = _addresses(host, port, policy.resolver, shown)
    for address in addresses:
        reason = refusal(host, address, policy.allowed)
        if reason:
            raise UnsupportedDocument(f"{reason} (URL {shown})")
    authority = parts.netloc.rsplit("@", 1)[-1]
    credentials = (unquote(parts.username or ""), unquote(parts.password or "")) if parts.username and keep_credentials else None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Hop(scheme, host, port, authority, target, addresses, credentials)


def _addresses(host: str, port: int, resolver: Resolver, shown: str) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError):
        addresses = []
    if not addresses:
        raise UnsupportedDocument(f"could not fetch {shown}: the host name does not resolve")
    return addresses


def _get(hop: _Hop, deadline: "_Deadline", max_bytes: int, extra: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    headers = [("Host", hop.authority), ("User-Agent", _USER_AGENT), ("Accept-Encoding", "identity"), *extra.items()]
    if hop.credentials:
        token = base64.b64encode(":".join(hop.credentials).encode()).decode()
        headers.append(("Authorization", f"Basic {token}"))
    url = httpcore.URL(scheme=hop.scheme, host=hop.host, port=hop.port, target=hop.target)
    backend = _PinnedBackend(hop.addresses, deadline)
    with httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=backend, retries=0) as pool:
        with pool.stream("GET", url, headers=headers, extensions={"timeout": deadline.timeouts()}) as response:
            found = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in response.headers}
            if response.status in _REDIRECT_STATUSES or response.status >= 400 or response.status == 304:
                return response.status, found, b""
            return response.status, found, _body(response, found, max_bytes)


def _body(response: httpcore.Response, headers: dict[str, str], max_bytes: int) -> bytes:
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise UnsupportedDocument(f"too large: {int(declared):,} bytes is over the {max_bytes:,}-byte limit (MAX_FILE_BYTES)")
    body = bytearray()
    for part in response.iter_stream():
        body += part
        if len(body) > max_bytes:
            raise UnsupportedDocument(f"too large: over the {max_bytes:,}-byte limit (MAX_FILE_BYTES)")
    return bytes(body)


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower(), (parts.hostname or ""), parts.port
    except ValueError:
        return ("", "", None)


class _Deadline:
    """One point in time for the whole fetch: every connect, read and write waits at most until then."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def cap(self, timeout: float | None) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout(f"deadline of {self.seconds:g} s passed")
        return left if timeout is None else min(timeout, left)

    def timeouts(self) -> dict[str, float]:
        left = self.cap(None)
        return {"connect": left, "read": left, "write": left, "pool": left}


class _PinnedBackend(httpcore.NetworkBackend):
    """Dials the vetted addresses, never the name: the URL's host is only used for Host, SNI and the certificate."""

    def __init__(self, addresses: list[Address], deadline: _Deadline) -> None:
        self.addresses = addresses
        self.deadline = deadline
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None) -> httpcore.NetworkStream:
        failure: httpcore.ConnectError | None = None
        for address in self.addresses:
            try:
                stream = self._backend.connect_tcp(
                    str(address), port, timeout=self.deadline.cap(timeout), local_address=local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as error:  # e.g. an IPv6 address on a host without IPv6: try the next
                failure = error
                continue
            return _DeadlineStream(stream, self.deadline)
        raise failure or httpcore.ConnectError("no address to connect to")

    def connect_unix_socket(self, path, timeout=None, socket_options=None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are never used for ingestion")


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write is cut short at the fetch's deadline (a slow drip can't stretch it)."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.cap(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.cap(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, self._deadline.cap(timeout)), self._deadline)

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)
