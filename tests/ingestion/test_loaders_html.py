"""HTML in every generator's dialect: read from bytes as declared, main content only, definitions kept whole.

Each fixture in fixtures/html is a small page written in its generator's real shape (checked against
pages from Debian's postgresql-doc, git-doc, debian-reference, mkdocs and openjdk doc packages, and
against published Docusaurus, Material for MkDocs, Read the Docs, Confluence and Notion output).
"""

from pathlib import Path

import pytest

from bot.errors import UnsupportedDocument
from ingestion import loaders

FIXTURES = Path(__file__).parent / "fixtures" / "html"


def _load(name: str):
    return loaders.load((FIXTURES / name).read_bytes(), name=name)


def _text(document) -> str:
    return "\n\n".join(section.text for section in document.sections)


def _section(document, heading: str):
    return next(section for section in document.sections if section.headings[-1:] == [heading])


def _definition(document, term: str) -> str:
    """The paragraph that defines `term`: it must start with the term, its description on the next lines."""
    for section in document.sections:
        for paragraph in section.text.split("\n\n"):
            if paragraph.split("\n", 1)[0] == term:
                assert term in section.terms
                return paragraph
    raise AssertionError(f"no definition of {term!r} in {[s.terms for s in document.sections]}")


def test_docbook_xhtml_reference_page_with_its_xml_declaration():
    document = _load("docbook-refentry.xhtml")
    assert document.title == "pg_archive"
    # The page's title heads its sibling <h2> sections.
    assert [s.headings for s in document.sections][:4] == [
        ["pg_archive"], ["pg_archive", "Synopsis"], ["pg_archive", "Description"], ["pg_archive", "Options"],
    ]
    assert _definition(document, "-a, --data-only") == (
        "-a, --data-only\nArchive only the data, not the schema (data definitions).\n"
        "This option is similar to specifying --section=data."
    )
    assert _definition(document, "-Z level, --compress=level").endswith("The default is 6.")
    assert _definition(document, "custom") == "custom\nA compressed archive that pg_restore reads, in any order."
    for chrome in ("Prev", "Next", "Home", "Up"):
        assert chrome not in _text(document).split()


def test_docbook_chapter_drops_its_table_of_contents_and_nests_sections():
    document = _load("docbook-chapter.xhtml")
    assert document.title == "Chapter 2. Package management"
    assert _section(document, "2.1.1. Package sources").headings == [
        "Chapter 2. Package management", "2.1. Prerequisites", "2.1.1. Package sources",
    ]
    assert _definition(document, "Suites") == "Suites\nThe release names to follow, such as stable."
    assert _definition(document, "apt install foo") == "apt install foo\ninstall package foo and what it depends on"
    assert "Table of Contents" not in _text(document)
    assert "Chapter 1. Tutorials" not in _text(document)  # the navigation footer


def test_asciidoc_labelled_and_horizontal_lists_are_definitions():
    document = _load("asciidoc-manpage.html")
    assert document.title == "git-graft(1) Manual Page"
    assert _definition(document, "--onto <newbase>") == (
        "--onto <newbase>\nStarting point at which to create the new commits. If the --onto option is not "
        "specified, the starting point is <upstream>.\nMay be any valid commit, and not just an existing branch name."
    )
    assert _definition(document, "graft.autoStash").startswith("graft.autoStash\nWhen set to true, create a temporary stash")
    assert "git graft [--onto <newbase>] [<upstream> [<branch>]]\ngit graft (--continue | --abort)" in _text(document)
    assert "Last updated" not in _text(document) and "asciidoc.install" not in _text(document)


def test_sphinx_read_the_docs_theme_keeps_api_entries_and_field_lists():
    document = _load("sphinx-rtd.html")
    assert document.title == "Connecting"
    entry = _section(document, "tern.connect")
    assert entry.text.startswith("tern.connect(url, timeout=30)\n\nOpen a connection to url.")
    assert _definition(document, "Parameters:") == (
        "Parameters:\nurl \u2013 the server address.\ntimeout \u2013 seconds to wait for the first byte."
    )
    assert _definition(document, "keepalive") == "keepalive\nA ping sent every 15 seconds so that idle connections stay open."
    for chrome in ("Search docs", "View page source", "Previous", "Copyright", "Read the Docs", "Changes"):
        assert chrome not in _text(document)


def test_mkdocs_default_theme_main_column_only():
    document = _load("mkdocs.html")
    assert document.title == "Configuration"
    assert [s.headings for s in document.sections] == [
        ["Configuration"], ["Configuration", "site_name"], ["Configuration", "site_url"],
    ]
    assert "site_name: Marshmallow Generator" in _section(document, "site_name").text
    for chrome in ("User Guide", "Previous", "Search", "Copyright", "built with", "\xb6"):
        assert chrome not in _text(document)


def test_mkdocs_material_drops_sidebars_and_reads_option_tables_as_definitions():
    document = _load("mkdocs-material.html")
    assert document.title == "Deploying"
    assert _definition(document, "--wait") == "--wait\ntrue | Block until every pod reports ready again."
    assert "harbor rollback --to previous" in _text(document)
    for chrome in ("Skip to content", "Table of contents", "Setup", "Edit this page", "March 3, 2024", "Made with", "Back to top"):
        assert chrome not in _text(document)


def test_docusaurus_code_lines_kept_and_chrome_dropped():
    document = _load("docusaurus.html")
    assert document.title == "Error codes"
    assert [s.headings for s in document.sections] == [["Error codes"], ["Error codes", "-1021 INVALID_TIMESTAMP"]]
    assert '{\n  "code": -1021\n}' in _text(document)  # Prism ends each code line with a <br>
    assert "\u200b" not in _text(document)  # the heading anchors' zero-width spaces
    for chrome in ("Skip to main content", "Introduction", "On this page", "Edit this page", "Last updated", "Copyright", "Docs"):
        assert chrome not in _text(document)


def test_javadoc_member_summary_rows_and_notes_are_definitions():
    document = _load("javadoc.html")
    assert document.title == "Class RetryPolicy"
    assert _definition(document, "Duration backoff(int attempt)") == "Duration backoff(int attempt)\nThe wait before the given attempt."
    assert _definition(document, "Throws:") == "Throws:\nIllegalArgumentException - if attempt is less than 1"
    assert _section(document, "backoff").headings == ["Class RetryPolicy", "Method Details", "backoff"]
    for chrome in ("Skip navigation links", "Overview", "Index", "JavaScript is disabled", "All rights reserved"):
        assert chrome not in _text(document)


def test_confluence_export_without_breadcrumbs_metadata_or_attachments():
    document = _load("confluence.html")
    assert document.title == "Engineering : Release runbook"
    assert _definition(document, "--canary") == "--canary\nShips to 5% of hosts first and waits 20 minutes."
    assert "A hotfix needs a second reviewer." in _section(document, "Freeze").text
    for chrome in ("Operations", "Created by", "Attachments", "pipeline.png", "Document generated by", "Atlassian"):
        assert chrome not in _text(document)


def test_notion_export_without_its_table_of_contents_or_icons():
    document = _load("notion.html")
    assert document.title == "On-call handbook"
    assert _section(document, "Escalation").text.startswith("Escalate to the incident lead after 30 minutes without a fix.")
    assert "Who is the incident lead?\n\nWhoever is on the secondary rota that week." in _text(document)
    assert "\U0001f6a8" not in _text(document) and "\U0001f4a1" not in _text(document)
    assert _section(document, "Paging").text.count("Paging") == 0  # the table of contents' link is gone


def test_namespace_prefixed_xhtml_in_the_encoding_its_declaration_names():
    document = _load("xhtml-prefixed-latin1.xhtml")
    assert document.title == "Caf\xe9 des d\xe9veloppeurs"
    assert "Le caf\xe9 ouvre \xe0 8h30 ; la r\xe9union d\u2019\xe9quipe commence \xe0 9h00." in _text(document)
    assert _definition(document, "Espresso") == "Espresso\n1,20 \u20ac la tasse"
    assert "Accueil" not in _text(document) and not document.notes


@pytest.mark.parametrize("declaration", [
    b'<meta charset="windows-1252">',
    b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">',
])
def test_meta_charset_is_honoured(declaration):
    page = b"<html><head>" + declaration + b"<title>Menu</title></head><body><p>Caf\xe9 cr\xe8me \x80 2</p></body></html>"
    document = loaders.load(page, name="menu.html")
    assert document.sections[0].text == "Caf\xe9 cr\xe8me \u20ac 2" and not document.notes


def test_byte_order_mark_wins_over_a_wrong_declaration():
    page = '<?xml version="1.0" encoding="ISO-8859-1"?><html><body><p>\u00c5ngstr\u00f6m \u2014 0.1 nm</p></body></html>'
    for encoded in (b"\xef\xbb\xbf" + page.encode("utf-8"), page.encode("utf-16")):
        assert loaders.load(encoded, name="unit.xhtml").sections[0].text == "\u00c5ngstr\u00f6m \u2014 0.1 nm"


def test_charset_sent_by_the_server_is_honoured_and_invalid_bytes_are_noted():
    page = b"<html><body><p>Gr\xfc\xdfe</p></body></html>"
    fetched = loaders.load(page, name="https://example.org/hello", content_type="text/html; charset=iso-8859-1")
    assert fetched.sections[0].text == "Gr\xfc\xdfe"
    assert "replaced 2 byte sequence(s) invalid in utf-8" in loaders.load(page, name="hello.html").notes


def test_redirect_stub_and_table_of_contents_page_say_why_they_are_skipped():
    stub = b"""<!doctype html><html><head><meta charset="utf-8"><title>Redirecting...</title>
<meta http-equiv="refresh" content="0; url=../dev-guide/themes.html"></head><body>Redirecting...</body></html>"""
    with pytest.raises(UnsupportedDocument, match=r"a redirect page, nothing to index: it points to \.\./dev-guide/themes\.html"):
        loaders.load(stub, name="custom-themes.html")
    part = b"""<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml"><body><div class="part">
<h1 class="title">Part VIII. Appendixes</h1><div class="toc"><dl class="toc"><dt><a href="a.html">A. Codes</a></dt></dl></div>
</div></body></html>"""
    with pytest.raises(UnsupportedDocument, match="only headings and navigation"):
        loaders.load(part, name="appendixes.html")
