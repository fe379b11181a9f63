"""A Slack thread as a Markdown document: a title from its first message, then each message under its author.

Slack's markup is turned back into plain text: mentions become `@Name`, links their label and address,
`&lt;` and friends their characters. Docbot's own failure notices and abstentions are left out: they say
nothing about the answer.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

TITLE_CHARS = 80


@dataclass(frozen=True)
class ThreadMessage:
    author: str  # display name
    text: str  # plain text


def slack_to_text(raw: str, name_of: Callable[[str], str]) -> str:
    """Slack message markup as plain text, line breaks kept; `<@U123>` becomes `@` + the person's name."""
    text = re.sub(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", lambda m: "@" + name_of(m.group(1)), raw)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"<#[A-Z0-9]+\|([^>]+)>", r"#\1", text)
    text = re.sub(r"<![a-z]+(?:\^[^|>]*)?(?:\|([^>]+))?>", lambda m: m.group(1) or "", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def thread_title(first_text: str) -> str:
    """The first line of the first message, cut at a word to at most TITLE_CHARS characters."""
    line = next((line.strip() for line in first_text.splitlines() if line.strip()), "")
    line = re.sub(r"^@\S+\s+", "", line)  # "@docbot how do I…": the question, not the address
    if len(line) <= TITLE_CHARS:
        return line or "Slack thread"
    cut = line.rfind(" ", 0, TITLE_CHARS - 1)
    return line[: cut if cut > TITLE_CHARS // 2 else TITLE_CHARS - 1].rstrip() + "…"


def thread_markdown(title: str, messages: list[ThreadMessage]) -> str:
    body = "\n\n".join(f"**{_inline(m.author)}:** {_unheaded(m.text)}" for m in messages if m.text.strip())
    return f"# {_inline(title)}\n\n{body}\n"


def _inline(text: str) -> str:
    return " ".join(text.replace("*", "").split())


def _unheaded(text: str) -> str:
    """A line starting with `#` in a message must not become a heading of the document."""
    return "\n".join("\\" + line if line.lstrip().startswith("#") else line for line in text.splitlines())
