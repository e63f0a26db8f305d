"""Names as indexed data: every entity's folded name keys are hkg:nameKey literals in the graph,
so SPARQL finds an entity by any spelling with one exact match (no FILTER over the labels)."""

from __future__ import annotations

import sqlite3

import pytest

from graph.project import Project
from graph.model.names import fold
from graph.sparql.store import open_store
from graph.model.vocab import HKG

NAMES = ("<http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#altLabel>|"
         "<http://purl.org/dc/terms/identifier>")


@pytest.fixture(scope="module")
def built(real_project):
    build_dir = Project(real_project).current_build()
    names = sqlite3.connect(build_dir / "index.sqlite").execute(
        "SELECT key, name, entity FROM names WHERE rank = 0").fetchall()  # a name's own key: no abbreviation
    return open_store(build_dir), Project(real_project).index(), names


def _by_key(store, key: str) -> list[str]:
    assert key.isalnum() or not key  # a folded key: no quoting needed
    rows = store.query(f'SELECT DISTINCT ?entity WHERE {{ ?entity <{HKG.nameKey}> "{key}" }} ORDER BY ?entity')
    return [row["entity"].value.rsplit("/", 1)[-1] for row in rows]


def test_every_name_of_every_entity_is_found_by_its_key_as_the_index_finds_it(built):
    store, _index, names = built
    assert len(names) > 200
    expected: dict[str, set[str]] = {}
    for key, _name, entity in names:
        expected.setdefault(key, set()).add(entity)
    for key, entities in expected.items():
        assert set(_by_key(store, key)) == entities, key


def test_a_spelling_the_user_types_finds_the_entity_the_cli_resolves(built):
    store, index, names = built
    for typed in ("TNF-α", "tnf alpha", "Tnf-Alpha", "testosterone", "Insulin Sensitivity"):
        assert _by_key(store, fold(typed)) == [index.resolve(typed)]
    assert _by_key(store, fold("no such hormone")) == []


def test_the_keys_are_exactly_the_folded_names_and_nothing_else(built):
    """A scan over every label, synonym and id, folded in Python: the same keys per entity."""
    store, _index, names = built
    folded: dict[str, set[str]] = {}
    query = f"SELECT ?entity ?name WHERE {{ ?entity <https://w3id.org/biolink/vocab/category> ?c ; {NAMES} ?name }}"
    for row in store.query(query):
        folded.setdefault(row["entity"].value.rsplit("/", 1)[-1], set()).add(fold(row["name"].value))
    stored: dict[str, set[str]] = {}
    for row in store.query(f"SELECT ?entity ?key WHERE {{ ?entity <{HKG.nameKey}> ?key }}"):
        stored.setdefault(row["entity"].value.rsplit("/", 1)[-1], set()).add(row["key"].value)
    assert stored == {entity: keys - {""} for entity, keys in folded.items()}
    assert {entity for _key, _name, entity in names} == set(stored)
