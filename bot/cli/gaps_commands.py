"""`docbot gaps`: the questions docbot could not answer (abstained or voted 👎), grouped by meaning."""

from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.context import cli_context
from bot.cli.feedback_commands import parse_age
from bot.embeddings import load_embedder
from bot.slack.knowledge.gaps import MAX_GROUPED_GAPS, group_gaps, list_gaps, unquoted

# Questions asked in DMs, private or shared channels, /ask or the assistant pane count, but are never shown.
NOT_QUOTED = "(asked only where questions aren't quoted)"


def gaps(
    ctx: typer.Context,
    since: str = typer.Option("7d", help="How far back: a number and a unit (m, h, d, w), e.g. 24h or 30d"),
    collection: str | None = typer.Option(None, "--collection", "-c", help="Only questions from channels that see this collection"),
) -> None:
    """List knowledge gaps by topic, largest group first: what the docs should say next, how many went to
    experts (Ask an expert) and how many of those came back as documents."""
    context = cli_context(ctx)
    database = context.database()
    found = list_gaps(database, datetime.now(UTC) - parse_age(since), collection)
    scope = f" from channels that see {collection!r}" if collection else ""
    if not found:
        _console().print(f"No unanswered questions in the last {since}{scope}.")
        return
    groups = group_gaps(database, load_embedder(context.settings), found)
    table = Table("#", "questions", "abstained", "👎", "to experts", "back as docs", "example question", "channels", "last asked (UTC)")
    for rank, group in enumerate(groups, start=1):
        down = sum(1 for gap in group.gaps if gap.downvoted)
        table.add_row(
            str(rank), str(group.count), str(group.count - down), str(down), str(group.to_experts), str(group.back_as_docs),
            _short(group.example) if group.example is not None else NOT_QUOTED,
            ", ".join(group.channels) or "-", max(g.at for g in group.gaps).astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
        )
    _console().print(table)
    grouped = f" (the latest {MAX_GROUPED_GAPS} grouped)" if len(found) > MAX_GROUPED_GAPS else ""
    _console().print(f"{len(found)} unanswered questions{grouped} in {len(groups)} groups, last {since}{scope}.")
    if unquoted(found):
        _console().print(f"{unquoted(found)} of them were asked in DMs, private or shared channels, /ask or the assistant pane: counted, not quoted.")


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _console() -> Console:
    return Console(soft_wrap=True)  # made per call: it reads the terminal width then
