"""Stage 1, retrieve: everything the later stages need from the database, read once.

The question is made stand-alone from the thread (rewrite.py), searched with the hybrid search
(bot/index/search.py), and looked up in the collections' vocabulary: a name the question uses (`next.config.js`,
`requests.Session`, `moduleResolution`) that no chunk of the searched collections contains is a sign
that the documents are about something else. The calibration of the collection holding the closest
chunk comes along (bot/index/calibration.py).
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import text

from bot.index import calibration as calibrations
from bot.index import vocabulary
from bot.index.calibration import Calibration
from bot.answering.identifiers import bare, identifiers
from bot.index.keyword_query import RANKED_ROWS
from bot.index.search import CANDIDATES, RRF_K, CollectionInfo, Hit, Mode, closest_in_documents, hybrid_search, resolve_collections
from bot.answering.rewrite import Standalone, standalone_question
from bot.index.terms import keyword_terms
from bot.answering.types import Turn
from bot.db.engine import Database
from bot.embeddings import Embedder

RETRIEVE_CHUNKS = 16  # a reply's units are chosen from these: the answering section is often not the top chunk
PER_DOCUMENT = 3  # chunks of one document among the results before other documents get their turn
_WIDER = 4  # how many more chunks than asked for are fetched to choose the varied ones from
SECTION_DOCUMENTS = 3  # the first documents of the results, whose closest sections are read as well
SECTION_CHUNKS = 6  # of each: a long page's answering section is often not among its chunks the hybrid search kept
COMMON_SHARE = 0.2  # a word in more than this share of the chunks doesn't tell documents apart
_MIN_NAME_CHARS = 3


@dataclass(frozen=True)
class Retrieved:
    standalone: Standalone
    hits: list[Hit]  # best first
    calibration: Calibration | None  # the scale of the collection holding the closest chunk
    unknown_names: tuple[str, ...]  # names in the question that no searched chunk contains
    # The searched question's lexemes as the full-text index reads it (a follow-up's include the earlier question's)
    words: tuple[vocabulary.QuestionWord, ...] = ()
    sections: tuple[Hit, ...] = ()  # the first documents' chunks closest to the question as asked, document by document

    def chunks_of(self, document_id: int) -> list[Hit]:
        """The document's retrieved chunks, best first, then its closest sections not among them."""
        own = [h for h in self.hits if h.document_id == document_id]
        seen = {h.chunk_id for h in own}
        return own + [h for h in self.sections if h.document_id == document_id and h.chunk_id not in seen]

    @property
    def unknown_terms(self) -> tuple[str, ...]:
        """The question's lexemes no chunk has in any form (not even spelled out: "pw" → "password")."""
        return tuple(w.lexeme for w in self.words if not w.known)

    @property
    def best_similarity(self) -> float:
        """The question's similarity to the closest chunk the vector search saw (0 when it saw none)."""
        values = [v for h in self.hits for v in (h.similarity, h.best_similarity) if v is not None]
        return max(values, default=0.0)


def retrieve(
    database: Database,
    embedder: Embedder,
    question: str,
    collections: Sequence[str],
    history: Sequence[Turn] = (),
    k: int = RETRIEVE_CHUNKS,
    shown_in: str | None = None,
) -> Retrieved:
    standalone = standalone_question(question, history)
    infos = resolve_collections(database, collections)
    words = vocabulary.chunks_with(database, [c.id for c in infos], keyword_terms(standalone.search), standalone.search)
    hits = _hybrid(database, embedder, standalone.search, collections, words, k, shown_in)
    documents = list(dict.fromkeys(h.document_id for h in hits))[:SECTION_DOCUMENTS]
    return Retrieved(
        standalone=standalone,
        hits=hits,
        calibration=_calibration(database, embedder, infos, hits),
        unknown_names=unknown_names(database, infos, question_names(standalone.question)),
        words=words.question,
        # The question as asked (a follow-up with the question it follows): the thread found the documents,
        # a follow-up's own words say which part of them it wants.
        sections=tuple(closest_in_documents(database, embedder, standalone.as_asked, documents, SECTION_CHUNKS, shown_in)),
    )


def search(
    database: Database, embedder: Embedder, query: str, collections: Sequence[str], limit: int, mode: Mode = "hybrid", shown_in: str | None = None
) -> list[Hit]:
    """The `limit` best chunks, best first.

    The vector search gets the question; the full-text search gets its distinctive words only (a word in
    more than a fifth of the collection's chunks, "node" in Node's docs, ranks every long page first);
    the two lists are fused by reciprocal rank, and documents ranked by their best chunks together (by_document).
    At most `PER_DOCUMENT` chunks of one document come before the others get their turn: one long page must
    not push every other document out of sight.
    """
    if mode != "hybrid":
        return _varied(hybrid_search(database, embedder, query, collections, limit=limit * _WIDER, mode=mode, shown_in=shown_in), limit)
    infos = resolve_collections(database, collections)
    words = vocabulary.chunks_with(database, [c.id for c in infos], keyword_terms(query), query)
    return _hybrid(database, embedder, query, collections, words, limit, shown_in)


def _hybrid(
    database: Database, embedder: Embedder, query: str, collections: Sequence[str], words: vocabulary.WordCounts, limit: int, shown_in: str | None
) -> list[Hit]:
    keywords = " ".join(distinctive_terms(words, keyword_terms(query)))
    vector = hybrid_search(database, embedder, query, collections, limit=CANDIDATES, mode="vector", shown_in=shown_in)
    keyword = hybrid_search(database, embedder, keywords or query, collections, limit=CANDIDATES, mode="keyword", words=words, shown_in=shown_in)
    return _varied(by_document(fuse(vector, keyword)), limit)


def by_document(ranked: Sequence[Hit]) -> list[Hit]:
    """The chunks grouped by document, documents ordered by the summed score of their best `PER_DOCUMENT` chunks.

    A page that several of the fused list's chunks come from is more likely the one that answers than a
    page with one lucky sentence (CombSUM, capped so that a long page's many weak chunks don't add up).
    """
    scores: dict[int, list[float]] = {}
    for hit in ranked:
        scores.setdefault(hit.document_id, []).append(hit.score)
    weight = {document: sum(sorted(values, reverse=True)[:PER_DOCUMENT]) for document, values in scores.items()}
    return sorted(ranked, key=lambda h: (-weight[h.document_id], -h.score, h.chunk_id))


def fuse(vector: Sequence[Hit], keyword: Sequence[Hit]) -> list[Hit]:
    """Reciprocal rank fusion of the two lists; each hit carries its rank in both and the vector search's best similarity."""
    best = next((h.best_similarity for h in vector if h.best_similarity is not None), None)
    vector_rank = {h.chunk_id: rank for rank, h in enumerate(vector, start=1)}
    keyword_rank = {h.chunk_id: rank for rank, h in enumerate(keyword, start=1)}
    hits = {h.chunk_id: h for h in [*keyword, *vector]}

    def score(chunk_id: int) -> float:
        return sum(1.0 / (RRF_K + ranks[chunk_id]) for ranks in (vector_rank, keyword_rank) if chunk_id in ranks)

    return sorted(
        (replace(h, score=score(i), vector_rank=vector_rank.get(i), keyword_rank=keyword_rank.get(i), best_similarity=best) for i, h in hits.items()),
        key=lambda h: (-h.score, h.chunk_id),
    )


def distinctive_terms(words: vocabulary.WordCounts, terms: Sequence[str]) -> list[str]:
    """The terms some chunk has but no more than `COMMON_SHARE` of them; all the found terms if none is that rare."""
    found = [t for t in dict.fromkeys(terms) if words.chunks(t)]
    rare = [t for t in found if (words.chunks(t) or 0) <= COMMON_SHARE * words.total]
    return rare or found


def _varied(ranked: Sequence[Hit], limit: int) -> list[Hit]:
    taken: dict[int, int] = {}
    chosen: list[Hit] = []
    held: list[Hit] = []
    for hit in ranked:
        if taken.get(hit.document_id, 0) < PER_DOCUMENT:
            taken[hit.document_id] = taken.get(hit.document_id, 0) + 1
            chosen.append(hit)
        else:
            held.append(hit)
    return (chosen + held)[:limit] if len(chosen) < limit else chosen[:limit]


def question_names(question: str) -> list[str]:
    """The identifiers a question names: dotted, snake_case and CamelCase names, --flags, one-word code spans.

    A code span with spaces (a snippet, an error message) or a path is the asker's own, not a name the documents must know.
    """
    return [bare(name) for name in identifiers(question) if not (" " in name or "/" in name) and len(bare(name)) >= _MIN_NAME_CHARS]


def unknown_names(database: Database, infos: Sequence[CollectionInfo], names: Sequence[str]) -> tuple[str, ...]:
    """The names that appear verbatim in no chunk (heading or text) of the collections.

    The full-text index narrows the chunks to those with every word of the name (the parser splits
    `requests.Session` in a question as it does in a chunk), so the verbatim check reads only those, and
    at most `RANKED_ROWS` of them: a name whose words are everywhere (`ValueErrors`) but which no chunk of
    those spells is taken for unknown rather than read through the whole collection.
    """
    if not names or not infos:
        return ()
    with database.session() as session:
        rows = session.execute(
            text(
                "SELECT name FROM unnest(CAST(:names AS text[])) WITH ORDINALITY AS n(name, place) "
                "WHERE numnode(plainto_tsquery('english', n.name)) > 0 AND NOT EXISTS ("
                "SELECT 1 FROM (SELECT c.heading_path, c.text FROM chunks c WHERE c.collection_id = ANY(:ids) "
                "AND c.tsv @@ plainto_tsquery('english', n.name) LIMIT :cap) c "
                "WHERE strpos(c.heading_path || ' ' || c.text, n.name) > 0) ORDER BY place"
            ),
            {"names": list(dict.fromkeys(names)), "ids": [c.id for c in infos], "cap": RANKED_ROWS},
        ).scalars().all()
    return tuple(rows)


def _calibration(database: Database, embedder: Embedder, infos: Sequence[CollectionInfo], hits: Sequence[Hit]) -> Calibration | None:
    closest = max((h for h in hits if h.similarity is not None), key=lambda h: h.similarity or 0.0, default=None)
    name = closest.collection if closest else (infos[0].name if len(infos) == 1 else None)
    info = next((c for c in infos if c.name == name), None)
    return calibrations.ensure(database, info.id, embedder) if info else None
