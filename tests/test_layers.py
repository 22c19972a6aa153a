"""The package's shape: each module imports only modules below it, so data flows one way."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mockserver"

# From the ground up: the document shapes the scenarios, the scenarios seed the state, requests
# read the state, the edges hang off the app, and the face wires everything.
LAYERS = {
    "ground": ["errors", "resources", "fast_yaml", "parsing", "pointers", "masking", "loopback",
               "shapes", "anonymise"],
    "document": ["spec"],
    "scenarios": ["scenario_schema", "fast_schema", "scenarios", "faults"],
    "state": ["store", "sessions"],
    "requests": ["responses", "problems", "stub", "auth", "overrides", "handlers", "routing"],
    "edges": ["admin_guard", "journal", "reload", "validation", "cors", "docs", "fallbacks",
              "admin", "answer_cache"],
    "face": ["startup_cache", "app", "engine", "cli", "build_cache", "__init__", "__main__",
             "remote", "record", "drift_compare", "drift_report", "drift"],
}
LEVEL = {module: level for level, modules in enumerate(LAYERS.values()) for module in modules}


def _imports(path: Path) -> set[str]:
    """The package's modules that a module imports, anywhere in it (lazy imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:  # `from . import a, b`
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mockserver."):
            found.add(node.module.split(".")[1])
    return found


GRAPH = {path.stem: _imports(path) for path in sorted(PACKAGE.glob("*.py"))}


def test_every_module_has_a_layer():
    assert sorted(set(GRAPH) - set(LEVEL)) == []
    assert sorted(set(LEVEL) - set(GRAPH)) == []


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down_the_layers(module):
    upward = [f"{module} ({_layer(module)}) imports {target} ({_layer(target)})"
              for target in sorted(GRAPH[module]) if LEVEL[target] > LEVEL[module]]
    assert upward == []


def _layer(module: str) -> str:
    return list(LAYERS)[LEVEL[module]]


def test_there_is_no_import_cycle():
    # Modules of one layer may import each other, but never round in a circle.
    state: dict[str, str] = {}

    def visit(module: str, path: tuple[str, ...]) -> None:
        state[module] = "open"
        for target in sorted(GRAPH[module]):
            if state.get(target) == "open":
                pytest.fail("import cycle: " + " -> ".join([*path, module, target]))
            if target not in state:
                visit(target, (*path, module))
        state[module] = "done"

    for module in GRAPH:
        if module not in state:
            visit(module, ())


def test_the_cache_and_its_build_step_hang_off_the_face():
    # The start-up cache is handed down by the app factory; the modules it serves never read it,
    # and the build step that writes it is run by developers, never imported by the stub.
    assert sorted(m for m, targets in GRAPH.items() if "startup_cache" in targets) == [
        "app", "build_cache"]
    assert sorted(m for m, targets in GRAPH.items() if "build_cache" in targets) == []


def test_the_document_imports_without_the_scenarios():
    code = ("import sys, mockserver.spec; "
            "print(sorted(m for m in sys.modules if m.startswith('mockserver.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split("'")[1::2])
    assert "mockserver.spec" in loaded
    assert loaded <= {f"mockserver.{m}" for m in LAYERS["ground"] + LAYERS["document"]}


def test_each_module_says_what_it_owns_in_its_first_line():
    for path in sorted(PACKAGE.glob("*.py")):
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert docstring, f"{path.name} has no module docstring"
        first = docstring.splitlines()[0]
        assert first.endswith(".") and len(first) <= 100, f"{path.name}: {first!r}"
