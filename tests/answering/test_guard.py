from bot.answering.guard import check_support, relevant_enough
from bot.answering.retriever import Hit

SOURCE = (
    "Deploys freeze after 15:00 on Fridays. Until Monday 09:00 only hotfixes approved by the on-call engineer "
    "may go out, and each one needs a second reviewer in #deploys."
)


def _hit(similarity: float | None) -> Hit:
    return Hit(1, 1, "c", "a.md", "A", None, "", "text", 0.03, similarity, 1, 1)


def test_an_answer_in_the_sources_words_is_supported():
    support = check_support("Deploys freeze after 15:00 on Fridays; only approved hotfixes go out until Monday [1].", [SOURCE])
    assert support.supported, support


def test_an_invented_number_is_caught():
    support = check_support("Deploys freeze after 17:00 on Fridays [1].", [SOURCE])
    assert not support.supported
    assert "17:00" in support.reason or "17" in support.reason


def test_invented_facts_are_caught():
    answer = "The Friday freeze was introduced with SQL Server 2020 and can be skipped with the -o option of the installer."
    support = check_support(answer, [SOURCE])
    assert not support.supported
    assert "2020" in support.unsupported


def test_words_from_the_question_count_as_support():
    assert check_support("Weekend hotfixes need a second reviewer [1].", [SOURCE], question="who reviews weekend hotfixes?").supported


def test_a_declined_or_empty_answer_is_not_an_answer():
    assert not check_support("I don't know, the sources don't say.", [SOURCE]).supported
    assert not check_support("[1]", [SOURCE]).supported


def test_relevance_comes_from_the_best_vector_similarity():
    assert relevant_enough([_hit(0.2), _hit(0.7)], min_similarity=0.5)
    assert not relevant_enough([_hit(0.3), _hit(None)], min_similarity=0.5)
    assert not relevant_enough([], min_similarity=0.5)
