"""Safe output: no Slack broadcasts or mentions, and no links the sources don't carry.

Used in one place, the output side of answering (deliver.py): every sentence shown, a model's or a
source's own, and every citation title is cleaned there, whatever it came from.
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
