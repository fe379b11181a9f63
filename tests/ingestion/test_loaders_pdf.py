"""PDF text reads as written: words set apart by kerning stay apart, ligatures and line-end hyphens undone,
running headers dropped, the outline's headings and page numbers kept, bombs refused."""

import re
import zlib

import pytest

from bot.errors import UnsupportedDocument
from ingestion import loaders
from tests.ingestion.pdfs import Page, kerned_pdf

MANUAL = [
    Page(["Operations manual 1", "Deploys freeze after 15:00 on Fridays, and a hotfix needs a second reviewer.",
          "The installation of uploaded files is checked by the release pipeline."], [(0, "Deploys")]),
    Page(["Operations manual 2", "Rollbacks", "A rollback takes about four minutes and needs no approval.",
          "The configuration file lists every floor of the data centre instal-", "lation in order."],
         [(1, "Rollbacks")]),
    Page(["Operations manual 3", "The command-line tool is documented in the com-", "mand-line reference.",
          "Appendix", "Nothing else is needed."], [(0, "Appendix")]),
]


@pytest.fixture(scope="module")
def manual():
    return loaders.load(kerned_pdf(MANUAL, title="Operations manual"), name="docs/ops_manual.pdf")


def _text(document) -> str:
    return "\n".join(section.text for section in document.sections)


def test_words_spaced_by_kerning_are_not_glued(manual):
    text = _text(manual)
    assert "Deploys freeze after 15:00 on Fridays, and a hotfix needs a second reviewer." in text
    assert "The installation of uploaded files is checked by the release pipeline." in text
    written = {word for page in MANUAL for line in page.lines for word in line.split()}
    written |= {"installation", "command-line"}  # the two words joined across a line end
    glued = [word for word in text.split() if word not in written]
    assert glued == []


def test_ligatures_spelled_out_and_hyphenation_at_line_ends_undone(manual):
    text = _text(manual)
    assert "The configuration file lists every floor of the data centre installation in order." in text
    assert not re.search("[\ufb00-\ufb06\ufffe]", text)
    # "command-line" is written with its hyphen elsewhere in the document, so the broken one keeps it.
    assert "The command-line tool is documented in the command-line reference." in text


def test_outline_headings_page_numbers_and_title_kept_running_headers_dropped(manual):
    assert manual.title == "Operations manual"
    assert [(s.headings, s.metadata["page"]) for s in manual.sections] == [
        (["Deploys"], 1), (["Deploys", "Rollbacks"], 2), (["Deploys", "Rollbacks"], 3), (["Appendix"], 3),
    ]
    # A section starts where its title is printed on the page, not at the page's top.
    assert manual.sections[1].text.startswith("Rollbacks\nA rollback takes about four minutes")
    assert manual.sections[2].text == "The command-line tool is documented in the command-line reference."
    assert manual.sections[3].text == "Appendix\nNothing else is needed."
    assert "Operations manual" not in _text(manual)  # the running header, numbered on every page


def test_a_pdf_without_a_title_is_named_by_its_file_name_words():
    document = loaders.load(kerned_pdf([Page(["Just one line of text."])]), name="docs/release-notes_v2.pdf")
    assert document.title == "release notes v2"
    assert [(s.headings, s.text) for s in document.sections] == [([], "Just one line of text.")]


def test_a_bomb_in_a_form_xobject_is_refused_before_pdfium_inflates_it():
    zeros = zlib.compress(bytes(100 << 20), 9)  # 100 MB of zeros in about 100 KB
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /X1 5 0 R >> >> >>",
        b"<< /Length 12 >>\nstream\nq /X1 Do Q\n\nendstream",
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Length %d /Filter /FlateDecode >>\nstream\n" % len(zeros)
        + zeros + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    with pytest.raises(UnsupportedDocument, match="decompression bomb"):
        loaders.load(bytes(out), name="form-bomb.pdf")
