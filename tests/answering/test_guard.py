from bot.answering.guard import Relevance, check_support
from bot.answering.retriever import Hit

SOURCE = (
    "Deploys freeze after 15:00 on Fridays. Until Monday 09:00 only hotfixes approved by the on-call engineer "
    "may go out, and each one needs a second reviewer in #deploys."
)


def _hit(similarity: float | None, best: float | None = None, ranks: tuple[int | None, int | None] = (1, 1)) -> Hit:
    return Hit(1, 1, "c", "a.md", "A", None, "", "text", 0.03, similarity, best, *ranks)


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
    relevance = Relevance(min_similarity=0.5, confident_similarity=0.6, corroboration_rank=30)
    assert relevance.relevant([_hit(0.2), _hit(0.7)])
    assert not relevance.relevant([_hit(0.3), _hit(None)])
    assert not relevance.relevant([])
    # The closest vector candidate counts even when fusion ranked it out of the top k.
    assert relevance.relevant([_hit(0.3, best=0.65)])


def test_in_the_grey_zone_both_searches_must_agree_on_a_top_chunk():
    relevance = Relevance(min_similarity=0.5, confident_similarity=0.6, corroboration_rank=30)
    assert relevance.relevant([_hit(0.55, ranks=(12, 25))])
    assert not relevance.relevant([_hit(0.55, ranks=(1, 48)), _hit(0.5, ranks=(40, 2)), _hit(0.5, ranks=(3, None))])
    assert not relevance.relevant([_hit(0.45, ranks=(1, 1))])  # below the floor, agreement doesn't help
