"""The layers point one way (docs/architecture.md): each package's imports are read from its source and checked.

CLI and Slack on top; answering and ingestion below them; the search index, embeddings and database below both;
settings, errors and logs at the bottom. A package may import its own layer's modules and those of the layers
below, never a layer above or a sibling side.
"""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Each package, and the packages it must never import.
GROUND = ("bot.settings", "bot.errors", "bot.logs", "bot.url_redaction")
EVERYTHING_ABOVE_GROUND = ("bot.cli", "bot.slack", "bot.answering", "ingestion", "bot.index", "bot.embeddings", "bot.db", "bot.demo")
FORBIDDEN = {
    "bot.slack": ("bot.cli",),
    "bot.answering": ("bot.cli", "bot.slack", "ingestion"),
    "ingestion": ("bot.cli", "bot.slack", "bot.answering"),
    "bot.index": ("bot.cli", "bot.slack", "bot.answering", "ingestion"),
    "bot.embeddings": ("bot.cli", "bot.slack", "bot.answering", "ingestion", "bot.index", "bot.db"),
    "bot.db": ("bot.cli", "bot.slack", "bot.answering", "ingestion", "bot.index", "bot.embeddings"),
    **{module: EVERYTHING_ABOVE_GROUND for module in GROUND},
}


def imported_modules(source: Path) -> list[tuple[int, str]]:
    """Every module a file imports, anywhere in it (function-level imports count too), with its line."""
    tree = ast.parse(source.read_text(), filename=str(source))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from bot import answering` imports the package bot.answering
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def violations(root: Path) -> list[str]:
    broken = []
    for source in sorted(root.rglob("*.py")):
        importer = module_name(source)
        rules = [forbidden for package, forbidden in FORBIDDEN.items() if within(importer, package)]
        reported_lines = set()
        for line, imported in imported_modules(source):
            if line in reported_lines:
                continue  # one report per import statement
            if any(within(imported, forbidden) for rule in rules for forbidden in rule):
                broken.append(f"{source.relative_to(REPO)}:{line} {importer} imports {imported}")
                reported_lines.add(line)
    return broken


@pytest.mark.parametrize("package", ["bot", "ingestion"])
def test_no_import_points_up_or_across(package):
    assert violations(REPO / package) == []


def test_the_checker_sees_a_wrong_arrow(tmp_path, monkeypatch):
    """The rules are live: an ingestion module importing answering (as pipeline.py did) is reported."""
    fake_repo = tmp_path
    (fake_repo / "ingestion").mkdir()
    (fake_repo / "ingestion" / "pipeline.py").write_text(
        "def later():\n    from bot.answering import calibration\n"
    )
    (fake_repo / "bot" / "index").mkdir(parents=True)
    (fake_repo / "bot" / "index" / "search.py").write_text("import bot.slack.common.texts\n")
    monkeypatch.setitem(globals(), "REPO", fake_repo)
    assert violations(fake_repo / "ingestion") == ["ingestion/pipeline.py:2 ingestion.pipeline imports bot.answering"]
    assert violations(fake_repo / "bot") == ["bot/index/search.py:1 bot.index.search imports bot.slack.common.texts"]
