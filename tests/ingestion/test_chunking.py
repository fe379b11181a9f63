"""Chunks fit the embedding model: heading path + text within the budget, measured by the model's tokenizer."""

import pytest

from ingestion.chunking import Chunker, ChunkingOptions
from ingestion.documents import Section, SectionBuilder
from ingestion.pipeline import CHUNK_TOKENS


@pytest.fixture
def chunker(embedder) -> Chunker:
    special = embedder.count_tokens("")
    return Chunker(lambda text: embedder.count_tokens(text) - special, ChunkingOptions(CHUNK_TOKENS, 32))


def _long_section() -> Section:
    sentences = " ".join(f"Step {n}: restart the indexer on node-{n} and wait {n * 3} seconds before the next one." for n in range(60))
    code = "\n".join(f"kubectl rollout restart deployment/indexer-{n} --namespace=search-{n % 4}" for n in range(40))
    unbroken = "x" * 3000  # one 'word' longer than any chunk: still cut to fit
    return Section(headings=["Runbook", "Restarting the indexer"], text=f"{sentences}\n\n{code}\n\n{unbroken}")


def test_every_chunk_fits_the_model_with_its_heading_path(chunker, embedder):
    chunks = chunker.split([_long_section()])

    assert len(chunks) > 5
    for chunk in chunks:
        assert chunk.heading_path == "Runbook > Restarting the indexer"
        assert embedder.count_tokens(chunk.embedding_text) <= CHUNK_TOKENS + 2 < embedder.max_tokens
    text = " ".join(c.text for c in chunks)
    assert "Step 59:" in text and "search-3" in text and text.count("x") >= 3000  # nothing lost


def test_long_sections_overlap_by_a_sentence(chunker):
    chunks = chunker.split([_long_section()])
    first, second = chunks[0].text, chunks[1].text
    last_sentence = first.rsplit("Step ", 1)[1]
    assert second.startswith("Step " + last_sentence)


def test_small_sibling_sections_share_a_chunk_under_their_parent(chunker):
    sections = [
        Section(["Deploys"], "We deploy with shipit."),
        Section(["Deploys", "Windows"], "Monday to Thursday."),
        Section(["Deploys", "Windows", "Friday freeze"], "Deploys freeze after 15:00 on Fridays."),
        Section(["Deploys", "Windows", "Holiday freeze"], "No deploys from 20 December."),
    ]
    chunks = chunker.split(sections)
    assert [(c.heading_path, c.text) for c in chunks] == [
        ("Deploys", "We deploy with shipit.\n\nWindows\nMonday to Thursday."),
        ("Deploys > Windows", "Friday freeze\nDeploys freeze after 15:00 on Fridays.\n\nHoliday freeze\nNo deploys from 20 December."),
    ]


def test_sections_on_different_pages_are_not_merged(chunker):
    sections = [Section(["Policy"], "Page one text.", {"page": 1}), Section(["Policy"], "Page two text.", {"page": 2})]
    assert [c.metadata for c in chunker.split(sections)] == [{"page": 1}, {"page": 2}]


def test_a_section_without_headings_takes_the_document_title(chunker):
    chunks = chunker.split([Section([], "Just text.")], title="Notes")
    assert [(c.heading_path, c.text) for c in chunks] == [("Notes", "Just text.")]


def test_huge_unbroken_text_is_chunked_quickly_and_within_limits(chunker, embedder):
    import time

    blob = "QUJD" * 50_000  # 200 KB of base64 with no spaces
    prose = " ".join(f"word{n}" for n in range(15_000))  # one 100 KB paragraph with no sentence ends
    started = time.monotonic()
    chunks = chunker.split([Section(["Dump"], blob), Section(["Log"], prose)])
    assert time.monotonic() - started < 60
    assert all(embedder.count_tokens(c.embedding_text) <= CHUNK_TOKENS + 2 for c in chunks[:50] + chunks[-50:])
    dump = [c.text.replace("\n\n", "") for c in chunks if c.heading_path == "Dump"]
    assert dump[0].startswith(blob[:400]) and dump[-1].endswith(blob[-400:]) and sum(map(len, dump)) >= len(blob)
    assert chunks[-1].text.endswith("word14999")


def test_a_single_overlong_heading_is_cut(chunker, embedder):
    chunk = chunker.split([Section(["Title " + "verylongword " * 80], "Body.")])[0]
    assert embedder.count_tokens(chunk.heading_path) <= 50 and chunk.text == "Body."


def test_very_long_heading_paths_are_shortened(chunker, embedder):
    headings = [f"Heading level {n} with a fairly long and descriptive title" for n in range(8)]
    chunk = chunker.split([Section(headings, "Body.")])[0]
    assert chunk.heading_path.startswith("Heading level 0") and chunk.heading_path.endswith("Heading level 7 with a fairly long and descriptive title")
    assert embedder.count_tokens(chunk.heading_path) <= 50


def _options_section() -> Section:
    """Options as a loader hands them over: one definition (term line, description below) per paragraph."""
    builder = SectionBuilder()
    builder.heading(1, "git-graft")
    builder.heading(2, "OPTIONS")
    for n in range(12):
        builder.add_definition(f"--option-{n} <value>", f"Sets value number {n} for the graft; the default is {n * 10} and it applies to every commit.")
    long_text = "\n".join(f"Sentence {n} of the rebase strategy option explains how conflicts in file-{n} are resolved when grafting." for n in range(40))
    builder.add_definition("--strategy=<strategy>", long_text)
    return builder.finish()[0]


def test_definitions_are_never_cut_from_their_term(chunker, embedder):
    section = _options_section()
    chunks = chunker.split([section])

    assert len(chunks) > 3
    for chunk in chunks:
        assert embedder.count_tokens(chunk.embedding_text) <= CHUNK_TOKENS + 2
        # Each chunk starts at a definition (no overlap sentence before it) and holds only whole definitions.
        assert chunk.text.split("\n", 1)[0] in section.terms
        for paragraph in chunk.text.split("\n\n"):
            assert paragraph.split("\n", 1)[0] in section.terms
    pieces = [c.text for c in chunks if "--strategy=<strategy>" in c.text]
    assert len(pieces) > 1 and all(piece.startswith("--strategy=<strategy>\nSentence") for piece in pieces)
    said = " ".join(pieces)
    assert all(f"Sentence {n} of" in said for n in range(40))
    short = [c for c in chunks if "--option-5 <value>" in c.text]
    assert len(short) == 1 and "--option-5 <value>\nSets value number 5 for the graft; the default is 50" in short[0].text


def test_code_is_cut_between_lines_and_prose_between_sentences(chunker):
    listing = "\n".join(f"  {{ model: 'Intel(R) Core(TM) i7', speed: 2926, idle: {n}, irq: 0 }}," for n in range(60))
    prose = " ".join(f"Sentence {n} of the paragraph wraps\nacross a hard line break before it ends." for n in range(40))
    chunks = chunker.split([Section(["OS", "os.cpus()"], f"```js\n[\n{listing}\n]\n```\n\n{prose}")])

    code_lines = {f"  {{ model: 'Intel(R) Core(TM) i7', speed: 2926, idle: {n}, irq: 0 }}," for n in range(60)}
    for chunk in chunks:
        for line in chunk.text.split("\n"):
            if "model:" in line:
                assert line in code_lines  # never "idle:" cut from its value at the colon
        prose_lines = [line for line in chunk.text.split("\n") if "Sentence" in line or "across" in line]
        if prose_lines:  # a chunk's prose starts at a sentence and ends at one: no half-sentence at its edges
            assert prose_lines[0].startswith("Sentence") and prose_lines[-1].endswith("ends.")
    assert sum(c.text.count("idle:") for c in chunks) >= 60
