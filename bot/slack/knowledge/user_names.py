"""People's display names (users.info), cached: a saved thread names each author, and threads repeat authors."""

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.common.expiring_cache import ExpiringCache

logger = logging.getLogger(__name__)

NAME_TTL_SECONDS = 3600.0  # people rarely rename themselves; an hour-old name is fine in a saved thread


class UserNames:
    def __init__(self, client: WebClient, ttl_seconds: float = NAME_TTL_SECONDS) -> None:
        self.client = client
        self._names: ExpiringCache[str] = ExpiringCache(ttl_seconds)

    def name_of(self, user_id: str) -> str:
        """The person's display name, else their full name, else the ID (when Slack won't say: not kept)."""
        try:
            return self._names.get(user_id, lambda: self._ask(user_id))
        except SlackApiError as error:
            logger.info("users.info refused user=%s error=%s", user_id, error.response.get("error"))
            return user_id

    def _ask(self, user_id: str) -> str:
        user = self.client.users_info(user=user_id)["user"]
        profile = user.get("profile") or {}
        return profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name") or user_id
