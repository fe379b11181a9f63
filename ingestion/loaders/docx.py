"""DOCX (python-docx): paragraphs and tables in order, split on Title/Heading N paragraph styles."""

import io
import re
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from bot.errors import UnsupportedDocument
from ingestion.documents import LoadedDocument, SectionBuilder, title_from_name
from ingestion.text_cleaning import strip_control

_HEADING_STYLE = re.compile(r"^Heading (\d)$")
_UNPACKED_PER_PACKED = 100  # a real DOCX's XML compresses ~5-20x; far beyond that is a zip bomb


def load(data: bytes, *, name: str) -> LoadedDocument:
    _check_package(data)
    try:
        document = docx.Document(io.BytesIO(data))
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


def _check_package(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(info.file_size for info in package.infolist())
            if "word/document.xml" not in package.namelist():
                raise UnsupportedDocument("corrupt DOCX: no word/document.xml in the package")
    except zipfile.BadZipFile as error:
        raise UnsupportedDocument(f"corrupt DOCX: {error}") from None
    if unpacked > max(len(data) * _UNPACKED_PER_PACKED, 50_000_000):
        raise UnsupportedDocument(f"DOCX unpacks to {unpacked} bytes (a zip bomb?)")
