"""What an ingest did, as shown at the end of `docbot ingest` and stored with its run."""

from dataclasses import asdict, dataclass, field
from typing import Any


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

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = [{"source": s, "reason": r} for s, r in self.skipped]
        data["notes"] = [{"source": s, "note": n} for s, n in self.notes]
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
