"""A scripted answerer for tests of the Slack side's own logic (never for end-to-end tests)."""

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.answering.types import Answer, Citation, Progress, ProgressCallback, TokenCallback, Turn


@dataclass
class AnswerCall:
    question: str
    collections: list[str]
    history: list[Turn]


@dataclass
class ScriptedAnswerer:
    text: str = "Annual leave is ten days a year."
    citations: list[Citation] = field(default_factory=lambda: [Citation(source="leave.md", title="Leave policy")])
    calls: list[AnswerCall] = field(default_factory=list)
    gate: threading.Event | None = None  # when set, answers wait for it

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
        self.calls.append(AnswerCall(question, list(collections), list(history)))
        if self.gate is not None:
            self.gate.wait(30)
        if on_progress:
            on_progress(Progress("reading", tuple(self.citations)))
            on_progress(Progress("checking"))
        for word in self.text.split(" "):
            if on_token:
                on_token(word + " ")
        return Answer(text=self.text, citations=self.citations)
