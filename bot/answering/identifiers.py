"""The checkable claims of a text: the identifiers, numbers and links it names.

An answer may phrase things its own way, but these it must copy: a reader types them. They are found
the same way in an answer (each must appear verbatim in its sources) and by the quality bench (each
must appear somewhere in the corpus).

- a code span (`shipit rollback --to previous`), whole, whitespace collapsed;
- outside code spans: `--flags`, dotted names (`path.posix`, `next.config.js`, `os.path.join()`),
  snake_case, and CamelCase with an inner capital (`setMaxListeners`, `EventEmitter`);
- numbers (`15:00`, `3.11`, `4`, `25%`) and URLs.
"""

import re

_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>|()\[\]\"'`]+", re.IGNORECASE)
_FLAG = re.compile(r"(?<![\w-])--[A-Za-z][\w-]*")
# A dotted name has a letter in each of its first two parts' neighbourhood: "3.11" is a number, "e.g." is not a name.
_DOTTED = re.compile(r"(?<![\w.])[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?:\(\))?")
_SNAKE = re.compile(r"(?<![\w.])[A-Za-z]\w*_\w*[A-Za-z0-9](?:\(\))?")
_CAMEL = re.compile(r"(?<![\w.])(?:[a-z]+[A-Z]|[A-Z][a-z0-9]+[A-Z])\w*(?:\(\))?")
_CALL = re.compile(r"(?<![\w.])[A-Za-z_]\w*\(\)")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.:,]\d+)*%?(?![\w])")


def code_spans(text: str) -> list[str]:
    return [" ".join(span.split()) for span in _CODE_SPAN.findall(text) if span.strip()]


def identifiers(text: str) -> list[str]:
    """Code spans and identifier-shaped words, first occurrence order, no repeats."""
    found = code_spans(text)
    prose = _URL.sub(" ", _CODE_SPAN.sub(" ", text))
    for pattern in (_FLAG, _DOTTED, _SNAKE, _CAMEL, _CALL):
        for match in pattern.finditer(prose):
            name = match.group(0).rstrip(".")
            if pattern is _DOTTED and _abbreviation(name):
                continue
            found.append(name)
    return list(dict.fromkeys(found))


def numbers(text: str) -> list[str]:
    """Numbers outside code spans and links (those are checked whole)."""
    prose = _URL.sub(" ", _CODE_SPAN.sub(" ", text))
    return list(dict.fromkeys(m.group(0) for m in _NUMBER.finditer(prose)))


def urls(text: str) -> list[str]:
    return list(dict.fromkeys(u.rstrip(".,;:!?") for u in _URL.findall(text)))


def bare(name: str) -> str:
    """`fs.rm()` is claimed as `fs.rm`: sources write a call with its arguments."""
    return name[:-2] if name.endswith("()") else name


def _abbreviation(name: str) -> bool:
    """"e.g", "i.e", "U.S": every part a single letter."""
    return all(len(part) <= 1 for part in name.split("."))
