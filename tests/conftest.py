"""Shared fixtures: a small project copied into a temporary folder, and the real project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def mini_project(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/mini: one short document, eight entities, six claims."""
    target = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    return target


@pytest.fixture(scope="session")
def built_mini(tmp_path_factory) -> Path:
    """The mini project, built once for the session (read-only use)."""
    from graph.pipeline.project import Project, build

    target = tmp_path_factory.mktemp("built") / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    build(Project(target))
    return target


@pytest.fixture(scope="session")
def real_project(tmp_path_factory) -> Path:
    """A copy of the repository's data/ and exports/, built once for the session."""
    from graph.pipeline.project import Project, build

    target = tmp_path_factory.mktemp("real") / "project"
    shutil.copytree(ROOT / "data", target / "data")
    build(Project(target))
    return target
