"""Who "Ask an expert" brings in: channel experts set by ID or @handle, the workspace's EXPERTS otherwise, and
whether a channel or DM can reach anyone at all."""

import pytest

from bot.errors import InvalidChannel, NotFound
from bot.settings import load_settings
from bot.slack.common.client import build_client
from bot.slack.knowledge.expert_list import channel_experts, clear_channel_experts, members, mentions, set_channel_experts
from bot.slack.knowledge.experts import ExpertDesk
from tests.slack.slack_requests import BOT_TOKEN


@pytest.fixture
def client(fake_slack):
    fake_slack.set_usergroup("S0PLATFORM", "platform-oncall", ["UEXPERT1", "UEXPERT2"])
    return build_client(load_settings(slack_bot_token=BOT_TOKEN, slack_api_url=fake_slack.url))


def test_experts_are_stored_as_ids_with_handles_looked_up(db, client, fake_slack):
    stored = set_channel_experts(db, client, "C0PLAT", ["@platform-oncall", "U0456EFGH", "U0456EFGH"])
    assert stored == ["S0PLATFORM", "U0456EFGH"] == channel_experts(db, "C0PLAT")
    assert [c.method for c in fake_slack.calls()] == ["usergroups.list"]  # looked up once, at set-up
    assert mentions(stored) == "<!subteam^S0PLATFORM> <@U0456EFGH>"
    assert members(client, stored) == {"UEXPERT1", "UEXPERT2", "U0456EFGH"}
    assert clear_channel_experts(db, "C0PLAT") and channel_experts(db, "C0PLAT") == []


def test_unknown_handles_and_names_are_refused_with_what_was_wrong(db, client):
    with pytest.raises(NotFound, match="@nobody"):
        set_channel_experts(db, client, "C0PLAT", ["@nobody"])
    with pytest.raises(NotFound, match="bob"):
        set_channel_experts(db, client, "C0PLAT", ["bob"])
    with pytest.raises(InvalidChannel):
        set_channel_experts(db, client, "D0DM", ["U0456EFGH"])
    assert channel_experts(db, "C0PLAT") == []


def test_channels_fall_back_to_the_workspace_experts_and_dms_need_the_experts_channel(db, client, settings):
    nobody = ExpertDesk(db, settings, client)
    assert not nobody.available("C0ANY") and not nobody.available("D0DM")
    set_channel_experts(db, client, "C0PLAT", ["U0456EFGH"])
    assert nobody.available("C0PLAT") and nobody.experts_for("C0PLAT") == ["U0456EFGH"]

    workspace = ExpertDesk(db, settings.model_copy(update={"experts": ["S0PLATFORM"]}), client)
    assert workspace.experts_for("C0ANY") == ["S0PLATFORM"] and workspace.experts_for("C0PLAT") == ["U0456EFGH"]
    assert not workspace.available("D0DM")  # no channel to put a DM's question in
    with_channel = ExpertDesk(db, settings.model_copy(update={"experts": ["S0PLATFORM"], "experts_channel": "C0EXPERTS"}), client)
    assert with_channel.available("D0DM") and with_channel.experts_for("D0DM") == ["S0PLATFORM"]
