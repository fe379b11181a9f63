"""One loader per format; `load` picks one from the file's name and checks it against the content.

A file whose content contradicts its name (a PDF named `.md`) is read as what it is, with a note; one
that is binary, empty or of a format docbot doesn't read raises UnsupportedDocument naming why.
"""

from collections.abc import Callable

from bot.errors import UnsupportedDocument
from ingestion.documents import LoadedDocument
from ingestion.loaders import docx, html, markdown, pdf, rst, text

EXTENSIONS = {
    ".md": "markdown", ".markdown": "markdown", ".mdown": "markdown",
    ".txt": "text", ".text": "text",
    ".rst": "rst", ".rest": "rst",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
CONTENT_TYPES = {
    "text/html": "html", "application/xhtml+xml": "html",
    "text/markdown": "markdown", "text/x-markdown": "markdown",
    "text/plain": "text", "text/x-rst": "rst",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
_LOADERS: dict[str, Callable[..., LoadedDocument]] = {
    "markdown": markdown.load, "text": text.load, "rst": rst.load, "html": html.load, "pdf": pdf.load, "docx": docx.load,
}
_TEXT_FORMATS = {"markdown", "text", "rst", "html"}
_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\x7fELF", "an executable"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office (.doc/.xls/.ppt) file"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)
_SNIFF_BYTES = 8192
_BINARY_SHARE = 0.10


def extension(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[-1].lower() if "." in base.lstrip(".") else ""


def is_supported_name(name: str) -> bool:
    return extension(name) in EXTENSIONS


def load(data: bytes, *, name: str, url: str | None = None, content_type: str | None = None) -> LoadedDocument:
    """Reads `data` (named `name`, e.g. `guide/setup.md`); raises UnsupportedDocument saying why it can't."""
    declared = _declared_format(name, content_type)
    actual, note = detect_format(data, declared)
    loader = _LOADERS[actual]
    document = loader(data, name=name, url=url, content_type=content_type) if actual == "html" else loader(data, name=name)
    document.url = url
    if note:
        document.notes.insert(0, note)
    if document.is_empty:
        raise UnsupportedDocument("no text found")
    return document


def detect_format(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """The format to read `data` as, and a note when that differs from what its name said."""
    if not data.strip():
        raise UnsupportedDocument("empty file")
    head = data[:_SNIFF_BYTES]
    magic = next((kind for signature, kind in _MAGIC if head.startswith(signature)), None)
    if magic is None and b"%PDF-" in head[:1024]:
        magic = "pdf"
    said = f"named as {declared}" if declared else "of unknown type"
    if magic == "pdf":
        return "pdf", None if declared == "pdf" else f"read as PDF: the content is a PDF though {said}"
    if magic == "zip":
        if declared == "docx":
            return "docx", None
        if b"word/" in data[:65536]:
            return "docx", f"read as DOCX: the content is a Word document though {said}"
        raise UnsupportedDocument("binary content (a ZIP archive)")
    if magic is not None:
        raise UnsupportedDocument(f"binary content ({magic})" + (f", though named as {declared}" if declared else ""))
    if declared in ("pdf", "docx"):
        raise UnsupportedDocument(f"mislabelled: named as {declared} but the content is not a {declared.upper()} file")
    if _looks_binary(head):
        raise UnsupportedDocument("binary content")
    if declared is None:
        raise UnsupportedDocument("unsupported file type")
    return declared, None


def _declared_format(name: str, content_type: str | None) -> str | None:
    if content_type:
        kind = CONTENT_TYPES.get(content_type.split(";", 1)[0].strip().lower())
        if kind:
            return kind
    return EXTENSIONS.get(extension(name))


def _looks_binary(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text: its NULs are half of every ASCII character
    control = sum(1 for byte in head if byte < 9 or 13 < byte < 32 or byte == 127)
    return control / len(head) > _BINARY_SHARE
