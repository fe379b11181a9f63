"""An HTML or XHTML page's bytes to text, in the encoding the page says it is in.

The order is the one browsers use: a byte-order mark, then the charset the server sent, then the page's
own declaration (`<?xml … encoding="…"?>`, `<meta charset="…">` or `<meta http-equiv="Content-Type"
content="…; charset=…">`) within its first 1024 bytes, then UTF-8. The XML declaration is dropped from
the text: lxml's HTML parser refuses a `str` that carries one, and the text is already decoded.
"""

import codecs
import re

from ingestion.text_cleaning import CleanText, clean

_PRESCAN_BYTES = 1024
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_LEADING_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# What browsers read these labels as (WHATWG Encoding): the Latin-1 labels mean windows-1252.
_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252"}


def decode_html(data: bytes, content_type: str | None = None) -> CleanText:
    """The page's text without its XML declaration; notes say what was replaced or guessed."""
    notes: list[str] = []
    encoding, data = _bom(data)
    if encoding is None:
        declared = _charset_of(content_type) or _declared(data[:_PRESCAN_BYTES])
        encoding = _codec(declared) if declared else "utf-8"
        if declared and encoding is None:
            notes.append(f"unknown encoding {declared!r}, read as UTF-8")
            encoding = "utf-8"
    text = data.decode(encoding, errors="replace")
    replaced = text.count("\ufffd") - (data.count("\ufffd".encode()) if encoding == "utf-8" else 0)
    if replaced > 0:
        notes.append(f"replaced {replaced} byte sequence(s) invalid in {encoding}")
    cleaned = clean(_LEADING_DECLARATION.sub("", text, count=1))
    return CleanText(cleaned.text, notes + cleaned.notes)


def _bom(data: bytes) -> tuple[str | None, bytes]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, data[len(bom):]
    return None, data


def _charset_of(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def _declared(head: bytes) -> str | None:
    found = _XML_DECLARATION.match(head) or _META_CHARSET.search(head)
    return found.group(1).decode("ascii") if found else None


def _codec(label: str) -> str | None:
    label = label.strip().lower()
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name.startswith("utf-16"):
        return "utf-8"  # a page that reached here without a UTF-16 BOM is ASCII-compatible (WHATWG does the same)
    return _ALIASES.get(label, _ALIASES.get(name, name))
