"""Ingest: discover → read → hash (unchanged? done) → load → chunk → embed only new chunk texts → swap.

`ingest` is the entry point for folders, files and URLs (`docbot ingest`, queued jobs, `docbot demo`);
`ingest_document` takes one document docbot made itself (a saved Slack thread) through the same path.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from sqlalchemy import text

from bot.index import calibration
from bot.index import vocabulary
from bot.db.engine import Database
from bot.embeddings import load_embedder
from bot.errors import EmbeddingServiceError, LocationUnreadable, UnsupportedDocument
from bot.settings import Settings
from ingestion import loaders
from ingestion.chunking import Chunk, Chunker, ChunkingOptions, counted_text
from bot.index.collections import ensure_collection
from ingestion.discovery import Candidate, Discovery, Unusable, check_locations, is_source
from ingestion.fetching import FetchPolicy
from ingestion.progress import ProgressReporter, ProgressTracker, ProgressWatcher, every
from ingestion.reading import read_bytes
from ingestion import sources
from ingestion.runs import fail_run, finish_run, mark, record_progress, start_run, RUNNING
from bot.index.store import StoredDocument, remove_documents, restrict, stored_documents, swap_document
from ingestion.summary import IngestSummary
from bot.url_redaction import redact_url
from bot.index.chunk_writer import ChunkRow, stored_vectors

logger = logging.getLogger(__name__)

# Part of every document hash: bump it when loaders or chunking change, and stored documents are re-chunked.
PIPELINE_VERSION = "3"  # 2: XHTML read, definitions kept whole; 3: code cut between lines, prose between sentences
CHUNK_TOKENS = 200  # well inside all-MiniLM-L6-v2's 256 word pieces, heading path included
OVERLAP_TOKENS = 32

RUN_PROGRESS_EVERY_SECONDS = 1.0  # how often a run's progress is written to its row, for `docbot jobs`
EMBED_SLICE = 64  # chunks embedded between two progress reports (in length order: slices pad no more)


def ingest(
    database: Database,
    settings: Settings,
    locations: list[str],
    collection: str = "default",
    progress: ProgressWatcher | None = None,
) -> IngestSummary:
    """Ingests folders, files and URLs into `collection`; records the run, and its progress, in `ingest_runs`."""
    check_locations(locations)
    run_id = start_run(database, collection, locations)
    return run_ingest(database, settings, locations, collection, run_id, progress)


@dataclass(frozen=True)
class InMemoryDocument:
    """A Markdown document held in memory: its source names it (`slack:C0123/1700000000.000100`)."""

    source: str
    markdown: str
    url: str | None = None
    shown_only_in: str | None = None  # the one Slack channel it may be shown in (saved from a private channel)


def ingest_document(database: Database, settings: Settings, document: InMemoryDocument, collection: str) -> IngestSummary:
    """Ingests one in-memory document into `collection`: unchanged costs nothing, changed is swapped whole."""
    run_id = start_run(database, collection, [document.source])
    return _recorded(database, run_id, collection, lambda: Ingestor(database, settings, collection).run_in_memory(document))


def run_ingest(
    database: Database,
    settings: Settings,
    locations: list[str],
    collection: str,
    run_id: int,
    progress: ProgressWatcher | None = None,
) -> IngestSummary:
    recorder = every(RUN_PROGRESS_EVERY_SECONDS, lambda snapshot: record_progress(database, run_id, snapshot))
    tracker = ProgressTracker([recorder, *([progress] if progress else [])])

    def work() -> IngestSummary:
        check_locations(locations)
        summary = Ingestor(database, settings, collection, tracker).run(locations)
        tracker.finish()
        return summary

    return _recorded(database, run_id, collection, work)


def _recorded(database: Database, run_id: int, collection: str, work: Callable[[], IngestSummary]) -> IngestSummary:
    mark(database, run_id, RUNNING)
    try:
        summary = work()
    except KeyboardInterrupt:
        fail_run(database, run_id, "interrupted")
        raise
    except LocationUnreadable as error:
        fail_run(database, run_id, str(error), error.summary)
        raise
    except Exception as error:
        fail_run(database, run_id, str(error) or type(error).__name__)
        raise
    finish_run(database, run_id, summary)
    logger.info(
        "ingest done run=%s collection=%s files=%d added=%d updated=%d unchanged=%d removed=%d skipped=%d embedded=%d "
        "seconds=%.1f chunks_per_s=%.1f pages_per_s=%.2f",
        run_id, collection, summary.files_seen, summary.added, summary.updated, summary.unchanged,
        summary.removed, len(summary.skipped), summary.chunks_embedded, summary.seconds,
        summary.chunks_per_second, summary.pages_per_second,
    )
    return summary


@dataclass
class _Prepared:
    candidate: Candidate
    title: str
    url: str | None
    content_hash: str
    chunks: list[Chunk]
    hashes: list[str]
    shown_only_in: str | None = None


class Ingestor:
    def __init__(
        self, database: Database, settings: Settings, collection: str, progress: ProgressReporter | None = None
    ) -> None:
        self.database = database
        self.settings = settings
        self.progress = progress or ProgressTracker([])
        self.embedder = load_embedder(settings)
        with database.session() as session:
            self.collection_id = ensure_collection(session, collection, self.embedder).id
        special = self.embedder.count_tokens("")
        budget = min(CHUNK_TOKENS, self.embedder.max_tokens - special - 8)
        self.chunking = ChunkingOptions(budget, OVERLAP_TOKENS)
        self.stored = stored_documents(database, self.collection_id)
        self.fetch_policy = FetchPolicy.from_settings(settings)
        self.summary = IngestSummary()
        self.pending: list[_Prepared] = []

    def run(self, locations: list[str]) -> IngestSummary:
        """Ingests every location; LocationUnreadable at the end (after the others are done) if one couldn't be read."""
        started = time.monotonic()
        discoveries = [sources.discover(location, self.settings, self.fetch_policy, self._stored_at) for location in locations]
        # A crawl finds its pages as it goes (its candidates are no list): those are counted found as they come.
        self.progress.found(sum(len(d.candidates) + len(d.unusable) for d in discoveries if isinstance(d.candidates, list)))
        taken: set[tuple[str, str]] = set()
        failures: list[str] = []
        for discovery in discoveries:
            if discovery.error:
                self._fail(failures, f"{discovery.location}: {discovery.error}; nothing of it was removed")
                continue
            present: set[str] = set()
            kept_under: set[str] = set()
            counted_up_front = isinstance(discovery.candidates, list)

            def take_unusable(unusable: Unusable) -> None:
                if not counted_up_front:
                    self.progress.found(1)
                self.summary.files_seen += 1
                self._skip(unusable.source, unusable.reason)
                if unusable.keeps_stored:  # unreadable now is not gone: its stored version, and all under it, stay
                    present.add(unusable.source)
                    kept_under.add(unusable.source)

            known = len(discovery.unusable)
            for unusable in discovery.unusable[:known]:
                take_unusable(unusable)
            for candidate in discovery.candidates:
                if not counted_up_front:
                    self.progress.found(1)
                self.summary.files_seen += 1
                if (candidate.location, candidate.source) in taken:
                    self._skip(candidate.source, "given twice in this run")
                else:
                    taken.add((candidate.location, candidate.source))
                    present.add(candidate.source)
                    self._prepare(candidate)
            for unusable in discovery.unusable[known:]:  # found on the way (a crawl's)
                take_unusable(unusable)
            self._flush()
            if discovery.error:  # a crawl that failed on the way: what it read is kept, nothing is removed
                self._fail(failures, f"{discovery.location}: {discovery.error}; nothing of it was removed")
                continue
            failure = self._remove_missing(discovery, present, kept_under)
            if failure:
                self._fail(failures, failure)
        self._calibrate()
        self.summary.seconds = round(time.monotonic() - started, 3)
        if failures:
            raise LocationUnreadable("; ".join(failures), self.summary)
        return self.summary

    def run_in_memory(self, document: InMemoryDocument) -> IngestSummary:
        started = time.monotonic()
        self.summary.files_seen += 1
        # Its location is its own source: a folder's re-sync never removes it.
        candidate = Candidate(source=document.source, location=document.source, url=document.url)
        self._prepare_data(candidate, document.markdown.encode(), "text/markdown", document.shown_only_in)
        self._flush()
        if self.summary.unchanged:
            # Unchanged text, but where it may be shown can have changed (a channel made private since).
            restrict(self.database, self.collection_id, candidate.location, candidate.source, document.shown_only_in)
        if self.summary.added or self.summary.updated:
            with self.database.session() as session:
                document_id = session.execute(
                    text("SELECT id FROM documents WHERE collection_id = :c AND location = :l AND source = :s"),
                    {"c": self.collection_id, "l": candidate.location, "s": candidate.source},
                ).scalar()
            if document_id is not None:
                vocabulary.add_document(self.database, self.collection_id, document_id)
        self.summary.seconds = round(time.monotonic() - started, 3)
        return self.summary

    def _calibrate(self) -> None:
        """Measures the collection's similarity scale and counts its vocabulary again when its chunks changed
        (answering decides relevance by both)."""
        changed = self.summary.added or self.summary.updated or self.summary.removed
        if changed or calibration.stored(self.database, self.collection_id, self.embedder) is None:
            calibration.calibrate(self.database, self.collection_id, self.embedder)
        if changed:
            vocabulary.count(self.database, self.collection_id)

    def _stored_at(self, location: str) -> dict[str, StoredDocument]:
        """The documents stored from `location` by this pipeline version, by source: a source re-syncs them cheaply
        (ETag, page version); one stored by another version is read whole again."""
        return {
            source: document for (stored_location, source), document in self.stored.items()
            if stored_location == location and (document.metadata or {}).get("pipeline") == PIPELINE_VERSION
        }

    def _prepare(self, candidate: Candidate) -> None:
        stored = self.stored.get((candidate.location, candidate.source))
        if candidate.unchanged and stored and (stored.metadata or {}).get("pipeline") == PIPELINE_VERSION:
            self.summary.unchanged += 1  # the source said so (a 304, the same page version): nothing read
            return
        try:
            data, content_type = read_bytes(candidate, self.fetch_policy)
        except UnsupportedDocument as error:
            self._skip(candidate.source, str(error))
            return
        self._prepare_data(replace(candidate, data=None), data, content_type)

    def _prepare_data(self, candidate: Candidate, data: bytes, content_type: str | None, shown_only_in: str | None = None) -> None:
        content_hash = hashlib.sha256(PIPELINE_VERSION.encode() + b"\0" + data).hexdigest()
        stored = self.stored.get((candidate.location, candidate.source))
        if stored and stored.content_hash == content_hash:
            self.summary.unchanged += 1
            self.progress.read(candidate.source, 0)
            return
        # Without its credentials: that is what the loader (links), the document's url and citations see.
        url = candidate.link or (redact_url(candidate.url) if candidate.url else None)
        try:
            document = loaders.load(data, name=candidate.source, url=url, content_type=content_type)
            del data
            # One token counter per document: a TEI server is asked about the whole document once.
            count_tokens = self.embedder.token_counter(counted_text(document.sections, document.title))
            chunks = Chunker(count_tokens, self.chunking).split(document.sections, document.title)
        except EmbeddingServiceError:
            raise  # the embedding server is down: no later file would fare better, the run fails
        except UnsupportedDocument as error:
            self._skip(candidate.source, str(error))
            return
        except Exception as error:  # a parser bug on odd input must not stop the run
            logger.debug("loader failed source=%s", candidate.source, exc_info=True)
            self._skip(candidate.source, f"could not read: {type(error).__name__}: {error}"[:300])
            return
        if not chunks:
            self._skip(candidate.source, "no text found")
            return
        self.summary.notes += [(candidate.source, note) for note in document.notes]
        self.progress.read(candidate.source, len(chunks))
        hashes = [hashlib.sha256(chunk.embedding_text.encode()).hexdigest() for chunk in chunks]
        self.pending.append(_Prepared(candidate, document.title, document.url, content_hash, chunks, hashes, shown_only_in))
        # Chunks gather across documents before embedding: length-sorted batches pad less; memory stays bounded.
        if sum(len(p.chunks) for p in self.pending) >= self.settings.ingest_batch_chunks:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        vectors = self._vectors([(h, c) for p in self.pending for h, c in zip(p.hashes, p.chunks)])
        for prepared in self.pending:
            rows = [
                ChunkRow(position, chunk.text, chunk.heading_path, content_hash, vectors[content_hash], chunk.metadata)
                for position, (chunk, content_hash) in enumerate(zip(prepared.chunks, prepared.hashes))
            ]
            new = swap_document(
                self.database,
                collection_id=self.collection_id,
                location=prepared.candidate.location,
                source=prepared.candidate.source,
                title=prepared.title,
                url=prepared.url,
                content_hash=prepared.content_hash,
                # A source's documents note the pipeline version: its cheap re-sync (a 304) must not keep old chunking.
                metadata={**prepared.candidate.metadata, "pipeline": PIPELINE_VERSION} if is_source(prepared.candidate.location) else {},
                rows=rows,
                shown_only_in=prepared.shown_only_in,
            )
            self.summary.chunks_written += len(rows)
            if new:
                self.summary.added += 1
            else:
                self.summary.updated += 1
        self.pending = []

    def _vectors(self, chunks: list[tuple[str, Chunk]]) -> dict[str, np.ndarray]:
        """Stored vectors for chunk texts seen before; the rest embedded now, each distinct text once."""
        with self.database.session() as session:
            vectors = stored_vectors(session, self.collection_id, (h for h, _ in chunks))
        missing: dict[str, str] = {}
        for content_hash, chunk in chunks:
            if content_hash not in vectors:
                missing.setdefault(content_hash, chunk.embedding_text)
        by_length = sorted(missing, key=lambda content_hash: len(missing[content_hash]))  # less padding per batch
        for start in range(0, len(by_length), EMBED_SLICE):
            hashes = by_length[start:start + EMBED_SLICE]
            embedded = self.embedder.embed_documents([missing[content_hash] for content_hash in hashes])
            vectors.update(zip(hashes, np.asarray(embedded, dtype=np.float32)))
            self.summary.chunks_embedded += len(hashes)
            self.progress.embedded(len(hashes))
        if len(chunks) > len(missing):
            self.progress.embedded(len(chunks) - len(missing))  # stored vectors, and texts twice in this batch
        return vectors

    def _remove_missing(self, discovery: Discovery, present: set[str], kept_under: set[str]) -> str | None:
        """Removes the folder's stored documents that are gone from it; why not, when it must not."""
        if not discovery.is_folder:
            return None
        stored = {source: document.id for (location, source), document in self.stored.items() if location == discovery.location}
        if stored and not discovery.candidates and not discovery.unusable:
            return (
                f"{discovery.location} reads as empty, but {len(stored)} documents are stored from it: nothing was removed "
                "(an unmounted share?); `docbot sources remove` removes documents on purpose"
            )
        gone = [id for source, id in stored.items() if source not in present and not _under_any(source, kept_under)]
        removed = remove_documents(self.database, gone)
        self.summary.removed += len(removed)
        self.summary.removed_sources += removed
        return None

    def _skip(self, source: str, reason: str) -> None:
        logger.info("skipped source=%s reason=%s", source, reason)
        self.summary.skipped.append((source, reason))
        self.progress.skipped(source, reason)

    def _fail(self, failures: list[str], failure: str) -> None:
        failures.append(failure)
        self.progress.error(failure)


def _under_any(source: str, folders: set[str]) -> bool:
    """Whether `source` (a relative path) lies inside one of `folders` (relative paths too)."""
    parts = source.split("/")
    return any("/".join(parts[:depth]) in folders for depth in range(1, len(parts)))
