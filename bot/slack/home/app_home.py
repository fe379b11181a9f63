"""App Home: on `app_home_opened`, views.publish what the person's channels see and how their questions went.

The collections are those of the channels the person is in (users.conversations; unmapped channels and DMs
see `default`, a Slack Connect channel only what is mapped to it). People in ADMIN_USERS also see the week's
knowledge gaps, grouped by meaning (quoting only questions asked in the open), and the saves waiting for their
review, with buttons to add each to the docs or reject it.
"""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db.engine import Database
from bot.embeddings import load_embedder
from bot.errors import SlackError
from bot.settings import Settings
from bot.slack.common.channel_map import DEFAULT_COLLECTION, mapped_collections
from bot.slack.knowledge.gaps import group_gaps, list_gaps, unquoted
from bot.slack.knowledge.save_reviews import pending_reviews
from bot.slack.home.data import collection_stats, recent_questions
from bot.slack.home.view import home_view

logger = logging.getLogger(__name__)

MAX_CHANNELS = 1000  # users.conversations pages past this are not read: App Home stays quick
HOME_GAP_GROUPS = 10
HOME_GAP_PERIOD = timedelta(days=7)


class AppHome:
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings

    def publish(self, client: WebClient, user_id: str) -> None:
        collections = self.visible_collections(client, user_id)
        gaps, reviews, left_out = None, None, 0
        if self.is_admin(user_id):
            found = list_gaps(self.database, datetime.now(UTC) - HOME_GAP_PERIOD)
            groups = group_gaps(self.database, load_embedder(self.settings), found) if found else []
            gaps = [group for group in groups if group.example is not None][:HOME_GAP_GROUPS]
            left_out = unquoted(found)
            reviews = pending_reviews(self.database)
        view = home_view(
            collection_stats(self.database, collections), recent_questions(self.database, user_id), gaps, unquoted_gaps=left_out, reviews=reviews
        )
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:
            raise SlackError(f"views.publish failed: {error.response.get('error')}") from None
        logger.info("app home published user=%s collections=%d admin=%s", user_id, len(collections), gaps is not None)

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.settings.admin_users

    def visible_collections(self, client: WebClient, user_id: str) -> list[str]:
        visible = {DEFAULT_COLLECTION}  # the person's DMs with docbot see it, and so do unmapped channels
        for channel in self._channels(client, user_id):
            visible.update(mapped_collections(self.database, channel["id"]))
        return sorted(visible)

    def _channels(self, client: WebClient, user_id: str) -> list[dict[str, Any]]:
        channels: list[dict[str, Any]] = []
        cursor = None
        try:
            while len(channels) < MAX_CHANNELS:
                page = client.users_conversations(
                    user=user_id, types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
                )
                channels += page.get("channels") or []
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except SlackApiError as error:
            logger.info("users.conversations refused user=%s error=%s", user_id, error.response.get("error"))
        return channels[:MAX_CHANNELS]
