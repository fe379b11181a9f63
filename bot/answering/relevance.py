"""Stage 2, decide relevance: do the retrieved passages answer the question, or does the bot say it can't?

Decided from the evidence, what the best passages say against what the question asks, never from how many
of the question's words the collection lacks: casual wording ("ack", "arvo", "pw", "whats", "today")
brings words no document uses into most real questions, and a handbook answers them all the same.

The question is read the way the full-text index reads chunks (Postgres's `english` configuration: its
stop words, its stemmer; bot/index/vocabulary.py), and a word the collection never uses counts in the forms it may
abbreviate ("ack" → "acknowledge", "pw" → "password"). The bot says the documents don't answer when:

1. **Nothing was found.**
2. **It names what the documents don't know.** The question names an identifier (`HelmRelease`,
   `next.config.js`) that appears in no chunk, and nothing is as close as a question drawn from the
   collection's own text typically is (`typical`, bot/index/calibration.py). Askers name their own code too
   (`emailClient.send`): a close match overrules it.
3. **The passages don't speak to it.** None of the best passages has any of the question's words in any
   form, and the embedding doesn't vouch for them either (the closest chunk is below `typical`): the
   search found only what is near in general, nothing that says what was asked about.

Where no calibration exists (one document, full-text search only), `typical` is unknown and the passages'
words decide alone.
"""

from dataclasses import dataclass

from bot.answering.retrieve import Retrieved
from bot.index.search import Hit

PASSAGES = 3  # the best passages a reply draws on first: the question's words are looked for in these


@dataclass(frozen=True)
class Judged:
    retrieved: Retrieved
    relevant: bool
    reason: str  # for logs: why it was (not) judged relevant; never the question's text
    floor: float  # a chunk at least this similar is relevant in its own right (as close as three in four of the collection's own questions get)

    @property
    def hits(self) -> list[Hit]:
        return self.retrieved.hits


def judge(retrieved: Retrieved) -> Judged:
    hits = retrieved.hits
    calibration = retrieved.calibration
    if not hits:
        return Judged(retrieved, False, "nothing found", 1.0)
    floor = calibration.in_domain.p25 if calibration else 0.0
    best = retrieved.best_similarity
    vouched = calibration is not None and best >= calibration.typical
    if retrieved.unknown_names and calibration is not None and not vouched:
        return Judged(retrieved, False, f"{len(retrieved.unknown_names)} names unknown to the collection", floor)
    if not vouched and not speaks_to(retrieved):
        return Judged(retrieved, False, "the best passages share no word with the question", floor)
    return Judged(retrieved, True, "relevant", floor)


def speaks_to(retrieved: Retrieved) -> bool:
    """Whether one of the best passages has one of the question's words, in any form the collection uses.

    A question with no words the index keeps ("how do I do that?") can't be judged by its words: it passes.
    """
    words = retrieved.words
    if not words:
        return True
    passages = retrieved.hits[:PASSAGES]
    return any(form in hit.lexemes for hit in passages for word in words for form in word.forms)
