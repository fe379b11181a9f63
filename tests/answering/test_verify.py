"""The sentence check: identifiers, numbers and links verbatim in the sources; the question is no support."""

from bot.answering.compose import Sentence, sentences_of
from bot.answering.evidence import Evidence, Scored, Source
from bot.answering.relevance import Judged
from bot.answering.retrieve import Retrieved
from bot.index.search import Hit
from bot.answering.rewrite import Standalone
from bot.answering.units import split_units
from bot.answering.verify import Verifier, verified

FREEZE = (
    "Deploys freeze after 15:00 on Fridays. Until Monday 09:00 only hotfixes approved by the on-call engineer "
    "may go out, and each one needs a second reviewer in `#deploys`."
)
ROLLBACK = "Roll back with `shipit rollback lumen-api --to previous`. A rollback takes about 4 minutes and needs no approval. See https://wiki.example.com/deploys."


def _evidence(question: str, *texts: str) -> Evidence:
    hits = [Hit(i, i, "c", f"doc{i}.md", "Deploys", None, "Deploys > Rules", text, 0.03, 0.6, 0.6, 1, 1) for i, text in enumerate(texts, start=1)]
    sources = [Source(i, (hit,)) for i, hit in enumerate(hits, start=1)]
    units = [Scored(u, s, 1.0, n) for s in sources for n, u in enumerate(split_units(s.first.text, s.first.heading))]
    judged = Judged(Retrieved(Standalone(question, question), hits, None, ()), True, "relevant", 0.5)
    return Evidence(judged, sources, units)


def _check(text: str, question: str = "When is the deploy freeze?") -> bool:
    evidence = _evidence(question, FREEZE, ROLLBACK)
    return Verifier(evidence).check(Sentence(text, (), quoted=False)).passed  # cites nothing: any source may back it


def test_a_sentence_in_the_sources_words_passes():
    assert _check("Deploys freeze after 15:00 on Fridays; only approved hotfixes go out until Monday.")
    assert _check("Run `shipit rollback lumen-api --to previous`: it takes about 4 minutes.")


def test_an_invented_identifier_made_of_source_words_fails():
    # Each word is in the sources; the name is not: a word check passed it, the identifier check doesn't.
    assert not _check("Roll back with `shipit rollback_previous --force`.")
    assert not _check("Call shipit.rollbackDeploy() to undo a deploy.")
    assert not _check("Use the --to-previous flag of shipit.")


def test_a_sentence_is_checked_against_the_sources_it_cites():
    evidence = _evidence("How long does a rollback take?", FREEZE, ROLLBACK)
    sentence = "A rollback takes about 4 minutes and needs no approval."
    freeze, rollback = evidence.sources
    assert Verifier(evidence).check(Sentence(sentence, (rollback,), quoted=False)).passed
    assert not Verifier(evidence).check(Sentence(sentence, (freeze,), quoted=False)).passed


def test_invented_numbers_and_links_fail():
    assert not _check("Deploys freeze after 17:00 on Fridays.")
    assert not _check("A rollback takes about 4 minutes, see https://phish.example.net/deploys.")
    assert _check("A rollback takes about 4 minutes, see https://wiki.example.com/deploys.")


def test_words_only_the_question_supplies_are_no_support():
    question = "Is it true that the CEO approved unlimited weekend deploys for the payments team?"
    assert not _check("The CEO approved unlimited weekend deploys for the payments team.", question)


def test_a_sentence_that_flips_its_source_negation_fails():
    assert not _check("Deploys do not freeze after 15:00 on Fridays.")
    assert not _check("A rollback takes about 4 minutes and needs approval.")
    assert not _check("I don't know, the sources don't say.")


def test_sentences_come_out_of_a_stream_whole_and_with_their_citations():
    pieces = ["Deploys fre", "eze after 15:", "00 on Fridays [1", "]. Until Mon", "day 09:00 only hotfixes go out [1].", " Done"]
    assert list(sentences_of(pieces)) == ["Deploys freeze after 15:00 on Fridays [1].", "Until Monday 09:00 only hotfixes go out [1].", "Done"]


def test_only_the_sentences_that_pass_come_through_in_order():
    evidence = _evidence("When is the deploy freeze?", FREEZE)
    source = evidence.sources[0]
    written = [Sentence(t, (source,), quoted=False) for t in ("Deploys freeze after 15:00 on Fridays.", "They freeze at 17:30.", "Hotfixes need a second reviewer.")]
    assert [s.text for s in verified(written, evidence)] == ["Deploys freeze after 15:00 on Fridays.", "Hotfixes need a second reviewer."]


def test_a_quote_under_its_option_passes_even_when_the_option_says_no():
    # "--no-autosquash" is the option's name, not a negation the quote adds.
    option = "--autosquash, --no-autosquash\nWhen the commit log message begins with \"fixup!\", automatically modify the todo list of rebase -i."
    evidence = _evidence("How do I squash fixup commits automatically?", option)
    verifier = Verifier(evidence)
    quote = "When the commit log message begins with \"fixup!\", automatically modify the todo list of rebase -i."
    assert verifier.check(Sentence(f"`--autosquash, --no-autosquash`: {quote}", evidence.sources[:1], quoted=True)).passed
    assert not verifier.check(Sentence(f"`--autosquash-all`: {quote}", evidence.sources[:1], quoted=True)).passed  # a label it doesn't have
