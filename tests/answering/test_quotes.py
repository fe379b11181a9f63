from bot.answering.quotes import best_sentences, sentences, shorten

ROLLBACKS = """Rollbacks
Roll back with `shipit rollback lumen-api --to previous`. A rollback takes about 4 minutes and needs no approval.
Post in `#deploys` when you roll back, and open an incident if customers were affected.

Database migrations
Migrations run in a separate pipeline step before the new code starts."""


def test_sentences_split_on_sentence_ends_and_lines_and_drop_heading_lines():
    assert sentences(ROLLBACKS) == [
        "Roll back with `shipit rollback lumen-api --to previous`.",
        "A rollback takes about 4 minutes and needs no approval.",
        "Post in `#deploys` when you roll back, and open an incident if customers were affected.",
        "Migrations run in a separate pipeline step before the new code starts.",
    ]


def test_the_quote_is_the_sentence_that_answers(embedder):
    [quote] = best_sentences("how long does a rollback take?", [ROLLBACKS], embedder)
    assert quote == "A rollback takes about 4 minutes and needs no approval."


def test_several_sentences_come_in_reading_order(embedder):
    quotes = best_sentences("how long does a rollback take and what command rolls back?", [ROLLBACKS, "Coffee is free. Tea too, on every floor."], embedder, per_text=[2])
    assert quotes[0] == "Roll back with `shipit rollback lumen-api --to previous`. A rollback takes about 4 minutes and needs no approval."
    assert quotes[1] == "Coffee is free. Tea too, on every floor."  # one sentence by default; this one is merged, too short alone


def test_long_quotes_are_shortened_on_a_word():
    assert shorten("word " * 100, limit=40).endswith(" …") and len(shorten("word " * 100, limit=40)) <= 42
