"""Reads a candidate's bytes within the size limit: a file from disk, or a page over http(s).

A file is opened without following a last symlink and without blocking (a FIFO swapped in after
discovery can't hang the run), and what was opened is checked again on its descriptor: a regular file,
not on a system file system, really inside the folder. Swapping a path between the check and the open
therefore gains nothing.
"""

import errno
import os
import stat

from bot.errors import UnsupportedDocument
from ingestion.confinement import ANYWHERE, Confinement, system_devices
from ingestion.discovery import Candidate, describe_os_error
from ingestion.fetching import FetchPolicy, fetch

_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
_READ_CHUNK = 1 << 20


def read_bytes(candidate: Candidate, policy: FetchPolicy) -> tuple[bytes, str | None]:
    """The content and, for a URL, its content type; UnsupportedDocument naming why it can't be read."""
    if candidate.data is not None:  # a source read it already (a crawled page)
        return candidate.data, candidate.content_type
    if candidate.path is not None:
        return read_file(candidate.path, policy.max_bytes, candidate.confinement), None
    if candidate.url is None:
        raise UnsupportedDocument("nothing to read: the source gave neither content, a path nor a URL")
    fetched = fetch(candidate.url, policy)
    return fetched.data, fetched.content_type


def read_file(path: os.PathLike, max_bytes: int, confinement: Confinement = ANYWHERE) -> bytes:
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        if error.errno == errno.ELOOP:  # the path was resolved when found: a link here was put there since
            raise UnsupportedDocument("is now a symlink (it changed since it was found); not followed") from None
        raise UnsupportedDocument(describe_os_error(error)) from None
    try:
        _check_opened(descriptor, confinement)
        size = os.fstat(descriptor).st_size
        if size > max_bytes:
            raise UnsupportedDocument(_too_large(size, max_bytes))
        data = _read_all(descriptor, max_bytes + 1)  # the file may have grown since fstat
    except OSError as error:
        raise UnsupportedDocument(describe_os_error(error)) from None
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:
        raise UnsupportedDocument(_too_large(len(data), max_bytes))
    return data


def _check_opened(descriptor: int, confinement: Confinement) -> None:
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        raise UnsupportedDocument("not a regular file (a pipe, socket or device)")
    if info.st_dev in system_devices():
        raise UnsupportedDocument("is on /proc, /sys or /dev, which are never read")
    real = _opened_path(descriptor)
    reason = confinement.refusal(real) if real else None
    if reason:
        raise UnsupportedDocument(reason)


def _opened_path(descriptor: int) -> str | None:
    """Where the open file really is (Linux names it under /proc/self/fd); None where that can't be told."""
    try:
        return os.readlink(f"/proc/self/fd/{descriptor}")
    except OSError:
        return None


def _read_all(descriptor: int, limit: int) -> bytes:
    parts, total = [], 0
    while total < limit:
        part = os.read(descriptor, min(_READ_CHUNK, limit - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
    return b"".join(parts)


def _too_large(size: int, max_bytes: int) -> str:
    return f"too large: {size:,} bytes is over the {max_bytes:,}-byte limit (MAX_FILE_BYTES)"
