"""Reads a candidate's bytes within the size limit: a file from disk, or a page over http(s)."""

import os

from bot.errors import UnsupportedDocument
from ingestion.discovery import Candidate, describe_os_error
from ingestion.loaders.url import fetch


def read_bytes(candidate: Candidate, max_bytes: int) -> tuple[bytes, str | None]:
    """The content and, for a URL, its content type; UnsupportedDocument naming why it can't be read."""
    if candidate.url:
        fetched = fetch(candidate.url, max_bytes=max_bytes)
        return fetched.data, fetched.content_type
    return read_file(candidate.path, max_bytes), None


def read_file(path: os.PathLike, max_bytes: int) -> bytes:
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise UnsupportedDocument(_too_large(size, max_bytes))
        with open(path, "rb") as file:
            data = file.read(max_bytes + 1)  # the file may have grown since stat
    except OSError as error:
        raise UnsupportedDocument(describe_os_error(error)) from None
    if len(data) > max_bytes:
        raise UnsupportedDocument(_too_large(len(data), max_bytes))
    return data


def _too_large(size: int, max_bytes: int) -> str:
    return f"too large: {size:,} bytes is over the {max_bytes:,}-byte limit (MAX_FILE_BYTES)"
