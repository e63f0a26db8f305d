"""Shared fixtures: a small project copied into a temporary folder, and the real project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: test files that start servers, browsers or subprocess builds: ``pytest -m "not slow"`` (``make
#: test-fast``) leaves them out while editing; ``make test`` and CI run everything
SLOW = frozenset({
    "exports/test_explorer.py", "exports/test_kgx.py", "pipeline/test_bulk.py", "serve/test_endpoint.py",
    "sparql/test_library.py", "sparql/test_remote.py", "test_bench.py", "test_fuzz.py", "test_hardening.py",
    "test_load_endpoint.py", "test_reliability.py",
})


def pytest_collection_modifyitems(items):
    here = Path(__file__).resolve().parent
    for item in items:
        path = Path(str(item.fspath))
        if path.is_relative_to(here) and path.relative_to(here).as_posix() in SLOW:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def mini_project(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/mini: one short document, eight entities, six claims."""
    target = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    return target


@pytest.fixture(scope="session")
def built_mini(tmp_path_factory) -> Path:
    """The mini project, built once for the session (read-only use)."""
    from graph.project import Project
    from graph.pipeline.build import build

    target = tmp_path_factory.mktemp("built") / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    build(Project(target))
    return target


@pytest.fixture(scope="session")
def real_project(tmp_path_factory) -> Path:
    """A copy of the repository's data/ and exports/, built once for the session."""
    from graph.project import Project
    from graph.pipeline.build import build

    target = tmp_path_factory.mktemp("real") / "project"
    shutil.copytree(ROOT / "data", target / "data")
    build(Project(target))
    return target


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory):
    """The index of a built synthetic project (benchmarks/synth.py, 1,000 claims, hubs and
    parallel claims), built once for the session (read-only use)."""
    from benchmarks.synth import write_project
    from graph.pipeline.build import build
    from graph.project import Project

    project = tmp_path_factory.mktemp("synthetic") / "claims-1000"
    write_project(project, 1000)
    build(Project(project))
    return Project(project).index()
