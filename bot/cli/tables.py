"""The admin commands' listings: one table, or one line saying there is nothing to list."""

from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.table import Table


def print_table(console: Console, columns: Sequence[str], rows: Iterable[Sequence[str]], *, empty: str) -> None:
    """`rows` (already formatted) under `columns`; `empty` (how to get some, say) when there are none."""
    table = Table(*columns)
    for row in rows:
        table.add_row(*row)
    console.print(table if table.row_count else empty)
