"""The Confluence REST client (atlassian-python-api), its HTTP carried by docbot's guarded transport.

Every request the library makes, redirects included (requests hands each hop to the transport), goes to a
vetted address (`INGEST_ALLOWED_HOSTS` lets an internal Confluence in) within INGEST_URL_TIMEOUT_SECONDS
and MAX_FILE_BYTES. Cloud signs in with CONFLUENCE_EMAIL and an API token, Data Center with a personal
access token; neither is ever in a URL, a log line or an error.
"""

import requests
from atlassian import Confluence
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from bot.errors import ConfigError, UnsupportedDocument
from bot.settings import Settings
from ingestion.fetching import FetchPolicy, request_once

_REASONS = {200: "OK", 304: "Not Modified", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests"}


class GuardedTransport(BaseAdapter):
    """A requests transport that sends each request with `ingestion.fetching.request_once`."""

    def __init__(self, policy: FetchPolicy) -> None:
        super().__init__()
        self.policy = policy

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        body = request.body or b""
        try:
            status, headers, content = request_once(
                request.method, request.url, self.policy, headers=dict(request.headers),
                body=body.encode() if isinstance(body, str) else body,
            )
        except UnsupportedDocument as error:
            raise requests.ConnectionError(str(error), request=request) from None
        response = requests.Response()
        response.status_code = status
        response.reason = _REASONS.get(status, "")
        response.headers = CaseInsensitiveDict(headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = content
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        pass


def connect(settings: Settings, policy: FetchPolicy) -> Confluence:
    """A client for CONFLUENCE_URL; ConfigError naming what is missing."""
    if not settings.confluence_url:
        raise ConfigError("CONFLUENCE_URL is not set: give the Confluence site's base URL, e.g. https://acme.atlassian.net/wiki")
    if settings.confluence_token is None:
        raise ConfigError("CONFLUENCE_TOKEN is not set: a Cloud API token (with CONFLUENCE_EMAIL) or a Data Center personal access token")
    session = requests.Session()
    session.trust_env = False  # no proxy or .netrc from the environment: the guarded transport is the only way out
    transport = GuardedTransport(policy)
    session.mount("http://", transport)
    session.mount("https://", transport)
    token = settings.confluence_token.get_secret_value()
    url = settings.confluence_url.rstrip("/")
    # Both speak the REST API v1 (`/rest/api/content`, paged by start/limit), which Cloud serves under /wiki:
    # the library's Cloud class addresses other routes, so the Data Center one is used with Cloud's Basic auth.
    if settings.confluence_email:
        return Confluence(url=url, username=settings.confluence_email, password=token, cloud=False, session=session)
    return Confluence(url=url, token=token, cloud=False, session=session)
