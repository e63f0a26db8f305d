"""The SHACL shapes as SPARQL on the store find what pyshacl finds."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from graph.checks import check_store, store_constraints
from graph.errors import ShapeError
from graph.rdf import build_graph
from graph.records import load_records
from graph.shapes import validate_graph
from graph.vocab import BIOLINK, CLAIM, ENTITY, HKG, PROV, RDFS

MINI = Path(__file__).resolve().parent / "fixtures" / "mini" / "data"


def _violations(graph) -> tuple[set, set]:
    store = ox.Store()
    store.load(graph.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)
    found = []
    for check in (lambda: validate_graph(graph), lambda: check_store(store)):
        try:
            check()
            found.append(set())
        except ShapeError as error:
            found.append({tuple(line.split(" ")[:2]) for line in error.report.splitlines()[1:]})
    return found[0], found[1]


def test_a_valid_graph_passes_both():
    assert _violations(build_graph(load_records(MINI))) == (set(), set())


def test_both_find_the_same_violations():
    graph = build_graph(load_records(MINI))
    claim = CLAIM["insulin-increases-visceral-fat"]
    excerpt = graph.value(claim, PROV.wasDerivedFrom)
    graph.set((claim, HKG.sign, Literal(5)))
    graph.add((ENTITY["insulin"], RDFS.label, Literal("a second label")))
    graph.remove((claim, BIOLINK.supporting_text, None))
    graph.remove((excerpt, PROV.value, None))
    graph.add((claim, BIOLINK.object_direction_qualifier, Literal("sideways")))
    graph.add((claim, BIOLINK.publications, URIRef("http://example.org/not-a-study")))
    graph.add((excerpt, HKG.start, Literal("not a number")))
    shacl, sparql = _violations(graph)
    assert len(shacl) == 8
    assert sparql == shacl


def test_unsupported_shapes_are_refused_not_skipped():
    from rdflib import Graph

    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <http://e/S> a sh:NodeShape ; sh:targetClass <http://e/C> ;
            sh:property [ sh:path <http://e/p> ; sh:pattern "^a" ] .""", format="turtle")
    with pytest.raises(ValueError, match="pattern"):
        store_constraints(shapes)
