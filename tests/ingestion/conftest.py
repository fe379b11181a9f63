"""Fixtures for ingestion tests: the bundled embedding model (loaded once) and sample folders."""

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.embeddings import load_embedder
from bot.errors import DocbotError
from bot.settings import Settings, load_settings
from tests.conftest import REPO

HANDBOOK = REPO / "bot" / "demo" / "handbook"


@pytest.fixture(scope="session")
def embedder():
    return load_embedder(load_settings())


@pytest.fixture
def handbook(tmp_path: Path) -> Path:
    """A copy of the sample handbook that a test may edit."""
    folder = tmp_path / "handbook"
    shutil.copytree(HANDBOOK, folder)
    return folder


@pytest.fixture
def ingest_settings(settings: Settings, embedder) -> Settings:
    """The test database's settings, with the embedding model already loaded."""
    return settings


@pytest.fixture
def docbot(settings, embedder):
    """Runs `docbot ARGS` in this process against the test database; returns typer's result."""
    env = {"DATABASE_URL": settings.database_url, "DOCBOT_HOME": str(settings.docbot_home), "COLUMNS": "200"}

    def invoke(*args: str):
        result = CliRunner().invoke(app, list(args), env=env)
        if result.exception and not isinstance(result.exception, (SystemExit, DocbotError)):
            raise result.exception  # DocbotErrors are what `main()` prints as one line
        return result

    return invoke
