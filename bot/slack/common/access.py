"""Which collections a question may be answered from, by where it was asked.

A channel sees the collections mapped to it; an unmapped channel and a DM see `default`. A channel shared
with other organisations (Slack Connect) sees nothing unless mapped explicitly: its members are not all ours.
"""

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db.engine import Database
from bot.errors import ChannelCheckFailed
from bot.slack.common.channel_map import DEFAULT_COLLECTION, mapped_collections
from bot.slack.common.expiring_cache import ExpiringCache

logger = logging.getLogger(__name__)

SHARED_INFO_TTL_SECONDS = 300.0


@dataclass(frozen=True)
class Access:
    collections: list[str]
    refused_shared: bool = False  # nothing visible because the channel is externally shared


class ChannelAccess:
    def __init__(self, database: Database, client: WebClient, ttl_seconds: float = SHARED_INFO_TTL_SECONDS) -> None:
        self.database = database
        self.client = client
        self._shared: ExpiringCache[bool] = ExpiringCache(ttl_seconds)

    def for_channel(self, channel_id: str) -> Access:
        if _is_direct_message(channel_id):
            return Access([DEFAULT_COLLECTION])
        mapped = mapped_collections(self.database, channel_id)
        if mapped:
            return Access(mapped)
        if self.is_externally_shared(channel_id):
            logger.info("refusing unmapped shared channel channel=%s", channel_id)
            return Access([], refused_shared=True)
        return Access([DEFAULT_COLLECTION])

    def is_externally_shared(self, channel_id: str) -> bool:
        """conversations.info, cached for a few minutes; a channel Slack won't describe counts as shared."""
        return self._shared.get(channel_id, lambda: self._ask_shared(channel_id))

    def _ask_shared(self, channel_id: str) -> bool:
        try:
            channel = self.client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as error:
            # Failing closed: without Slack's word, the channel could be anyone's.
            raise ChannelCheckFailed(f"conversations.info failed for {channel_id}: {error.response.get('error')}") from None
        return bool(
            channel.get("is_ext_shared") or channel.get("is_pending_ext_shared") or channel.get("is_shared")
        ) and not channel.get("is_im")


def _is_direct_message(channel_id: str) -> bool:
    return channel_id.startswith("D")
