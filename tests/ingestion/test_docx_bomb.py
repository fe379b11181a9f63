"""A DOCX whose XML part inflates to a gigabyte is skipped with its reason, and memory stays bounded,
whether its ZIP headers declare the true size or lie about it."""

import io
import resource
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import pytest

from ingestion.pipeline import ingest
from tests.ingestion.helpers import sources

INFLATED = 1 << 30
PART = "word/document.xml"


def _real_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Bomb", 1)
    document.add_paragraph("Nothing to see.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_bomb(inflated: int = INFLATED) -> bytes:
    """A real DOCX whose document.xml holds one run of `inflated` spaces (~1 MB of deflate)."""
    source = zipfile.ZipFile(io.BytesIO(_real_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != PART:
                target.writestr(info, source.read(info.filename))
                continue
            head = source.read(PART).split(b"<w:body>", 1)[0]
            with target.open(PART, "w") as member:
                member.write(head + b"<w:body><w:p><w:r><w:t>")
                block = b" " * (1 << 20)
                for _ in range(inflated // len(block)):
                    member.write(block)
                member.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return out.getvalue()


def lying(bomb: bytes, declared: int = 4096) -> bytes:
    """The bomb with its central directory claiming document.xml unpacks to `declared` bytes (CRC to match)."""
    data = bytearray(bomb)
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + name_length] == PART.encode():
            break
        at += 4
    with zipfile.ZipFile(io.BytesIO(bomb)).open(PART) as member:
        prefix = member.read(declared)
    struct.pack_into("<I", data, at + 16, zlib.crc32(prefix))
    struct.pack_into("<I", data, at + 24, declared)
    return bytes(data)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return docx_bomb()


def test_a_docx_bomb_is_skipped_within_bounded_memory(db, ingest_settings, bomb: bytes, tmp_path: Path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "honest-bomb.docx").write_bytes(bomb)
    (folder / "lying-bomb.docx").write_bytes(lying(bomb))
    (folder / "fine.md").write_text("# Fine\n\nThe ordinary page is ingested.\n")
    assert len(bomb) < 2_000_000
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    summary = ingest(db, ingest_settings, [str(folder)])

    peak_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert peak_growth_mb < 300, f"a 1 GB DOCX part must not be inflated in memory (peak grew {peak_growth_mb:.0f} MB)"
    skipped = dict(summary.skipped)
    assert "(a zip bomb?)" in skipped["honest-bomb.docx"]
    assert skipped["lying-bomb.docx"].startswith("corrupt DOCX")  # its parts are read only up to the size declared
    assert sources(db) == ["fine.md"]
