"""The reply built from the evidence itself (the bundled model's way): units of the sources, scored, cited.

Over the sample handbook, ingested by the real pipeline and embedded by the real model.
"""

import pytest

from bot.answering.service import AnswerService
from bot.answering.units import split_units
from ingestion.pipeline import ingest
from tests.conftest import REPO

HANDBOOK = REPO / "bot" / "demo" / "handbook"


@pytest.fixture
def handbook(db, settings, embedder) -> AnswerService:
    ingest(db, settings, [str(HANDBOOK)], collection="default")
    return AnswerService(settings, db, embedder=embedder)


def test_the_unit_that_answers_leads_cited(handbook):
    pieces: list[str] = []
    answer = handbook.answer("How long does a rollback take?", collections=["default"], on_token=pieces.append)
    assert answer.text.startswith("A rollback takes about 4 minutes and needs no approval [1].")
    assert answer.citations[0].source == "deploys.md" and "4 minutes" in answer.citations[0].quote
    assert "".join(pieces) == answer.text and pieces[0] == "A rollback takes about 4 minutes and needs no approval [1]."


def test_the_friday_deploy_question_gets_the_freeze_not_a_yes(handbook):
    answer = handbook.answer("Can I deploy on Friday afternoon?", collections=["default"])
    assert not answer.abstained
    assert answer.text.startswith("Deploys freeze after 15:00 on Fridays [1].")
    assert "yes" not in answer.text.lower().split()  # nothing the sources don't say, least of all a verdict


def test_units_keep_a_term_with_its_description_and_drop_hidden_metadata():
    body = (
        "Path.mkdir(mode=0o777, parents=False, exist_ok=False)\n\n"
        "Create a new directory at this given path. If parents is true, any missing parents are created.\n\n"
        "<!-- YAML\nadded: v0.1.90\n-->\n"
        "* `force` {boolean} When `true`, exceptions will be ignored if `path` does not exist.\n"
        "  **Default:** `false`.\n\n"
        "Remove it like this:\n\n"
        "```js\nimport { rm } from 'node:fs/promises';\n// the comment is not a unit\nawait rm('dist', { recursive: true, force: true });\n```\n"
    )
    units = split_units(body, "pathlib > Path.mkdir")
    texts = [u.shown for u in units]
    assert texts[0] == "`Path.mkdir(mode=0o777, parents=False, exist_ok=False)`: Create a new directory at this given path."
    assert units[1].text == "If parents is true, any missing parents are created." and "Path.mkdir" in units[1].context
    assert "`force` {boolean} When `true`, exceptions will be ignored if `path` does not exist. **Default:** `false`." in texts
    assert not any("YAML" in t or "v0.1.90" in t or "comment" in t for t in texts)
    code = [u for u in units if u.code]
    assert [u.text for u in code] == ["import { rm } from 'node:fs/promises';", "await rm('dist', { recursive: true, force: true });"]
    assert code[0].context.endswith("Remove it like this:")


def test_a_chunk_that_begins_inside_a_code_block_keeps_its_prose_apart():
    # The chunk before this one opened the fence: its closing fence must not open a new one.
    body = "  idle: 1070919370,\n  },\n]\n```\n\n`os.cpus().length` should not be used to calculate the amount of parallelism\navailable to an application. Use\n[`os.availableParallelism()`](#osavailableparallelism) for this purpose."
    units = split_units(body, "OS > os.cpus()")
    prose = [u for u in units if not u.code]
    assert [u.text for u in prose] == [
        "`os.cpus().length` should not be used to calculate the amount of parallelism available to an application.",
        "Use `os.availableParallelism()` for this purpose.",  # a link only its page can follow: its label
    ]
    assert prose[1].follows and not prose[0].follows
    assert all(u.code for u in units if "idle" in u.text)


def test_the_sentence_after_the_lead_in_its_paragraph_comes_with_it():
    from bot.answering.compose import choose_units
    from bot.answering.evidence import Scored, Source

    source = Source(1, ())
    units = split_units("`os.cpus().length` should not be used for sizing a pool. Use `os.availableParallelism()` for this purpose.\n\nThe `nice` values are POSIX-only.")
    scored = [Scored(units[0], source, 0.95, 0), Scored(units[2], source, 0.7, 2), Scored(units[1], source, 0.3, 1)]
    chosen = choose_units(scored)
    assert [c.unit.text for c in chosen][:2] == [units[0].text, "Use `os.availableParallelism()` for this purpose."]


def test_a_chunk_that_opens_a_code_block_or_cuts_a_comment_keeps_its_prose():
    # A fence with a language opens a block the next chunk closes; a comment cut by the chunk's edge is no text.
    opening = "Bootstrapping within a worker is done within the event loop.\n\n```js\nconst { Worker, parentPort } = require('node:worker_threads');"
    assert [(u.text, u.code) for u in split_units(opening)] == [
        ("Bootstrapping within a worker is done within the event loop.", False),
        ("const { Worker, parentPort } = require('node:worker_threads');", True),
    ]
    cut = "version: v14.8.0\npr-url: https://github.com/nodejs/node/pull/34558\n-->\n\nThe `await` keyword may be used at the top level of a module.\n\n<!-- YAML\nadded: v1.0.0"
    assert [u.text for u in split_units(cut)] == ["The `await` keyword may be used at the top level of a module."]


def test_the_end_of_a_sentence_that_began_before_a_code_block_is_not_a_unit():
    body = "To see the suspects, run\n\n    $ git bisect visualize\n\nwhich will run gitk and label the commit it chose with a marker.\n\nThen mark it good or bad."
    assert [u.text for u in split_units(body) if not u.code] == ["Then mark it good or bad."]


def test_a_chunk_that_begins_with_the_fence_closing_an_earlier_block_reads_its_prose():
    body = "```\n\nOn Windows Node.js follows the concept of per-drive working directory.\nThis behavior can be observed when using a drive path without a backslash."
    assert [(u.text, u.code) for u in split_units(body)] == [
        ("On Windows Node.js follows the concept of per-drive working directory.", False),
        ("This behavior can be observed when using a drive path without a backslash.", False),
    ]


def test_an_emphasised_note_is_no_term_and_the_api_heading_labels_what_follows():
    body = "_This property is an extension by Node.js. It is not available in Web browsers._\n\nCreates an `IntervalHistogram` object that samples and reports the event loop delay over time."
    units = split_units(body, "Performance > perf_hooks.monitorEventLoopDelay([options])")
    assert units[-1].shown == "`perf_hooks.monitorEventLoopDelay([options])`: Creates an `IntervalHistogram` object that samples and reports the event loop delay over time."


def test_a_numbered_heading_labels_by_its_name():
    units = split_units("With the adoption of PEP 420, namespace packages no longer need to supply it.", "The import system > 5.4.5. module.__path__")
    assert units[0].shown.startswith("`module.__path__`: With the adoption")
