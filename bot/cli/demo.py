"""`docbot demo`: the main job on the embedded defaults, end to end."""

import typer
from rich.console import Console

from bot.cli.context import cli_context

console = Console(soft_wrap=True)


def demo(ctx: typer.Context) -> None:
    """Set up the database and answer a question from the bundled sample handbook."""
    database = cli_context(ctx).database(migrate=True)
    console.print(f"Database ready at {database.describe()}.")
