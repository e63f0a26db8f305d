"""The record schema: every plain field a record declares (model/records.py ``slot``) travels through
every stage by that one declaration — read from its YAML key, written under its RDF predicate, kept
in the index under its name, exported under its KGX column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from graph.cache.index import Index
from graph.exports.kgx import EDGE_COLUMNS, NODE_COLUMNS
from graph.model.records import Claim, Context, Entity, Study, slots
from graph.rdf.triples import claim_iri, entity_iri, study_iri
from graph.sources.load import CLAIM_KEYS, load_records

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(real_project):
    build = real_project / ".hkg" / "current"
    index = Index(build / "index.sqlite")
    edges = {e["id"]: e for e in map(json.loads, (real_project / "exports" / "hormone-kg_edges.jsonl").open())}
    nodes = {n["iri"]: n for n in map(json.loads, (real_project / "exports" / "hormone-kg_nodes.jsonl").open())}
    yield (load_records(real_project / "data"), Graph().parse(build / "graph.nt", format="nt"), index, nodes, edges)
    index.close()


def _values(value, many):
    return list(value) if many else [value]


@pytest.mark.parametrize("slot", slots(Claim) + slots(Context), ids=lambda s: s.name)
def test_every_plain_field_of_a_claim_reaches_rdf_the_index_and_kgx(built, slot):
    kb, graph, index, _nodes, edges = built
    owner = (lambda claim: claim.context) if slot in slots(Context) else (lambda claim: claim)
    claims = [c for c in kb.claims if getattr(owner(c), slot.name) not in (None, "", ())]
    assert claims, f"the curated data sets no {slot.name}: nothing to check it with"
    assert slot.name in CLAIM_KEYS or slot in slots(Context)  # the loader reads it
    for claim in claims[:20]:
        value = getattr(owner(claim), slot.name)
        assert (claim_iri(claim.id), URIRef(slot.iri), Literal(value)) in graph
        record = index.claim(claim.id)
        assert (record["context"] if slot in slots(Context) else record)[slot.name] == value
        if slot.kgx:
            assert slot.kgx in EDGE_COLUMNS
            assert edges[f"claim:{claim.id}"][slot.kgx] == value


@pytest.mark.parametrize("kind, slot", [(Entity, s) for s in slots(Entity)] + [(Study, s) for s in slots(Study)],
                         ids=lambda value: getattr(value, "name", getattr(value, "__name__", "")))
def test_every_plain_field_of_an_entity_or_study_reaches_rdf_the_index_and_kgx(built, kind, slot):
    kb, graph, index, nodes, _edges = built
    records = kb.entities if kind is Entity else kb.studies
    iri = entity_iri if kind is Entity else study_iri
    having = [r for r in records if getattr(r, slot.name) not in (None, "", ())]
    assert having, f"the curated data sets no {kind.__name__}.{slot.name}: nothing to check it with"
    for record in having[:20]:
        value = getattr(record, slot.name)
        for item in _values(value, slot.many):
            assert (iri(record.id), URIRef(slot.iri), Literal(item)) in graph
        stored = index.entity(record.id) if kind is Entity else index.study(record.id)
        assert stored[slot.name] == (sorted(value) if slot.many else value)
        if slot.kgx:
            assert slot.kgx in NODE_COLUMNS
            assert nodes[str(iri(record.id))][slot.kgx] == (sorted(value) if slot.many else value)


def test_a_value_outside_a_fields_choices_is_refused_with_its_line(tmp_path):
    import shutil

    from graph.errors import LoadError

    shutil.copytree(ROOT / "tests" / "fixtures" / "mini", tmp_path / "mini")
    claims = tmp_path / "mini" / "data" / "claims.yaml"
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text.replace("  sign: -1\n", "  sign: -1\n  certainty: sure\n", 1), encoding="utf-8")
    with pytest.raises(LoadError) as error:
        load_records(tmp_path / "mini" / "data")
    line = text[:text.index("  sign: -1\n")].count("\n") + 2
    assert f"data/claims.yaml:{line}:" in str(error.value) and "certainty 'sure' is not allowed" in str(error.value)
