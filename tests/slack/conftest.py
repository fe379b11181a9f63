"""Slack-side fixtures: the Web API stand-in on loopback and Slack-signed requests."""

from collections.abc import Iterator

import pytest

from tests.fakes.slack_api import FakeSlackApi
from tests.slack.slack_requests import BOT_TOKEN


@pytest.fixture
def fake_slack() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(bot_token=BOT_TOKEN) as fake:
        yield fake
