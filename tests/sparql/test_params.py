"""Query parameters: values become RDF terms by kind; malformed ones are one clear line."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph.project import Project
from graph.errors import QueryError, UnknownEntityError
from graph.sparql.params import Parameter, Resolver, bind_parameters, parse_assignment, parse_term

E = "https://w3id.org/hormone-kg/entity/"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def resolver(built_mini):
    return Resolver(Project(built_mini))


@pytest.mark.parametrize("text, expected", [
    ("target=insulin", ("target", "insulin")),
    ("?target=a=b", ("target", "a=b")),
    ("$x= spaced value ", ("x", " spaced value ")),
])
def test_assignments(text, expected):
    assert parse_assignment(text) == expected


@pytest.mark.parametrize("text, message", [
    ("target", "malformed parameter 'target': expected name=value"),
    ("ta rget=x", "is not a variable name"),
    ("=x", "is not a variable name"),
])
def test_malformed_assignments(text, message):
    with pytest.raises(QueryError, match=message):
        parse_assignment(text)


@pytest.mark.parametrize("value, term", [
    ("<http://example.org/a>", ox.NamedNode("http://example.org/a")),
    ("entity:insulin", ox.NamedNode(E + "insulin")),
    ("HGNC:6081", ox.NamedNode("http://identifiers.org/hgnc/6081")),
    ('"men"', ox.Literal("men")),
    ('"men"@en', ox.Literal("men", language="en")),
    ('"5"^^xsd:integer', ox.Literal("5", datatype=ox.NamedNode(XSD + "integer"))),
    ('"a\\"b"', ox.Literal('a"b')),
    ("42", ox.Literal("42", datatype=ox.NamedNode(XSD + "integer"))),
    ("true", ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))),
    ("postmenopausal women", ox.Literal("postmenopausal women")),
])
def test_terms_are_read_by_their_form(value, term):
    assert parse_term(value) == term


def test_names_resolve_to_entities_through_the_index(resolver):
    for name in ("TNF-alpha", "tnf-α", "Tumor Necrosis Factor-alpha", "entity:tnf-alpha"):
        assert parse_term(name, "entity", resolver=resolver) == ox.NamedNode(E + "tnf-alpha")
    assert parse_term("TNF alpha", resolver=resolver) == ox.NamedNode(E + "tnf-alpha")  # undeclared: a name


def test_unknown_entity_says_did_you_mean(resolver):
    with pytest.raises(UnknownEntityError) as error:
        parse_term("testosteron", "entity", resolver=resolver)
    assert "the closest name is: testosterone" in str(error.value)


def test_kinds_check_their_values(resolver):
    assert parse_term("7", "integer") == ox.Literal("7", datatype=ox.NamedNode(XSD + "integer"))
    assert parse_term("Protein", "category", resolver=resolver).value == "https://w3id.org/biolink/vocab/Protein"
    assert parse_term("small molecule", "category", resolver=resolver).value.endswith("/SmallMolecule")
    assert parse_term("HGNC", "prefix") == ox.Literal("http://identifiers.org/hgnc/")
    with pytest.raises(QueryError, match="'seven' is not an integer"):
        parse_term("seven", "integer")
    with pytest.raises(UnknownEntityError, match="unknown category"):
        parse_term("Hormone", "category", resolver=resolver)
    with pytest.raises(UnknownEntityError, match="unknown identifier prefix"):
        parse_term("HGCN", "prefix")


@pytest.mark.parametrize("value, message", [
    ("<http://example.org/a b>", r"invalid IRI <http://example.org/a b> at character 21"),
    ("<http://example.org/a", "unterminated IRI"),
    ('"unterminated', "malformed literal"),
    ('"bad \\q escape"', r"unknown escape \\q at character 6"),
])
def test_malformed_values_say_where(value, message):
    with pytest.raises(QueryError, match=message):
        parse_term(value)


def test_bind_parameters_checks_names_against_the_query():
    text = "SELECT ?target ?x WHERE { ?x <http://e/p> ?target }"
    declared = (Parameter("target", "string", True),)
    assert bind_parameters(["target=a"], text, declared=declared, strict=True) == {"target": ox.Literal("a")}
    with pytest.raises(QueryError, match=r"the query has no parameter \?y; its parameters: \?target"):
        bind_parameters(["y=1"], text, declared=declared, strict=True)
    with pytest.raises(QueryError, match=r"parameter \?nope is not a variable of the query"):
        bind_parameters(["nope=1"], text)
    with pytest.raises(QueryError, match="given twice"):
        bind_parameters(["x=1", "x=2"], text)
    with pytest.raises(QueryError, match="needs --param target="):
        bind_parameters([], text, declared=declared)


def test_every_problem_is_reported():
    with pytest.raises(QueryError) as error:
        bind_parameters(["a", "b=1", "c=2"], "SELECT ?x { ?x ?p ?o }")
    assert len(str(error.value).splitlines()) == 3
