"""Who the experts are: per channel (`docbot channels experts C… @group U…`), else the workspace's EXPERTS.

Experts are stored as Slack IDs: users (U…/W…) and user groups (S…). A `@handle` given on the command line
is looked up once, with usergroups.list; a group's members are read when someone's ✅ needs them.
"""

import re
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from bot.db.engine import Database
from bot.db.models import ChannelExperts
from bot.errors import InvalidChannel, NotFound, SlackError

_USER_OR_GROUP = re.compile(r"^[UWS][A-Z0-9]{2,}$")
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")


def set_channel_experts(database: Database, client: WebClient | None, channel_id: str, names: Sequence[str]) -> list[str]:
    """Replaces the channel's experts with these (IDs, or @handles of user groups); returns the IDs stored."""
    if not _CHANNEL.match(channel_id):
        raise InvalidChannel(f"{channel_id!r} is not a Slack channel ID (like C0123ABCD).")
    experts = resolve(client, names)
    with database.session() as session:
        session.execute(
            insert(ChannelExperts).values(channel_id=channel_id, experts=experts)
            .on_conflict_do_update(index_elements=["channel_id"], set_={"experts": experts})
        )
    return experts


def clear_channel_experts(database: Database, channel_id: str) -> bool:
    with database.session() as session:
        return bool(session.execute(delete(ChannelExperts).where(ChannelExperts.channel_id == channel_id)).rowcount)


def channel_experts(database: Database, channel_id: str) -> list[str]:
    with database.session() as session:
        return list(session.scalar(select(ChannelExperts.experts).where(ChannelExperts.channel_id == channel_id)) or [])


def resolve(client: WebClient | None, names: Sequence[str]) -> list[str]:
    """IDs as given; `@handle`s of user groups looked up (usergroups.list needs SLACK_BOT_TOKEN)."""
    handles = [n.lstrip("@") for n in names if n.startswith("@")]
    found: dict[str, str] = {}
    if handles:
        if client is None:
            raise SlackError("Looking up @handles needs SLACK_BOT_TOKEN; or give the user group's ID (S…).")
        try:
            groups = client.usergroups_list().get("usergroups") or []
        except SlackApiError as error:
            raise SlackError(f"usergroups.list failed: {error.response.get('error')}") from None
        found = {str(g.get("handle")): str(g.get("id")) for g in groups}
    experts = []
    for name in names:
        if name.startswith("@"):
            if name[1:] not in found:
                raise NotFound(f"No user group with the handle {name!r} in this workspace.")
            experts.append(found[name[1:]])
        elif _USER_OR_GROUP.match(name):
            experts.append(name)
        else:
            raise NotFound(f"{name!r} is neither a Slack user ID (U…), a user group ID (S…) nor a @handle.")
    return list(dict.fromkeys(experts))


def mentions(experts: Sequence[str]) -> str:
    """How Slack notifies them: <@U…> for a person, <!subteam^S…> for a user group."""
    return " ".join(f"<!subteam^{e}>" if e.startswith("S") else f"<@{e}>" for e in experts)


def members(client: WebClient, experts: Sequence[str]) -> set[str]:
    """The people the experts stand for (a group's members through usergroups.users.list)."""
    people = {e for e in experts if not e.startswith("S")}
    for group in (e for e in experts if e.startswith("S")):
        try:
            people.update(client.usergroups_users_list(usergroup=group).get("users") or [])
        except SlackApiError as error:
            raise SlackError(f"usergroups.users.list failed: {error.response.get('error')}") from None
    return people
