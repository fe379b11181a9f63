"""A writing model saying the sources don't answer: such a sentence is never shown as an answer, and a
reply made only of them is an abstention (compose.py)."""

import re

_DECLINES = re.compile(
    r"\b(i (do not|don't|cannot|can't) (know|find|answer|help)|not (mentioned|provided|specified|in the sources?|found)|"
    r"no information|(sources?|documents?|context) (do(es)? not|don't|doesn't) (say|mention|contain|provide|answer|cover))\b",
    re.IGNORECASE,
)


def declines(text: str) -> bool:
    """Whether a written sentence is the model saying the sources don't answer."""
    return bool(_DECLINES.search(text))
