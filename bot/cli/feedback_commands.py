"""`docbot feedback`: the 👍/👎 people gave answers, with the question asked."""

import re
from datetime import UTC, datetime, timedelta

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.context import cli_context
from bot.slack.answers.feedback import list_feedback

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def feedback(
    ctx: typer.Context,
    since: str = typer.Option("7d", help="How far back: a number and a unit (m, h, d, w), e.g. 24h or 30d"),
) -> None:
    """List feedback on answers, newest first."""
    entries = list_feedback(cli_context(ctx).database(), datetime.now(UTC) - parse_age(since))
    if not entries:
        _console().print(f"No feedback in the last {since}.")
        return
    table = Table("when (UTC)", "vote", "user", "channel", "question", "answer")
    for entry in entries:
        table.add_row(
            entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
            "👍" if entry.value > 0 else "👎",
            entry.user_id if entry.voter == "other" else f"{entry.user_id} ({entry.voter})",
            entry.channel_id,
            _short(entry.question),
            _short(entry.answer),
        )
    _console().print(table)
    up = sum(1 for e in entries if e.value > 0)
    _console().print(f"{up} 👍, {len(entries) - up} 👎")


def parse_age(text: str) -> timedelta:
    match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text)
    if not match:
        raise typer.BadParameter(f"--since {text!r}: use a number and a unit (m, h, d or w), like 7d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _console() -> Console:
    return Console(soft_wrap=True)  # made per call: it reads the terminal width then
