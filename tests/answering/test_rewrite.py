from bot.answering.rewrite import rewrite, standalone_question
from bot.answering.types import Turn

HISTORY = [
    Turn("user", "what's the no-extra-install way to get an isolated env for a project?"),
    Turn("assistant", "Use the built-in venv module: run `python -m venv .venv`, then `source .venv/bin/activate` on Linux."),
]


def test_a_followup_takes_the_topic_from_the_history():
    standalone = standalone_question("and the windows version of that last step?", HISTORY)
    assert standalone.is_followup
    assert standalone.question == "and the windows version of that last step?"
    for term in ("isolated", "env", "venv", "activate"):
        assert term in standalone.search
    assert standalone.context == HISTORY[0].text


def test_a_question_that_stands_on_its_own_is_left_alone():
    question = "how do I configure the logging module to write records with timestamps into a rotating file handler"
    standalone = standalone_question(question, HISTORY)
    assert not standalone.is_followup
    assert standalone.search == question


def test_without_history_nothing_changes():
    standalone = standalone_question("and on windows?")
    assert standalone.search == "and on windows?" and not standalone.is_followup


def test_the_rewrite_is_a_langchain_runnable():
    standalone = rewrite.invoke({"question": "how can I tell whether it's getting hits?", "history": [
        Turn("user", "simplest way to memoize an expensive pure function?"),
        Turn("assistant", "Decorate it with `@functools.lru_cache`."),
    ]})
    assert "memoize" in standalone.search and "functools.lru_cache" in standalone.search
