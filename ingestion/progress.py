"""Progress of one ingest, as its sources and the pipeline report it, for whoever watches: the terminal's
progress line, `docbot worker`'s log and `docbot jobs` (through the run's row).

A source (a folder, a crawl, a git checkout, a Confluence space) and the pipeline call a `ProgressReporter`
as things happen: pages or files found, read, chunks embedded, a file skipped, an error. `ProgressTracker`
counts them and hands a `ProgressSnapshot` to its watchers, each of which decides how often it acts on one
(`every`): the counts are cheap, a database write or a log line is not.
"""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol


class ProgressReporter(Protocol):
    """What sources and the pipeline tell about a running ingest. Calls come from one thread."""

    def found(self, count: int = 1) -> None:
        """`count` more pages or files will be read (a crawl finds them as it goes)."""

    def read(self, source: str, chunks: int) -> None:
        """One page or file read: cut into `chunks` chunks to store (0 when unchanged since the last run)."""

    def embedded(self, chunks: int) -> None:
        """`chunks` more chunks embedded (or their vectors found stored) and on their way to the index."""

    def skipped(self, source: str, reason: str) -> None:
        """One page or file not ingested, and why."""

    def error(self, message: str) -> None:
        """Something failed that is not one file's fault (a location that could not be read)."""


@dataclass(frozen=True)
class ProgressSnapshot:
    """The counts so far and the rates they make: what every watcher is shown."""

    found: int = 0
    read: int = 0
    chunks: int = 0  # chunks the pages read so far were cut into (to store: new or changed pages)
    embedded: int = 0
    skipped: int = 0
    errors: int = 0
    seconds: float = 0.0
    done: bool = False

    @property
    def pages_per_second(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0

    @property
    def chunks_per_second(self) -> float:
        return self.embedded / self.seconds if self.seconds > 0 else 0.0

    @property
    def pages_left(self) -> int:
        return max(0, self.found - self.read - self.skipped)

    @property
    def expected_chunks(self) -> float:
        """Chunks to embed in all: those of the pages read, and the pages left cut like them."""
        return self.chunks + (self.pages_left * self.chunks / self.read if self.read else 0)

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left, from the pages still to read (cut like those read so far) and the chunks still to
        embed, at the rates so far; None until there is a rate to go by."""
        if self.done:
            return 0.0
        handled = self.read + self.skipped
        if handled == 0 or self.seconds <= 0:
            return None
        chunks_left = max(0.0, self.expected_chunks - self.embedded)
        if chunks_left and self.embedded == 0:
            return None
        # Each rate is over the whole run so far, so each alone predicts the rest; the slower part decides.
        embedding = chunks_left / self.chunks_per_second if chunks_left else 0.0
        reading = self.pages_left * self.seconds / handled
        return max(embedding, reading)

    def describe(self) -> str:
        """One line of counts and rates, for logs and `docbot jobs` (no source names: they may be URLs)."""
        eta = self.eta_seconds
        parts = [
            f"{self.read}/{self.found} read",
            f"{self.embedded} embedded",
            f"{self.chunks_per_second:.1f} chunks/s",
            f"{self.pages_per_second:.1f} pages/s",
            "ETA " + (_duration(eta) if eta is not None else "?"),
        ]
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        if self.errors:
            parts.append(f"{self.errors} errors")
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        eta = self.eta_seconds
        return {
            **asdict(self),
            "seconds": round(self.seconds, 1),
            "pages_per_second": round(self.pages_per_second, 2),
            "chunks_per_second": round(self.chunks_per_second, 2),
            "eta_seconds": None if eta is None else round(eta, 1),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ProgressSnapshot":
        known = cls.__dataclass_fields__
        return cls(**{key: value for key, value in data.items() if key in known})


ProgressWatcher = Callable[[ProgressSnapshot], None]


def every(seconds: float, watcher: ProgressWatcher, clock: Callable[[], float] = time.monotonic) -> ProgressWatcher:
    """`watcher`, called at most once every `seconds` (the first snapshot and the last always pass)."""
    last: list[float] = []

    def throttled(snapshot: ProgressSnapshot) -> None:
        now = clock()
        if snapshot.done or not last or now - last[0] >= seconds:
            last[:] = [now]
            watcher(snapshot)

    return throttled


class ProgressTracker:
    """A `ProgressReporter` that counts, and shows each change to its watchers as a snapshot."""

    def __init__(self, watchers: list[ProgressWatcher], clock: Callable[[], float] = time.monotonic) -> None:
        self.watchers = watchers
        self.clock = clock
        self.started = clock()
        self.counts = {name: 0 for name in ("found", "read", "chunks", "embedded", "skipped", "errors")}

    def found(self, count: int = 1) -> None:
        self._add(found=count)

    def read(self, source: str, chunks: int) -> None:
        self._add(read=1, chunks=chunks)

    def embedded(self, chunks: int) -> None:
        self._add(embedded=chunks)

    def skipped(self, source: str, reason: str) -> None:
        self._add(skipped=1)

    def error(self, message: str) -> None:
        self._add(errors=1)

    def finish(self) -> ProgressSnapshot:
        """The final snapshot, shown to every watcher whatever its pace."""
        return self._show(done=True)

    def snapshot(self, done: bool = False) -> ProgressSnapshot:
        return ProgressSnapshot(**self.counts, seconds=self.clock() - self.started, done=done)

    def _add(self, **counts: int) -> None:
        for name, count in counts.items():
            self.counts[name] += count
        self._show()

    def _show(self, done: bool = False) -> ProgressSnapshot:
        snapshot = self.snapshot(done)
        for watcher in self.watchers:
            watcher(snapshot)
        return snapshot


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds} s"
