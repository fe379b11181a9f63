"""Stage 2, decide relevance: do the retrieved chunks answer the question, or does the bot say it can't?

Decided from signals measured on the collection itself, never from a similarity fitted to one corpus:

1. **About something else.** Half or more of the question's words appear in no chunk ("the guest wifi in Berlin").
2. **Far from everything.** The closest chunk is no closer than nine in ten questions about other tools
   are (the collection's `floor`, bot/index/calibration.py).
3. **Names the documents don't know.** The question names an identifier that appears in no chunk, and
   nothing is as close as a question drawn from the collection's own text typically is (`typical`).
   Askers name their own code too (`emailClient.send`): that alone doesn't decide, a close match overrules it.
4. **Weak and uncorroborated.** The closest chunk sits in the lower half between `floor` and `typical`,
   and no top chunk is ranked high by both the vector and the full-text search.
"""

from dataclasses import dataclass

from bot.index.calibration import Calibration
from bot.answering.retrieve import Retrieved
from bot.index.search import CANDIDATES, Hit

AGREEMENT_SHARE = 3  # both searches rank a top chunk within the first third of their candidate lists
AGREEING_HITS = 3  # the top fused chunks looked at for agreement


@dataclass(frozen=True)
class Judged:
    retrieved: Retrieved
    relevant: bool
    reason: str  # for logs: why it was (not) judged relevant; never the question's text
    floor: float  # a chunk at least this similar is relevant in its own right

    @property
    def hits(self) -> list[Hit]:
        return self.retrieved.hits


def judge(retrieved: Retrieved) -> Judged:
    hits = retrieved.hits
    calibration = retrieved.calibration
    if not hits:
        return Judged(retrieved, False, "nothing found", 1.0)
    if retrieved.terms and len(retrieved.unknown_terms) * 2 >= len(retrieved.terms):
        return Judged(retrieved, False, "half or more of the words unknown to the collection", 1.0)
    if calibration is None:
        # Full-text search only (another embedding model), or a collection too small to calibrate:
        # the search found something and no scale says otherwise.
        return Judged(retrieved, True, "no calibration", 0.0)
    best = retrieved.best_similarity
    if best < calibration.floor:
        return Judged(retrieved, False, "far from every chunk", calibration.floor)
    if retrieved.unknown_names and best < calibration.typical:
        return Judged(retrieved, False, f"{len(retrieved.unknown_names)} names unknown to the collection", calibration.floor)
    if best < _weak(calibration) and not corroborated(hits, max(1, min(CANDIDATES, calibration.chunks) // AGREEMENT_SHARE)):
        return Judged(retrieved, False, "weak and the searches disagree", calibration.floor)
    return Judged(retrieved, True, "relevant", calibration.floor)


def corroborated(hits: list[Hit], within: int) -> bool:
    """Whether a top chunk ranks within `within` in both the vector and the full-text list."""
    return any(
        h.vector_rank is not None and h.keyword_rank is not None and max(h.vector_rank, h.keyword_rank) <= within
        for h in hits[:AGREEING_HITS]
    )


def _weak(calibration: Calibration) -> float:
    return (calibration.floor + calibration.typical) / 2
