"""The question's subject: the words whose loss changes its meaning most, measured with the embedding itself.

Each word is left out in turn and the question embedded again; the further the shortened question moves
from the whole one, the more that word carries ("borgbase" in "how much does borgbase charge per TB?",
not "much"). A subject word the collection has in no form (unknown even as an abbreviation) is a thing
the documents don't know: relevance.py weighs it against how close the passages found are.
"""

import re
from collections.abc import Sequence

from bot.embeddings import Embedder
from bot.index.vocabulary import QuestionWord

SUBJECT_WORDS = 2  # the question's two most meaning-bearing words
_WORD = re.compile(r"[\w'.-]+")


def unknown_subject(question: str, words: Sequence[QuestionWord], embedder: Embedder) -> tuple[str, ...]:
    """The question's `SUBJECT_WORDS` most meaning-bearing words that the collection has in no form."""
    unknown = [w.lexeme for w in words if not w.known]
    tokens = _WORD.findall(question)
    if not unknown or len(tokens) < 2:
        return ()
    shortened = [" ".join(t for j, t in enumerate(tokens) if j != i) for i in range(len(tokens))]
    vectors = embedder.embed_documents([question, *shortened])
    moved = [1.0 - float(vector @ vectors[0]) for vector in vectors[1:]]
    subject = sorted(range(len(tokens)), key=lambda i: -moved[i])[:SUBJECT_WORDS]
    return tuple(tokens[i] for i in subject if _is_form_of(tokens[i].lower(), unknown))


def _is_form_of(token: str, lexemes: Sequence[str]) -> bool:
    """Whether the word stems to one of `lexemes` (a stem is its word's prefix, give or take a last letter: battery → batteri)."""
    return any(token.startswith(lexeme) or (len(lexeme) > 3 and token.startswith(lexeme[:-1])) for lexeme in lexemes)
