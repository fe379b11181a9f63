"""How `docbot ingest` reports a run on stdout: the counts, then skipped files grouped by reason, notes
and removals; a run that ingested nothing fails, and one that skipped most of its files warns."""

from rich.console import Console

from bot.errors import NothingIngested
from ingestion.summary import Group, IngestSummary

_EXAMPLES = 3  # sources shown per group unless --verbose


def print_summary(console: Console, summary: IngestSummary, collection: str, *, verbose: bool) -> None:
    console.print(
        f"Collection {collection!r}: {summary.files_seen} files seen, {summary.added} added, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {summary.removed} removed, {len(summary.skipped)} skipped; "
        f"{summary.chunks_embedded} chunks embedded in {summary.seconds:.1f} s "
        f"({summary.chunks_per_second:.1f} chunks/s, {summary.pages_per_second:.1f} pages/s).",
        highlight=False,
    )
    _print_groups(console, f"Skipped {_files(len(summary.skipped))}:", summary.skip_groups(), verbose)
    _print_groups(console, "Read with notes:", summary.note_groups(), verbose)
    if summary.removed_sources:
        console.print(f"Removed {_files(len(summary.removed_sources))} no longer there:", highlight=False)
        console.print("    " + _listing(summary.removed_sources, verbose), highlight=False, markup=False)


def check_outcome(summary: IngestSummary, errors: Console) -> None:
    """Raises NothingIngested for a run that skipped files and ingested none; warns when most were skipped."""
    if summary.failed:
        raise NothingIngested(f"Nothing was ingested: all {_files(len(summary.skipped))} were skipped (reasons above).")
    if summary.mostly_skipped:
        errors.print(
            f"[yellow]Warning:[/yellow] {len(summary.skipped)} of {summary.files_seen} files were skipped (reasons above).",
            highlight=False,
        )


def _print_groups(console: Console, title: str, groups: list[Group], verbose: bool) -> None:
    if not groups:
        return
    console.print(title, highlight=False)
    for group in groups:
        reason = group.reason if group.identical else f"{group.reason}: \u2026"
        console.print(f"  {_files(len(group.sources))}: {reason}", highlight=False, markup=False)
        if verbose:
            for source, detail in zip(group.sources, group.details):
                console.print(f"    {source}" + ("" if group.identical else f": {detail}"), highlight=False, markup=False)
        else:
            console.print("    " + _listing(group.sources, verbose), highlight=False, markup=False)


def _listing(sources: list[str], verbose: bool) -> str:
    if verbose or len(sources) <= _EXAMPLES:
        return ", ".join(sources)
    return ", ".join(sources[:_EXAMPLES]) + f" and {len(sources) - _EXAMPLES} more (--verbose lists them)"


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"
