"""Tables as text: rows as `cell | cell` lines or, where the first column names things (options, settings,
parameters; asciidoc's horizontal labelled lists; Javadoc's member summaries), each row as a definition
whose term is that name, so a flag never loses what it does when the chunker cuts a long table.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

_MAX_TERM_CHARS = 80
_MAX_TERM_WORDS = 8
_MIN_DEFINITION_ROWS = 2


@dataclass
class ReadTable:
    header: str = ""
    definitions: list[tuple[str, str]] = field(default_factory=list)  # (term, description)
    text: str = ""  # the rows as lines, when the table is not a list of definitions


def is_grid(element) -> bool:
    """Javadoc's (JDK 11+) member summaries: a CSS grid of divs, not a <table>."""
    return element.tag == "div" and "summary-table" in (element.get("class") or "").split()


def read(element, render: Callable[..., str]) -> ReadTable:
    header, rows, labelled = _grid_rows(element, render) if is_grid(element) else _table_rows(element, render)
    if labelled or _names_first(rows):
        # A grid's leading columns all name the member (type, name); a table's first column is the name.
        split = -1 if is_grid(element) else 1
        definitions = [(" ".join(row[:split]), " | ".join(row[split:])) for row in rows if len(row) > 1]
        return ReadTable(header=" | ".join(header), definitions=definitions)
    lines = [" | ".join(header)] if header else []
    return ReadTable(text="\n".join(lines + [" | ".join(row) for row in rows]))


def _table_rows(table, render) -> tuple[list[str], list[list[str]], bool]:
    header: list[str] = []
    rows: list[list[str]] = []
    labelled = False
    for row in table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr"):
        cells = [cell for cell in row if isinstance(cell.tag, str) and cell.tag in ("td", "th")]
        texts = [render(cell, separator=" ") for cell in cells]
        if not any(texts):
            continue
        # asciidoc's horizontal labelled list ([horizontal], "hdlist"): label cell, then its text.
        labelled = labelled or "hdlist1" in (cells[0].get("class") or "").split()
        if not header and not rows and all(cell.tag == "th" for cell in cells) and len(cells) > 1:
            header = texts
        else:
            rows.append(texts)
    return header, rows, labelled


def _grid_rows(grid, render) -> tuple[list[str], list[list[str]], bool]:
    cells = [child for child in grid if isinstance(child.tag, str)]
    header = [render(c, separator=" ") for c in cells if "table-header" in (c.get("class") or "").split()]
    body = [render(c, separator=" ") for c in cells if "table-header" not in (c.get("class") or "").split()]
    width = max(len(header), 1)
    return header, [body[start:start + width] for start in range(0, len(body), width)], width > 1


def _names_first(rows: list[list[str]]) -> bool:
    """The first column holds short names (not sentences) and the rest of each row says more about them."""
    rows = [row for row in rows if len(row) > 1]
    if len(rows) < _MIN_DEFINITION_ROWS:
        return False
    names = [row[0] for row in rows]
    if not all(name and len(name) <= _MAX_TERM_CHARS and len(name.split()) <= _MAX_TERM_WORDS
               and not name.endswith(".") for name in names):
        return False
    if all(_is_number(name) for name in names):
        return False  # a data table keyed by year or count
    described = sum(len(" ".join(row[1:])) for row in rows)
    return described >= sum(len(name) for name in names)


def _is_number(text: str) -> bool:
    return text.replace(",", "").replace(".", "").replace("-", "").replace("%", "").strip().isdigit()
