"""A collection's vocabulary: each lexeme of its full-text index and how many of its chunks have it.

Answering asks three things of the words of every question: which are too common to tell documents apart,
which no chunk has, and which names no chunk spells. Counting chunks per word at question time grows with
the collection ("python" is in a third of 100,000 chunks: 90 ms a question). So the counts are taken once,
with Postgres's own `ts_stat`, at the end of each ingest that changed the collection (as its calibration
is), stored in `collection_terms`, and read by primary key. A document added on its own (an in-memory
document) adds its words without a recount, so a replaced document's old words keep counting until the
next ingest of the collection.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from bot.db.engine import Database

logger = logging.getLogger(__name__)

_COUNT = text("""
INSERT INTO collection_terms (collection_id, lexeme, chunks)
SELECT :id, word, ndoc FROM ts_stat(format('SELECT tsv FROM chunks WHERE collection_id = %s', CAST(:id AS integer)))
""")

_ADD_DOCUMENT = text("""
INSERT INTO collection_terms (collection_id, lexeme, chunks)
SELECT :collection_id, word, ndoc FROM ts_stat(format('SELECT tsv FROM chunks WHERE document_id = %s', CAST(:document_id AS bigint)))
ON CONFLICT (collection_id, lexeme) DO UPDATE SET chunks = collection_terms.chunks + EXCLUDED.chunks
""")

# A term's chunks: those of its rarest lexeme (a phrase like "pg_dump" is in no more chunks than "pg" is).
_TERM_CHUNKS = text("""
SELECT t.term, min(COALESCE(v.chunks, 0)) AS chunks
FROM unnest(CAST(:terms AS text[])) AS t(term)
CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('english', t.term))) AS l(lexeme)
LEFT JOIN LATERAL (
    SELECT sum(ct.chunks) AS chunks FROM collection_terms ct WHERE ct.collection_id = ANY(:ids) AND ct.lexeme = l.lexeme
) v ON true
GROUP BY t.term
""")


# The question as the full-text index reads it (Postgres's `english` configuration: its stop words and its
# stemmer), each lexeme once, in the order asked, with how many chunks have it. A lexeme that is itself a
# stop word is dropped too ("whats" stems to "what"). A lexeme no chunk has comes with the collection's
# lexemes it may abbreviate, most common first: those it begins ("ack" → "acknowledg", "chars" → "charact"),
# and for a short word of a consonant run (pw, db, cmd, wfh) those that spell it in order ("p…w…": "password").
_QUESTION_WORDS = text("""
SELECT q.lexeme, COALESCE(v.chunks, 0) AS chunks, COALESCE(e.lexemes, '{}') AS expansions, COALESCE(e.counts, '{}') AS counts
FROM (
    SELECT u.lexeme, min(p.pos) AS pos
    FROM unnest(to_tsvector('english', :question)) AS u(lexeme, positions, weights), unnest(u.positions) AS p(pos)
    GROUP BY u.lexeme
) q
LEFT JOIN LATERAL (
    SELECT sum(ct.chunks) AS chunks FROM collection_terms ct WHERE ct.collection_id = ANY(:ids) AND ct.lexeme = q.lexeme
) v ON true
LEFT JOIN LATERAL (
    SELECT array_agg(x.lexeme ORDER BY x.chunks DESC, x.lexeme), array_agg(x.chunks ORDER BY x.chunks DESC, x.lexeme) FROM (
        SELECT ct.lexeme, sum(ct.chunks) AS chunks FROM collection_terms ct
        WHERE v.chunks IS NULL AND ct.collection_id = ANY(:ids) AND ct.lexeme ~ '^[a-z]+$' AND (
            (length(q.lexeme) >= 3 AND ct.lexeme LIKE q.lexeme || '__%')
            OR (q.lexeme ~ '^[a-z][b-df-hj-np-tv-z]{1,3}$' AND ct.lexeme LIKE regexp_replace(q.lexeme, '(.)', '\\1%', 'g'))
        )
        GROUP BY ct.lexeme ORDER BY chunks DESC, ct.lexeme LIMIT :expansions
    ) x
) e(lexemes, counts) ON true
WHERE to_tsvector('english', q.lexeme) <> ''::tsvector
ORDER BY q.pos
""")
EXPANSIONS = 3  # an unknown word's likeliest spelled-out forms: enough for "pw" → "password" among "power", "preview"


def count(database: Database, collection_id: int) -> int:
    """Counts the collection's vocabulary again, in one transaction (readers see the old counts or the new);
    returns how many chunks it was counted over."""
    with database.session() as session:
        session.execute(text("DELETE FROM collection_terms WHERE collection_id = :id"), {"id": collection_id})
        session.execute(_COUNT, {"id": collection_id})
        chunks = session.execute(
            text("UPDATE collections SET vocabulary_chunks = (SELECT count(*) FROM chunks WHERE collection_id = :id) "
                 "WHERE id = :id RETURNING vocabulary_chunks"),
            {"id": collection_id},
        ).scalar() or 0
    logger.info("collection vocabulary counted collection_id=%s chunks=%d", collection_id, chunks)
    return chunks


def add_document(database: Database, collection_id: int, document_id: int) -> None:
    """Adds one document's words to a counted vocabulary (a collection not counted yet is counted whole when first read)."""
    with database.session() as session:
        counted = session.execute(text("SELECT vocabulary_chunks FROM collections WHERE id = :id"), {"id": collection_id}).scalar()
        if counted is None:
            return
        session.execute(_ADD_DOCUMENT, {"collection_id": collection_id, "document_id": document_id})
        session.execute(
            text("UPDATE collections SET vocabulary_chunks = vocabulary_chunks + (SELECT count(*) FROM chunks WHERE document_id = :doc) WHERE id = :id"),
            {"doc": document_id, "id": collection_id},
        )


@dataclass(frozen=True)
class WordCounts:
    """How many chunks the searched collections have, and how many have each word asked about."""

    total: int
    counts: dict[str, int]  # words the index drops (its stopwords) are not here
    asked: frozenset[str] = frozenset()
    question: tuple["QuestionWord", ...] = ()  # the question's lexemes, when a question was read too

    def chunks(self, word: str) -> int | None:
        return self.counts.get(word)

    def covers(self, words: Sequence[str]) -> bool:
        """Whether these counts answer for every one of `words` (so they needn't be read again)."""
        return self.asked.issuperset(words)


def chunks_with(database: Database, collection_ids: Sequence[int], terms: Sequence[str], question: str = "") -> WordCounts:
    """How many chunks the collections have, and how many have each term; with `question`, its lexemes as
    the index reads them (`_QUESTION_WORDS`). One transaction, two or three statements.

    Collections whose vocabulary was never counted (ingested before it existed) are counted first.
    """
    ids, wanted = list(collection_ids), list(dict.fromkeys(terms))
    if not ids:
        return WordCounts(0, {}, frozenset(wanted))
    with database.session() as session:
        totals = dict(session.execute(text("SELECT id, vocabulary_chunks FROM collections WHERE id = ANY(:ids)"), {"ids": ids}).all())
        if None in totals.values():
            read = None
        else:
            read = _read(session, ids, wanted, question)
    if read is None:  # some collection wasn't counted yet: count it, then read the words
        for collection_id in [i for i, total in totals.items() if total is None]:
            totals[collection_id] = count(database, collection_id)
        with database.session() as session:
            read = _read(session, ids, wanted, question)
    found, words = read
    return WordCounts(sum(totals.values()), {term: int(n) for term, n in found.items()}, frozenset(wanted), words)


def _read(session: Any, ids: list[int], wanted: list[str], question: str) -> tuple[dict[str, int], tuple["QuestionWord", ...]]:
    found = dict(session.execute(_TERM_CHUNKS, {"terms": wanted, "ids": ids}).all()) if wanted else {}
    rows = session.execute(_QUESTION_WORDS, {"question": question, "ids": ids, "expansions": EXPANSIONS}).all() if question.strip() else []
    words = tuple(QuestionWord(lexeme, int(chunks), tuple(forms), tuple(int(n) for n in counts)) for lexeme, chunks, forms, counts in rows)
    return found, words


@dataclass(frozen=True)
class QuestionWord:
    """One lexeme of a question as the full-text index reads it, and how the searched collections know it."""

    lexeme: str
    chunks: int  # chunks that have it (0: the collections never use this form)
    expansions: tuple[str, ...] = ()  # for an unknown lexeme: the collection's lexemes it may abbreviate
    expansion_chunks: tuple[int, ...] = ()  # how many chunks have each expansion

    @property
    def known(self) -> bool:
        return self.chunks > 0 or bool(self.expansions)

    @property
    def forms(self) -> tuple[str, ...]:
        """The lexemes a passage may state it with."""
        return (self.lexeme, *self.expansions)


def count_missing(database: Database) -> int:
    """Counts every collection's vocabulary not counted yet (ingested before it existed); how many were.

    An answer worker does this as it starts, so no question waits on counting a large collection.
    """
    with database.session() as session:
        missing = session.execute(text("SELECT id FROM collections WHERE vocabulary_chunks IS NULL ORDER BY id")).scalars().all()
    for collection_id in missing:
        count(database, collection_id)
    return len(missing)
