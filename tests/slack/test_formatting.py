from bot.answering.types import Answer, Citation
from bot.slack.common import formatting
from bot.slack.common.formatting import PART_LIMIT, answer_messages, escape, feedback_vote, markdown_to_mrkdwn, question_text, split_text, streamable_prefix
from tests.fakes.slack_api import block_texts


def test_broadcasts_and_mentions_from_documents_are_defused():
    text = escape("Ping <!channel> and <!here|here> and <@U123> and <#C1> or @everyone @here & co")
    assert "<!" not in text and "<@" not in text and "<#" not in text
    assert "@everyone" not in text and "@here" not in text
    assert "&lt;!channel&gt;" in text and "&amp; co" in text


def test_markdown_becomes_mrkdwn():
    converted = markdown_to_mrkdwn("# Leave\nTake **ten** days, see [the policy](https://x.test/p?a=1&b=2).\n- one\n~~old~~")
    assert converted.splitlines()[0] == "*Leave*"
    assert "*ten*" in converted
    assert "<https://x.test/p?a=1&amp;b=2|the policy>" in converted
    assert "• one" in converted and "~old~" in converted


def test_code_blocks_are_left_alone():
    converted = markdown_to_mrkdwn("```\n# not a heading **x**\n```")
    assert "# not a heading **x**" in converted


def test_citations_link_titles_and_name_sources_without_urls():
    answer = Answer(
        text="Ten days [1][2].",
        citations=[
            Citation(source="https://wiki.test/leave", title="Leave <policy>", heading="Annual", url="https://wiki.test/leave"),
            Citation(source="handbook/expenses.md", title="Expenses", heading=""),
        ],
    )
    messages = answer_messages(answer, answer_id=42)
    shown = "\n".join(block_texts(messages[-1].blocks))
    assert "<https://wiki.test/leave|Leave &lt;policy&gt; › Annual>" in shown
    assert "Expenses (`handbook/expenses.md`)" in shown
    feedback = messages[-1].blocks[-1]
    assert feedback["type"] == "context_actions"
    [buttons] = feedback["elements"]
    assert buttons["type"] == "feedback_buttons" and buttons["action_id"] == "answer_feedback"
    assert (buttons["positive_button"]["value"], buttons["negative_button"]["value"]) == ("up-42", "down-42")
    assert feedback_vote("up-42") == (42, 1) and feedback_vote("down-42") == (42, -1) and feedback_vote("42") is None


def test_long_answers_split_within_limits_with_sources_on_the_last_part():
    paragraph = ("The onboarding checklist covers laptops, accounts and the first week. " * 20).strip()
    answer = Answer(text="\n\n".join([paragraph] * 12), citations=[Citation(source="a.md", title="A")])
    messages = answer_messages(answer, answer_id=7)
    assert len(messages) > 3
    for message in messages:
        for block in message.blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= 3000
        assert len(message.text) <= 4000
    assert all(b["type"] != "context_actions" for m in messages[:-1] for b in m.blocks)
    assert messages[-1].blocks[-1]["type"] == "context_actions"
    rejoined = " ".join(m.text.replace(formatting.texts.CONTINUED, "") for m in messages)
    assert rejoined.split() == answer.text.split()


def test_split_never_cuts_an_escape_or_a_link():
    text = ("word " * 500) + "&amp;" + ("x" * 10) + " <https://a.test|label> " + ("y " * 900)
    for piece in split_text(text, PART_LIMIT):
        assert len(piece) <= PART_LIMIT
        assert piece.count("<") == piece.count(">")
        assert not piece.endswith("&amp") and not piece.startswith("amp;")


def test_streaming_holds_back_a_word_that_may_become_a_broadcast():
    assert streamable_prefix("Hello @chan") == len("Hello ")
    assert streamable_prefix("Hello @channel and") == len("Hello @channel and")
    assert streamable_prefix("plain") == 5


def test_question_text_drops_our_mention_and_undoes_slack_escapes():
    raw = "<@UDOCBOT> how do I file &lt;expenses&gt; &amp; see <https://x.test|the form> with <@U999|bob>?"
    assert question_text(raw, "UDOCBOT") == "how do I file <expenses> & see the form (https://x.test) with bob?"
