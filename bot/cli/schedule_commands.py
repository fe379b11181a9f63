"""`docbot schedules` and `schedules cancel`: the periodic re-syncs that `docbot ingest --every` registered."""

import typer
from rich.console import Console

from bot.cli.context import cli_context
from bot.cli.tables import print_table
from bot.errors import NotFound
from ingestion import schedule

console = Console(soft_wrap=True)
schedules_app = typer.Typer(help="List the periodic re-syncs (`docbot ingest --every`), or cancel one.", invoke_without_command=True)


@schedules_app.callback(invoke_without_command=True)
def schedules(ctx: typer.Context) -> None:
    """List periodic re-syncs: id, collection, location, how often, last synced."""
    if ctx.invoked_subcommand:
        return

    rows = schedule.list_scheduled(cli_context(ctx).database())
    print_table(
        console, ("id", "collection", "location", "every", "last synced"),
        (
            (str(r.id), r.collection, r.location, _duration(r.every_seconds), f"{r.last_synced_at:%Y-%m-%d %H:%M}" if r.last_synced_at else "never")
            for r in rows
        ),
        empty="No periodic re-syncs: `docbot ingest PATH --every 1h` registers one.",
    )


@schedules_app.command("cancel")
def cancel(
    ctx: typer.Context,
    sync_id: int = typer.Argument(..., help="The id as `docbot schedules` shows it"),
) -> None:
    """End a periodic re-sync; the documents it ingested stay."""
    ended = schedule.cancel(cli_context(ctx).database(), sync_id)
    if ended is None:
        raise NotFound(f"No periodic re-sync with id {sync_id} (see `docbot schedules`).")
    console.print(f"Cancelled the re-sync of {ended.location} into {ended.collection!r}.", highlight=False, markup=False)


def _duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
