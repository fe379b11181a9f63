"""Channel → collections: mapped ones, else `default`; DMs `default`; Slack Connect nothing unless mapped."""

import pytest

from bot.errors import ChannelCheckFailed, InvalidChannel, NotFound
from bot.settings import load_settings
from bot.slack.common import channel_map, texts
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


def test_guests_and_outsiders_see_only_what_a_mapping_opens_to_them(db, access, fake_slack):
    fake_slack.set_person("UGUEST", is_ultra_restricted=True)
    fake_slack.set_person("UOTHER", team_id="T0ELSEWHERE")
    add_collection(db, "onboarding")
    for person in ("UGUEST", "UOTHER"):
        assert access.for_question("C0OPEN", person, "T0TEAM").refusal == texts.NOT_OPEN_TO_YOU
        assert access.for_question("D0DM", person, "T0TEAM").refusal == texts.NOT_OPEN_TO_YOU
    assert access.for_question("C0OPEN", "UMEMBER", "T0TEAM").collections == ["default"]
    channel_map.map_channel(db, "C0ONBOARD", ["onboarding"], guests=True)
    assert access.for_question("C0ONBOARD", "UGUEST", "T0TEAM").collections == ["onboarding"]
    assert access.for_question("C0ONBOARD", "UOTHER", "T0TEAM").refusal == texts.NOT_OPEN_TO_YOU
    guest_dms = ChannelAccess(db, access.client, guest_dm_collection="onboarding")
    assert guest_dms.for_question("D0DM", "UGUEST", "T0TEAM").collections == ["onboarding"]


def test_a_private_channel_is_neither_quotable_nor_seen_elsewhere(access, fake_slack):
    fake_slack.set_channel("C0SECRET", is_private=True)
    private = access.for_question("C0SECRET", "UMEMBER", "T0TEAM")
    public = access.for_question("C0PUBLIC", "UMEMBER", "T0TEAM")
    assert private.shown_in == "C0SECRET" and not private.quotable
    assert public.shown_in == "C0PUBLIC" and public.quotable


def test_saves_go_to_the_chosen_collection_or_are_refused_when_it_is_ambiguous(db):
    add_collection(db, "hr")
    add_collection(db, "eng")
    assert channel_map.save_collection(db, "C0NEW") == "default"
    channel_map.map_channel(db, "C0HR", ["hr"])
    assert channel_map.save_collection(db, "C0HR") == "hr"
    channel_map.map_channel(db, "C0BOTH", ["hr", "eng"])
    assert channel_map.save_collection(db, "C0BOTH") is None
    channel_map.map_channel(db, "C0BOTH", ["hr", "eng"], save_to="eng")
    assert channel_map.save_collection(db, "C0BOTH") == "eng"
    with pytest.raises(InvalidChannel, match="--save-to 'finance'"):
        channel_map.map_channel(db, "C0BOTH", ["hr", "eng"], save_to="finance")
