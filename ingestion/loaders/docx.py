"""DOCX (python-docx): paragraphs and tables in order, split on Title/Heading N paragraph styles."""

import io
import re
import zipfile
import zlib

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from bot.errors import UnsupportedDocument
from ingestion.documents import LoadedDocument, SectionBuilder, title_from_name
from ingestion.text_cleaning import strip_control

_HEADING_STYLE = re.compile(r"^Heading (\d)$")
_UNPACKED_PER_PACKED = 100  # a real DOCX's XML compresses ~5-20x; far beyond that is a zip bomb
_MIN_UNPACKED_BUDGET = 50_000_000
_READ_BYTES = 1 << 20


def load(data: bytes, *, name: str) -> LoadedDocument:
    package = _unpacked_package(data)
    try:
        document = docx.Document(io.BytesIO(package))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise UnsupportedDocument(f"corrupt DOCX: {error}") from None
    except Exception as error:  # lxml raises XMLSyntaxError and kin for damaged parts
        raise UnsupportedDocument(f"corrupt DOCX: {type(error).__name__}") from None
    builder = SectionBuilder()
    title = strip_control(document.core_properties.title or "").strip()
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            _paragraph(block, builder)
            title = title or _title_of(block)
        elif isinstance(block, Table):
            builder.add(_table(block))
    return LoadedDocument(title=title or title_from_name(name), sections=builder.finish())


def _paragraph(paragraph: Paragraph, builder: SectionBuilder) -> None:
    text = strip_control(paragraph.text).strip()
    style = paragraph.style.name if paragraph.style is not None else ""
    level = _heading_level(style)
    if level is not None and text:
        builder.heading(level, text)
    elif text:
        builder.add(("- " + text) if style.startswith("List") else text)


def _title_of(paragraph: Paragraph) -> str:
    style = paragraph.style.name if paragraph.style is not None else ""
    return strip_control(paragraph.text).strip() if _heading_level(style) is not None else ""


def _heading_level(style: str) -> int | None:
    """Title sits above Heading 1, so headings nest under the title; None for body text."""
    if style == "Title":
        return 0
    match = _HEADING_STYLE.match(style)
    return int(match.group(1)) if match else None


def _table(table: Table) -> str:
    rows = []
    for row in table.rows:
        cells = [strip_control(cell.text).strip().replace("\n", " ") for cell in row.cells]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _unpacked_package(data: bytes) -> bytes:
    """The package with every part inflated by bounded reads and stored uncompressed; UnsupportedDocument if it is a bomb.

    The sizes a ZIP declares are checked first, but they can lie, and zipfile's one-call `read()` (which
    python-docx uses) inflates a part in full before cutting it to its declared size: a forged 4 KB
    header over a gigabyte of deflate would still fill memory. So python-docx only ever sees the parts
    as read here, 1 MB at a time against the budget.
    """
    budget = max(len(data) * _UNPACKED_PER_PACKED, _MIN_UNPACKED_BUDGET)
    unpacked = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package, zipfile.ZipFile(unpacked, "w", zipfile.ZIP_STORED) as copy:
            if "word/document.xml" not in package.namelist():
                raise UnsupportedDocument("corrupt DOCX: no word/document.xml in the package")
            declared = sum(info.file_size for info in package.infolist())
            if declared > budget:
                raise UnsupportedDocument(f"DOCX unpacks to {declared} bytes (a zip bomb?)")
            total = 0
            for info in package.infolist():
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise UnsupportedDocument(f"corrupt DOCX: part {info.filename} uses compression method {info.compress_type}")
                with package.open(info) as part, copy.open(info.filename, "w", force_zip64=True) as stored:
                    while piece := part.read(_READ_BYTES):
                        total += len(piece)
                        if total > budget:
                            raise UnsupportedDocument(f"DOCX unpacks to over {budget} bytes (a zip bomb?)")
                        stored.write(piece)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as error:
        raise UnsupportedDocument(f"corrupt DOCX: {error}") from None
    return unpacked.getvalue()
