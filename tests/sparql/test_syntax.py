"""The SPARQL lexer: keywords are found only outside strings, IRIs and comments; remote binding."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph.errors import QueryError
from graph.sparql.syntax import (bind_text, is_update, projected_variables, query_form, tokenize,
                                uses_service, variables)

E = "https://w3id.org/hormone-kg/entity/"


@pytest.mark.parametrize("text, form", [
    ("SELECT * { ?s ?p ?o }", "SELECT"),
    ("PREFIX a: <http://a/> BASE <http://b/> ask { ?s ?p ?o }", "ASK"),
    ("# a comment with SELECT\nCONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("DESCRIBE <http://e/a>", "DESCRIBE"),
    ("INSERT DATA { <a:b> <a:c> <a:d> }", "INSERT"),
    ("PREFIX ex: <http://e/> DELETE WHERE { ?s ?p ?o }", "DELETE"),
    ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
    ("", None),
])
def test_query_form_skips_the_prologue_and_comments(text, form):
    assert query_form(text) == form


@pytest.mark.parametrize("text", ["LOAD <http://e/x>", "clear all", "DROP GRAPH <http://g>",
                                  "CREATE GRAPH <http://g>", "ADD DEFAULT TO <http://g>",
                                  "MOVE <http://a> TO <http://b>", "COPY <http://a> TO <http://b>"])
def test_every_update_operation_is_recognised(text):
    assert is_update(text)


@pytest.mark.parametrize("text", [
    "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * { service silent <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
    'SELECT * { ?s ?p "\\u0022 } SERVICE <http://example.org/> { ?x ?y ?z } #" }',
])
def test_service_is_found_wherever_it_is_a_keyword(text):
    assert uses_service(text)


@pytest.mark.parametrize("text", [
    'SELECT * { ?s ?p "SERVICE" }',
    "SELECT * { ?s ?p '''a\nSERVICE''' }",
    "SELECT * { ?s <http://e/SERVICE> ?o } # SERVICE <http://x>",
    "PREFIX service: <http://e/> SELECT * { ?s service:SERVICE ?o }",
    "SELECT ?service { ?service ?p ?o }",
    'SELECT * { ?s ?p "x"@service }',
])
def test_service_inside_strings_iris_comments_and_names_is_not_a_call(text):
    assert not uses_service(text)


def test_tokens_keep_strings_iris_and_comments_whole():
    text = 'SELECT ?x WHERE { ?x <http://e/p#frag> "a \\" } #" . } # end'
    kinds = [(t.kind, t.text) for t in tokenize(text) if t.kind not in ("ws",)]
    assert ("iri", "<http://e/p#frag>") in kinds
    assert ("string", '"a \\" } #"') in kinds
    assert kinds[-1] == ("comment", "# end")
    assert "".join(t.text for t in tokenize(text)) == text


def test_less_than_is_an_operator_not_an_iri():
    tokens = [t for t in tokenize("FILTER(?a < ?b && ?b > 2)") if t.kind != "ws"]
    assert ("punct", "<") in [(t.kind, t.text) for t in tokens]
    assert variables("FILTER(?a < ?b && ?b > 2)") == {"a", "b"}


def test_projected_variables():
    assert projected_variables("SELECT DISTINCT ?a ?b { ?a ?p ?b }") == {"a", "b"}
    assert projected_variables("SELECT ?a (COUNT(?x) AS ?n) { ?a ?p ?x } GROUP BY ?a") == {"a", "n"}
    assert projected_variables("SELECT * { ?s ?p ?o }") is None
    assert projected_variables("ASK { ?s ?p ?o }") is None


def test_bind_text_rewrites_projection_group_and_order_positions():
    text = ("SELECT ?t (COUNT(?s) AS ?n) WHERE { ?s <http://e/p> ?t FILTER(?t != ?s) } "
            "GROUP BY ?t ORDER BY ?t DESC(?t)")
    bound = bind_text(text, {"t": ox.NamedNode(E + "insulin")})
    iri = f"<{E}insulin>"
    assert bound == (f"SELECT ({iri} AS ?t) (COUNT(?s) AS ?n) WHERE {{ ?s <http://e/p> {iri} "
                     f"FILTER({iri} != ?s) }} GROUP BY ({iri}) ORDER BY ({iri}) DESC({iri})")


def test_bind_text_leaves_strings_comments_and_other_variables_alone():
    text = 'SELECT ?a ?ab WHERE { ?a ?p "?a" } # ?a'
    assert bind_text(text, {"a": ox.Literal("x")}) == 'SELECT ("x" AS ?a) ?ab WHERE { "x" ?p "?a" } # ?a'


def test_bind_text_refuses_a_parameter_a_lexer_reads_inside_an_iri():
    """``?o<?y&&?o>0``: a lexer's IRI, the store's less-than and ``?y``. Left unbound, the remote
    query silently asked something else; now it is refused with where and why."""
    text = f"SELECT ?s WHERE {{ ?s <{E}p> ?o FILTER(?o<?y&&?o>0) }}"
    assert ox.Store().query(text.replace("?y", "1")) is not None  # the store reads '<' as less-than
    with pytest.raises(QueryError, match=r"\?y cannot be bound: at line 1, column \d+ <\?y&&\?o> reads as an IRI or as '<'"):
        bind_text(text, {"y": ox.Literal(1)})
    assert bind_text(text.replace("<?y", "< ?y"), {"y": ox.Literal(1)}).count('"1"^^') == 1


def test_bind_text_refuses_assigned_variables():
    with pytest.raises(QueryError, match=r"\?x cannot be bound: the query assigns it \(AS \?x at line 1, column 29\)"):
        bind_text("SELECT ?x WHERE { BIND(1 AS ?x) }", {"x": ox.Literal("a")})
    with pytest.raises(QueryError, match="VALUES"):
        bind_text("SELECT ?x WHERE { VALUES ?x { 1 2 } }", {"x": ox.Literal("a")})


def test_an_injected_brace_stays_inside_the_literal():
    injected = ox.Literal('x" } ; DROP ALL ; SELECT * { ?s ?p "')
    bound = bind_text("SELECT ?v WHERE { ?s ?p ?v }", {"v": injected})
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), injected))
    assert [row["v"] for row in store.query(bound)] == [injected]  # one literal, parsed back whole
    assert query_form(bound) == "SELECT" and not uses_service(bound)


def test_values_a_server_could_read_twice_are_refused():
    with pytest.raises(QueryError, match="backslash"):
        bind_text("SELECT ?v { ?s ?p ?v }", {"v": ox.Literal("\\u0022")})
