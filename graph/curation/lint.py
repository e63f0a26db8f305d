"""Canonical form of the curated YAML: entries sorted by id, keys in schema order, two-space indent.

``python -m graph.curation.lint`` (``make lint-data``) rewrites ``data/*.yaml`` in that form; the hygiene
tests fail, naming that command, when a file is not canonical.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from graph.atomic import write_atomic
from graph.sources.load import CLAIM_KEYS, DESIGN_KEYS, ENTITY_KEYS, LINK_KEYS, STUDY_KEYS

__all__ = ["CANONICAL_FILES", "canonical_text", "lint_data"]

#: file name -> key order of its entries
CANONICAL_FILES = {
    "entities.yaml": ENTITY_KEYS,
    "claims.yaml": CLAIM_KEYS,
    "studies.yaml": STUDY_KEYS,
    "designs.yaml": DESIGN_KEYS,
}


class _Dumper(yaml.SafeDumper):
    """Block style, lists not indented under their key (as the examples in docs/ show)."""


def _sorted_mapping(value):
    """Mappings with sorted keys; a study link's keys in :data:`LINK_KEYS` order."""
    if isinstance(value, dict):
        rank = {key: n for n, key in enumerate(LINK_KEYS)} if "study" in value else {}
        return {k: _sorted_mapping(value[k]) for k in sorted(value, key=lambda k: (rank.get(k, len(rank)), k))}
    if isinstance(value, list):
        return [_sorted_mapping(v) for v in value]
    return value


def canonical_text(path: Path) -> str:
    """Return the canonical text of a data file (the file itself is not changed)."""
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    order = CANONICAL_FILES.get(path.name)
    if order and isinstance(content, list):
        rank = {key: n for n, key in enumerate(order)}
        content = [
            {key: _sorted_mapping(entry[key]) for key in sorted(entry, key=lambda k: (rank.get(k, len(rank)), k))}
            for entry in sorted(content, key=lambda e: str(e.get("id", "")))
        ]
    elif isinstance(content, dict):
        content = _sorted_mapping(content)
    return yaml.dump(content, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=100, indent=2)


def lint_data(data: Path = Path("data"), write: bool = True) -> list[Path]:
    """Return the data files not in canonical form; rewrite them when ``write`` is true."""

    changed = []
    for name in sorted(CANONICAL_FILES) + ["xrefs.yaml"]:
        path = data / name
        if not path.exists():
            continue
        text = canonical_text(path)
        if text != path.read_text(encoding="utf-8"):
            changed.append(path)
            if write:
                write_atomic(path, text)
    return changed


if __name__ == "__main__":  # pragma: no cover
    for changed_path in lint_data():
        print(f"rewrote {changed_path}")
