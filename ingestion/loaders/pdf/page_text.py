"""A PDF page's text as written: PDFium's words and line breaks, words hyphenated at a line end joined,
ligatures spelled out, and running headers and footers (a first or last line that repeats, its numbers
aside, on several pages) dropped.

PDFium marks a hyphen that ends a line with U+FFFE. Such a hyphen is the typesetter's (LaTeX hyphenates
"instal-lation") unless the document also writes the hyphenated word elsewhere ("command-line"), in which
case it is kept: the document itself says which words take a hyphen.
"""

import re
from collections import Counter

from ingestion.text_cleaning import spell_out_ligatures, strip_control

_LINE_END_HYPHEN = "\ufffe"
_HYPHENATED = re.compile(r"([^\W\d_]+)\ufffe\s*([^\W\d_]*)")
_HYPHEN_WORD = re.compile(r"[^\W\d_]+-[^\W\d_]+")
_MIN_RUNNING_PAGES = 3  # a first or last line found on this many pages is a running header or footer
_DIGITS = re.compile(r"\d+")


def clean_pages(pages: list[str]) -> list[str]:
    """Each page's text cleaned, the document's pages read together for what repeats or is hyphenated."""
    pages = [spell_out_ligatures(page.replace("\r\n", "\n").replace("\r", "\n")) for page in pages]
    hyphenated_words = {word.lower() for page in pages for word in _HYPHEN_WORD.findall(page)}
    pages = [_join_hyphenated(page, hyphenated_words) for page in pages]
    pages = [strip_control(page).strip() for page in pages]
    return _without_running_lines(pages)


def _join_hyphenated(page: str, hyphenated_words: set[str]) -> str:
    def join(match: re.Match) -> str:
        left, right = match.group(1), match.group(2)
        keep = f"{left}-{right}".lower() in hyphenated_words or not right or right[0].isupper()
        return f"{left}-{right}" if keep else left + right

    return _HYPHENATED.sub(join, page).replace(_LINE_END_HYPHEN, "-\n")


def _without_running_lines(pages: list[str]) -> list[str]:
    """Drops a first or last line that, its numbers aside, repeats on many pages ("Chapter 2: Setup 17")."""
    if len(pages) < _MIN_RUNNING_PAGES:
        return pages
    edges: Counter[str] = Counter()
    for page in pages:
        lines = page.split("\n")
        edges.update({_shape(lines[0]), _shape(lines[-1])} - {""})
    running = {shape for shape, count in edges.items() if count >= _MIN_RUNNING_PAGES}
    if not running:
        return pages
    cleaned = []
    for page in pages:
        lines = page.split("\n")
        if lines and _shape(lines[0]) in running:
            lines = lines[1:]
        if lines and _shape(lines[-1]) in running:
            lines = lines[:-1]
        cleaned.append("\n".join(lines).strip())
    return cleaned


def _shape(line: str) -> str:
    return _DIGITS.sub("#", " ".join(line.split()))
