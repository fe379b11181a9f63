"""Shared fixtures: one embedded PostgreSQL per test session, a fresh migrated database per test."""

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

# Nothing may download model weights at run time.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import psycopg  # noqa: E402
import pytest  # noqa: E402

from bot.db import embedded  # noqa: E402
from bot.db.engine import Database, connect  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.settings import Settings, load_settings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# Converted models (the de-quantized local LLM) are cached across test runs: converting takes ~35 s.
MODEL_CACHE = REPO / ".cache" / "models"
TEMPLATE = "docbot_template"


@pytest.fixture(scope="session")
def pg_home() -> Iterator[Path]:
    # Unix socket paths are limited to ~100 bytes, so the server lives in a short /tmp folder.
    home = Path(tempfile.mkdtemp(prefix="docbot-pg-"))
    yield home
    embedded.stop(home)
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def admin_url(pg_home: Path) -> str:
    return embedded.start(pg_home).replace(f"/{embedded.DATABASE_NAME}?", "/postgres?")


@pytest.fixture(scope="session")
def template_url(admin_url: str, pg_home: Path) -> str:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        connection.execute(f'CREATE DATABASE "{TEMPLATE}"')
    url = admin_url.replace("/postgres?", f"/{TEMPLATE}?")
    database = connect(load_settings(database_url=url, docbot_home=pg_home))
    upgrade(database)
    database.dispose()
    return url


@pytest.fixture
def database_url(admin_url: str, template_url: str) -> Iterator[str]:
    """A fresh, migrated database for one test, cloned from the template (fast)."""
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    yield admin_url.replace("/postgres?", f"/{name}?")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(database_url=database_url, docbot_home=tmp_path / "home", docbot_model_cache=MODEL_CACHE)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = connect(settings)
    yield database
    database.dispose()
