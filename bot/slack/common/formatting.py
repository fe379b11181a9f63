"""Answers as Slack messages: safe mrkdwn, sources with links, feedback buttons, split within Slack's limits.

Everything that reaches Slack from a document or the model goes through `escape()` first, so a document
containing `<!channel>` or `<@U123>` can never broadcast or ping anyone.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.answering.types import Answer, Citation
from bot.slack.common import texts

# A section block's text may hold 3,000 characters; keep a margin for the continuation marker.
PART_LIMIT = 2900
# chat.appendStream takes up to 12,000 characters of markdown per call; a streamed message stops growing here.
STREAM_LIMIT = 11000
FEEDBACK_UP_ACTION = "feedback_up"  # the buttons of answers posted before feedback_buttons
FEEDBACK_DOWN_ACTION = "feedback_down"
ASK_EXPERT_ACTION = "ask_expert"  # value: the answer's id
FEEDBACK_ACTION = "answer_feedback"  # Slack's feedback_buttons; each button's value is "up-ID" or "down-ID"

_BROADCAST_WORDS = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_WORD_JOINER = "\u2060"


@dataclass
class SlackMessage:
    text: str  # the notification fallback, and the whole message when there are no blocks
    blocks: list[dict[str, Any]] = field(default_factory=list)


def escape(text: str) -> str:
    """Slack's three control characters escaped, and bare @channel/@here/@everyone defused."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST_WORDS.sub(lambda m: "@" + _WORD_JOINER + m.group(1), text)


def markdown_to_mrkdwn(markdown: str) -> str:
    """The model's Markdown as Slack mrkdwn: escaped first, then bold, links, headings and strikes converted."""
    lines = []
    in_code = False
    for line in escape(markdown).split("\n"):
        if line.strip().startswith("```"):
            in_code = not in_code
            lines.append(line)
            continue
        lines.append(line if in_code else _convert_line(line))
    return "\n".join(lines)


def _convert_line(line: str) -> str:
    heading = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
    if heading:
        return f"*{heading.group(1)}*"
    line = re.sub(r"^(\s*)[*+-]\s+", r"\1• ", line)
    line = re.sub(r"\[([^\]\n]+)\]\((https?://[^)\s|]+)\)", lambda m: f"<{m.group(2)}|{_link_label(m.group(1))}>", line)
    line = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"*\2*", line)
    line = re.sub(r"~~(?=\S)(.+?)(?<=\S)~~", r"~\1~", line)
    return line


def _link_label(label: str) -> str:
    return label.replace("|", "¦")


def sources_text(citations: Sequence[Citation]) -> str:
    if not citations:
        return texts.NO_SOURCES
    lines = [texts.SOURCES_HEADING]
    for number, citation in enumerate(citations, start=1):
        lines.append(f"{number}. {citation_line(citation)}")
    return "\n".join(lines)


def citation_line(citation: Citation) -> str:
    title = citation.title or citation.source
    label = f"{title} › {citation.heading}" if citation.heading else title
    if citation.url and citation.url.startswith(("http://", "https://")):
        return f"<{escape(citation.url)}|{_link_label(escape(label))}>"
    shown = escape(label)
    return shown if citation.source in (title, "") else f"{shown} (`{escape(citation.source)}`)"


def feedback_block(answer_id: int) -> dict[str, Any]:
    """👍/👎 as Slack's feedback_buttons, which live in a context_actions block under the answer."""
    return {
        "type": "context_actions",
        "block_id": f"feedback-{answer_id}",
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": FEEDBACK_ACTION,
                "positive_button": _feedback_button(texts.FEEDBACK_UP, f"up-{answer_id}", texts.FEEDBACK_UP_LABEL),
                "negative_button": _feedback_button(texts.FEEDBACK_DOWN, f"down-{answer_id}", texts.FEEDBACK_DOWN_LABEL),
            }
        ],
    }


def _feedback_button(label: str, value: str, accessibility_label: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label, "emoji": True}, "value": value, "accessibility_label": accessibility_label}


def feedback_vote(value: str) -> tuple[int, int] | None:
    """(answer id, +1 or -1) from a feedback button's value; None for a value docbot never set."""
    direction, _, number = value.partition("-")
    if direction not in ("up", "down") or not number.isdigit():
        return None
    return int(number), 1 if direction == "up" else -1


def _button(label: str, action_id: str, answer_id: int) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": label, "emoji": True}, "action_id": action_id, "value": str(answer_id)}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def ask_expert_block(answer_id: int) -> dict[str, Any]:
    return {"type": "actions", "block_id": f"ask-expert-{answer_id}", "elements": [_button(texts.ASK_EXPERT_BUTTON, ASK_EXPERT_ACTION, answer_id)]}


def trailer_blocks(answer: Answer, answer_id: int | None, *, ask_expert: bool = False) -> list[dict[str, Any]]:
    """What closes an answer: its sources, "Ask an expert" after an abstention (where experts are named),
    then the feedback buttons."""
    blocks = [{"type": "divider"}, section(_clip(sources_text(answer.citations)))]
    if answer_id is not None and ask_expert and answer.abstained:
        blocks.append(ask_expert_block(answer_id))
    if answer_id is not None:
        blocks.append(feedback_block(answer_id))
    return blocks


def answer_messages(answer: Answer, answer_id: int | None, *, ask_expert: bool = False) -> list[SlackMessage]:
    """The answer as one or more messages, each within Slack's limits; the last carries sources and buttons."""
    parts = split_text(markdown_to_mrkdwn(answer.text) or "…", PART_LIMIT)
    messages = []
    for index, part in enumerate(parts):
        body = part if index == 0 else f"{texts.CONTINUED}\n{part}"
        messages.append(SlackMessage(text=body, blocks=[section(body)]))
    messages[-1].blocks.extend(trailer_blocks(answer, answer_id, ask_expert=ask_expert))
    return messages


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line, sentence or word when possible."""
    pieces = []
    while len(text) > limit:
        cut = _cut_point(text, limit)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return [p for p in pieces if p] or [""]


def _cut_point(text: str, limit: int) -> int:
    window = text[:limit]
    for separator in ("\n\n", "\n", ". ", " "):
        position = window.rfind(separator)
        if position > limit // 2:
            cut = position + len(separator)
            return _outside_entity(text, cut)
    return _outside_entity(text, limit)


def _outside_entity(text: str, cut: int) -> int:
    """Never cut inside an escape like `&amp;` or a `<url|label>` link."""
    amp = text.rfind("&", max(0, cut - 5), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    opening = text.rfind("<", 0, cut)
    if opening != -1 and text.rfind(">", 0, cut) < opening and opening > 0:
        cut = opening
    return cut


def _clip(text: str, limit: int = PART_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def streamable_prefix(text: str) -> int:
    """How much of a growing answer can be escaped and sent now: a trailing `@word` may still become `@channel`."""
    match = re.search(r"@\w*$", text)
    return match.start() if match else len(text)


def question_text(raw: str, bot_user_id: str | None) -> str:
    """What the person asked, from Slack's message text: our mention removed, Slack's escapes undone."""
    if bot_user_id:
        raw = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", raw)
    raw = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", raw)
    raw = re.sub(r"<(https?://[^>]+)>", r"\1", raw)
    raw = re.sub(r"<[@#!]([^|>]+)\|([^>]+)>", r"\2", raw)
    raw = re.sub(r"<[@#!]([^>]+)>", r"\1", raw)
    raw = raw.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(raw.split())
