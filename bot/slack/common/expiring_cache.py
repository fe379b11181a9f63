"""A small thread-safe cache whose entries expire: Slack's answers about people and channels, kept a while."""

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class ExpiringCache(Generic[Value]):
    def __init__(self, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self._entries: dict[str, tuple[float, Value]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, fetch: Callable[[], Value]) -> Value:
        """The cached value if it is younger than the TTL, else `fetch()`'s, kept (an exception keeps nothing).

        Two threads missing at once both fetch: Slack is asked twice rather than one waiting on the other.
        """
        now = time.monotonic()
        with self._lock:
            cached = self._entries.get(key)
        if cached and now - cached[0] < self.ttl_seconds:
            return cached[1]
        value = fetch()
        with self._lock:
            self._entries[key] = (now, value)
        return value
