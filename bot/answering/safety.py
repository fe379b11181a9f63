"""Safe output: no Slack broadcasts or mentions taken from documents, and no links the sources don't carry.

Documents are cleaned before anyone sees them (prompt, quotes, search results) and answers are
cleaned again, because a model can write anything.
"""

import re
from collections.abc import Iterable

# <!channel>, <!here>, <!everyone>, <!subteam^S123|@team>, <!date^...|...> : every Slack special command.
_SPECIAL = re.compile(r"<!(?P<body>[^<>]*)>")
# <@U123>, <@U123|alice>, <@W123>: user mentions.
_USER = re.compile(r"<@(?P<id>[UW][A-Z0-9]+)(?:\|(?P<label>[^<>]*))?>")
# Plain-text broadcasts Slack expands when a message is posted with link_names.
_PLAIN_BROADCAST = re.compile(r"(?<![\w@])@(channel|here|everyone)\b", re.IGNORECASE)
# <https://example.com|label> and <https://example.com>: Slack's link syntax.
_SLACK_LINK = re.compile(r"<(?P<url>(?:https?|mailto):[^<>|\s]+)(?:\|(?P<label>[^<>]*))?>")
# [label](https://example.com): Markdown links a model may write.
_MARKDOWN_LINK = re.compile(r"\[(?P<label>[^\[\]]*)\]\((?P<url>[^()\s]+)\)")
_BARE_URL = re.compile(r"(?:https?://|www\.)[^\s<>|()\[\]\"'`]+", re.IGNORECASE)


def strip_mentions(text: str) -> str:
    """Removes broadcast, group and user mentions; a user mention keeps its visible name, if it has one."""
    text = _SPECIAL.sub("", text)
    text = _USER.sub(lambda m: m.group("label") or "", text)
    text = _PLAIN_BROADCAST.sub(lambda m: m.group(1), text)
    return text


def urls_in(texts: Iterable[str | None]) -> set[str]:
    """Every link found in `texts`, normalised for comparison."""
    found: set[str] = set()
    for text in texts:
        if not text:
            continue
        for match in _SLACK_LINK.finditer(text):
            found.add(_normal(match.group("url")))
        for match in _BARE_URL.finditer(text):
            found.add(_normal(match.group(0)))
    return found


def keep_source_links(text: str, allowed: set[str]) -> str:
    """Drops every link not found in the sources; a dropped link keeps its label, if any."""

    def slack_link(match: re.Match) -> str:
        return match.group(0) if _normal(match.group("url")) in allowed else (match.group("label") or "")

    def markdown_link(match: re.Match) -> str:
        return match.group(0) if _normal(match.group("url")) in allowed else match.group("label")

    def bare(match: re.Match) -> str:
        return match.group(0) if _normal(match.group(0)) in allowed else ""

    text = _SLACK_LINK.sub(slack_link, text)
    text = _MARKDOWN_LINK.sub(markdown_link, text)
    # Bare URLs outside the link forms handled above (those are already checked or removed).
    pieces = re.split(r"(<[^<>]*>|\[[^\[\]]*\]\([^()\s]+\))", text)
    return "".join(piece if i % 2 else _BARE_URL.sub(bare, piece) for i, piece in enumerate(pieces))


def clean_answer(text: str, allowed_links: set[str]) -> str:
    return keep_source_links(strip_mentions(text), allowed_links)


def _normal(url: str) -> str:
    url = url.strip().rstrip(".,;:!?").lower()
    url = re.sub(r"^https?://", "", url)
    url = re.sub(r"^www\.", "", url)
    return url.rstrip("/")


class SafeStream:
    """Cleans streamed text: holds back a piece that may still become a mention or a link until it is complete."""

    _HOLD_LIMIT = 400  # an unclosed "<" longer than this is not Slack markup

    def __init__(self, allowed_links: set[str]) -> None:
        self.allowed_links = allowed_links
        self.pending = ""

    def feed(self, piece: str) -> str:
        """Returns the text that is safe to show now."""
        self.pending += piece
        cut = self._safe_length(self.pending)
        ready, self.pending = self.pending[:cut], self.pending[cut:]
        return clean_answer(ready, self.allowed_links)

    def flush(self) -> str:
        ready, self.pending = self.pending, ""
        return clean_answer(ready, self.allowed_links)

    def _safe_length(self, text: str) -> int:
        cut = len(text)
        opening = text.rfind("<")
        if opening != -1 and ">" not in text[opening:] and len(text) - opening < self._HOLD_LIMIT:
            cut = min(cut, opening)
        # A word still being written (no whitespace after it) may be a URL, a "@here" or a "[label](url)".
        last_space = max(text.rfind(" "), text.rfind("\n"), text.rfind("\t"))
        tail = text[last_space + 1 :]
        if any(mark in tail for mark in ("http", "www", "@", "](", "[")) or tail.endswith(("h", "ht", "htt", "w", "ww")):
            cut = min(cut, last_space + 1)
        bracket = text.rfind("[")
        if bracket != -1 and "]" not in text[bracket:] and len(text) - bracket < self._HOLD_LIMIT:
            cut = min(cut, bracket)
        link_target = text.rfind("](")
        if link_target != -1 and ")" not in text[link_target + 2 :] and len(text) - link_target < self._HOLD_LIMIT:
            cut = min(cut, max(text.rfind("[", 0, link_target), 0))
        return cut
