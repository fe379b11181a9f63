"""Which collections each channel may see, and its options: the table behind `docbot channels`."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
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
    save_to: str | None = None  # where its saved threads go, when an admin chose
    serves_external: bool = False  # people of other organisations (Slack Connect) get answers here
    serves_guests: bool = False  # guests (single- and multi-channel) get answers here


def map_channel(
    database: Database, channel_id: str, collections: Sequence[str], *, save_to: str | None = None, external: bool = False, guests: bool = False
) -> ChannelSettings:
    """Replaces the channel's collections with these (each must exist), its save collection (one of them) and
    whom it serves beyond the workspace's members: a mapping made without `external`/`guests` never serves them."""
    channel_id = _checked_channel_id(channel_id)
    if save_to is not None and save_to not in collections:
        raise InvalidChannel(f"--save-to {save_to!r} must be one of the collections mapped to the channel ({', '.join(collections)}).")
    with database.session() as session:
        found = dict(session.execute(select(Collection.name, Collection.id).where(Collection.name.in_(collections))).tuples().all())
        missing = [name for name in collections if name not in found]
        if missing:
            known = ", ".join(session.scalars(select(Collection.name).order_by(Collection.name))) or "none yet"
            raise NotFound(f"No collection named {', '.join(map(repr, missing))} (collections: {known}).")
        mapping = {"save_collection_id": found[save_to] if save_to else None, "serves_external": external, "serves_guests": guests}
        session.execute(insert(Channel).values(channel_id=channel_id, **mapping).on_conflict_do_update(index_elements=["channel_id"], set_=mapping))
        session.execute(delete(ChannelCollection).where(ChannelCollection.channel_id == channel_id))
        session.execute(insert(ChannelCollection), [{"channel_id": channel_id, "collection_id": found[n]} for n in dict.fromkeys(collections)])
    return channel_settings(database, channel_id)


def unmap_channel(database: Database, channel_id: str) -> bool:
    """Removes the channel's collections (it falls back to `default`) and whom the mapping served; False when none were mapped."""
    with database.session() as session:
        session.execute(
            update(Channel).where(Channel.channel_id == channel_id).values(save_collection_id=None, serves_external=False, serves_guests=False)
        )
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
            select(Channel.followups_without_mention, Channel.private_answers, Collection.name, Channel.serves_external, Channel.serves_guests)
            .outerjoin(Collection, Collection.id == Channel.save_collection_id)
            .where(Channel.channel_id == channel_id)
        ).first()
    followups, private, save_to, external, guests = options if options else (False, False, None, False, False)
    return ChannelSettings(
        channel_id, mapped_collections(database, channel_id), bool(followups), bool(private), save_to, bool(external), bool(guests)
    )


def save_collection(database: Database, channel_id: str) -> str | None:
    """Where the channel's saved threads go: the collection an admin chose (`--save-to`), else its only mapped
    collection, else `default` when it has none; None when it sees several and none was chosen (a thread's
    answers may quote any of them, so no one of them is right by default)."""
    settings = channel_settings(database, channel_id)
    if settings.save_to:
        return settings.save_to
    if len(settings.collections) > 1:
        return None
    return settings.collections[0] if settings.collections else DEFAULT_COLLECTION


def list_channels(database: Database) -> list[ChannelSettings]:
    with database.session() as session:
        ids = list(session.scalars(select(Channel.channel_id).order_by(Channel.channel_id)))
    return [channel_settings(database, channel_id) for channel_id in ids]


def _checked_channel_id(channel_id: str) -> str:
    channel_id = channel_id.strip()
    if not channel_id.isalnum() or not channel_id[:1].isupper() or len(channel_id) > 32:
        raise InvalidChannel(f"{channel_id!r} is not a Slack channel ID (like C0123ABCD; copy it from the channel's details).")
    return channel_id
