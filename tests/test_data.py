"""Hygiene of the curated data and the committed exports (bioregistry's test_data is the model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.project import EXPORTED_FORMATS, EXPORT_STEM
from graph.exports.registry import get_format
from graph.curation.lint import lint_data
from graph.model.names import fold

ROOT = Path(__file__).resolve().parent.parent


def test_yaml_is_canonical():
    stale = lint_data(ROOT / "data", write=False)
    assert not stale, f"not in canonical form: {[str(p.relative_to(ROOT)) for p in stale]}; run `make lint-data`"


@pytest.mark.parametrize("name,filename", [(name, filename) for name in EXPORTED_FORMATS
                                           for filename in get_format(name).filenames(EXPORT_STEM)])
def test_committed_exports_are_current(real_project, name, filename):
    committed = ROOT / "exports" / filename
    assert committed.exists(), f"exports/{filename} is missing; run `make exports` and commit it"
    fresh = (real_project / "exports" / filename).read_bytes()
    assert committed.read_bytes() == fresh, f"exports/{filename} is stale; run `make exports` and commit it"


def test_every_name_resolves_to_exactly_one_entity(real_project):
    from graph.sources.load import load_records

    kb = load_records(real_project / "data")
    owners: dict[str, set[str]] = {}
    for entity in kb.entities:
        for name in (entity.label, *entity.synonyms):
            owners.setdefault(fold(name), set()).add(entity.id)
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    assert not clashes, f"names shared by several entities: {clashes}"


def test_every_entity_is_used_or_deliberately_kept(real_project):
    from graph.sources.load import load_records

    kb = load_records(real_project / "data")
    used = {c.subject for c in kb.claims} | {c.object for c in kb.claims}
    used |= {c.context.tissue for c in kb.claims if c.context.tissue}
    used |= {e.inverse_of for e in kb.entities if e.inverse_of}
    unused = sorted(e.id for e in kb.entities if e.id not in used and not e.keep)
    assert not unused, f"entities no claim uses (add `keep: true` if deliberate): {unused}"


def test_committed_html_explorer_is_current(real_project):
    committed = ROOT / "exports" / "graph.html"
    assert committed.exists(), "exports/graph.html is missing; run `make exports` and commit it"
    fresh = (real_project / "exports" / "graph.html").read_bytes()
    assert committed.read_bytes() == fresh, "exports/graph.html is stale; run `make exports` and commit it"
