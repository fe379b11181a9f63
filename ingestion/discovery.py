"""Turns the locations given on the command line into the files (or URLs) to ingest, and their sources.

A file's source is its path relative to the folder given (`guide/setup.md`), a single file's is its
name, a URL's is the URL (without credentials). Hidden entries and folders that only hold build output or
copies of pages (Sphinx's `_sources`, `_static`…) are passed over; symlinks are followed where they resolve
inside the folder (see `ingestion.confinement`), folders once (loops skipped).
"""

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from bot.errors import IngestError, NotFound
from ingestion.confinement import ANYWHERE, Confinement, system_folder
from bot.url_redaction import redact_url

# `_sources` holds Sphinx's copies of every page's source: ingesting it too would index each page twice.
IGNORED_FOLDERS = frozenset({"_sources", "_static", "_images", "_downloads", "node_modules", "__pycache__", "venv"})


@dataclass(frozen=True)
class Candidate:
    source: str
    location: str  # the folder, file or URL given: documents remember it so a re-sync removes only its own
    path: Path | None = None  # resolved: reading opens exactly the file that was checked
    url: str | None = None  # the URL as given (it may hold credentials); `source` and `location` are redacted
    confinement: Confinement = ANYWHERE
    # What a source (ingestion/sources) knows already: a crawl's page is fetched as its links are read, a 304
    # or an unchanged page version needs no reading, and a git file's citation is its page on the host.
    data: bytes | None = None
    content_type: str | None = None
    unchanged: bool = False
    link: str | None = None  # the document's url when it is not `url`
    metadata: dict[str, Any] = field(default_factory=dict)  # kept with the document (ETag, page version)


@dataclass(frozen=True)
class Unusable:
    source: str
    reason: str
    # An entry unreadable now (permissions, a broken link) keeps its stored documents, and those under it;
    # one refused on purpose (it points outside the folder, or is a pipe) does not keep them.
    keeps_stored: bool = True


@dataclass
class Discovery:
    """What a location holds. A crawl's candidates are an iterator: it finds pages as it reads them, so its
    `unusable`, `is_folder` and `error` are final only once the candidates are exhausted."""

    location: str
    candidates: Iterable[Candidate]
    unusable: list[Unusable]
    is_folder: bool  # documents of the location that are not found again are removed
    error: str | None = None  # the location itself could not be read: nothing of it may be removed


# Locations that name a source rather than a path or a page: a crawled site, a git repository, a Confluence space.
SOURCE_PREFIXES = ("crawl+http://", "crawl+https://", "git+", "confluence://")


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def is_source(location: str) -> bool:
    return location.startswith(SOURCE_PREFIXES)


def check_locations(locations: list[str]) -> None:
    """Fails before any work when a location doesn't exist or is a system folder, naming it."""
    if not locations:
        raise NotFound("Nothing to ingest: give at least one folder, file or URL.")
    for location in locations:
        if is_url(location) or is_source(location):
            continue
        if not os.path.exists(location):
            raise NotFound(f"Path does not exist: {location}")
        folder = system_folder(os.path.realpath(location))
        if folder:
            raise IngestError(f"{location} is in {folder}, which docbot never reads")


def discover(location: str, *, follow_links: bool = False) -> Discovery:
    if is_url(location):
        shown = redact_url(location)
        return Discovery(shown, [Candidate(source=shown, location=shown, url=location)], [], is_folder=False)
    check_locations([location])
    real = os.path.realpath(location)
    if os.path.isdir(real):
        return walk(real, Confinement(None if follow_links else real))
    name = Path(location).name
    return Discovery(real, [Candidate(source=name, location=real, path=Path(real))], [], is_folder=False)


def walk(root: str, confinement: Confinement) -> Discovery:
    """Every file under `root` (resolved) that may be read, and every entry that may not, with its reason."""
    candidates: list[Candidate] = []
    unusable: list[Unusable] = []
    visited: set[tuple[int, int]] = set()

    def visit(folder: str, relative: str) -> str | None:
        """Walks `folder` (resolved); the reason it can't be read, if so."""
        try:
            info = os.stat(folder)
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            return describe_os_error(error)
        if (info.st_dev, info.st_ino) in visited:
            return "symlink loop: the folder was already visited"
        visited.add((info.st_dev, info.st_ino))
        for entry in entries:
            if not entry.name.startswith("."):
                take(entry, f"{relative}/{entry.name}" if relative else entry.name, os.path.join(folder, entry.name))
        return None

    def take(entry: os.DirEntry, source: str, path: str) -> None:
        try:
            if entry.is_symlink():
                path = os.path.realpath(path)
            refused = confinement.refusal(path)
            if refused:
                unusable.append(Unusable(source, refused, keeps_stored=False))
                return
            mode = os.stat(path).st_mode  # a loop raises ELOOP here, a broken link ENOENT
        except OSError as error:
            unusable.append(Unusable(source, describe_os_error(error)))
            return
        if stat.S_ISDIR(mode):
            if entry.name not in IGNORED_FOLDERS:
                reason = visit(path, source)
                if reason:
                    unusable.append(Unusable(source, reason))
        elif stat.S_ISREG(mode):
            candidates.append(Candidate(source=source, location=root, path=Path(path), confinement=confinement))
        else:
            unusable.append(Unusable(source, "not a regular file (a pipe, socket or device)", keeps_stored=False))

    error = visit(root, "")
    return Discovery(root, candidates, unusable, is_folder=True, error=error and f"cannot read the folder: {error}")


def describe_os_error(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symlink loop"
    if error.errno == errno.ENOENT:
        return "broken symlink (its target does not exist)"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "unreadable: permission denied"
    return f"unreadable: {error.strerror or error}"
