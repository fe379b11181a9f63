"""Which of a question's terms the full-text half matches on: the rarest ones, within a budget of rows.

`ts_rank` ranks every row the match finds, so matching any of a question's terms ranks a large share of
the collection: common words ("file", "error", "python") are in a tenth of the chunks or more, and the work
grows with the collection. Rare terms are also the ones that tell documents apart. So the match takes the
question's terms rarest first while their rows, added up, stay within `RANKED_ROWS`; the rows found are then
ranked with all the terms. When every term is common, the match is their conjunction, which the GIN index
intersects. How common a term is comes from Postgres's own statistics of `chunks.tsv` (the most common
lexemes ANALYZE keeps, with their frequencies; a lexeme not among them is rarer than the rarest that is),
so it follows the collection, needs no extension, and costs one catalog lookup.
"""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.answering.terms import keyword_terms

# At most this many chunks are ranked per question, whatever the collection's size. Fetching a matched row
# from the heap is most of the cost (ts_rank adds little): 5-20 µs a row on the benchmark machine, depending
# on its load. 2,000 cost the Python docs eval set a question (docs/benchmarks.md, "Retrieval at scale").
RANKED_ROWS = 3000

# Estimated chunks per term: ANALYZE's frequency of its rarest lexeme (a term of several lexemes is a phrase)
# times the table's rows; a lexeme outside the most-common list gets half the smallest frequency listed.
_TERM_ROWS = text("""
WITH stats AS (
    SELECT s.most_common_elems::text::text[] AS lexemes, s.most_common_elem_freqs AS freqs, c.reltuples AS rows
    FROM pg_stats s
    JOIN pg_class c ON c.relname = s.tablename AND c.relnamespace = to_regnamespace(s.schemaname)
    WHERE s.schemaname = current_schema() AND s.tablename = 'chunks' AND s.attname = 'tsv' AND c.reltuples > 0
)
SELECT t.term,
       s.rows * min(COALESCE(s.freqs[array_position(s.lexemes, l.lexeme)], s.freqs[cardinality(s.freqs) - 1] / 2)) AS rows
FROM stats s
CROSS JOIN unnest(CAST(:terms AS text[])) AS t(term)
CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('english', t.term))) AS l(lexeme)
GROUP BY t.term, s.rows
""")


@dataclass(frozen=True)
class KeywordQuery:
    """Two `websearch_to_tsquery` strings: what the index matches (few rows) and what ranks them (every term)."""

    match: str
    rank: str


def keyword_query(session: Session, question: str, budget: int = RANKED_ROWS) -> KeywordQuery:
    terms = keyword_terms(question)
    if not terms:
        return KeywordQuery("", "")
    rows = {term: float(count) for term, count in session.execute(_TERM_ROWS, {"terms": terms}).all()}
    return KeywordQuery(match=matched_terms(terms, rows, budget), rank=" or ".join(terms))


def matched_terms(terms: list[str], rows: dict[str, float], budget: int) -> str:
    """The rarest terms whose estimated rows fit `budget`, any of them; else all the terms together.

    Without statistics (a table never analyzed) every term is matched: the query's row cap bounds the work.
    Terms Postgres indexes no lexeme of (its own stopwords) are left out: they match nothing.
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
