"""Plain text: one section; the title is the first line when it reads like one, else the file name."""

from ingestion.documents import LoadedDocument, Section, title_from_name
from ingestion.text_cleaning import decode

_MAX_TITLE = 120


def load(data: bytes, *, name: str) -> LoadedDocument:
    cleaned = decode(data)
    text = cleaned.text.strip()
    first_line = text.split("\n", 1)[0].strip()
    title = first_line if 0 < len(first_line) <= _MAX_TITLE else title_from_name(name)
    return LoadedDocument(title=title, sections=[Section(headings=[], text=text)] if text else [], notes=cleaned.notes)
