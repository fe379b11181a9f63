"""PDFs written byte by byte for the PDF loader's tests, the way typesetters write them: words placed by
kerning (TJ arrays with negative offsets) rather than separated by space characters, ligature glyphs, a
hyphen where a word breaks at a line end, an outline and a metadata title."""

from dataclasses import dataclass, field

# Courier (standard, not embedded: every glyph 600/1000 em wide, as its metrics say) with two ligature
# glyphs at codes 128 and 129, as TeX fonts have them. Typewriter text in a justified LaTeX line sets its
# words apart by a kern a little under half the space's width, and never by a space character.
LIGATURE_CODES = {"fi": b"\\200", "fl": b"\\201"}
_WORD_GAP = -250  # thousandths of an em
_FONT = (
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /FirstChar 32 /LastChar 255 /Widths [%s] "
    b"/Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [128 /fi /fl] >> >>"
) % b" ".join([b"600"] * 224)


@dataclass
class Page:
    lines: list[str]
    bookmarks: list[tuple[int, str]] = field(default_factory=list)  # (level, title) of entries starting here


def kerned_pdf(pages: list[Page], title: str | None = None) -> bytes:
    """A PDF whose pages show `lines`; between words there is no space character, only a TJ offset.
    "fi" and "fl" are drawn as ligature glyphs; a line ending in "-" is a word broken by hyphenation."""
    objects: dict[int, bytes] = {1: b"", 2: b"", 3: _FONT}
    page_numbers = []
    for page in pages:
        content_number, page_number = len(objects) + 1, len(objects) + 2
        stream = _content(page.lines)
        objects[content_number] = b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"
        objects[page_number] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % content_number
        )
        page_numbers.append(page_number)
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % n for n in page_numbers), len(page_numbers))
    catalog = b"<< /Type /Catalog /Pages 2 0 R"
    bookmarks = [(level, text, page_numbers[index]) for index, page in enumerate(pages) for level, text in page.bookmarks]
    if bookmarks:
        catalog += b" /Outlines %d 0 R" % _add_outline(objects, bookmarks)
    objects[1] = catalog + b" >>"
    info = None
    if title is not None:
        info = len(objects) + 1
        objects[info] = b"<< /Title (%s) /Producer (docbot tests) >>" % _escape(title)
    return _serialize(objects, info)


def _content(lines: list[str]) -> bytes:
    parts = [b"BT /F1 11 Tf 14 TL 72 720 Td"]
    for line in lines:
        words = line.split(" ")
        array = b" ".join(
            (b"%d " % _WORD_GAP if index else b"") + b"(" + _glyphs(word) + b")" for index, word in enumerate(words)
        )
        parts.append(b"[" + array + b"] TJ T*")
    parts.append(b"ET")
    return b"\n".join(parts)


def _glyphs(word: str) -> bytes:
    encoded = _escape(word)
    for letters, code in LIGATURE_CODES.items():
        encoded = encoded.replace(letters.encode(), code)
    return encoded


def _escape(text: str) -> bytes:
    return text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _add_outline(objects: dict[int, bytes], bookmarks: list[tuple[int, str, int]]) -> int:
    """Flat or nested outline items: each (level, title, page object number)."""
    root = len(objects) + 1
    numbers = list(range(root + 1, root + 1 + len(bookmarks)))
    parents: dict[int, int] = {}
    stack: list[tuple[int, int]] = []  # (level, object number)
    children: dict[int, list[int]] = {root: []}
    for number, (level, _, _) in zip(numbers, bookmarks):
        while stack and stack[-1][0] >= level:
            stack.pop()
        parent = stack[-1][1] if stack else root
        parents[number] = parent
        children.setdefault(parent, []).append(number)
        children.setdefault(number, [])
        stack.append((level, number))
    for number, (_, text, page) in zip(numbers, bookmarks):
        siblings = children[parents[number]]
        position = siblings.index(number)
        links = b""
        if position > 0:
            links += b" /Prev %d 0 R" % siblings[position - 1]
        if position + 1 < len(siblings):
            links += b" /Next %d 0 R" % siblings[position + 1]
        if children[number]:
            links += b" /First %d 0 R /Last %d 0 R /Count %d" % (children[number][0], children[number][-1], len(children[number]))
        objects[number] = b"<< /Title (%s) /Parent %d 0 R /Dest [%d 0 R /XYZ 0 792 0]%s >>" % (
            _escape(text), parents[number], page, links)
    top = children[root]
    objects[root] = b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (top[0], top[-1], len(top))
    return root


def _serialize(objects: dict[int, bytes], info: int | None) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for number in sorted(objects):
        out += b"%010d 00000 n \n" % offsets[number]
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1) + (b" /Info %d 0 R" % info if info else b"") + b" >>"
    out += b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
