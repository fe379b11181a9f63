"""A Confluence space end to end against a Data Center stand-in on loopback: child pages titled by their
path, an attachment, paging, re-sync by version, a deleted page, a 429, and a failed listing that removes nothing."""

import io
import logging

import docx
import pytest
from pydantic import SecretStr

from bot.errors import ConfigError, LocationUnreadable
from ingestion.pipeline import ingest
from tests.ingestion.confluence_standin import Attachment, ConfluenceStandIn, Page
from tests.ingestion.conftest import HANDBOOK
from tests.ingestion.helpers import rows, sources

TOKEN = "pat-0a1b2c3d4e5f"
DEPLOYS = (
    "<p>Deploys happen on <strong>Tuesdays</strong> after the change board approves them.</p>"
    '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">bash</ac:parameter>'
    "<ac:plain-text-body><![CDATA[./deploy --drain-first billing]]></ac:plain-text-body></ac:structured-macro>"
)


def _escalation_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Escalation", level=1)
    document.add_paragraph("Page the incident commander after fifteen minutes without an acknowledgement.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def confluence():
    with ConfluenceStandIn("OPS", TOKEN) as standin:
        standin.pages.update({
            "101": Page("Operations", "<p>How the operations team works: runbooks, on call and deploys.</p>"),
            "102": Page("Runbooks", "<p>Runbooks for the services the operations team runs.</p>", parent="101"),
            "103": Page("Deploys", DEPLOYS, parent="102"),
            "104": Page("On call", "<p>The on-call engineer answers pages within fifteen minutes.</p>", parent="101", attachments={
                "escalation.docx": Attachment(_escalation_docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                "travel-policy.pdf": Attachment((HANDBOOK / "travel-policy.pdf").read_bytes(), "application/pdf"),
                "rota.png": Attachment(b"\x89PNG\r\n\x1a\n", "image/png"),
            }),
            "105": Page("Glossary", "<p>SLO: the service level objective the team promises.</p>", parent="101"),
        })
        yield standin


@pytest.fixture
def confluence_settings(ingest_settings, confluence: ConfluenceStandIn):
    return ingest_settings.model_copy(update={
        "confluence_url": confluence.url, "confluence_token": SecretStr(TOKEN), "ingest_allowed_hosts": ("127.0.0.1",),
    })


SPACE = "confluence://OPS"


def _page(id: str) -> str:
    return f"{SPACE}/pages/{id}"


def test_a_space_with_child_pages_and_attachments_is_read_with_its_page_tree(db, confluence_settings, confluence, caplog):
    caplog.set_level(logging.DEBUG)
    summary = ingest(db, confluence_settings, [SPACE])

    assert sources(db) == sorted([_page("101"), _page("102"), _page("103"), _page("104"), _page("105"),
                                  _page("104") + "/attachments/escalation.docx", _page("104") + "/attachments/travel-policy.pdf"])
    title, url = rows(db, "SELECT title, url FROM documents WHERE source = :s", s=_page("103"))[0]
    assert title == "Operations / Runbooks / Deploys" and url == f"{confluence.url}/display/OPS/Deploys"
    text = rows(db, "SELECT string_agg(c.text, ' ') FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source = :s", s=_page("103"))[0][0]
    assert "./deploy --drain-first billing" in text and "Tuesdays" in text and "bash" not in text
    escalation = rows(db, "SELECT string_agg(c.text, ' ') FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source LIKE '%escalation.docx'")[0][0]
    assert "incident commander" in escalation
    assert any("start=2" in path for path in confluence.requests) and any("start=4" in path for path in confluence.requests)
    assert not any("rota.png" in path for path in confluence.requests)  # not a document: never downloaded
    assert summary.added == 7 and not summary.skipped
    assert TOKEN not in caplog.text


def test_resync_by_version_reads_only_the_edited_page_and_removes_a_deleted_one(db, confluence_settings, confluence):
    ingest(db, confluence_settings, [SPACE])
    confluence.requests.clear()

    again = ingest(db, confluence_settings, [SPACE])
    assert (again.unchanged, again.chunks_embedded) == (7, 0)
    assert not any("body.storage" in path or path.startswith("/download/") for path in confluence.requests)

    confluence.pages["103"].storage = "<p>Deploys now happen every weekday once the canary is green.</p>"
    confluence.pages["103"].version = 2
    del confluence.pages["104"]  # the page goes, and its attachments with it
    edited = ingest(db, confluence_settings, [SPACE])

    assert (edited.updated, edited.unchanged) == (1, 3)
    assert edited.removed_sources == sorted([_page("104"), _page("104") + "/attachments/escalation.docx", _page("104") + "/attachments/travel-policy.pdf"])
    text = rows(db, "SELECT string_agg(c.text, ' ') FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source = :s", s=_page("103"))[0][0]
    assert "canary is green" in text and "Tuesdays" not in text
    assert rows(db, "SELECT metadata->>'version' FROM documents WHERE source = :s", s=_page("103")) == [("2",)]


def test_a_429_is_waited_out_as_retry_after_says(db, confluence_settings, confluence):
    confluence.throttled = 1

    summary = ingest(db, confluence_settings, [SPACE])

    assert confluence.refused_429 == 1 and summary.added == 7


def test_a_listing_that_fails_part_way_removes_nothing_and_fails_the_run(db, confluence_settings, confluence):
    ingest(db, confluence_settings, [SPACE])
    del confluence.pages["105"]
    confluence.throttled, confluence.throttled_path = 2, "start=2"  # the listing's second request: 429, retried once, 429 again

    with pytest.raises(LocationUnreadable, match="the space OPS could not be listed: HTTP 429; nothing of it was removed"):
        ingest(db, confluence_settings, [SPACE])

    assert _page("105") in sources(db) and len(sources(db)) == 7


def test_cloud_signs_in_with_email_and_api_token(db, ingest_settings):
    with ConfluenceStandIn("OPS", TOKEN, email="ops@example.com") as cloud:
        cloud.pages["7"] = Page("Welcome", "<p>The cloud space welcomes new engineers with a checklist.</p>")
        settings = ingest_settings.model_copy(update={
            "confluence_url": cloud.url, "confluence_email": "ops@example.com", "confluence_token": SecretStr(TOKEN),
            "ingest_allowed_hosts": ("127.0.0.1",),
        })
        ingest(db, settings, [SPACE])

    assert sources(db) == [f"{SPACE}/pages/7"]


def test_an_internal_confluence_is_refused_unless_allowed_and_settings_are_named(db, ingest_settings, confluence):
    refused = ingest_settings.model_copy(update={"confluence_url": confluence.url, "confluence_token": SecretStr(TOKEN)})
    with pytest.raises(LocationUnreadable, match="a loopback address; add it to INGEST_ALLOWED_HOSTS"):
        ingest(db, refused, [SPACE])
    assert confluence.requests == []

    with pytest.raises(ConfigError, match="CONFLUENCE_URL is not set"):
        ingest(db, ingest_settings, [SPACE])


def test_a_space_that_is_not_there_is_named(db, confluence_settings):
    with pytest.raises(LocationUnreadable, match="the space NOPE could not be read: There is no space with the given key"):
        ingest(db, confluence_settings, ["confluence://NOPE"])
