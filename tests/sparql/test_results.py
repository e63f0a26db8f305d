"""Answers in every format: written by pyoxigraph's serialisers, read back unchanged."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from graph.errors import UnknownFormatError
from graph.sparql.results import GRAPH_MEDIA_TYPES, RESULT_MEDIA_TYPES, QueryResult, render_result, serialize_result

A, P = ox.NamedNode("https://w3id.org/hormone-kg/entity/tnf-alpha"), ox.NamedNode("http://e/p")
ROWS = QueryResult("SELECT", ("s", "o"), (
    (A, ox.Literal('TNF-α "quoted"\tand\ttabbed\nline', language="en")),
    (A, None),
    (ox.BlankNode("b0"), ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
))
GRAPH = QueryResult("CONSTRUCT", triples=(ox.Triple(A, P, ox.Literal("x")), ox.Triple(A, P, ox.Literal("a"))))


@pytest.mark.parametrize("media_type", [m for m in RESULT_MEDIA_TYPES if m != "text/csv"])
def test_select_round_trips_through_every_lossless_results_format(media_type):
    data = serialize_result(ROWS, media_type)
    back = QueryResult.from_pyoxigraph(ox.parse_query_results(data, format=RESULT_MEDIA_TYPES[media_type]), "SELECT")
    assert back.variables == ROWS.variables
    assert back.table()[:2] == ROWS.table()[:2]  # blank node labels may be renamed


@pytest.mark.parametrize("media_type", RESULT_MEDIA_TYPES)
def test_ask_in_every_results_format(media_type):
    data = serialize_result(QueryResult("ASK", boolean=True), media_type)
    assert b"true" in data


@pytest.mark.parametrize("media_type", GRAPH_MEDIA_TYPES)
def test_graphs_round_trip_through_every_graph_format(media_type):
    data = serialize_result(GRAPH, media_type)
    triples = {(q.subject, q.predicate, q.object) for q in ox.parse(data, format=GRAPH_MEDIA_TYPES[media_type])}
    assert triples == {(t.subject, t.predicate, t.object) for t in GRAPH.triples}


def test_formats_must_fit_the_answer():
    with pytest.raises(UnknownFormatError):
        serialize_result(ROWS, "text/turtle")
    with pytest.raises(UnknownFormatError):
        render_result(GRAPH, "csv")


def test_cli_renderings():
    table = render_result(ROWS, "table", "title")
    assert "entity:tnf-alpha" in table and "TNF-α" in table
    document = json.loads(render_result(ROWS, "json"))
    assert document["head"]["vars"] == ["s", "o"] and len(document["results"]["bindings"]) == 3
    assert render_result(ROWS, "csv").splitlines()[0] == "s,o"
    assert render_result(QueryResult("ASK", boolean=False), "table") == "false"
    assert render_result(GRAPH, "table").splitlines()[-1].startswith("entity:tnf-alpha")
    assert render_result(GRAPH, "nt").splitlines()[0].endswith('"a" .')  # sorted


def test_limit_truncates_and_says_so():
    store = ox.Store()
    for i in range(5):
        store.add(ox.Quad(A, P, ox.Literal(str(i))))
    result = QueryResult.from_pyoxigraph(store.query("SELECT ?o { ?s ?p ?o }"), "SELECT", limit=3)
    assert len(result.rows) == 3 and result.truncated
    assert "(first 3 results only)" in render_result(result, "table")
    result = QueryResult.from_pyoxigraph(store.query("CONSTRUCT WHERE { ?s ?p ?o }"), "CONSTRUCT", limit=5)
    assert len(result.triples) == 5 and not result.truncated


def test_a_value_every_row_shares_is_said_once_not_in_a_column():
    from graph.sparql.results import _table

    text = _table("Q", ["target", "agent"], [["entity:x", "entity:a"], ["entity:x", "entity:b"]])
    lines = text.splitlines()
    assert lines[:2] == ["Q", "every row: target = entity:x"]
    assert "target" not in "\n".join(lines[2:]) and "entity:a" in text and "entity:b" in text
    one = _table(None, ["target", "agent"], [["entity:x", "entity:a"]])  # one row: nothing to factor out
    assert "every row" not in one and "target" in one
