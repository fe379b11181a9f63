"""Fixtures for ingestion tests: the bundled embedding model (loaded once) and sample folders."""

import shutil
from pathlib import Path

import pytest

from bot.embeddings import load_embedder
from bot.settings import Settings, load_settings
from tests.conftest import REPO

HANDBOOK = REPO / "examples" / "handbook"


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
