"""Bytes to clean text: invalid UTF-8 replaced, NUL and other control characters removed (Postgres rejects NUL)."""

import re
from dataclasses import dataclass, field

# Control characters other than tab, newline and carriage return; NUL is among them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Typographic ligatures (U+FB00–FB06) as the letters they join: "ﬁle" is searched for as "file".
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"})


@dataclass
class CleanText:
    text: str
    notes: list[str] = field(default_factory=list)


def decode(data: bytes) -> CleanText:
    """UTF-8 (a BOM allowed; UTF-16 by its BOM); undecodable bytes become U+FFFD and are counted in a note."""
    notes: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        text = data.decode("utf-8-sig", errors="replace")
        replaced = text.count("\ufffd") - data.count("\ufffd".encode())
        if replaced > 0:
            notes.append(f"replaced {replaced} invalid UTF-8 byte sequence(s)")
    cleaned = clean(text)
    return CleanText(cleaned.text, notes + cleaned.notes)


def clean(text: str) -> CleanText:
    notes: list[str] = []
    nul = text.count("\x00")
    if nul:
        notes.append(f"removed {nul} NUL byte(s)")
    text = _CONTROL.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return CleanText(text, notes)


def strip_control(text: str) -> str:
    """For text from parsers (PDF, DOCX, HTML): drop what Postgres or the tokenizer should never see."""
    return _CONTROL.sub("", text)


def spell_out_ligatures(text: str) -> str:
    return text.translate(_LIGATURES)
