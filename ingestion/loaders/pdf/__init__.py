"""PDF: text extracted by PDFium (pypdfium2), sections under the outline's headings, each keeping its page number.

PDFium was chosen by measurement (bench/pdf_extractors.py, docs/ingestion.md): it spaces words that a PDF
places by kerning rather than with space characters, which pypdf glues together, and is ten times faster.
Malicious PDFs are held in bounds: `guard` inflates every stream with a size limit before PDFium sees
the file, and extraction stops once the document yields more text than its size makes plausible.
"""

import threading

import pypdfium2

from bot.errors import UnsupportedDocument
from ingestion.documents import LoadedDocument, title_from_name
from ingestion.loaders.pdf import guard, outline
from ingestion.loaders.pdf.page_text import clean_pages
from ingestion.text_cleaning import strip_control

_TEXT_PER_FILE_BYTE = 40  # a page's text never needs more than this many characters per byte of PDF
_MIN_TEXT_BUDGET = 2_000_000
_PDFIUM = threading.Lock()  # PDFium is not thread-safe, and ingest jobs may run in threads side by side


def load(data: bytes, *, name: str) -> LoadedDocument:
    metadata_title = guard.check(data)
    with _PDFIUM:
        pages, entries = _read(data, budget=max(_MIN_TEXT_BUDGET, len(data) * _TEXT_PER_FILE_BYTE))
    sections = outline.sections(clean_pages(pages), entries)
    if not sections:
        raise UnsupportedDocument("PDF has no extractable text (scanned images?)")
    title = strip_control(metadata_title or "").strip() or title_from_name(name)
    return LoadedDocument(title=title, sections=sections)


def _read(data: bytes, budget: int) -> tuple[list[str], list[outline.Entry]]:
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        raise UnsupportedDocument(f"corrupt PDF: {error}") from None
    try:
        return _page_texts(document, budget), outline.entries(document)
    except pypdfium2.PdfiumError as error:
        raise UnsupportedDocument(f"corrupt PDF: {error}") from None
    finally:
        document.close()


def _page_texts(document: pypdfium2.PdfDocument, budget: int) -> list[str]:
    texts = []
    for index in range(len(document)):
        page = document[index]
        try:
            text_page = page.get_textpage()
            try:
                text = text_page.get_text_range()
            finally:
                text_page.close()
        finally:
            page.close()
        budget -= len(text)
        if budget < 0:
            raise UnsupportedDocument("PDF text is implausibly large for its size (a decompression bomb?)")
        texts.append(text)
    return texts
