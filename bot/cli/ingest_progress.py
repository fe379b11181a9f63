"""The one line `docbot ingest` shows while it works, on a terminal only: pages or files found and read,
chunks embedded, chunks and pages per second, ETA, and the skips and errors so far."""

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ingestion.progress import ProgressSnapshot, ProgressWatcher


@contextmanager
def progress_line(console: Console, wanted: bool = True) -> Iterator[ProgressWatcher | None]:
    """A watcher that draws the line, or None where it isn't `wanted` (`--json`) or there is no terminal (piped)."""
    if not (wanted and console.is_terminal):
        yield None
        return
    columns = (SpinnerColumn(), BarColumn(bar_width=20), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("finding files", total=None)

        def show(snapshot: ProgressSnapshot) -> None:
            # The bar follows the embedding, most of the work, where there is any; else the pages.
            if snapshot.chunks:
                completed, total = snapshot.embedded, snapshot.expected_chunks
            else:
                completed, total = snapshot.read + snapshot.skipped, snapshot.found or None
            progress.update(task, completed=completed, total=total, description=describe(snapshot))

        yield show


def describe(snapshot: ProgressSnapshot) -> str:
    eta = snapshot.eta_seconds
    line = (
        f"{snapshot.found} found, {snapshot.read} read, {snapshot.embedded} chunks embedded · "
        f"{snapshot.chunks_per_second:.1f} chunks/s, {snapshot.pages_per_second:.1f} pages/s · "
        f"ETA {_eta(eta)}"
    )
    if snapshot.skipped or snapshot.errors:
        line += f" · {snapshot.skipped} skipped, {snapshot.errors} errors"
    return line


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"
