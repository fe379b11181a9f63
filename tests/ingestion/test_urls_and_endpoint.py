"""URLs served on loopback, and embeddings from a TEI server (a stand-in on loopback speaking TEI's API)."""

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.embeddings import load_embedder
from bot.errors import EmbeddingModelMismatch, EmbeddingServiceError
from ingestion.pipeline import ingest
from tests.ingestion.conftest import HANDBOOK
from tests.ingestion.helpers import rows
from tests.ingestion.tei_standin import TEIStandIn


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(HANDBOOK)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def loopback_allowed(ingest_settings):
    """The site stand-in is on loopback, which URL ingestion refuses unless INGEST_ALLOWED_HOSTS lets it in."""
    return ingest_settings.model_copy(update={"ingest_allowed_hosts": ("127.0.0.1",)})


def test_url_page_is_ingested_with_the_url_as_source(db, loopback_allowed, site: str):
    url = f"{site}/security-policy.html"
    summary = ingest(db, loopback_allowed, [url, f"{site}/missing.html"])

    assert summary.added == 1
    assert summary.skipped == [(f"{site}/missing.html", f"HTTP 404 from {site}/missing.html")]
    assert rows(db, "SELECT source, url, title FROM documents") == [(url, url, "Security policy")]
    texts = " ".join(r[0] for r in rows(db, "SELECT text FROM chunks"))
    assert "16 characters" in texts and "Handbook home" not in texts

    again = ingest(db, loopback_allowed, [url])
    assert (again.unchanged, again.chunks_embedded) == (1, 0)


def test_pdf_and_markdown_urls_are_read_by_content_type(db, loopback_allowed, site: str):
    summary = ingest(db, loopback_allowed, [f"{site}/travel-policy.pdf", f"{site}/deploys.md"])
    assert (summary.added, summary.skipped) == (2, [])
    assert sorted(r[0] for r in rows(db, "SELECT title FROM documents")) == ["Deploys", "Lumen Labs travel policy"]


def test_tei_endpoint_embeds_and_the_collection_records_its_model(db, ingest_settings, embedder, handbook: Path):
    with TEIStandIn(embedder, model_id="BAAI/bge-small-demo", dimension=64) as tei:
        endpoint_settings = ingest_settings.model_copy(update={"embedding_endpoint_url": tei.url})
        summary = ingest(db, endpoint_settings, [str(handbook / "deploys.md")], collection="remote")

    assert summary.chunks_embedded > 0 and "POST /embed" in tei.requests and "POST /tokenize" in tei.requests
    assert rows(db, "SELECT embedding_model, embedding_dim FROM collections WHERE name = 'remote'") == [("BAAI/bge-small-demo", 64)]
    assert rows(db, "SELECT DISTINCT embedding_dim FROM chunks") == [(64,)]
    index = rows(db, "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_chunks_embedding_hnsw_64'")
    assert len(index) == 1 and "vector(64)" in index[0][0] and "embedding_dim = 64" in index[0][0]

    with pytest.raises(EmbeddingModelMismatch, match="'remote' was built with embedding model 'BAAI/bge-small-demo'"):
        ingest(db, ingest_settings, [str(handbook / "expenses.md")], collection="remote")
    assert rows(db, "SELECT state, error LIKE '%all-MiniLM-L6-v2%' FROM ingest_runs ORDER BY id DESC LIMIT 1") == [("failed", True)]


def test_tei_token_counts_take_one_tokenize_call_per_document_and_cut_the_same_chunks(db, ingest_settings, embedder, handbook: Path):
    local = ingest(db, ingest_settings, [str(handbook)], collection="local")
    with TEIStandIn(embedder) as tei:
        endpoint_settings = ingest_settings.model_copy(update={"embedding_endpoint_url": tei.url})
        remote = ingest(db, endpoint_settings, [str(handbook)], collection="remote")

    tokenized = [payload["inputs"] for path, payload in tei.payloads if path == "/tokenize"]
    # One call at the start (how many special tokens the model adds), then one per document read.
    assert remote.added == local.added > 3 and len(tokenized) == 1 + remote.added, len(tokenized)
    assert tokenized[0] == "" and all(len(text) > 100 for text in tokenized[1:])
    chunks = "SELECT d.source, c.position, c.heading_path, c.text FROM chunks c JOIN documents d ON d.id = c.document_id" \
             " JOIN collections k ON k.id = c.collection_id WHERE k.name = '{}' ORDER BY 1, 2"
    assert rows(db, chunks.format("remote")) == rows(db, chunks.format("local"))  # counted alike, cut alike


def test_a_tei_outage_fails_the_run_with_one_error_naming_the_endpoint(db, settings, embedder, handbook: Path):
    with TEIStandIn(embedder) as tei:
        url = tei.url
        load_embedder(settings.model_copy(update={"embedding_endpoint_url": url}))  # up when the bot started
    env = {"DATABASE_URL": settings.database_url, "DOCBOT_HOME": str(settings.docbot_home), "EMBEDDING_ENDPOINT_URL": url}

    result = CliRunner().invoke(app, ["ingest", str(handbook), "--collection", "remote"], env=env)

    assert result.exit_code != 0
    assert isinstance(result.exception, EmbeddingServiceError), result.output
    assert str(result.exception).startswith(f"EMBEDDING_ENDPOINT_URL: the Text Embeddings Inference server at {url} failed on /tokenize")
    assert "skipped" not in result.output
    assert rows(db, "SELECT state, error LIKE '%' || :url || '%' FROM ingest_runs", url=url) == [("failed", True)]
    assert rows(db, "SELECT count(*) FROM documents") == [(0,)]
