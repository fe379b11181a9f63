"""`docbot saves`: the saves waiting for an admin's review, and approving or rejecting one."""

import getpass

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.context import cli_context
from bot.slack.knowledge.save_requests import SaveQueue
from bot.slack.knowledge.save_reviews import pending_reviews
from ingestion.queue import make_app

saves_app = typer.Typer(
    help="Saved Slack threads waiting for review: only a thread's asker and ADMIN_USERS add to the docs directly.",
    invoke_without_command=True,
)


@saves_app.callback()
def list_(ctx: typer.Context) -> None:
    """List the saves waiting for review (oldest first)."""
    if ctx.invoked_subcommand is not None:
        return
    reviews = pending_reviews(cli_context(ctx).database())
    if not reviews:
        _console().print("No saves are waiting for review.")
        return
    table = Table("id", "asked (UTC)", "by", "channel", "thread", "into", "title")
    for review in reviews:
        table.add_row(
            str(review.id), review.created_at.strftime("%Y-%m-%d %H:%M"), review.requested_by, review.channel_id,
            review.thread_ts, review.collection, review.title,
        )
    _console().print(table)
    _console().print("Approve with `docbot saves approve ID`, reject with `docbot saves reject ID`.")


@saves_app.command("approve")
def approve(ctx: typer.Context, review_id: int = typer.Argument(..., help="The id `docbot saves` shows")) -> None:
    """Add the thread to the docs: the save runs as a knowledge job, and its requester is told."""
    _decide(ctx, review_id, approve=True)


@saves_app.command("reject")
def reject(ctx: typer.Context, review_id: int = typer.Argument(..., help="The id `docbot saves` shows")) -> None:
    """Don't add the thread; its requester is told."""
    _decide(ctx, review_id, approve=False)


def _decide(ctx: typer.Context, review_id: int, *, approve: bool) -> None:
    context = cli_context(ctx)
    database = context.database()
    saves = SaveQueue(database, make_app(context.settings, database.url))
    try:
        review = saves.decide(review_id, admin=f"cli:{getpass.getuser()}", approve=approve)
    finally:
        saves.close()
    outcome = f"approved: saving it into {review.collection}" if approve else "rejected"
    _console().print(f"Save {review.id} (“{review.title}” in {review.channel_id}) {outcome}; {review.requested_by} will be told.")


def _console() -> Console:
    return Console(soft_wrap=True)  # made per call: it reads the terminal width then
