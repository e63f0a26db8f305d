"""The package's layout keeps the data flow readable: subpackages by stage, no cycles between them,
no module that shadows the standard library, and tests that mirror the package."""

from __future__ import annotations

import ast
import re
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
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])  # for relative imports
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from ..pipeline import build
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base != "graph" and not base.startswith("graph."):
                continue
            for alias in node.names:
                name = f"{base}.{alias.name}"
                found.add(name if name in modules else base)
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


#: tests of the whole tool rather than of one subpackage: they stay at the top of tests/
CROSS_CUTTING = {"test_api.py", "test_bench.py", "test_data.py", "test_errors.py", "test_evidence.py",
                 "test_fuzz.py", "test_hardening.py", "test_layout.py", "test_load_endpoint.py",
                 "test_properties.py", "test_readme.py", "test_reliability.py"}


def test_tests_mirror_the_package():
    tests = ROOT / "tests"
    subpackages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    collected = {path.relative_to(tests) for pattern in ("test_*.py", "*_test.py") for path in tests.rglob(pattern)
                 if "__pycache__" not in path.parts}
    misplaced = sorted(str(path) for path in collected if not (
        (len(path.parts) == 1 and path.name in CROSS_CUTTING)
        or (len(path.parts) == 2 and path.parts[0] in subpackages and path.name.startswith("test_"))))
    assert misplaced == [], "a test file belongs in tests/<subpackage>/ (or is listed as cross-cutting)"
    for path in collected:
        if len(path.parts) == 2:
            text = (tests / path).read_text(encoding="utf-8")
            assert re.search(rf"\bgraph\.{path.parts[0]}\.[a-z_]+", text), f"{path} tests nothing in graph.{path.parts[0]}"


def test_every_slow_file_exists():
    from conftest import SLOW

    assert sorted(name for name in SLOW if not (ROOT / "tests" / name).is_file()) == []


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
