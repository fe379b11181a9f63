"""`docbot demo` end to end: real Postgres, the ingestion pipeline, the real embedder and the bundled local model."""

from typer.testing import CliRunner

from bot.cli.app import app
from tests.conftest import MODEL_CACHE


def test_demo_ingests_the_handbook_and_answers_with_sources(settings):
    env = {"DATABASE_URL": settings.database_url, "DOCBOT_HOME": str(settings.docbot_home), "DOCBOT_MODEL_CACHE": str(MODEL_CACHE), "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["demo"], env=env)
    assert result.exit_code == 0, result.output
    output = result.stdout
    assert "Ingested 6 files (6 added" in output
    assert "Question: How long does a rollback take?" in output
    answer = output.split("Answer:\n", 1)[1]
    assert answer.startswith("A rollback takes about 4 minutes and needs no approval [1].")  # the answer leads, no draft before it
    assert "Sources:\n  [1] Deploys" in output and "(deploys.md)" in output
    assert "level=" not in output and "it/s]" not in output  # no log lines, no progress bars
