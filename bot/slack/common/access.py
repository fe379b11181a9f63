"""Which collections a question may be answered from, by where it was asked and who asked it.

A channel sees the collections mapped to it; an unmapped channel and a DM see `default`. Within them, a
document saved from a private channel is shown only in that channel (`shown_in`, enforced by the search SQL).
People from outside the workspace, and the workspace's guests, are answered only where an admin opened a
mapping to them (`docbot channels map C… coll --external` / `--guests`); a channel shared with other
organisations (Slack Connect) is answered only when its mapping serves outsiders, whoever asks, because
everyone in it reads the answer. In DMs a guest sees the collection GUEST_DM_COLLECTION names, or nothing.
Slack is asked about each channel (conversations.info) and each asker (users.info), each kept a few minutes.
"""

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db.engine import Database
from bot.errors import ChannelCheckFailed
from bot.slack.common import texts
from bot.slack.common.channel_map import DEFAULT_COLLECTION, channel_settings
from bot.slack.common.expiring_cache import ExpiringCache

logger = logging.getLogger(__name__)

SHARED_INFO_TTL_SECONDS = 300.0


@dataclass(frozen=True)
class Access:
    collections: list[str]
    shown_in: str | None = None  # the channel asked in: documents shown only there are found too
    quotable: bool = False  # a public channel of the workspace only: its questions may be quoted in gap lists
    refusal: str | None = None  # nothing visible; what the asker is told (naming no collection or document)

    @property
    def refused_shared(self) -> bool:
        return self.refusal == texts.SHARED_CHANNEL_REFUSED


@dataclass(frozen=True)
class Place:
    """What Slack says about a channel."""

    shared: bool  # with other organisations (Slack Connect), or about to be
    private: bool  # a private channel or a group DM


@dataclass(frozen=True)
class Person:
    """What Slack says about an asker."""

    external: bool  # of another organisation (another team, or a stranger to ours)
    guest: bool  # a single- or multi-channel guest of ours


MEMBER = Person(external=False, guest=False)


class ChannelAccess:
    def __init__(
        self, database: Database, client: WebClient, ttl_seconds: float = SHARED_INFO_TTL_SECONDS, *, guest_dm_collection: str | None = None
    ) -> None:
        self.database = database
        self.client = client
        self.guest_dm_collection = guest_dm_collection
        self._places: ExpiringCache[Place] = ExpiringCache(ttl_seconds)
        self._people: ExpiringCache[Person] = ExpiringCache(ttl_seconds)

    def for_channel(self, channel_id: str) -> Access:
        """What the channel sees for one of the workspace's members."""
        return self.for_question(channel_id, None, "")

    def for_question(self, channel_id: str, user_id: str | None, team_id: str) -> Access:
        """What a question asked by `user_id` (of the workspace `team_id`) in `channel_id` may be answered from."""
        person = self.person(user_id, team_id) if user_id else MEMBER
        if _is_direct_message(channel_id):
            if person.external or (person.guest and not self.guest_dm_collection):
                return _refused(channel_id, user_id, person)
            return Access([self.guest_dm_collection if person.guest else DEFAULT_COLLECTION], shown_in=channel_id)  # type: ignore[list-item]
        mapping = channel_settings(self.database, channel_id)
        place = self.place(channel_id)
        opened_to_outsiders = bool(mapping.collections) and mapping.serves_external
        if place.shared and not opened_to_outsiders:
            logger.info("refusing shared channel not opened to outsiders channel=%s", channel_id)
            return Access([], refusal=texts.SHARED_CHANNEL_REFUSED)
        if (person.external and not opened_to_outsiders) or (person.guest and not (mapping.collections and mapping.serves_guests)):
            return _refused(channel_id, user_id, person)
        return Access(mapping.collections or [DEFAULT_COLLECTION], shown_in=channel_id, quotable=not place.shared and not place.private)

    def is_externally_shared(self, channel_id: str) -> bool:
        return self.place(channel_id).shared

    def place(self, channel_id: str) -> Place:
        """conversations.info, cached for a few minutes; a channel Slack won't describe fails closed."""
        return self._places.get(channel_id, lambda: self._ask_place(channel_id))

    def person(self, user_id: str, team_id: str) -> Person:
        """users.info, cached for a few minutes; someone Slack doesn't know counts as an outsider."""
        return self._people.get(f"{team_id}/{user_id}", lambda: self._ask_person(user_id, team_id))

    def _ask_place(self, channel_id: str) -> Place:
        try:
            channel = self.client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as error:
            # Failing closed: without Slack's word, the channel could be anyone's.
            raise ChannelCheckFailed(f"conversations.info failed for {channel_id}: {error.response.get('error')}") from None
        if channel.get("is_im"):
            return Place(shared=False, private=True)
        shared = bool(channel.get("is_ext_shared") or channel.get("is_pending_ext_shared") or channel.get("is_shared"))
        private = bool(channel.get("is_private") or channel.get("is_group") or channel.get("is_mpim") or channel_id.startswith("G"))
        return Place(shared=shared, private=private)

    def _ask_person(self, user_id: str, team_id: str) -> Person:
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            code = error.response.get("error")
            if code in ("user_not_found", "user_not_visible"):
                return Person(external=True, guest=False)
            raise ChannelCheckFailed(f"users.info failed for {user_id}: {code}") from None
        other_team = bool(team_id) and bool(user.get("team_id")) and user.get("team_id") != team_id
        return Person(
            external=bool(user.get("is_stranger")) or other_team,
            guest=bool(user.get("is_restricted") or user.get("is_ultra_restricted")),
        )


def _refused(channel_id: str, user_id: str | None, person: Person) -> Access:
    logger.info("refusing an asker this place is not opened to channel=%s user=%s external=%s guest=%s", channel_id, user_id, person.external, person.guest)
    return Access([], refusal=texts.NOT_OPEN_TO_YOU)


def _is_direct_message(channel_id: str) -> bool:
    return channel_id.startswith("D")
