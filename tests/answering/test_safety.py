from bot.answering.safety import clean_answer, keep_source_links, strip_mentions, urls_in


def test_broadcast_group_and_user_mentions_are_removed():
    text = "<!channel> deploy now <!here|here> and <!everyone>, ping <!subteam^S0123|@platform> or <@U024BE7LH> / <@W1ABC|alice>."
    cleaned = strip_mentions(text)
    for mention in ("<!channel>", "<!here", "<!everyone>", "<!subteam", "<@U024BE7LH>", "<@W1ABC"):
        assert mention not in cleaned
    assert "deploy now" in cleaned and "alice" in cleaned


def test_plain_text_broadcasts_lose_their_at_sign():
    cleaned = strip_mentions("Tell @channel and @here, but not bob@example.com")
    assert "@channel" not in cleaned and "@here" not in cleaned
    assert "bob@example.com" in cleaned


def test_links_survive_only_when_the_sources_have_them():
    allowed = urls_in(["See https://wiki.example.com/deploys for details.", None, "<https://status.example.com|status>"])
    answer = (
        "Read https://wiki.example.com/deploys. Also <https://evil.example.net/x|this page>, "
        "[the docs](https://made-up.example.org/docs) and <https://status.example.com|the status page>."
    )
    cleaned = keep_source_links(answer, allowed)
    assert "https://wiki.example.com/deploys" in cleaned
    assert "<https://status.example.com|the status page>" in cleaned
    assert "evil.example.net" not in cleaned and "this page" in cleaned
    assert "made-up.example.org" not in cleaned and "the docs" in cleaned


def test_bare_invented_urls_are_dropped():
    assert "http" not in clean_answer("Download it from http://downloads.example.com/tool.zip now", set())
