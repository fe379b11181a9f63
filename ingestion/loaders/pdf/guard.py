"""What a PDF must pass before PDFium reads it: not encrypted, not damaged, and no stream a decompression bomb.

PDFium inflates streams without a size limit, so every stream it may inflate to read text (content
streams, form XObjects, fonts and their character maps; not images) is first inflated by pypdf, which
stops at `MAX_STREAM_BYTES`.
"""

import io

import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PyPdfError
from pypdf.generic import IndirectObject, StreamObject

from bot.errors import UnsupportedDocument

MAX_STREAM_BYTES = 20_000_000
_LIMITS = {
    "zlib_maximum_output_length": MAX_STREAM_BYTES,
    "lzw_maximum_output_length": MAX_STREAM_BYTES,
    "run_length_maximum_output_length": MAX_STREAM_BYTES,
    "jbig2_maximum_output_length": MAX_STREAM_BYTES,
    "brotli_maximum_output_length": MAX_STREAM_BYTES,
    "array_based_stream_maximum_output_length": MAX_STREAM_BYTES,
    "image_maximum_buffer_size": MAX_STREAM_BYTES,
}


def check(data: bytes) -> str | None:
    """The PDF's metadata title; UnsupportedDocument naming why the PDF can't be read safely."""
    try:
        with pypdf.apply_configuration(**_LIMITS):
            return _check(data)
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


def _check(data: bytes) -> str | None:
    reader = pypdf.PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise UnsupportedDocument("encrypted PDF (a password is needed)")
    if not reader.pages:
        raise UnsupportedDocument("PDF has no pages")
    for generation, numbers in reader.xref.items():
        for number in numbers:
            found = reader.get_object(IndirectObject(number, generation, reader))
            if isinstance(found, StreamObject) and found.get("/Subtype") != "/Image":
                found.get_data()  # raises LimitReachedError on a bomb
    for page in reader.pages:  # streams held directly in a page (rare) are no xref entries
        contents = page.get_contents()
        if contents is not None:
            contents.get_data()
    return _metadata_title(reader)


def _metadata_title(reader: pypdf.PdfReader) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata else None
    except PyPdfError:
        return None
    return str(title).strip() or None if title else None
