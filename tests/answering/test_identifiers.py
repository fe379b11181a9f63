"""What counts as an identifier, a number or a link: the claims an answer must copy from its sources."""

from bot.answering.identifiers import bare, identifiers, numbers, urls


def test_code_spans_flags_dotted_snake_and_camel_names_are_identifiers():
    text = (
        "Use `fs.rm(dir, { recursive:  true })` or fs.rmSync() with --force; path.posix and next.config.js are names, "
        "so are os_path, setMaxListeners(20) and EventEmitter."
    )
    assert identifiers(text) == [
        "fs.rm(dir, { recursive: true })", "--force", "fs.rmSync()", "path.posix", "next.config.js", "os_path", "setMaxListeners", "EventEmitter",
    ]


def test_prose_abbreviations_numbers_and_capitalised_words_are_not_identifiers():
    assert identifiers("Python 3.11 is fast, e.g. on Windows. It costs 25% less. Deploys freeze on Fridays.") == []


def test_numbers_and_links_are_found_outside_code():
    text = "Freeze after 15:00 on Fridays, about 4 minutes, 25% faster in 3.11; see https://wiki.example.com/deploys. `port 8000`"
    assert numbers(text) == ["15:00", "4", "25%", "3.11"]
    assert urls(text) == ["https://wiki.example.com/deploys"]


def test_a_call_is_claimed_without_its_parentheses():
    assert bare("fs.rmSync()") == "fs.rmSync" and bare("path.posix") == "path.posix"
