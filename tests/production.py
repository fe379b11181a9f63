"""What the production image is: the commands its compose services run, and the source its Dockerfile copies.

tests/test_compose.py checks docker-compose.yml and the Dockerfile against these; tests/test_wheel_install.py
builds the wheel from exactly the copied source and runs each of these commands from the installed wheel.
"""

import fnmatch
import shlex
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = REPO / "Dockerfile"

# The port the bot listens on in the image (compose publishes it, its healthcheck calls it).
BOT_PORT = 3000

# docker-compose.yml's services and their commands, in the order compose starts them.
SERVICE_COMMANDS: dict[str, list[str]] = {
    "migrate": ["docbot", "migrate"],
    "bot": ["docbot", "serve", "--host", "0.0.0.0", "--port", str(BOT_PORT)],
    "answer-worker": ["docbot", "answer-worker", "--threads", "4"],
    "worker": ["docbot", "worker"],
}


def on_port(command: list[str], port: int) -> list[str]:
    """The command with its `--port` value replaced (tests cannot all listen on 3000)."""
    at = command.index("--port")
    return [*command[: at + 1], str(port), *command[at + 2 :]]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) for each instruction, continuation lines joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def copy_image_source(target: Path) -> None:
    """Copies into `target` what the Dockerfile's COPY lines copy from the build context, less .dockerignore's names."""
    ignored = [line.strip().removeprefix("**/") for line in (REPO / ".dockerignore").read_text().splitlines() if line.strip()]

    def skip(_folder: str, names: list[str]) -> list[str]:
        return [name for name in names if any(fnmatch.fnmatch(name, pattern) for pattern in ignored)]

    for instruction, arguments in dockerfile_instructions():
        if instruction != "COPY":
            continue
        *sources, destination = shlex.split(arguments)
        assert not any(source.startswith("--") for source in sources), f"COPY {arguments}: options are not handled here"
        for source in sources:
            origin = REPO / source
            if origin.is_dir():  # Docker copies a folder's contents into the destination
                shutil.copytree(origin, target / destination, ignore=skip, dirs_exist_ok=True)
            else:
                into = target / destination / origin.name if destination.endswith("/") else target / destination
                into.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, into)
