"""PDF (pypdf): one section per page, its page number kept; headings from the outline where it has one.

Malicious PDFs are held in bounds: each stream may decompress to at most `_MAX_STREAM_BYTES`, and text
extraction stops once the document yields more text than `_max_chars` allows.
"""

import io
import logging

import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PyPdfError

from bot.errors import UnsupportedDocument
from ingestion.documents import LoadedDocument, Section, title_from_name
from ingestion.text_cleaning import strip_control

logger = logging.getLogger(__name__)

_MAX_STREAM_BYTES = 20_000_000
_TEXT_PER_FILE_BYTE = 40  # a page's text never needs more than this many characters per byte of PDF
_MIN_TEXT_BUDGET = 2_000_000
_LIMITS = {
    "zlib_maximum_output_length": _MAX_STREAM_BYTES,
    "lzw_maximum_output_length": _MAX_STREAM_BYTES,
    "run_length_maximum_output_length": _MAX_STREAM_BYTES,
    "jbig2_maximum_output_length": _MAX_STREAM_BYTES,
    "brotli_maximum_output_length": _MAX_STREAM_BYTES,
    "array_based_stream_maximum_output_length": _MAX_STREAM_BYTES,
    "image_maximum_buffer_size": _MAX_STREAM_BYTES,
}


def load(data: bytes, *, name: str) -> LoadedDocument:
    try:
        with pypdf.apply_configuration(**_LIMITS):
            return _load(data, name=name)
    except UnsupportedDocument:
        raise
    except FileNotDecryptedError:
        raise UnsupportedDocument("encrypted PDF (a password is needed)") from None
    except DependencyError as error:
        raise UnsupportedDocument(f"PDF needs a missing library: {error}") from None
    except LimitReachedError as error:
        raise UnsupportedDocument(f"PDF exceeds safe limits (a decompression bomb?): {error}") from None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, AssertionError, RecursionError) as error:
        # pypdf reports damaged files through assorted exception types.
        raise UnsupportedDocument(f"corrupt PDF: {type(error).__name__}: {error}") from None


def _load(data: bytes, *, name: str) -> LoadedDocument:
    reader = pypdf.PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise UnsupportedDocument("encrypted PDF (a password is needed)")
    title = _metadata_title(reader) or title_from_name(name)
    outline = _page_headings(reader)
    budget = max(_MIN_TEXT_BUDGET, len(data) * _TEXT_PER_FILE_BYTE)
    sections: list[Section] = []
    heading: list[str] = []
    for number, page in enumerate(reader.pages, start=1):
        heading = outline.get(number, heading)
        contents = page.get_contents()
        if contents is not None:
            contents.get_data()  # raises LimitReachedError on a bomb, which extract_text would swallow
        text = strip_control(page.extract_text() or "").strip()
        budget -= len(text)
        if budget < 0:
            raise UnsupportedDocument("PDF text is implausibly large for its size (a decompression bomb?)")
        if text:
            sections.append(Section(headings=list(heading), text=text, metadata={"page": number}))
    if not sections:
        raise UnsupportedDocument("PDF has no extractable text (scanned images?)")
    return LoadedDocument(title=title, sections=sections)


def _metadata_title(reader: pypdf.PdfReader) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata else None
    except PyPdfError:
        return None
    return strip_control(str(title)).strip() or None if title else None


def _page_headings(reader: pypdf.PdfReader) -> dict[int, list[str]]:
    """Page number → heading path of the last outline entry starting on it."""
    headings: dict[int, list[str]] = {}

    def visit(items, path: list[str]) -> None:
        last: list[str] = path
        for item in items:
            if isinstance(item, list):
                visit(item, last)
                continue
            try:
                page = reader.get_destination_page_number(item) + 1
            except (PyPdfError, ValueError, KeyError, TypeError, AttributeError):
                continue
            last = path + [strip_control(str(item.title)).strip()]
            headings.setdefault(page, last)

    try:
        visit(reader.outline, [])
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        logger.debug("pdf outline unreadable; pages keep no headings")
        return {}
    return headings
