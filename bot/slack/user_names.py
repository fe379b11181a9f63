"""People's display names (users.info), cached: a saved thread names each author, and threads repeat authors."""

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)

NAME_TTL_SECONDS = 3600.0  # people rarely rename themselves; an hour-old name is fine in a saved thread


class UserNames:
    def __init__(self, client: WebClient, ttl_seconds: float = NAME_TTL_SECONDS) -> None:
        self.client = client
        self.ttl_seconds = ttl_seconds
        self._names: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def name_of(self, user_id: str) -> str:
        """The person's display name, else their full name, else the ID (when Slack won't say)."""
        now = time.monotonic()
        with self._lock:
            cached = self._names.get(user_id)
        if cached and now - cached[0] < self.ttl_seconds:
            return cached[1]
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            logger.info("users.info refused user=%s error=%s", user_id, error.response.get("error"))
            return user_id
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name") or user_id
        with self._lock:
            self._names[user_id] = (now, name)
        return name
