"""Follow-up questions made stand-alone from the conversation history, before retrieval.

"and the windows version of that last step?" finds nothing on its own. A 135M model can't be trusted
to rewrite it, so the rewrite is lexical and predictable: the follow-up plus the salient terms of the
previous question and answer. That is what retrieval needs (the embedding and the full-text query
both see the topic), and the prompt shows the model the previous question as context.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.runnables import RunnableLambda

from bot.index.terms import content_terms
from bot.answering.types import Turn

# Words that point back at something said earlier.
_BACK_REFERENCES = frozenset(
    "it its it's that this these those them they there same also instead too again another other one ones "
    "former latter above previous last earlier".split()
)
_OPENERS = ("and ", "also ", "but ", "so ", "what about", "how about", "ok", "okay", "nice", "thanks", "that ", "then ")
_STANDALONE_TERMS = 7  # a question with this many content terms and no back-reference stands on its own
_ASSISTANT_TERMS = 12  # an answer can be long: its first terms name the thing discussed
_CODE = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Standalone:
    question: str  # as asked
    search: str  # what retrieval looks for
    context: str = ""  # the earlier question it follows up on, shown to the model

    @property
    def is_followup(self) -> bool:
        return bool(self.context)

    @property
    def as_asked(self) -> str:
        """The question with the one it follows up on before it: what a section must answer."""
        return f"{self.context}\n{self.question}" if self.context else self.question


def looks_like_followup(question: str) -> bool:
    lowered = question.strip().lower()
    words = set(re.findall(r"[a-z']+", lowered))
    return lowered.startswith(_OPENERS) or bool(words & _BACK_REFERENCES) or len(content_terms(question)) < _STANDALONE_TERMS


def standalone_question(question: str, history: Sequence[Turn] = ()) -> Standalone:
    """The question with what it refers back to; unchanged without history or when it stands on its own."""
    last_user = next((t.text for t in reversed(history) if t.role == "user" and t.text.strip()), "")
    if not last_user or not looks_like_followup(question):
        return Standalone(question=question, search=question)
    last_answer = next((t.text for t in reversed(history) if t.role == "assistant" and t.text.strip()), "")
    asked = set(content_terms(question))
    extra = [t for t in content_terms(last_user) if t not in asked]
    code = [t for span in _CODE.findall(last_answer) for t in content_terms(span)]
    answer_terms = list(dict.fromkeys(code + content_terms(_CODE.sub(" ", last_answer))))
    extra += [t for t in answer_terms[:_ASSISTANT_TERMS] if t not in asked and t not in extra]
    search = f"{question} ({' '.join(extra)})" if extra else question
    return Standalone(question=question, search=search, context=last_user)


# The same step as a LangChain runnable: {"question": str, "history": [Turn, ...]} -> Standalone.
rewrite = RunnableLambda(lambda inputs: standalone_question(inputs["question"], inputs.get("history", ())), name="rewrite")
