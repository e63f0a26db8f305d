"""Helpers for tests that edit a copied project's data and expect the loader to refuse it."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import LoadError
from graph.sources.load import load_records


def replace(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the file by ``new``; fail if the fixture no longer holds it."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture no longer contains {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(project: Path) -> list[str]:
    """The problems the loader reports for the project's data (it must refuse it)."""
    with pytest.raises(LoadError) as caught:
        load_records(project / "data")
    return [str(p) for p in caught.value.problems]
