"""The `docbot` command: settings are read once here and handed to every subcommand."""

import sys

import typer
from rich.console import Console

from bot.cli import db_commands, demo
from bot.cli import channel_commands, feedback_commands, serve_commands
from bot.cli import ingest_commands, schedule_commands
from bot.cli import answer_commands
from bot.cli import gaps_commands, saves_commands
from bot.cli.context import CliContext
from bot.errors import DocbotError
from bot.logs import command_log_level, configure_logging
from bot.settings import load_settings

app = typer.Typer(
    help="docbot: answers your team's questions in Slack from its shared documents, with sources.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("migrate")(db_commands.migrate)
app.add_typer(db_commands.db_app, name="db")
app.command("demo")(demo.demo)
app.command("serve")(serve_commands.serve)
app.command("answer-worker")(serve_commands.answer_worker)
app.add_typer(channel_commands.channels_app, name="channels")
app.command("feedback")(feedback_commands.feedback)
app.command("gaps")(gaps_commands.gaps)
app.add_typer(saves_commands.saves_app, name="saves")
app.command("ingest")(ingest_commands.ingest)
app.add_typer(ingest_commands.sources_app, name="sources")
app.add_typer(ingest_commands.collections_app, name="collections")
app.add_typer(schedule_commands.schedules_app, name="schedules")
app.command("jobs")(ingest_commands.jobs)
app.command("worker")(ingest_commands.worker)
app.command("search")(answer_commands.search)
app.command("ask")(answer_commands.ask)
app.command("chat")(answer_commands.chat)
app.command("eval")(answer_commands.evaluate)


_SERVICES = {"serve", "answer-worker", "worker"}  # long-running: they log at LOG_LEVEL (INFO by default), not WARNING


@app.callback()
def start(
    ctx: typer.Context,
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="Log more on stderr: -v INFO, -vv DEBUG (else WARNING, or LOG_LEVEL)"),
) -> None:
    settings = load_settings()
    configure_logging(settings, level=command_log_level(settings, verbose, service=ctx.invoked_subcommand in _SERVICES))
    ctx.obj = CliContext(settings=settings)


def main() -> None:
    try:
        app()
    except DocbotError as error:
        Console(stderr=True, soft_wrap=True).print(f"[red]Error:[/red] {error}", highlight=False, markup=True)
        sys.exit(1)
