"""A chunk's text cut into the units a reply is built from, each readable on its own:

- a sentence of prose (a hard-wrapped line is not a sentence end);
- a list item;
- a definition: a term line (an API signature, an option, a setting) labels the sentences that describe
  it (a plain heading line is context only);
- a sentence under a section whose heading is an API name (`server.keepAliveTimeout`) is labelled with it;
- a code line, with the sentence that leads into it as its context.

A unit's `text` is what a reply shows, copied from the source (whitespace collapsed, Markdown reference
links read as their label); its `context` (the section heading, the term, the lead-in) is what it is
matched with together with the text.
"""

import re
from dataclasses import dataclass

from bot.answering.identifiers import identifiers

MAX_UNIT_CHARS = 360
_MIN_UNIT_CHARS = 20
_TERM_CHARS = 120
_HEADING_CHARS = 60
_MIN_CODE_CHARS = 12
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(`*\[A-Z0-9])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_LINE = re.compile(r"^(\s{4,}|\t|>>> |\.\.\. |\$ )|[;{}]\s*$|^\s*(import|from|def|class|const|let|var|function|return)\b")
_COMMENT = re.compile(r"^\s*(//|#|/\*|\*|<!--|;;)")
_CODE_SHAPE = re.compile(r"[(\[{;)\]}]\s*$|=>|\s=\s|^\s*[)\]}]")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_REFERENCE_LINK = re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]")
_RELATIVE_LINK = re.compile(r"\[([^\[\]]+)\]\((?!https?://)[^()\s]*\)")  # "[`x`](#anchor)": a link only its page can follow
_LINK_DEFINITION = re.compile(r"^\s*\[[^\[\]]+\]:\s*\S*\s*$")  # Markdown's "[label]: url" lines
_URL = re.compile(r"https?://\S+")
_WORD = re.compile(r"[A-Za-z]{2,}")
_MIN_WORDS = 3
_SECTION_NUMBER = re.compile(r"^\d+(?:\.\d+)*\.\s+")  # Sphinx and DocBook number their headings
# Words that continue a sentence, never start one in lower case.
_CONTINUATION = re.compile(r"(?:which|and|or|but|so|then|where|whereas|because|while|whose|nor|than|thus|hence)\b")


@dataclass(frozen=True)
class Unit:
    text: str  # shown as is
    context: str  # matched with the question together with the text
    position: int  # reading order within its chunk
    code: bool = False  # a line of code: it follows the prose that explains it, it doesn't lead
    label: str = ""  # the API name of its section or term, shown before it unless the reply showed it already
    follows: bool = False  # a later sentence of the paragraph the previous unit began: it may finish that thought

    @property
    def shown(self) -> str:
        return f"{_code(self.label)}: {self.text}" if self.label else self.text


def split_units(body: str, heading: str = "") -> list[Unit]:
    section = _SECTION_NUMBER.sub("", heading.split(" > ")[-1]) if heading else ""  # "5.4.5. module.__path__" → the name
    units: list[Unit] = []
    lead_in = ""
    term = ""  # a one-line paragraph that names what the next paragraph describes
    blocks = _blocks(body)
    for index, (kind, lines) in enumerate(blocks):
        if kind == "prose" and len(lines) == 1 and _looks_like_term(_collapse(lines[0])) and index + 1 < len(blocks) and blocks[index + 1][0] == "prose":
            term = _collapse(lines[0])
            continue
        if kind == "code":
            for line in lines:
                if len(line.strip()) >= _MIN_CODE_CHARS and not _COMMENT.match(line):
                    units.append(Unit(_collapse(line), _join(section, lead_in), len(units), code=True))
        elif kind == "item":
            units.append(Unit(shorten(_collapse(" ".join(lines))), _join(section, lead_in), len(units)))
        else:
            lead_in = _prose(lines, section, units, term) or lead_in
    return [u for u in units if _readable(u)]


def _readable(unit: Unit) -> bool:
    """Worth showing alone: some words (not just a name or a link), or a line of code."""
    if unit.code:
        return True
    if _CONTINUATION.match(unit.text):
        return False  # "which will run gitk and…": the end of a sentence that began before a code block or the chunk
    words = _WORD.findall(_URL.sub(" ", unit.text)) + _URL.findall(unit.text)  # "Runbook: https://…" says where to look
    return len(words) >= (_MIN_WORDS - 1 if _URL.search(unit.text) else _MIN_WORDS) and (len(unit.text) >= _MIN_UNIT_CHARS or bool(identifiers(unit.text)))


def _prose(lines: list[str], section: str, units: list[Unit], term: str = "") -> str:
    """Adds the paragraph's sentences to `units`; returns its last sentence (the lead-in to code after it)."""
    if len(lines) > 1 and _heads_its_block(lines):
        term, lines = _collapse(lines[0]), lines[1:]  # "Friday freeze\nDeploys freeze after…"
    sentences = _merge_short([s for s in _SENTENCE_END.split(_collapse(" ".join(lines))) if s])
    label = term if _is_code_term(term) else section if _is_code_term(section) else ""
    for place, sentence in enumerate(sentences):
        named = label and _name(label) not in sentence
        units.append(Unit(shorten(sentence), _join(section, term), len(units), label=label if named else "", follows=place > 0))
    return sentences[-1] if sentences else ""


def _blocks(body: str) -> list[tuple[str, list[str]]]:
    """("prose" | "item" | "code", lines): paragraphs, list items and code, fences honoured across blank lines."""
    blocks: list[tuple[str, list[str]]] = []
    lines = _uncommented(body).splitlines()  # Markdown's hidden metadata (<!-- YAML ... -->) is no text
    fences = [i for i, line in enumerate(lines) if _FENCE.match(line)]
    # An odd number of fences, the first a bare one with code before it or prose after it: the chunk began
    # inside a code block an earlier chunk opened (a fence with a language, ```js, opens one the next closes).
    in_fence = False
    if len(fences) % 2 == 1 and lines[fences[0]].strip() in ("```", "~~~"):
        before, after = lines[: fences[0]], [line for line in lines[fences[0] + 1: (fences[1:] or [len(lines)])[0]] if line.strip()]
        in_fence = _is_code(before) if before else bool(after) and not _is_code(after)
    current: tuple[str, list[str]] | None = ("code", []) if in_fence else None

    def close() -> None:
        nonlocal current
        if current and current[1]:
            kind, lines = current
            blocks.append(("code", lines) if kind == "prose" and _is_code(lines) else current)
        current = None

    for line in lines:
        if _FENCE.match(line):
            close()
            in_fence = not in_fence
            if in_fence:
                current = ("code", [])
            continue
        if in_fence:
            current[1].append(line)
        elif not line.strip() or _LINK_DEFINITION.match(line):
            close()
        elif _LIST_ITEM.match(line):
            close()
            current = ("item", [_LIST_ITEM.sub("", line, count=1)])
        elif current is None:
            current = ("prose", [line])
        else:
            current[1].append(line)  # a wrapped line of the paragraph or list item
    close()
    return blocks


def _uncommented(body: str) -> str:
    """Without HTML comments, also one the chunk begins or ends inside of (its other end in the neighbouring chunk)."""
    body = _HTML_COMMENT.sub("", body)
    close, open_ = body.find("-->"), body.find("<!--")
    if close >= 0 and (open_ < 0 or close < open_):
        body = body[close + 3:]
    if (open_ := body.rfind("<!--")) >= 0:
        body = body[:open_]
    return body


def shorten(text: str, limit: int = MAX_UNIT_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def _is_code(lines: list[str]) -> bool:
    looks = sum(bool(_CODE_LINE.search(line) or _COMMENT.match(line) or _CODE_SHAPE.search(line)) for line in lines)
    return looks * 2 > len(lines) if len(lines) > 1 else bool(re.search(r"[;{]\s*$|=>", lines[0]))


def _heads_its_block(lines: list[str]) -> bool:
    """A short first line with no sentence end, above text that starts a sentence: a heading, not a hard wrap."""
    first, second = _collapse(lines[0]), lines[1].strip()
    return len(first) <= _HEADING_CHARS and _looks_like_term(first) and (second[:1].isupper() or second.startswith(("`", "*")))


def _looks_like_term(text: str) -> bool:
    # An emphasised note ("_This property is an extension by Node.js._") ends a sentence inside its markers.
    bare_text = text.strip("_*")
    return 2 <= len(text) <= _TERM_CHARS and not bare_text.endswith((".", "!", "?", ":", ",")) and any(c.isalnum() for c in text)


def _is_code_term(term: str) -> bool:
    """An API signature, an option or a setting is shown with its description; a plain heading is only context."""
    return bool(term) and any(c.isalnum() for c in term) and ("`" in term or bool(identifiers(term)) or "(" in term)


def _name(label: str) -> str:
    """"emitter.setMaxListeners(n)" is named "emitter.setMaxListeners"; "Class: `net.Server`" is "net.Server"."""
    found = identifiers(label)
    return (found[0] if found else label).strip("`").split("(")[0]


def _code(label: str) -> str:
    return label if "`" in label else f"`{label}`"


def _merge_short(sentences: list[str]) -> list[str]:
    """A fragment too short to read alone ("Changed in version 3.8.") joins its neighbour."""
    merged: list[str] = []
    for sentence in sentences:
        if merged and (len(sentence) < _MIN_UNIT_CHARS or len(merged[-1]) < _MIN_UNIT_CHARS):
            merged[-1] = f"{merged[-1]} {sentence}"
        else:
            merged.append(sentence)
    return merged


def _collapse(text: str) -> str:
    """Whitespace collapsed; Markdown reference links ("[`fs.rm()`][]") and relative ones read as their label."""
    return " ".join(_RELATIVE_LINK.sub(r"\1", _REFERENCE_LINK.sub(r"\1", text)).split())


def _join(*parts: str) -> str:
    return " — ".join(p for p in parts if p)
