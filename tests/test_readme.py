"""The README is the contract: its settings table and commands must match the code."""

import re
from pathlib import Path

from typer.testing import CliRunner

from bot.cli.app import app
from bot.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_documented():
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", README, flags=re.MULTILINE))
    assert documented == {name.upper() for name in Settings.model_fields}


def test_the_quickstart_has_exactly_the_two_commands():
    quickstart = README.split("## Quickstart", 1)[1].split("##", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quickstart, flags=re.DOTALL).group(1)
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]


def test_every_docbot_command_in_the_readme_exists():
    runner = CliRunner()
    code = "\n".join(re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL))
    invocations = re.findall(r"^docbot ([a-z][a-z-]*(?: [a-z][a-z-]*)?)", code, flags=re.MULTILINE)
    assert invocations
    for invocation in set(invocations):
        words = invocation.split()
        result = runner.invoke(app, [*words, "--help"])
        if result.exit_code != 0 and len(words) == 2:  # second word was an argument, not a subcommand
            result = runner.invoke(app, [words[0], "--help"])
        assert result.exit_code == 0, f"docbot {invocation}: {result.output}"
