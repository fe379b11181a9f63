"""What the answering service takes and returns: the contract the Slack side and the CLI call."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Turn:
    """One earlier message of a conversation."""

    role: str  # "user" or "assistant"
    text: str


@dataclass(frozen=True)
class Citation:
    """A document an answer was built from."""

    source: str  # as ingested: relative path or URL
    title: str
    heading: str = ""
    url: str | None = None
    quote: str = ""  # the supporting sentence(s) from this source


@dataclass
class Answer:
    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False  # True when the docs don't answer: text says so and lists the closest sources
    replaced_by_quotes: bool = False  # the model's answer was not supported by its sources


# Called with each new piece of answer text as the model writes it (for streaming to Slack).
TokenCallback = Callable[[str], None]


@dataclass(frozen=True)
class Progress:
    """A step of answering, for the people waiting on it (Slack shows it as a plan): the search is over and
    `sources` are being read ("reading"), or the reply is being written and checked against them ("checking")."""

    step: str  # "reading" | "checking"
    sources: tuple[Citation, ...] = ()


ProgressCallback = Callable[[Progress], None]


class Answerer(Protocol):
    """The answering service (`bot.answering.service.AnswerService`), as the Slack side and the CLI call it."""

    def answer(
        self,
        question: str,
        *,
        collections: Sequence[str],
        history: Sequence[Turn] = (),
        on_token: TokenCallback | None = None,
        on_progress: ProgressCallback | None = None,
        shown_in: str | None = None,
    ) -> Answer:
        """Answers from the given collections only, and of them only from documents that may be shown in the
        Slack channel `shown_in` (None: documents shown wherever their collection is); `history` is the thread
        so far, oldest first."""
        ...
