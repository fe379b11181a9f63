"""The cache Slack look-ups share: a value is kept for its TTL, a failed fetch keeps nothing."""

import pytest

from bot.slack.common.expiring_cache import ExpiringCache


def test_a_value_is_fetched_once_while_fresh_and_again_once_expired(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("bot.slack.common.expiring_cache.time.monotonic", lambda: clock[0])
    cache: ExpiringCache[str] = ExpiringCache(ttl_seconds=60)
    calls = []

    def fetch() -> str:
        calls.append(clock[0])
        return f"value at {clock[0]:.0f}"

    assert cache.get("U1", fetch) == "value at 100"
    clock[0] = 159.0
    assert cache.get("U1", fetch) == "value at 100"  # still fresh: Slack isn't asked
    clock[0] = 161.0
    assert cache.get("U1", fetch) == "value at 161"
    assert calls == [100.0, 161.0]


def test_a_fetch_that_fails_keeps_nothing():
    cache: ExpiringCache[str] = ExpiringCache(ttl_seconds=60)

    def failing() -> str:
        raise RuntimeError("ratelimited")

    with pytest.raises(RuntimeError):
        cache.get("C1", failing)
    assert cache.get("C1", lambda: "answered") == "answered"
