"""Each format's loader on small documents: titles from the document, sections under their headings."""

import io

import docx
import pytest

from bot.errors import UnsupportedDocument
from ingestion import loaders
from tests.ingestion.badfiles import HANDBOOK_PDF
from tests.ingestion.conftest import HANDBOOK


def _paths(document) -> list[str]:
    return [" > ".join(section.headings) for section in document.sections]


def test_markdown_splits_on_headings_but_not_inside_code_fences():
    source = b"""---
title: Release guide
---
Intro line.

Setup
=====

Install it.

```bash
# not a heading
make install
```

## Configure

Set `FOO`.
"""
    document = loaders.load(source, name="guide/release.md")
    assert document.title == "Release guide"
    assert _paths(document) == ["", "Setup", "Setup > Configure"]
    assert "# not a heading\nmake install" in document.sections[1].text


def test_plain_text_is_one_section_titled_by_its_first_line():
    document = loaders.load(b"Office hours\n\nThe office opens at 08:00.\n", name="hours.txt")
    assert document.title == "Office hours"
    assert [s.text for s in document.sections] == ["Office hours\n\nThe office opens at 08:00."]


def test_restructuredtext_sections_and_no_file_inclusion(tmp_path):
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    source = f"""
=========
Runbook
=========

Start here.

Restarting
----------

Run ``svc restart``.

.. include:: {tmp_path / 'secret.txt'}

.. function:: unknown_sphinx_directive()

Backups
-------

Nightly at 02:00.
""".encode()
    document = loaders.load(source, name="runbook.rst")
    assert document.title == "Runbook"
    assert _paths(document) == ["Runbook", "Runbook > Restarting", "Runbook > Backups"]
    assert "Nightly at 02:00." in document.sections[2].text
    assert all("TOP SECRET" not in s.text for s in document.sections)


SPHINX_PAGE = b"""<!DOCTYPE html><html><head><title>pathlib \xe2\x80\x94 Python docs</title>
<script>var x = "script text";</script></head><body>
<div class="related" role="navigation"><h3>Navigation</h3><a href="index.html">index</a> next | previous</div>
<div class="document"><div class="documentwrapper"><div class="bodywrapper"><div class="body" role="main">
<section><h1>pathlib \xe2\x80\x94 Object-oriented filesystem paths<a class="headerlink" href="#">\xc2\xb6</a></h1>
<p>Intro paragraph.</p>
<section><h2>Methods</h2>
<dl class="py method"><dt class="sig sig-object py" id="pathlib.Path.mkdir">
<span class="sig-prename descclassname">Path.</span><span class="sig-name descname">mkdir</span>(<em>mode=0o777</em>, <em>parents=False</em>, <em>exist_ok=False</em>)<a class="headerlink" href="#">\xc2\xb6</a></dt>
<dd><p>Create a new directory. If <em>parents</em> is true, missing parents are created.</p>
<div class="highlight"><pre>p.mkdir(parents=True,
        exist_ok=True)</pre></div></dd></dl>
<table><tr><th>Flag</th><th>Meaning</th></tr><tr><td>-p</td><td>parents</td></tr></table>
</section></section></div></div></div>
<div class="sphinxsidebar" role="navigation"><h3>Table of Contents</h3><ul><li><a href="#">pathlib</a></li></ul>
<h4>Previous topic</h4><p><a href="os.html">os.path</a></p><div id="searchbox"><form><input name="q"></form></div></div></div>
<div class="footer">&copy; Copyright 2001-2023, Python Software Foundation.</div></body></html>"""


def test_html_keeps_main_content_and_api_signatures_and_drops_navigation():
    document = loaders.load(SPHINX_PAGE, name="library/pathlib.html")
    assert document.title == "pathlib \u2014 Object-oriented filesystem paths"
    assert _paths(document) == [
        "pathlib \u2014 Object-oriented filesystem paths",
        "pathlib \u2014 Object-oriented filesystem paths > Methods > pathlib.Path.mkdir",
        "pathlib \u2014 Object-oriented filesystem paths > Methods",
    ]
    entry = document.sections[1].text
    assert entry.startswith("Path.mkdir(mode=0o777, parents=False, exist_ok=False)\n\nCreate a new directory.")
    assert "p.mkdir(parents=True,\n        exist_ok=True)" in entry  # <pre> keeps its lines
    assert document.sections[2].text == "Flag | Meaning\n-p | parents"
    everything = " ".join(s.text for s in document.sections)
    for boilerplate in ("Navigation", "Table of Contents", "Previous topic", "Copyright", "script text", "\xb6", "next |"):
        assert boilerplate not in everything


def test_html_article_header_keeps_its_title_while_the_page_header_goes():
    page = b"""<html><head><title>Blog</title></head><body><header><a href="/">Home</a> Site banner</header>
<article><header><h1>Moving to Postgres 18</h1></header><p>We upgrade on 3 March.</p></article></body></html>"""
    document = loaders.load(page, name="post.html")
    assert document.title == "Moving to Postgres 18"
    assert [(s.headings, s.text) for s in document.sections] == [(["Moving to Postgres 18"], "We upgrade on 3 March.")]


def test_html_navigation_page_is_refused():
    links = "".join(f'<li><a href="p{i}.html">Page number {i}</a></li>' for i in range(40))
    page = f"<html><body><main><h1>Index</h1><ul>{links}</ul></main></body></html>".encode()
    with pytest.raises(UnsupportedDocument, match="navigation page"):
        loaders.load(page, name="index.html")


def test_handbook_html_page_title_and_no_boilerplate():
    document = loaders.load((HANDBOOK / "security-policy.html").read_bytes(), name="security-policy.html")
    assert document.title == "Security policy"
    text = " ".join(s.text for s in document.sections)
    assert "YubiKey 5C" in text and "Handbook home" not in text and "analytics" not in text


def test_pdf_keeps_page_numbers_and_outline_headings():
    document = loaders.load(HANDBOOK_PDF.read_bytes(), name="travel-policy.pdf")
    assert document.title == "Lumen Labs travel policy"
    assert [(s.headings, s.metadata["page"]) for s in document.sections] == [(["Travel policy"], 1), (["Team offsites"], 2)]
    assert "1,200 euros per person" in document.sections[1].text


def _docx_bytes() -> bytes:
    document = docx.Document()
    document.core_properties.title = ""
    document.add_heading("Parental leave", level=0)
    document.add_paragraph("Everyone gets 20 weeks of paid leave.")
    document.add_heading("How to apply", level=1)
    document.add_paragraph("Tell People Ops 8 weeks ahead.", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Weeks", "Pay"
    table.cell(1, 0).text, table.cell(1, 1).text = "1-20", "100%"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_headings_lists_and_tables():
    document = loaders.load(_docx_bytes(), name="leave.docx")
    assert document.title == "Parental leave"
    assert _paths(document) == ["Parental leave", "Parental leave > How to apply"]
    assert document.sections[1].text == "- Tell People Ops 8 weeks ahead.\n\nWeeks | Pay\n1-20 | 100%"


def test_unknown_extension_is_unsupported():
    with pytest.raises(UnsupportedDocument, match="unsupported file type"):
        loaders.load(b"console.log('hi')", name="app.js")


@pytest.mark.parametrize("name, data", [
    ("docs/release-notes_v2.md", b"Nothing but a paragraph.\n"),
    ("docs/release-notes_v2.rst", b"Nothing but a paragraph.\n"),
    ("docs/release-notes_v2.txt", b"x" * 200 + b"\n\nA first line too long to be a title.\n"),
    ("docs/release-notes_v2.html", b"<html><body><p>Nothing but a paragraph.</p></body></html>"),
])
def test_a_document_without_a_title_is_named_by_its_file_name_words(name, data):
    assert loaders.load(data, name=name).title == "release notes v2"


def test_a_docx_without_a_title_is_named_by_its_file_name_words():
    document = docx.Document()
    document.core_properties.title = ""
    document.add_paragraph("Nothing but a paragraph.")
    out = io.BytesIO()
    document.save(out)
    assert loaders.load(out.getvalue(), name="docs/release-notes_v2.docx").title == "release notes v2"


def test_restructuredtext_option_definition_and_field_lists_are_definitions():
    source = b"""Options
=======

--onto <newbase>  Starting point at which to create the new commits.
                  May be any valid commit.
-v, --verbose     Be verbose.

keepalive
   A ping sent every 15 seconds.

   It keeps idle connections open.

:timeout: seconds to wait
"""
    section = loaders.load(source, name="options.rst").sections[0]
    assert section.terms == ["--onto <newbase>", "-v, --verbose", "keepalive", "timeout"]
    assert section.text.split("\n\n") == [
        "--onto <newbase>\nStarting point at which to create the new commits.\nMay be any valid commit.",
        "-v, --verbose\nBe verbose.",
        "keepalive\nA ping sent every 15 seconds.\nIt keeps idle connections open.",
        "timeout\nseconds to wait",
    ]
