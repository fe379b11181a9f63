"""Turns the locations given on the command line into the files (or URLs) to ingest, and their sources.

A file's source is its path relative to the folder given (`guide/setup.md`), a single file's is its
name, a URL's is the URL. Hidden entries and folders that only hold build output or copies of pages
(Sphinx's `_sources`, `_static`…) are passed over; symlinked folders are followed once (loops skipped).
"""

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from bot.errors import NotFound

# `_sources` holds Sphinx's copies of every page's source: ingesting it too would index each page twice.
IGNORED_FOLDERS = frozenset({"_sources", "_static", "_images", "_downloads", "node_modules", "__pycache__", "venv"})


@dataclass(frozen=True)
class Candidate:
    source: str
    location: str  # the folder, file or URL given: documents remember it so a re-sync removes only its own
    path: Path | None = None
    url: str | None = None


@dataclass(frozen=True)
class Unusable:
    source: str
    reason: str


@dataclass
class Discovery:
    location: str
    candidates: list[Candidate]
    unusable: list[Unusable]
    is_folder: bool


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def check_locations(locations: list[str]) -> None:
    """Fails before any work when a location doesn't exist, naming it."""
    if not locations:
        raise NotFound("Nothing to ingest: give at least one folder, file or URL.")
    for location in locations:
        if not is_url(location) and not os.path.exists(location):
            raise NotFound(f"Path does not exist: {location}")


def discover(location: str) -> Discovery:
    if is_url(location):
        return Discovery(location, [Candidate(source=location, location=location, url=location)], [], is_folder=False)
    path = Path(location)
    key = str(path.resolve())
    if not path.exists():
        raise NotFound(f"Path does not exist: {location}")
    if path.is_dir():
        candidates, unusable = _walk(path, key)
        return Discovery(key, candidates, unusable, is_folder=True)
    return Discovery(key, [Candidate(source=path.name, location=key, path=path)], [], is_folder=False)


def _walk(root: Path, key: str) -> tuple[list[Candidate], list[Unusable]]:
    candidates: list[Candidate] = []
    unusable: list[Unusable] = []
    visited: set[tuple[int, int]] = set()

    def visit(folder: Path, relative: str) -> None:
        try:
            info = folder.stat()
        except OSError as error:
            unusable.append(Unusable(relative or folder.name, describe_os_error(error)))
            return
        if (info.st_dev, info.st_ino) in visited:
            unusable.append(Unusable(relative, "symlink loop: the folder was already visited"))
            return
        visited.add((info.st_dev, info.st_ino))
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            unusable.append(Unusable(relative or folder.name, describe_os_error(error)))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            source = f"{relative}/{entry.name}" if relative else entry.name
            try:
                mode = os.stat(entry.path).st_mode  # follows symlinks: a loop raises ELOOP here
            except OSError as error:
                unusable.append(Unusable(source, describe_os_error(error)))
                continue
            if stat.S_ISDIR(mode):
                if entry.name not in IGNORED_FOLDERS:
                    visit(Path(entry.path), source)
            elif stat.S_ISREG(mode):
                candidates.append(Candidate(source=source, location=key, path=Path(entry.path)))
            else:
                unusable.append(Unusable(source, "not a regular file (a pipe, socket or device)"))

    visit(root, "")
    return candidates, unusable


def describe_os_error(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symlink loop"
    if error.errno == errno.ENOENT:
        return "broken symlink (its target does not exist)"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "unreadable: permission denied"
    return f"unreadable: {error.strerror or error}"
