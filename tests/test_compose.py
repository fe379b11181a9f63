"""No Docker engine runs here: check the compose file's shape and that every command is a real docbot command."""

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli.app import app

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_every_docbot_service_runs_a_real_docbot_command(compose):
    runner = CliRunner()
    commands = {name: s["command"] for name, s in compose["services"].items() if "command" in s}
    assert set(commands) == {"migrate", "bot", "worker"}
    for name, command in commands.items():
        assert command[0] == "docbot", name
        result = runner.invoke(app, [*command[1:], "--help"])
        assert result.exit_code == 0, f"{name}: `{' '.join(command)}` is not a docbot command: {result.output}"


def test_services_wait_for_a_healthy_database_and_the_migration(compose):
    services = compose["services"]
    assert "healthcheck" in services["db"]
    assert "pgvector" in services["db"]["image"]
    for name in ("bot", "worker"):
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_no_secret_is_written_into_the_compose_file(compose):
    text = (REPO / "docker-compose.yml").read_text()
    assert "xoxb-" not in text and "xapp-" not in text
    assert "${POSTGRES_PASSWORD" in text
