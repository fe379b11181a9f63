"""A Slack thread as a Markdown document: Slack markup back to text, the title, no stray headings."""

from bot.slack.knowledge.thread_document import ThreadMessage, slack_to_text, thread_markdown, thread_title

NAMES = {"U0ALICE": "Alice", "U0BOB": "Bob"}


def test_slack_markup_becomes_plain_text_with_names():
    raw = "<@U0ALICE> see <https://wiki.example.com/vpn|the VPN page> in <#C0OPS|ops>, not <!here> &amp; use `a &lt; b`\nline two"
    text = slack_to_text(raw, lambda user: NAMES.get(user, user))
    assert text == "@Alice see the VPN page (https://wiki.example.com/vpn) in #ops, not  & use `a < b`\nline two"


def test_title_is_the_first_line_without_the_mention_cut_at_a_word():
    assert thread_title("@docbot How do I reset my password?\nmore") == "How do I reset my password?"
    long = "How do I " + "really " * 20 + "reset it?"
    title = thread_title(long)
    assert len(title) <= 80 and title.endswith("…") and not title[:-1].endswith(" ")
    assert thread_title("   ") == "Slack thread"


def test_each_message_under_its_author_and_no_message_line_becomes_a_heading():
    markdown = thread_markdown("Deploy *freeze*", [ThreadMessage("Alice", "When is the freeze?"), ThreadMessage("Bob", "# Fridays\nafter 3pm"),
                                                   ThreadMessage("Carol", "  ")])
    assert markdown.startswith("# Deploy freeze\n\n**Alice:** When is the freeze?\n\n**Bob:** \\# Fridays\nafter 3pm")
    assert "Carol" not in markdown
