"""`docbot migrate` and `docbot db start|stop|status|url`: the database itself."""

import typer
from rich.console import Console

from bot.cli.context import cli_context
from bot.db import embedded
from bot.db.engine import describe_url, url_without_password
from bot.db.migrate import current_revision

console = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)
db_app = typer.Typer(help="Manage the embedded PostgreSQL server (used when DATABASE_URL is unset).", no_args_is_help=True)


def migrate(ctx: typer.Context) -> None:
    """Upgrade the database schema to the latest version."""
    database = cli_context(ctx).database(migrate=True)
    console.print(f"Database {database.describe()} is at revision {current_revision(database)}.")


@db_app.command("start")
def start(ctx: typer.Context) -> None:
    """Start the embedded server and keep it running until `docbot db stop`."""
    settings = _embedded_settings(ctx)
    url = embedded.start(settings.docbot_home, keep_running=True)
    console.print(f"Embedded PostgreSQL running: {url_without_password(url)}")


@db_app.command("stop")
def stop(ctx: typer.Context) -> None:
    """Stop the embedded server."""
    settings = _embedded_settings(ctx)
    stopped = embedded.stop(settings.docbot_home)
    console.print("Embedded PostgreSQL stopped." if stopped else "Embedded PostgreSQL was not running.")


@db_app.command("status")
def status(ctx: typer.Context) -> None:
    """Say whether the embedded server runs, and where its data lives."""
    settings = cli_context(ctx).settings
    if settings.database_url:
        console.print(f"DATABASE_URL is set: docbot uses {describe_url(settings.database_url)}, not the embedded server.")
        return
    state = embedded.status(settings.docbot_home)
    word = f"running (pid {state.pid})" if state.running else "stopped"
    console.print(f"Embedded PostgreSQL {word}; data in {state.datadir}")


@db_app.command("url")
def url(ctx: typer.Context) -> None:
    """Print the database URL docbot uses, without its password (starting the embedded server if needed)."""
    settings = cli_context(ctx).settings
    if settings.database_url:
        shown = url_without_password(settings.database_url)
        typer.echo(shown)
        if shown != settings.database_url:
            stderr.print("DATABASE_URL's password is not shown; give it to your client another way (PGPASSWORD, ~/.pgpass).")
        return
    typer.echo(url_without_password(embedded.start(settings.docbot_home, keep_running=True)))
    stderr.print("The embedded PostgreSQL keeps running until `docbot db stop`.")


def _embedded_settings(ctx: typer.Context):
    settings = cli_context(ctx).settings
    if settings.database_url:
        raise typer.BadParameter("DATABASE_URL is set, so docbot does not manage an embedded server.")
    return settings
