"""`hkg serve` as a real HTTP server: the SPARQL 1.1 Protocol, read-only, bounded, and usable by
standard clients (SPARQLWrapper, curl) unchanged."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from graph.build import Project
from graph.cli import cli
from graph.endpoint import negotiate
from graph.store import open_store, run_query
from sparql_servers import hkg_server

LABELS = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s ?label"
PROTEINS = "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c . FILTER(?c = <https://w3id.org/biolink/vocab/Protein>) }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def http(url, *, data=None, method=None, headers=None, params=None):
    """Send a request; return (status, headers, body) whatever the status."""
    if params is not None:
        url += "?" + urllib.parse.urlencode(params, doseq=True)
    if isinstance(data, dict):
        data = urllib.parse.urlencode(data).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def endpoint(real_project):
    with hkg_server(real_project) as url:
        yield url


@pytest.fixture(scope="module")
def bounded(real_project):
    """A server with tight limits: 1.5 s per query, 5 results, 2000-byte bodies, one worker."""
    with hkg_server(real_project, "--timeout", "1.5", "--limit", "5", "--max-body", "2000", "--workers", "1") as url:
        yield url


@pytest.fixture(scope="module")
def embedded(real_project):
    return open_store(Project(real_project).current_build())


def bindings(body):
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(body)["results"]["bindings"]]


# --- the protocol -------------------------------------------------------------------------------

def test_get_and_both_posts_give_the_embedded_answer(endpoint, embedded):
    expected = [[term.value for term in row] for row in run_query(embedded, LABELS).rows]
    answers = [
        http(endpoint, params={"query": LABELS}),
        http(endpoint, data={"query": LABELS}),
        http(endpoint, data=LABELS.encode(), headers={"Content-Type": "application/sparql-query"}),
    ]
    for status, headers, body in answers:
        assert status == 200 and headers.get_content_type() == "application/sparql-results+json"
        assert [[row["s"], row["label"]] for row in bindings(body)] == expected


@pytest.mark.parametrize("accept, media_type", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/xml;q=0.9, text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("*/*", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
])
def test_results_content_negotiation(endpoint, embedded, accept, media_type):
    status, headers, body = http(endpoint, params={"query": LABELS}, headers={"Accept": accept})
    assert status == 200 and headers.get_content_type() == media_type
    if media_type != "text/csv":  # CSV is lossy; the others parse back to the same rows
        parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.from_media_type(media_type))
        assert [[str(s[v]) for v in parsed.variables] for s in parsed] == run_query(embedded, LABELS).table()
    else:
        assert body.decode().splitlines()[0] == "s,label"


@pytest.mark.parametrize("accept, media_type", [
    ("text/turtle", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    (None, "text/turtle"),
])
def test_graph_content_negotiation(endpoint, embedded, accept, media_type):
    status, headers, body = http(endpoint, params={"query": PROTEINS}, headers={"Accept": accept} if accept else {})
    assert status == 200 and headers.get_content_type() == media_type
    triples = {(q.subject, q.predicate, q.object) for q in ox.parse(body, format=ox.RdfFormat.from_media_type(media_type))}
    assert triples == {(t.subject, t.predicate, t.object) for t in run_query(embedded, PROTEINS).triples}
    assert len(triples) > 10


def test_format_parameter_and_not_acceptable(endpoint):
    status, headers, _ = http(endpoint, params={"query": LABELS, "format": "tsv"})
    assert status == 200 and headers.get_content_type() == "text/tab-separated-values"
    status, headers, _ = http(endpoint, params={"query": PROTEINS, "output": "nt"})
    assert status == 200 and headers.get_content_type() == "application/n-triples"
    status, _, body = http(endpoint, params={"query": LABELS}, headers={"Accept": "image/png"})
    assert status == 406 and b"SELECT" in body


def test_the_project_prefixes_need_no_declaration(endpoint):
    status, _, body = http(endpoint, params={"query": "ASK { entity:insulin a biolink:Protein }"})
    assert status == 200 and json.loads(body)["boolean"] is True


def test_ask_and_describe(endpoint):
    status, _, body = http(endpoint, params={"query": "ASK { ?s ?p ?o }"})
    assert status == 200 and json.loads(body) == {"head": {}, "boolean": True}
    status, headers, body = http(endpoint, params={"query": "DESCRIBE <https://w3id.org/hormone-kg/entity/insulin>"},
                                 headers={"Accept": "application/n-triples"})
    assert status == 200 and b"<https://w3id.org/hormone-kg/entity/insulin>" in body


def test_dataset_parameters(endpoint):
    status, _, body = http(endpoint, params={"query": COUNT, "default-graph-uri": "http://example.org/empty"})
    assert status == 200 and bindings(body) == [{"n": "0"}]
    status, _, body = http(endpoint, params={"query": COUNT, "default-graph-uri": "not an iri"})
    assert status == 400


def test_malformed_query_is_400_with_the_position(endpoint):
    status, headers, body = http(endpoint, params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert status == 400 and headers.get_content_type() == "text/plain"
    assert body.decode().startswith("malformed query at line 1, column 26:")


def test_service_description_and_unknown_paths(endpoint):
    status, headers, body = http(endpoint)
    assert status == 200 and headers.get_content_type() == "text/turtle"
    assert any(q.object.value.endswith("#SPARQL11Query") for q in ox.parse(body, format=ox.RdfFormat.TURTLE))
    assert http(endpoint.rsplit("/", 1)[0] + "/nothing-here")[0] == 404


# --- read-only ------------------------------------------------------------------------------------

INSERT = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"


@pytest.mark.parametrize("request_kwargs, status", [
    ({"params": {"update": INSERT}}, 403),
    ({"data": {"update": INSERT}}, 403),
    ({"data": INSERT.encode(), "headers": {"Content-Type": "application/sparql-update"}}, 403),
    ({"data": {"query": INSERT}}, 403),
    ({"data": {"query": "DROP ALL"}}, 403),
    ({"data": {"query": "CLEAR DEFAULT"}}, 403),
    ({"data": {"query": "LOAD <http://example.org/x.ttl>"}}, 403),
    ({"data": INSERT.encode(), "method": "PUT", "headers": {"Content-Type": "text/turtle"}}, 405),
    ({"method": "DELETE"}, 405),
])
def test_updates_are_refused_and_change_nothing(endpoint, request_kwargs, status):
    before = bindings(http(endpoint, params={"query": COUNT})[2])
    assert http(endpoint, **request_kwargs)[0] == status
    assert bindings(http(endpoint, params={"query": COUNT})[2]) == before
    ask = "ASK { <http://example.org/a> ?p ?o }"
    assert json.loads(http(endpoint, params={"query": ask})[2])["boolean"] is False


def test_service_is_refused(endpoint):
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    status, _, body = http(endpoint, data={"query": query})
    assert status == 403 and b"SERVICE" in body


# --- bounds ---------------------------------------------------------------------------------------

def test_a_query_that_never_ends_is_stopped_and_the_server_goes_on(bounded):
    started = time.monotonic()
    status, _, body = http(bounded, data={"query": ENDLESS})
    assert status == 503 and b"time limit of 1.5 s" in body
    assert time.monotonic() - started < 6
    status, _, body = http(bounded, params={"query": "ASK { ?s ?p ?o }"})  # a fresh worker answers
    assert status == 200 and json.loads(body)["boolean"] is True


def test_results_are_capped(bounded):
    status, headers, body = http(bounded, params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert status == 200 and len(bindings(body)) == 5
    assert headers["X-Results-Truncated"] == "true" and headers["X-Result-Limit"] == "5"
    status, headers, body = http(bounded, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                                 headers={"Accept": "application/n-triples"})
    assert status == 200 and len(body.decode().strip().splitlines()) == 5
    status, headers, _ = http(bounded, params={"query": "ASK { ?s ?p ?o }"})
    assert "X-Results-Truncated" not in headers


def test_request_bodies_are_capped(bounded):
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 3000
    status, _, body = http(bounded, data={"query": query})
    assert status == 413 and b"limit is 2000" in body


def test_a_busy_port_is_a_clear_error(real_project):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = CliRunner().invoke(cli, ["--project", str(real_project), "serve", "--port", str(port)])
    assert result.exit_code == 1 and f"cannot listen on 127.0.0.1:{port}" in result.output


def test_negotiation_prefers_quality_then_specificity():
    offers = (("text/csv", "text/csv"), ("application/json", "application/json"))
    assert negotiate("text/*;q=0.9, application/json;q=0.5", offers) == "text/csv"
    assert negotiate("*/*;q=0.1, application/json", offers) == "application/json"
    assert negotiate("text/csv;q=0", offers) is None


def test_a_new_build_is_served_with_the_next_query(mini_project):
    from graph.build import build

    build(Project(mini_project))
    with hkg_server(mini_project) as url:
        assert bindings(http(url, params={"query": "SELECT ?l { entity:pancreas rdfs:label ?l }"})[2]) == [
            {"l": "pancreas"}]
        entities = mini_project / "data" / "entities.yaml"
        entities.write_text(entities.read_text().replace("label: pancreas", "label: the pancreas"))
        build(Project(mini_project))
        assert bindings(http(url, params={"query": "SELECT ?l { entity:pancreas rdfs:label ?l }"})[2]) == [
            {"l": "the pancreas"}]


def test_a_strange_host_header_still_gets_a_description(endpoint):
    status, _, body = http(endpoint, headers={"Host": "bad host<>"})
    assert status == 200 and b"sparql-service-description#Service" in body


# --- standard clients, unchanged ---------------------------------------------------------------

def test_rdflib_sparqlstore(endpoint):
    from rdflib import Graph, URIRef
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(SPARQLStore(endpoint, returnFormat="json"))
    rows = list(graph.query("SELECT ?label WHERE { <https://w3id.org/hormone-kg/entity/tnf-alpha> "
                            "<http://www.w3.org/2000/01/rdf-schema#label> ?label }"))
    assert [str(row[0]) for row in rows] == ["TNF-α"]
    assert (URIRef("https://w3id.org/hormone-kg/entity/tnf-alpha"), None, None) in graph


def test_sparqlwrapper_select_ask_construct(endpoint):
    sparqlwrapper = pytest.importorskip("SPARQLWrapper")
    from rdflib import Graph

    client = sparqlwrapper.SPARQLWrapper(endpoint)
    client.setQuery(LABELS + " LIMIT 3")
    client.setReturnFormat(sparqlwrapper.JSON)
    rows = client.queryAndConvert()["results"]["bindings"]
    assert len(rows) == 3 and {"s", "label"} == set(rows[0])

    client.setReturnFormat(sparqlwrapper.XML)  # the default: a DOM of SPARQL XML results
    document = client.queryAndConvert()
    assert len(document.getElementsByTagName("result")) == 3

    client.setMethod(sparqlwrapper.POST)
    client.setQuery("ASK { ?s ?p ?o }")
    client.setReturnFormat(sparqlwrapper.JSON)
    assert client.queryAndConvert()["boolean"] is True

    for return_format in (sparqlwrapper.XML, sparqlwrapper.TURTLE, sparqlwrapper.JSONLD, sparqlwrapper.N3):
        client.setQuery(PROTEINS)
        client.setReturnFormat(return_format)
        graph = client.queryAndConvert()
        if not isinstance(graph, Graph):  # SPARQLWrapper returns Turtle / N3 as bytes
            graph = Graph().parse(data=graph, format="turtle")
        assert len(graph) > 10, return_format


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl(endpoint):
    out = subprocess.run(["curl", "-sS", "-G", endpoint, "--data-urlencode", "query=ASK { ?s ?p ?o }",
                          "-H", "Accept: application/sparql-results+json"],
                         capture_output=True, check=True, timeout=60).stdout
    assert json.loads(out)["boolean"] is True
    out = subprocess.run(["curl", "-sS", "-X", "POST", endpoint, "--data-binary", LABELS + " LIMIT 2",
                          "-H", "Content-Type: application/sparql-query", "-H", "Accept: text/csv"],
                         capture_output=True, check=True, timeout=60).stdout
    assert out.decode().splitlines()[0] == "s,label" and len(out.decode().splitlines()) == 3
