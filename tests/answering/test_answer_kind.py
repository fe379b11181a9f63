"""The lead unit states the kind of thing asked for (a default, a number, a command, a yes or no), not only the topic.

Units are scored with the real embedder; each page holds a sentence on the question's topic and one that answers it.
"""

import pytest

from bot.answering.answer_kind import Kind, asked
from bot.answering.evidence import Source, score_units
from bot.index.search import Hit


def test_the_questions_wording_names_the_kind_it_asks_for():
    assert asked("whats the default port of the dev server") == {Kind.DEFAULT}
    assert asked("how many retries does the uploader make?") == {Kind.NUMBER}
    assert asked("which command clears the build cache") == {Kind.COMMAND}
    assert asked("can i deploy on a saturday?") == {Kind.YES_NO}
    assert asked("how fast must on-call ack a page?") == {Kind.TIME}
    assert asked("how do i rotate the api key") == {Kind.HOW_TO}
    assert asked("where do the nightly backups go") == {Kind.PATH}
    assert asked("unused pto roll over?") == frozenset()  # a topic, no kind: similarity and words decide


def _source(title: str, text: str) -> Source:
    return Source(1, (Hit(1, 1, "c", f"{title.lower()}.md", title, None, title, text, 0.03, 0.6, 0.6, 1, 1),))


CASES = [
    ("default", "whats the default port of the dev server",
     "The dev server reloads the page whenever you save a file in the project.\n\nThe port defaults to 8080.",
     "The port defaults to 8080."),
    ("number", "how many retries before an upload fails?",
     "Uploads are retried when the network drops.\n\nAn upload fails after 3 retries.",
     "An upload fails after 3 retries."),
    ("command", "which command clears the build cache?",
     "The build cache keeps compiled layers so that repeated builds of the same project are fast.\n\nClear it with `buildctl prune --all`.",
     "Clear it with `buildctl prune --all`."),
    ("yes/no", "can i deploy on a saturday?",
     "Deploys go out through the release calendar, which the platform team publishes every Monday.\n\nDeploys are never allowed on weekends.",
     "Deploys are never allowed on weekends."),
]


@pytest.mark.parametrize("kind, question, page, answer", CASES, ids=[c[0] for c in CASES])
def test_the_unit_that_states_what_is_asked_leads(embedder, kind, question, page, answer):
    units = score_units(question, [_source("Guide", page)], embedder)
    assert units[0].unit.text == answer, [(u.unit.text, round(u.score, 3)) for u in units]


def test_without_a_kind_in_the_wording_the_best_scoring_unit_leads(embedder):
    page = "The dev server reloads the page whenever you save a file in the project. The port defaults to 8080."
    units = score_units("tell me about the dev server reloading", [_source("Guide", page)], embedder)
    assert units[0].unit.text.startswith("The dev server reloads") and units == sorted(units, key=lambda u: -u.score)
