"""`docbot ingest`, `sources [remove]`, `collections [remove]`, `jobs` and `worker`: getting docs in, and seeing them."""

import json
from pathlib import Path

import typer
from rich.console import Console

from bot.cli.context import cli_context
from bot.cli.ingest_progress import progress_line
from bot.cli.ingest_summary import check_outcome, print_summary
from bot.cli.tables import print_table
from bot.embeddings import load_embedder
from bot.errors import ConfigError, LocationUnreadable, NotFound
from bot.slack.knowledge import jobs as knowledge_jobs
from bot.index import collections as collection_store
from ingestion import pipeline, queue
from bot.index import store
from ingestion.admin import list_collections, list_jobs, list_sources
from bot.index.collections import ensure_collection, get_collection
from ingestion.discovery import check_locations, is_source, is_url
from ingestion.ingest_worker import run_worker
from ingestion.sources.specs import DEFAULT_MAX_PAGES, document_location, source_location
from ingestion.schedule import cancel_queued, list_scheduled, parse_every, register
from bot.index.store import locations_of
from ingestion.summary import IngestSummary

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
sources_app = typer.Typer(help="List the ingested documents, or remove one.", invoke_without_command=True)
collections_app = typer.Typer(help="List the collections, or remove one.", invoke_without_command=True)

_COLLECTION_HELP = "Collection to use [env var: DOCBOT_COLLECTION]"


def ingest(
    ctx: typer.Context,
    locations: list[str] = typer.Argument(
        ..., help="Folders, files, http(s) URLs of pages, git repositories or confluence://SPACEKEY", show_default=False
    ),
    collection: str = typer.Option("default", "--collection", "-c", envvar="DOCBOT_COLLECTION", help=_COLLECTION_HELP),
    enqueue: bool = typer.Option(False, "--enqueue", help="Put the work on the queue for `docbot worker` instead of running it here"),
    every: str | None = typer.Option(None, "--every", help="Also re-sync these locations this often (e.g. 30m, 1h, 1d), run by `docbot worker`"),
    verbose: bool = typer.Option(False, "--verbose", help="List every skipped file, not a few per reason"),
    as_json: bool = typer.Option(False, "--json", help="No progress line; print the summary as one JSON object"),
    follow_links: bool = typer.Option(
        False, "--follow-links",
        help="Also read symlinks that point outside the folder (never /proc, /sys, /dev); INGEST_FOLLOW_LINKS=true does too",
    ),
    crawl: bool = typer.Option(False, "--crawl", help="Read the whole docs site from this URL: its sitemap, else its links"),
    max_pages: int | None = typer.Option(None, "--max-pages", min=1, help=f"With --crawl: at most this many page requests (default {DEFAULT_MAX_PAGES:,})"),
    allow_prefix: str | None = typer.Option(None, "--allow-prefix", help="With --crawl: stay under this path instead of the URL's folder"),
    branch: str | None = typer.Option(None, "--branch", help="Git repository: the branch to read (default: the repository's own)"),
    path: str | None = typer.Option(None, "--path", help="Git repository: only this folder of it"),
) -> None:
    """Ingest folders, files, URLs, docs sites, git repositories and Confluence spaces into a collection: changed
    files are re-embedded, deleted ones removed."""
    locations = [
        source_location(location, crawl=crawl, max_pages=max_pages, allow_prefix=allow_prefix, branch=branch, path=path)
        for location in locations
    ]
    check_locations(locations)
    every_seconds = _parse_every(every)
    context = cli_context(ctx)
    if follow_links and (enqueue or every_seconds):
        raise ConfigError("--follow-links applies to this run only; for `docbot worker`'s runs set INGEST_FOLLOW_LINKS=true")
    settings = context.settings.model_copy(update={"ingest_follow_links": True}) if follow_links else context.settings
    database = context.database()
    absolute = [location if is_url(location) or is_source(location) else str(Path(location).resolve()) for location in locations]
    if every_seconds:
        _register_syncs(context.settings, database, collection, absolute, every_seconds)
    if enqueue:

        app = queue.make_app(context.settings, database.url)
        with app.open():
            # A worker may run elsewhere, in another folder: it gets absolute paths (sources stay relative).
            run_id, job_id = queue.enqueue(app, database, collection, absolute)
        console.print(f"Queued job {job_id} (run {run_id}) for collection {collection!r}; `docbot worker` runs it, `docbot jobs` shows it.")
        return
    try:
        with progress_line(console, wanted=not as_json) as show:
            summary = pipeline.ingest(database, settings, locations, collection, progress=show)
    except LocationUnreadable as error:
        if isinstance(error.summary, IngestSummary):
            _print_result(error.summary, collection, verbose, as_json, str(error))
        raise  # `docbot` prints it and exits 1: a location that couldn't be read is not a finished sync
    _print_result(summary, collection, verbose, as_json)
    check_outcome(summary, errors)


def _print_result(summary: IngestSummary, collection: str, verbose: bool, as_json: bool, error: str | None = None) -> None:
    if as_json:
        typer.echo(json.dumps({"collection": collection, **summary.to_json(), "error": error}))
    else:
        print_summary(console, summary, collection, verbose=verbose)


def _parse_every(every: str | None) -> int | None:
    if every is None:
        return None

    return parse_every(every)


def _register_syncs(settings, database, collection: str, locations: list[str], every_seconds: int) -> None:
    with database.session() as session:
        collection_id = ensure_collection(session, collection, load_embedder(settings)).id
    for location in locations:
        register(database, collection_id, location, every_seconds)
    console.print(f"Re-sync every {every_seconds} s registered for {len(locations)} location(s); `docbot worker` runs it.")


@sources_app.callback(invoke_without_command=True)
def sources(
    ctx: typer.Context,
    collection: str | None = typer.Option(None, "--collection", "-c", envvar="DOCBOT_COLLECTION", help="Only this collection [env var: DOCBOT_COLLECTION]"),
) -> None:
    """List ingested documents: source, the location it came from, title, chunks, last updated."""
    if ctx.invoked_subcommand:
        return

    rows = list_sources(cli_context(ctx).database(), collection)
    print_table(
        console, ("collection", "source", "from", "title", "chunks", "updated"),
        ((r.collection, r.source, r.location, r.title, str(r.chunks), f"{r.updated:%Y-%m-%d %H:%M}") for r in rows),
        empty="No documents ingested yet.",
    )


@sources_app.command("remove")
def remove_source(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="The source as `docbot sources` shows it"),
    collection: str = typer.Option("default", "--collection", "-c", envvar="DOCBOT_COLLECTION", help=_COLLECTION_HELP),
    location: str | None = typer.Option(None, "--location", help="The folder, file or URL it came from, when two hold the same source"),
) -> None:
    """Remove one document and its chunks from a collection (and its location's re-sync, if nothing else is left from it)."""
    database = cli_context(ctx).database()
    with database.session() as session:
        collection_id = get_collection(session, collection).id
    found = locations_of(database, collection_id, source)
    if location is not None:
        location = location if location in found else str(Path(location).resolve())
    elif len(found) > 1:
        raise NotFound(f"{source!r} is in {len(found)} locations of {collection!r}; choose one with --location: " + ", ".join(found))
    target = location or (found[0] if found else None)
    if target is None or not store.remove_source(database, collection_id, source, target):
        raise NotFound(f"No document {source!r} in collection {collection!r} (see `docbot sources`).")
    console.print(f"Removed {source} from {collection!r}.", highlight=False, markup=False)
    if locations_of(database, collection_id, source) == [] and _is_resynced(database, collection, target):
        console.print(f"Note: {target} is still re-synced (`docbot schedules`); a file still there comes back.", highlight=False, markup=False)


def _is_resynced(database, collection: str, location: str) -> bool:
    return any(sync.collection == collection and document_location(sync.location) == location for sync in list_scheduled(database))


@collections_app.callback(invoke_without_command=True)
def collections(ctx: typer.Context) -> None:
    """List collections: name, embedding model, documents, chunks."""
    if ctx.invoked_subcommand:
        return

    rows = list_collections(cli_context(ctx).database())
    print_table(
        console, ("name", "model", "dim", "documents", "chunks"),
        ((r.name, r.model, str(r.dimension), str(r.documents), str(r.chunks)) for r in rows),
        empty="No collections yet: `docbot ingest PATH` creates one.",
    )


@collections_app.command("remove")
def remove_collection(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The collection as `docbot collections` shows it"),
    yes: bool = typer.Option(False, "--yes", "-y", help="Don't ask for confirmation"),
) -> None:
    """Remove a collection: its documents, chunks, periodic re-syncs, queued ingests and channel links."""
    database = cli_context(ctx).database()
    if not yes:
        typer.confirm(f"Remove collection {name!r} and every document in it?", abort=True)
    with database.session() as session:
        collection_store.remove_collection(session, name)
    cancelled = cancel_queued(database, name)
    console.print(f"Removed collection {name!r}" + (f"; {cancelled} queued ingest(s) cancelled." if cancelled else "."), highlight=False, markup=False)


def jobs(
    ctx: typer.Context,
    limit: int = typer.Option(20, "--limit", "-n", help="How many recent runs to show"),
) -> None:
    """Recent ingest runs and queued jobs: state, what they did, errors."""
    rows = list_jobs(cli_context(ctx).database(), limit)
    print_table(
        console, ("run", "job", "state", "collection", "locations", "started", "result", "error"),
        (
            (str(r.run_id), r.job, r.state, r.collection, ", ".join(r.locations)[:60], f"{r.started:%Y-%m-%d %H:%M:%S}", r.result, r.error or "")
            for r in rows
        ),
        empty="No ingest runs yet.",
    )


def worker(
    ctx: typer.Context,
    concurrency: int = typer.Option(1, "--concurrency", min=1, envvar="DOCBOT_WORKER_CONCURRENCY", help="Jobs run at once [env var: DOCBOT_WORKER_CONCURRENCY]"),
    once: bool = typer.Option(False, "--once", help="Exit when the queue is empty instead of waiting for jobs"),
    heartbeat: float = typer.Option(10.0, "--heartbeat", min=0.1, help="Seconds between this worker's heartbeats"),
    stalled_after: float = typer.Option(60.0, "--stalled-after", min=0.5, help="Seconds without a heartbeat after which another worker's job is retried"),
    name: str | None = typer.Option(None, "--name", help="Worker name shown in logs"),
) -> None:
    """Run queued ingest jobs, periodic re-syncs, saved Slack threads and the gap digest (several workers may share one database)."""
    context = cli_context(ctx)
    database = context.database()
    console.print(f"Worker on {database.describe()}; Ctrl-C stops it after the current job.", highlight=False)
    run_worker(context.settings, database.url, concurrency=concurrency, once=once, heartbeat_seconds=heartbeat,
               stalled_after=stalled_after, name=name, more_tasks=[knowledge_jobs.register])
