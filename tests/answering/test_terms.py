from bot.index.terms import content_terms, stem, stems, tokens


def test_tokens_keep_identifiers_flags_and_version_numbers_whole():
    assert tokens("Use os.makedirs(exist_ok=True) or --with-lto on 3.11, not no-extra-install -p") == [
        "use", "os.makedirs", "exist_ok", "true", "or", "--with-lto", "on", "3.11", "not", "no", "extra", "install", "-p",
    ]


def test_content_terms_drop_chat_filler_and_repeats():
    assert content_terms("hey, quick one: what's the default port of the http.server? the PORT!") == ["default", "port", "http.server"]


def test_stems_match_plural_and_tense_and_split_identifiers():
    assert stem("folders") == stem("folder") and stem("created") == "creat" == stem("creating")
    assert {"dirs_exist_ok", "dirs", "exist", "ok"} <= stems("dirs_exist_ok")
