"""URLs as they may be shown, logged and stored: without the credentials some URLs carry.

`https://user:pass@host/page?token=abc` is kept as `https://***@host/page?token=***`: the document's
source, its citation link, `ingest_runs` and the log (every record, a library's too: `bot.logs`) only
ever see that form.
"""

import re
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

HIDDEN = "***"
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"https?://[^\s'\"<>()\[\]{}]+", re.IGNORECASE)
# Query parameter names that carry secrets: access_token, api_key, X-Amz-Signature, sig, password…
_SECRET_PARAMETER = re.compile(
    r"(token|key|secret|passw|pwd|signature|^sig$|credential|auth|session|^code$|^jwt$)", re.IGNORECASE
)


def redact_url(url: str) -> str:
    """`url` with its user info and secret-looking query values replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return HIDDEN  # unparseable: show none of it rather than something that may hold a secret
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{HIDDEN}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_SECRET_PARAMETER.search(name) for name, _ in pairs):
            query = "&".join(
                f"{quote(name, safe='')}={HIDDEN if _SECRET_PARAMETER.search(name) else quote(value, safe='')}"
                for name, value in pairs
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str, url: str) -> str:
    """`text` (an error message, say) with `url` in it replaced by its redacted form."""
    return text.replace(url, redact_url(url)) if url else text


def redact_location(location: str) -> str:
    """A location as stored and shown: URLs (a crawl's, a git remote's too) redacted, paths as they are."""
    return redact_url(location) if _SCHEME.match(location) else location


def redact_urls_in(text: str) -> str:
    """`text` with every http(s) URL in it redacted (what the log scrubber applies to every record)."""
    return _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0)), text) if "://" in text else text
