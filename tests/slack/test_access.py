"""Channel → collections: mapped ones, else `default`; DMs `default`; Slack Connect nothing unless mapped."""

import pytest

from bot.errors import ChannelCheckFailed, InvalidChannel, NotFound
from bot.settings import load_settings
from bot.slack.common import channel_map
from bot.slack.common.access import ChannelAccess
from bot.slack.app import build_client
from tests.slack.slack_requests import BOT_TOKEN
from tests.slack.test_conversations import add_collection


@pytest.fixture
def access(db, fake_slack):
    return ChannelAccess(db, build_client(load_settings(slack_bot_token=BOT_TOKEN, slack_api_url=fake_slack.url)))


def test_unmapped_channel_and_dm_see_default(access):
    assert access.for_channel("C0PUBLIC").collections == ["default"]
    assert access.for_channel("D0DM").collections == ["default"]


def test_mapped_channel_sees_exactly_its_collections(db, access):
    add_collection(db, "hr")
    add_collection(db, "eng")
    channel_map.map_channel(db, "C0HR", ["hr", "eng"])
    assert access.for_channel("C0HR").collections == ["eng", "hr"]
    channel_map.map_channel(db, "C0HR", ["hr"])
    assert access.for_channel("C0HR").collections == ["hr"]
    assert channel_map.unmap_channel(db, "C0HR")
    assert access.for_channel("C0HR").collections == ["default"]


def test_slack_connect_channel_sees_nothing_unless_mapped_for_outsiders(db, access, fake_slack):
    fake_slack.set_channel("C0SHARED", is_ext_shared=True, is_shared=True)
    refused = access.for_channel("C0SHARED")
    assert refused.collections == [] and refused.refused_shared
    add_collection(db, "partners")
    channel_map.map_channel(db, "C0SHARED", ["partners"])
    assert access.for_channel("C0SHARED").refused_shared  # mapped, but not opened to outsiders
    channel_map.map_channel(db, "C0SHARED", ["partners"], external=True)
    assert access.for_channel("C0SHARED").collections == ["partners"]


def test_channel_info_is_cached(access, fake_slack):
    for _ in range(3):
        access.for_channel("C0CACHED")
    assert len(fake_slack.calls("conversations.info")) == 1


def test_channel_check_failure_fails_closed(access, fake_slack):
    fake_slack.fail("conversations.info", error="missing_scope")
    with pytest.raises(ChannelCheckFailed):
        access.for_channel("C0UNKNOWN")


def test_mapping_errors_name_what_is_wrong(db):
    with pytest.raises(NotFound, match="'nope'"):
        channel_map.map_channel(db, "C0X", ["nope"])
    with pytest.raises(InvalidChannel, match="not a Slack channel ID"):
        channel_map.map_channel(db, "#general", ["default"])
