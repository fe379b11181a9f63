"""Which of a question's terms the full-text half matches on: the rarest ones, within a budget of rows.

`ts_rank` ranks every row the match finds, so matching any of a question's terms ranks a large share of
the collection: common words ("file", "error", "python") are in a tenth of the chunks or more, and the work
grows with the collection. Rare terms are also the ones that tell documents apart. So the match takes the
question's terms rarest first while their rows, added up, stay within `RANKED_ROWS`; the rows found are then
ranked with all the terms. When every term is common, the match is their conjunction, which the GIN index
intersects. How common a term is comes from the searched collections' vocabulary (vocabulary.py: exact
counts per collection, taken at ingest), so the choice follows the collection and doesn't change when
Postgres re-analyzes the table.
"""

from dataclasses import dataclass

from collections.abc import Sequence

from bot.index import vocabulary
from bot.index.terms import keyword_terms
from bot.db.engine import Database

# At most this many chunks are ranked per question, whatever the collection's size. Fetching a matched row
# from the heap is most of the cost (ts_rank adds little): 5-20 µs a row on the benchmark machine, depending
# on its load. 2,000 cost the Python docs eval set a question (docs/benchmarks.md, "Retrieval at scale").
RANKED_ROWS = 3000


@dataclass(frozen=True)
class KeywordQuery:
    """Two `websearch_to_tsquery` strings: what the index matches (few rows) and what ranks them (every term)."""

    match: str
    rank: str
    # Lexemes as stored (no stemming again), `to_tsquery('simple', …)` syntax: the collection's spelled-out
    # form of the question's unknown abbreviations ("ack" → acknowledg), matched and ranked with the terms.
    expansions_match: str = ""
    expansions_rank: str = ""


def keyword_query(
    database: Database, collection_ids: Sequence[int], question: str, budget: int = RANKED_ROWS, words: vocabulary.WordCounts | None = None
) -> KeywordQuery:
    """`words`: counts the caller already read for these collections (read here when they don't cover the terms)."""
    terms = keyword_terms(question)
    if not terms:
        return KeywordQuery("", "")
    words = words or vocabulary.WordCounts(0, {})
    if not words.covers(terms):
        words = vocabulary.chunks_with(database, collection_ids, terms)  # (no question: no expansions)
    rows = {term: float(count) for term, count in words.counts.items() if term in terms}
    # Only an abbreviation the collection spells out one way: "db" (database? dashboard? December?) guessed
    # wrong ranks the wrong page first; "ack" → acknowledg can't be wrong.
    forms = {word.expansions[0]: word.expansion_chunks[0] for word in words.question if len(word.expansions) == 1}
    rare = [form for form, n in sorted(forms.items(), key=lambda item: item[1]) if n <= budget // max(1, len(forms))]
    return KeywordQuery(match=matched_terms(terms, rows, budget), rank=" or ".join(terms), expansions_match=" | ".join(rare), expansions_rank=" | ".join(forms))


def matched_terms(terms: list[str], rows: dict[str, float], budget: int) -> str:
    """The rarest terms whose estimated rows fit `budget`, any of them; else all the terms together.

    Without counts every term is matched: the query's row cap bounds the work. Terms Postgres indexes no
    lexeme of (its own stopwords) are left out: they match nothing.
    """
    if not rows:
        return " or ".join(terms)
    known = sorted((t for t in terms if t in rows), key=lambda t: rows[t])
    chosen, total = [], 0.0
    for term in known:
        if total + rows[term] > budget:
            break
        chosen.append(term)
        total += rows[term]
    return " or ".join(chosen) if chosen else " ".join(known)
