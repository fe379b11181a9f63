"""End-to-end set-up shared by the Slack tests that run everything real.

Real Postgres, documents ingested by the real pipeline and embedded by the real model, the real
AnswerService reaching its LLM through the `openai` backend; stand-ins only at the network edge, on
loopback: the Slack Web API (`FakeSlackApi`), an OpenAI-compatible model server, a web page to ingest.
"""

import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg

from bot.db.engine import Database, connect
from bot.settings import Settings, load_settings
from tests.conftest import MODEL_CACHE, TEMPLATE
from tests.fakes.llm_servers import OpenAIServer
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.slack_requests import BOT_TOKEN, SIGNING_SECRET

DOCS = {
    "default/leave.md": "# Leave policy\n\n## Annual leave\n\nEmployees get 25 days of annual leave per year. "
    "Unused days carry over until the end of March.\n\n## Parental leave\n\nParents get 16 weeks of paid parental leave.\n",
    "default/deploys.md": "# Deploy rules\n\n## Friday freeze\n\n<!channel> Deploys are frozen on Fridays after 3pm. "
    "Ask the release captain for exceptions.\n",
    "finance/salaries.md": "# Salary bands\n\n## Engineering\n\nSalary band E3 pays 120,000 zorkmids a year; "
    "band E4 pays 150,000 zorkmids.\n",
}
WIKI_PAGE = (
    "<html><head><title>Expenses guide</title></head><body><h1>Expenses guide</h1><h2>Receipts</h2>"
    "<p>Submit expense receipts within 30 days through the finance portal.</p></body></html>"
)
RESTRICTED_FACT = "120,000"


def scripted_model(body: dict[str, Any]) -> str:
    """What the model stand-in writes, by the question in its prompt (like a model that read the sources)."""
    prompt = " ".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user").lower()
    question = prompt.rsplit("\n\nquestion: ", 1)[-1].split("(this follows up")[0]
    if "carry over" in question:
        return "Unused days carry over until the end of March [1]."
    if "annual leave" in question:
        return "Employees get 25 days of annual leave per year [1]."
    if "deploy" in question:
        return "<!channel> Deploys are frozen on Fridays after 3pm [1]."
    if "receipt" in question or "expense" in question:
        return "Submit expense receipts within 30 days through the finance portal [1]."
    if "salary" in question or "band" in question:
        return "Salary band E3 pays 120,000 zorkmids a year [1]."
    return "Parents get 16 weeks of paid parental leave [1]."


@contextmanager
def web_page(html: str) -> Iterator[str]:
    """A page on loopback for the ingestion pipeline to fetch (so its citation has a link)."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/wiki/expenses.html"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def cloned_database(admin_url: str) -> Iterator[str]:
    name = "e2e_" + uuid.uuid4().hex[:10]
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    try:
        yield admin_url.replace("/postgres?", f"/{name}?")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class World:
    settings: Settings
    database: Database
    slack: FakeSlackApi
    llm: OpenAIServer
    wiki_url: str


@contextmanager
def world(admin_url: str, home: Path, *, log_level: str = "INFO") -> Iterator[World]:
    """Database with the documents ingested, the Slack and model stand-ins running, and settings for them."""
    from ingestion.pipeline import ingest

    with cloned_database(admin_url) as url, FakeSlackApi(bot_token=BOT_TOKEN) as slack, OpenAIServer(reply=scripted_model) as llm, web_page(WIKI_PAGE) as wiki:
        settings = load_settings(
            database_url=url,
            docbot_home=home,
            docbot_model_cache=MODEL_CACHE,
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack.url,
            llm_backend="openai",
            llm_endpoint_url=llm.url,
            log_level=log_level,
            ingest_allowed_hosts="127.0.0.1",  # the wiki stand-in is on loopback, which URL ingestion refuses by default
        )
        docs = home / "docs"
        for relative, text in DOCS.items():
            (docs / relative).parent.mkdir(parents=True, exist_ok=True)
            (docs / relative).write_text(text)
        database = connect(settings)
        try:
            ingest(database, settings, [str(docs / "default"), wiki], "default")
            ingest(database, settings, [str(docs / "finance")], "finance")
            yield World(settings, database, slack, llm, wiki)
        finally:
            database.dispose()


def prompts(llm: OpenAIServer) -> list[str]:
    """Every prompt the model stand-in received, as one string each."""
    return [" ".join(str(m.get("content", "")) for m in r.body.get("messages", [])) for r in llm.requests]


def slack_traffic(slack: FakeSlackApi) -> str:
    return "\n".join(f"{c.method} {c.params}" for c in slack.calls())


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))
