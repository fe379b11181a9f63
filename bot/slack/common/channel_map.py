"""Which collections each channel may see, and its options: the table behind `docbot channels`."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from bot.db.engine import Database
from bot.db.models import Channel, ChannelCollection, Collection
from bot.errors import InvalidChannel, NotFound

DEFAULT_COLLECTION = "default"


@dataclass(frozen=True)
class ChannelSettings:
    channel_id: str
    collections: list[str]
    followups_without_mention: bool
    private_answers: bool = False


def map_channel(database: Database, channel_id: str, collections: Sequence[str]) -> ChannelSettings:
    """Replaces the channel's collections with these; each must exist."""
    channel_id = _checked_channel_id(channel_id)
    with database.session() as session:
        found = dict(session.execute(select(Collection.name, Collection.id).where(Collection.name.in_(collections))).tuples().all())
        missing = [name for name in collections if name not in found]
        if missing:
            known = ", ".join(session.scalars(select(Collection.name).order_by(Collection.name))) or "none yet"
            raise NotFound(f"No collection named {', '.join(map(repr, missing))} (collections: {known}).")
        session.execute(insert(Channel).values(channel_id=channel_id).on_conflict_do_nothing())
        session.execute(delete(ChannelCollection).where(ChannelCollection.channel_id == channel_id))
        session.execute(insert(ChannelCollection), [{"channel_id": channel_id, "collection_id": found[n]} for n in dict.fromkeys(collections)])
    return channel_settings(database, channel_id)


def unmap_channel(database: Database, channel_id: str) -> bool:
    """Removes the channel's collections (it falls back to `default`); False when none were mapped."""
    with database.session() as session:
        removed = session.execute(delete(ChannelCollection).where(ChannelCollection.channel_id == channel_id))
        return bool(removed.rowcount)


def set_followups(database: Database, channel_id: str, enabled: bool) -> ChannelSettings:
    return _set_option(database, channel_id, followups_without_mention=enabled)


def set_private_answers(database: Database, channel_id: str, enabled: bool) -> ChannelSettings:
    """Answers in this channel go only to the asker (chat.postEphemeral), with a button to share them."""
    return _set_option(database, channel_id, private_answers=enabled)


def _set_option(database: Database, channel_id: str, **option: bool) -> ChannelSettings:
    """Sets one of the channel's options, creating its row if the channel has none yet."""
    channel_id = _checked_channel_id(channel_id)
    with database.session() as session:
        session.execute(insert(Channel).values(channel_id=channel_id, **option).on_conflict_do_update(index_elements=["channel_id"], set_=option))
    return channel_settings(database, channel_id)


def mapped_collections(database: Database, channel_id: str) -> list[str]:
    with database.session() as session:
        return list(
            session.scalars(
                select(Collection.name)
                .join(ChannelCollection, ChannelCollection.collection_id == Collection.id)
                .where(ChannelCollection.channel_id == channel_id)
                .order_by(Collection.name)
            )
        )


def channel_settings(database: Database, channel_id: str) -> ChannelSettings:
    with database.session() as session:
        options = session.execute(
            select(Channel.followups_without_mention, Channel.private_answers).where(Channel.channel_id == channel_id)
        ).first()
    followups, private = options if options else (False, False)
    return ChannelSettings(channel_id, mapped_collections(database, channel_id), bool(followups), bool(private))


def list_channels(database: Database) -> list[ChannelSettings]:
    with database.session() as session:
        ids = list(session.scalars(select(Channel.channel_id).order_by(Channel.channel_id)))
    return [channel_settings(database, channel_id) for channel_id in ids]


def _checked_channel_id(channel_id: str) -> str:
    channel_id = channel_id.strip()
    if not channel_id.isalnum() or not channel_id[:1].isupper() or len(channel_id) > 32:
        raise InvalidChannel(f"{channel_id!r} is not a Slack channel ID (like C0123ABCD; copy it from the channel's details).")
    return channel_id
