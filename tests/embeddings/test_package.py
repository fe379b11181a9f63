"""The embeddings package's shape: its modules import each other one way, and importing it loads no model library."""

import ast
import subprocess
import sys
from importlib.resources import files

import bot.embeddings

PACKAGE = "bot.embeddings"


def _module_names() -> set[str]:
    return {f"{PACKAGE}.{p.name[:-3]}" for p in files(PACKAGE).iterdir() if p.name.endswith(".py") and p.name != "__init__.py"}


def _imports_of_each_module() -> dict[str, set[str]]:
    """For each module of the package, the package modules it imports, wherever in the file the import is."""
    modules = _module_names()
    graph = {}
    for path in files(PACKAGE).iterdir():
        if not path.name.endswith(".py"):
            continue
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE):
                # `from bot.embeddings import onnx_export` imports the package and that module
                imported |= {node.module} | ({f"{node.module}.{a.name}" for a in node.names} & modules)
            elif isinstance(node, ast.Import):
                imported |= {a.name for a in node.names if a.name.startswith(PACKAGE)}
        graph[PACKAGE if path.name == "__init__.py" else f"{PACKAGE}.{path.name[:-3]}"] = imported
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if target == PACKAGE:
                return [*path, target]  # a submodule importing the package's own __init__ closes a circle
            if state.get(target) == "open":
                return [*path, target]
            if target not in state and (found := visit(target, [*path, target])):
                return found
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module != PACKAGE and module not in state and (found := visit(module, [module])):
            return found
    return None


def test_modules_import_each_other_one_way():
    graph = _imports_of_each_module()

    assert set(graph) - {PACKAGE} == _module_names()
    assert _cycle(graph) is None, _cycle(graph)


def test_the_cycle_check_finds_a_cycle():
    assert _cycle({f"{PACKAGE}.a": {f"{PACKAGE}.b"}, f"{PACKAGE}.b": {f"{PACKAGE}.a"}}) is not None


def test_importing_the_package_loads_no_model_library():
    # Answering and ingestion import `bot.embeddings`; only the configured backend's libraries may load, when it does.
    script = (
        "import sys, bot.embeddings, bot.embeddings.onnx_export;"
        "print(' '.join(m for m in ('torch', 'onnxruntime', 'onnx', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()

    assert loaded == []
    assert bot.embeddings.Embedder and bot.embeddings.load_embedder
