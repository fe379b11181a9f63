"""`docbot demo`: the main job on the embedded defaults, end to end: migrate, ingest the sample handbook,
answer a question about it, and print the answer (each sentence once it passed the check) and its sources."""

from importlib import resources
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from bot import demo as demo_package
from bot.answering.service import AnswerService
from bot.cli.answer_commands import answer_streamed, print_sources
from bot.cli.context import cli_context
from bot.errors import NotFound
from ingestion.pipeline import ingest

console = Console(soft_wrap=True)

QUESTION = "How long does a rollback take?"


def demo(
    ctx: typer.Context,
    question: str = typer.Option(QUESTION, "--question", "-q", help="What to ask the handbook"),
    handbook: Path | None = typer.Option(None, "--handbook", help="Folder of documents to ingest", show_default="the bundled sample handbook"),
) -> None:
    """Set up the database, ingest the sample handbook and answer a question from it, with sources."""
    handbook = handbook or bundled_handbook()
    if not handbook.is_dir():
        raise NotFound(f"No handbook folder at {handbook}.")
    context = cli_context(ctx)
    database = context.database(migrate=True)
    console.print(f"Database ready at {database.describe()}.")
    with console.status(f"Ingesting {handbook.name}/ into collection 'default'…"):
        summary = ingest(database, context.settings, [str(handbook)], collection="default")
    console.print(
        f"Ingested {summary.files_seen} files ({summary.added} added, {summary.updated} updated, "
        f"{summary.unchanged} unchanged); {summary.chunks_embedded} chunks embedded."
    )
    service = AnswerService(context.settings, database)
    with console.status("Loading the models…"):
        service.warm_up()  # with the bundled model the reply is built from the sources: only the embedder loads
    console.print(f"\n[bold]Question:[/bold] {escape(question)}\n[bold]Answer:[/bold]")
    print_sources(answer_streamed(service, question, ["default"], ()))


def bundled_handbook() -> Path:
    """bot/demo/handbook, package data of `bot` (it ships in the wheel)."""
    return Path(str(resources.files(demo_package) / "handbook"))
