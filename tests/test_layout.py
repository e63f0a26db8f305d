"""The package's layout keeps the data flow readable: subpackages by stage, no cycles between them,
no module that shadows the standard library, and tests that mirror the package."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "graph"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _runtime_imports(path: Path, modules) -> set[str]:
    """The graph modules ``path`` imports when run (``if TYPE_CHECKING:`` blocks left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and getattr(block.test, "id", None) == "TYPE_CHECKING" for node in ast.walk(block)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("graph."):
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                found.add(name if name in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
    return found


def _stage(module: str) -> str:
    """The subpackage a module belongs to (top-level modules are their own stage)."""
    return ".".join(module.split(".")[:2])


def test_subpackages_import_each_other_without_cycles():
    # every import counts, function-level ones too: a cycle hidden in a function is still a cycle
    modules = _modules()
    stages = nx.DiGraph()
    for module, path in modules.items():
        for target in _runtime_imports(path, modules):
            if _stage(module) != _stage(target) and target != "graph":  # graph/__init__: the lazy front door
                stages.add_edge(_stage(module), _stage(target))
    assert list(nx.simple_cycles(stages)) == []


def test_no_module_shadows_the_standard_library():
    shadowing = sorted(str(path.relative_to(ROOT)) for path in PACKAGE.rglob("*.py")
                       if path.stem in sys.stdlib_module_names)
    assert shadowing == []


def test_tests_mirror_the_package():
    subpackages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    test_folders = {path.name for path in (ROOT / "tests").iterdir()
                    if path.is_dir() and path.name not in ("fixtures", "__pycache__")}
    assert test_folders <= subpackages
    for folder in test_folders:
        for test in (ROOT / "tests" / folder).glob("test_*.py"):
            text = test.read_text(encoding="utf-8")
            assert f"graph.{folder}" in text, f"{test.name} tests nothing in graph.{folder}"


@pytest.mark.parametrize("module", ["graph.cli.commands", "graph.api", "graph.sparql.query"])
def test_entry_modules_start_without_the_heavy_libraries(module):
    # the lazy boundary: a command imports rdflib, networkx or pyoxigraph only when it needs them
    code = f"import sys, {module}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                cwd=ROOT).stdout.split())
    heavy = {"rdflib", "networkx", "pyshacl", "pyvis", "rich"}
    if module != "graph.sparql.query":  # it binds parameters as pyoxigraph terms
        heavy.add("pyoxigraph")
    assert loaded & heavy == set()
