"""What an ingest did, as shown at the end of `docbot ingest` and stored with its run."""

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Group:
    """Files skipped for one kind of reason (or read with one kind of note): `reason` is the kind, what
    comes before the first ": " of each file's reason ("corrupt PDF"), or the whole reason where all agree."""

    reason: str
    sources: list[str]
    details: list[str]  # each source's own full reason

    @property
    def identical(self) -> bool:
        return len(set(self.details)) == 1


@dataclass
class IngestSummary:
    files_seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    chunks_embedded: int = 0
    seconds: float = 0.0
    chunks_written: int = 0  # chunks stored, embedded or reused
    removed_sources: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (source, what was cleaned or read differently)

    @property
    def ingested(self) -> int:
        """Files whose documents are in the collection after the run: added, updated or unchanged."""
        return self.added + self.updated + self.unchanged

    @property
    def pages_per_second(self) -> float:
        """Pages or files gone through (read, unchanged or skipped) per second: a crawl's pace."""
        return self.files_seen / self.seconds if self.seconds > 0 else 0.0

    @property
    def chunks_per_second(self) -> float:
        """Chunks embedded per second: the model's pace."""
        return self.chunks_embedded / self.seconds if self.seconds > 0 else 0.0

    @property
    def failed(self) -> bool:
        """Files were skipped and none ingested: the run did nothing it was asked to."""
        return bool(self.skipped) and self.ingested == 0

    @property
    def mostly_skipped(self) -> bool:
        return len(self.skipped) * 2 > self.files_seen

    def skip_groups(self) -> list[Group]:
        """Skipped files grouped by identical reason, the most common reason first."""
        return _grouped(self.skipped)

    def note_groups(self) -> list[Group]:
        return _grouped(self.notes)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = [{"source": s, "reason": r} for s, r in self.skipped]
        data["notes"] = [{"source": s, "note": n} for s, n in self.notes]
        data["pages_per_second"] = round(self.pages_per_second, 2)
        data["chunks_per_second"] = round(self.chunks_per_second, 2)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "IngestSummary":
        values = dict(data)
        values["skipped"] = [(item["source"], item["reason"]) for item in data.get("skipped", [])]
        values["notes"] = [(item["source"], item["note"]) for item in data.get("notes", [])]
        known = cls.__dataclass_fields__
        return cls(**{key: value for key, value in values.items() if key in known})

    def merge(self, other: "IngestSummary") -> None:
        for name in ("files_seen", "added", "updated", "unchanged", "removed", "chunks_embedded", "chunks_written"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped += other.skipped
        self.removed_sources += other.removed_sources
        self.notes += other.notes


def _grouped(pairs: list[tuple[str, str]]) -> list[Group]:
    groups: dict[str, Group] = {}
    for source, reason in pairs:
        group = groups.setdefault(reason.split(": ", 1)[0], Group(reason.split(": ", 1)[0], [], []))
        group.sources.append(source)
        group.details.append(reason)
    for group in groups.values():
        if group.identical:
            group.reason = group.details[0]
    return sorted(groups.values(), key=lambda group: -len(group.sources))  # stable: first seen first among equals
