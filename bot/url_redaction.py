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
    if _HOOK_PATH.search(parts.path):
        return urlunsplit((parts.scheme, netloc.rsplit("@", 1)[-1], _HOOK_PATH.sub(lambda m: m.group("head") + HIDDEN, parts.path), "", ""))
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
    """`text` with every http(s) URL in it redacted (what the log scrubber applies to every record), and every
    Slack response URL or webhook, in whatever encoding (plain, JSON-escaped, form-encoded), hidden whole."""
    if "://" in text:
        text = _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0)), text)
    if "response_url" in text:
        text = _RESPONSE_URL_FIELD.sub(lambda match: match.group("key") + HIDDEN, text)
    return _HOOK_PATH.sub(lambda match: match.group("head") + HIDDEN, text)


# A response URL (`/commands/T…/…/SECRET`, `/actions/T…/…/SECRET`) or an incoming webhook (`/services/T…/B…/SECRET`)
# is a bearer credential in its path: anyone holding it may post into the channel. Slashes may come as `/`,
# `\/` (JSON), `%2F` (a form body) or `%5C%2F` (JSON in a form body).
# The team (T…/E…) and the id after it are upper case or digits, as Slack writes them: a file path is left alone.
_SLASH = r"(?:/|\\/|%5[Cc]%2[Ff]|%2[Ff])"
_HOOK_PATH = re.compile(rf"(?P<head>(?:commands|actions|services){_SLASH}+[TE][A-Z0-9]+{_SLASH}+[A-Z0-9]+{_SLASH}+)[A-Za-z0-9_-]+")
# The field itself, whatever host it names: `response_url=…` (form), `"response_url": "…"` (JSON), `'response_url': '…'` (repr).
_RESPONSE_URL_FIELD = re.compile(
    r"""(?P<key>response_url(?:=|%3D|%22%3A(?:%20|\+)?%22|["']?\s*:\s*["']?)).+?(?=%22|[\s&"',}]|$)""", re.IGNORECASE
)
