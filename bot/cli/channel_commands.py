"""`docbot channels`: which collections each Slack channel may see, whether it takes follow-ups, private answers,
and its experts."""

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.context import cli_context
from bot.slack.common import channel_map
from bot.slack.common.client import build_client
from bot.slack.knowledge import expert_list

channels_app = typer.Typer(
    help="Map Slack channels to collections. Unmapped channels and DMs see `default`; Slack Connect channels see nothing unless mapped.",
    no_args_is_help=True,
)


@channels_app.command("map")
def map_(
    ctx: typer.Context,
    channel_id: str = typer.Argument(..., help="Slack channel ID, like C0123ABCD"),
    collections: list[str] = typer.Argument(..., help="Collections the channel may see (replaces its current ones)"),
    save_to: str | None = typer.Option(
        None, "--save-to", help="Where threads saved in this channel go (one of its collections; needed when it sees several)"
    ),
    external: bool = typer.Option(
        False, "--external", help="Answer people of other organisations here, and answer at all once the channel is shared (Slack Connect)"
    ),
    guests: bool = typer.Option(False, "--guests", help="Answer the workspace's guests (single- and multi-channel) here"),
) -> None:
    """Let a channel see exactly these collections (a mapping without --external/--guests never serves outsiders or guests)."""
    result = channel_map.map_channel(cli_context(ctx).database(), channel_id, collections, save_to=save_to, external=external, guests=guests)
    opened = [who for who, on in (("people of other organisations", result.serves_external), ("guests", result.serves_guests)) if on]
    _console().print(f"{result.channel_id} sees: {', '.join(result.collections)}")
    _console().print(f"Saved threads go to: {channel_map.save_collection(cli_context(ctx).database(), channel_id) or 'nowhere (choose with --save-to)'}")
    _console().print(f"Also answers: {' and '.join(opened)}" if opened else "Answers only members of this workspace (not guests).")


@channels_app.command("unmap")
def unmap(ctx: typer.Context, channel_id: str = typer.Argument(..., help="Slack channel ID")) -> None:
    """Remove a channel's collections: it sees `default` again (a Slack Connect channel sees nothing)."""
    removed = channel_map.unmap_channel(cli_context(ctx).database(), channel_id)
    _console().print(f"{channel_id} unmapped." if removed else f"{channel_id} had no collections mapped.")


@channels_app.command("followups")
def followups(
    ctx: typer.Context,
    channel_id: str = typer.Argument(..., help="Slack channel ID"),
    enabled: bool = typer.Option(True, "--on/--off", help="Answer replies in docbot's threads without a new mention"),
) -> None:
    """Choose whether docbot answers follow-ups in its threads without being mentioned again."""
    result = channel_map.set_followups(cli_context(ctx).database(), channel_id, enabled)
    _console().print(f"{result.channel_id}: follow-ups without a mention {'on' if result.followups_without_mention else 'off'}.")


@channels_app.command("private")
def private(
    ctx: typer.Context,
    channel_id: str = typer.Argument(..., help="Slack channel ID"),
    enabled: bool = typer.Option(True, "--on/--off", help="Answer only the asker (chat.postEphemeral), with a Share to channel button"),
) -> None:
    """Choose whether docbot's answers in this channel are seen only by the person who asked."""
    result = channel_map.set_private_answers(cli_context(ctx).database(), channel_id, enabled)
    _console().print(f"{result.channel_id}: private answers {'on' if result.private_answers else 'off'}.")


@channels_app.command("experts")
def experts(
    ctx: typer.Context,
    channel_id: str = typer.Argument(..., help="Slack channel ID"),
    names: list[str] = typer.Argument(None, help="User IDs (U…), user group IDs (S…) or @handles of user groups; none: show the current ones"),
    clear: bool = typer.Option(False, "--clear", help="Remove the channel's experts (it falls back to EXPERTS)"),
) -> None:
    """Name the people "Ask an expert" brings into this channel's threads when the docs fall short."""
    context = cli_context(ctx)
    database = context.database()
    if clear:
        removed = expert_list.clear_channel_experts(database, channel_id)
        _console().print(f"{channel_id}: experts removed." if removed else f"{channel_id} had no experts of its own.")
        return
    if not names:
        current = expert_list.channel_experts(database, channel_id)
        fallback = ", ".join(context.settings.experts) or "nobody (EXPERTS is not set)"
        _console().print(f"{channel_id}: {', '.join(current)}" if current else f"{channel_id} has no experts of its own: {fallback}.")
        return
    client = build_client(context.settings) if any(n.startswith("@") for n in names) else None
    stored = expert_list.set_channel_experts(database, client, channel_id, names)
    _console().print(f"{channel_id}: Ask an expert mentions {', '.join(stored)}.")


@channels_app.command("list")
def list_(ctx: typer.Context) -> None:
    """Show each configured channel, its collections and its follow-up option."""
    rows = channel_map.list_channels(cli_context(ctx).database())
    if not rows:
        _console().print("No channels configured: every channel and DM sees `default` (Slack Connect channels see nothing).")
        return
    table = Table("channel", "collections", "saves into", "external", "guests", "follow-ups without mention", "private answers")
    for row in rows:
        table.add_row(
            row.channel_id, ", ".join(row.collections) or "(default)",
            row.save_to or (row.collections[0] if len(row.collections) == 1 else "default" if not row.collections else "(refused: --save-to)"),
            "yes" if row.serves_external else "no", "yes" if row.serves_guests else "no",
            "on" if row.followups_without_mention else "off", "on" if row.private_answers else "off",
        )
    _console().print(table)


def _console() -> Console:
    return Console(soft_wrap=True)  # made per call: it reads the terminal width then
