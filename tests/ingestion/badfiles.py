"""Builders for the bad inputs ingestion must survive: each writes one file and says why it is bad."""

import io
import os
import zlib
from pathlib import Path

import pypdf

HANDBOOK_PDF = Path(__file__).resolve().parents[2] / "bot" / "demo" / "handbook" / "travel-policy.pdf"


def encrypted_pdf() -> bytes:
    writer = pypdf.PdfWriter(clone_from=str(HANDBOOK_PDF))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def decompression_bomb_pdf(decompressed_bytes: int = 1 << 30) -> bytes:
    """A one-page PDF whose content stream is ~1 MB of deflate that inflates to `decompressed_bytes` of zeros."""
    compressor = zlib.compressobj(9)
    block = bytes(1 << 20)
    stream = b"".join(compressor.compress(block) for _ in range(decompressed_bytes // len(block))) + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def write_bad_folder(folder: Path, *, max_file_bytes: int) -> dict[str, str]:
    """Writes every kind of bad input into `folder`; returns source → words its skip reason must contain."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.md").write_text("# Good\n\nThe release train leaves every Wednesday at 10:00.\n")
    (folder / "empty.md").write_bytes(b"")
    (folder / "blank.txt").write_bytes(b"  \n\n\t\n")
    (folder / "random.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "diagram.md").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    (folder / "fake.pdf").write_text("This is a plain text file with a .pdf name.\n")
    (folder / "fake.docx").write_text("Plain text pretending to be a Word document.\n")
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + os.urandom(3000))
    (folder / "corrupt.docx").write_bytes(b"PK\x03\x04" + os.urandom(3000))
    (folder / "encrypted.pdf").write_bytes(encrypted_pdf())
    (folder / "bomb.pdf").write_bytes(decompression_bomb_pdf())
    (folder / "huge.md").write_text("# Huge\n\n" + "All work and no play. " * (max_file_bytes // 10))
    (folder / "broken-link.md").symlink_to(folder / "does-not-exist.md")
    (folder / "loop-a.md").symlink_to(folder / "loop-b.md")
    (folder / "loop-b.md").symlink_to(folder / "loop-a.md")
    (folder / "sub").mkdir()
    (folder / "sub" / "inner.md").write_text("# Inner\n\nThe inner page is fine.\n")
    (folder / "sub" / "up").symlink_to(folder)
    os.mkfifo(folder / "pipe.md")
    return {
        "empty.md": "empty file",
        "blank.txt": "empty file",
        "random.txt": "binary content",
        "diagram.md": "binary content (a PNG image)",
        "fake.pdf": "mislabelled",
        "fake.docx": "mislabelled",
        "corrupt.pdf": "corrupt PDF",
        "corrupt.docx": "corrupt DOCX",
        "encrypted.pdf": "encrypted PDF",
        "bomb.pdf": "decompression bomb",
        "huge.md": "too large",
        "broken-link.md": "broken symlink",
        "loop-a.md": "symlink loop",
        "loop-b.md": "symlink loop",
        "sub/up": "symlink loop",
        "pipe.md": "not a regular file",
    }
