"""Supporting quotes: the sentence(s) of a source that best match the question, so a reader can check an answer."""

import re
from collections.abc import Sequence

from bot.answering.terms import content_terms, stems
from bot.embeddings import Embedder

MAX_QUOTE_CHARS = 320
_MIN_SENTENCE_CHARS = 25
# Sentence ends, and line breaks (lists, tables and code put one statement on each line).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(`A-Z0-9])|\n+")


def sentences(text: str) -> list[str]:
    pieces = [" ".join(p.split()) for p in _SENTENCE_END.split(text)]
    merged: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if len(piece) < _MIN_SENTENCE_CHARS and not piece.endswith((".", "!", "?", ":", ")")):
            continue  # a heading line ("Database migrations"): the citation names the section already
        # A fragment too short to read alone ("Changed in version 3.8.") joins its neighbour.
        if merged and (len(piece) < _MIN_SENTENCE_CHARS or len(merged[-1]) < _MIN_SENTENCE_CHARS):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def best_sentences(question: str, texts: list[str], embedder: Embedder, per_text: Sequence[int] = ()) -> list[str]:
    """For each text, its sentences closest to the question (`per_text[i]` of them, default one), in reading order."""
    candidates = [sentences(t) for t in texts]
    flat = [s for group in candidates for s in group]
    if not flat:
        return ["" for _ in texts]
    question_vector = embedder.embed_query(question)
    scores = iter(embedder.embed_documents(flat) @ question_vector)
    wanted = stems(" ".join(content_terms(question)))
    quotes = []
    for index, group in enumerate(candidates):
        scored = [(float(next(scores)) + 0.3 * _overlap(s, wanted), i) for i, s in enumerate(group)]
        count = per_text[index] if index < len(per_text) else 1
        chosen = sorted(i for _, i in sorted(scored, reverse=True)[:count])
        quotes.append(shorten(" ".join(group[i] for i in chosen)))
    return quotes


def _overlap(sentence: str, wanted: set[str]) -> float:
    if not wanted:
        return 0.0
    return len(stems(sentence) & wanted) / len(wanted)


def shorten(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"
