"""What kind of thing a question asks for, and whether a unit of the sources states one.

A unit on the question's topic may not answer it: "how long are build logs kept?" wants the sentence with
a duration ("Logs are kept for 30 days"), not the one that explains what build logs are. The question's
own wording names the kind (how many, when, by default, which command, where, can I); a unit states it
when it has the shape that kind takes (a number, a time, `default`, a code span or a line of code, a path,
a modal or a negation, an imperative). Plain English wording only: nothing here knows any one corpus.
"""

import re
from enum import Enum

from bot.answering.identifiers import identifiers
from bot.answering.units import Unit


class Kind(Enum):
    DEFAULT = "default"
    NUMBER = "number"  # an amount, a count, a limit, a size
    TIME = "time"  # a duration, a deadline, a day, how often
    COMMAND = "command"
    PATH = "path"  # a file, a folder, a URL, where something lives
    PACKAGE = "package"
    YES_NO = "yes/no"
    HOW_TO = "how do I"


_ASKS: tuple[tuple[Kind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (Kind.DEFAULT, r"\bdefaults?\b|\bout of the box\b"),
        (Kind.NUMBER, r"\bhow (?:many|much|big|large|far)\b|\b(?:max(?:imum)?|min(?:imum)?|limits?|size|budget|cost|price|allowance|amount|per (?:day|night|person|month|year))\b"),
        (Kind.TIME, r"\bwhen\b|\bhow (?:long|often|soon|quick(?:ly)?|fast|early|late)\b|\b(?:deadline|timeout|by when|within)\b"),
        (Kind.COMMAND, r"\b(?:command|cmd|cli|flag|invoke)\b|\bwhat (?:do i|to) (?:run|type)\b"),
        (Kind.PATH, r"\bwhere\b|\b(?:path|folder|directory|dir|location|url|link)\b|\bwhich file\b"),
        (Kind.PACKAGE, r"\b(?:package|module|library|lib|dependency|plugin)\b"),
        (Kind.YES_NO, r"^\s*(?:can|could|is|are|does|do|did|should|may|must|will|would|am|has|have|is there|are there)\b(?!.*\b(?:how|what|which|where|when|who|why)\b)"),
        (Kind.HOW_TO, r"\bhow (?:do|can|should|would|to) (?:i|we|you)\b|\bhow to\b"),
    )
)

_DIGIT = re.compile(r"\d")
_TIME = re.compile(
    r"\d|\b(?:mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?|daily|weekly|monthly|yearly|annually|"
    r"quarter(?:ly)?|seconds?|minutes?|hours?|days?|weeks?|months?|years?|immediately|never|always|before|after|until)\b",
    re.IGNORECASE,
)
_DEFAULT = re.compile(r"\bdefault", re.IGNORECASE)
_PATH = re.compile(r"(?:^|[\s`(])(?:~|\.{0,2})?/[\w.-]+|\b[\w-]+/[\w./-]+|\b[\w-]+\.(?:md|txt|py|js|ts|json|ya?ml|toml|cfg|conf|ini|html|sh|env)\b|https?://")
_YES_NO = re.compile(  # an answer, or the condition it holds under
    r"\b(?:yes|no|not|never|only|must|may|can|cannot|can't|allowed|required|always|need|needs|unless|except|until|after|before|without)\b", re.IGNORECASE
)
_IMPERATIVE = re.compile(
    r"^(?:\d+[.)]\s*)?(?:to \w+[^,.]*, )?(?:run|use|set|add|open|click|go|create|call|pass|install|request|ask|book|submit|claim|"
    r"type|enter|select|choose|enable|disable|configure|post|send|file|merge|push|check|write|start|stop|restart)\b",
    re.IGNORECASE,
)


def asked(question: str) -> frozenset[Kind]:
    """The kinds of answer the question's wording asks for (none: it asks about a topic in general)."""
    return frozenset(kind for kind, pattern in _ASKS if pattern.search(question))


def states(unit: Unit, kind: Kind) -> bool:
    """Whether the unit has the shape an answer of this kind takes."""
    text = unit.text
    coded = unit.code or "`" in text
    if kind is Kind.DEFAULT:
        return bool(_DEFAULT.search(text))
    if kind is Kind.NUMBER:
        return bool(_DIGIT.search(text))
    if kind is Kind.TIME:
        return bool(_TIME.search(text))
    if kind is Kind.COMMAND:
        return coded or "--" in text or text.lstrip().startswith("$")
    if kind is Kind.PATH:
        return bool(_PATH.search(text))
    if kind is Kind.PACKAGE:
        return coded or bool(identifiers(text))
    if kind is Kind.YES_NO:
        return bool(_YES_NO.search(text))
    return coded or bool(_IMPERATIVE.match(text))  # HOW_TO


def answers_kind(unit: Unit, kinds: frozenset[Kind]) -> float:
    """The share of the asked kinds the unit states (0 when the question asks for none)."""
    return sum(states(unit, kind) for kind in kinds) / len(kinds) if kinds else 0.0
