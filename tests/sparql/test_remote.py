"""Any SPARQL 1.1 server, tested against a real one: the Oxigraph server from PyPI.

`hkg push` loads the exports with the Graph Store Protocol, and `hkg sparql --endpoint` asks the
same questions there as on the embedded store.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from graph.project import Project
from graph.cli.commands import cli
from graph.errors import EndpointError, QueryError
from graph.sparql.remote import push_graph, query_endpoint
from graph.sparql.query import answer_query
from sparql_servers import free_port, oxigraph_server

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
GRAPH = "https://w3id.org/hormone-kg/graph/test"


def run(project, *args):
    return CliRunner().invoke(cli, ["--project", str(project), *args])


def count(url, graph=None):
    text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}" if graph else COUNT
    return int(query_endpoint(url, text).rows[0][0].value)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """An empty Oxigraph server: base URL (``/query``, ``/store``)."""
    with oxigraph_server(tmp_path_factory.mktemp("remote") / "store") as url:
        yield url


@pytest.fixture(scope="module")
def pushed(real_project, server):
    """The server with the real graph pushed into its default graph by `hkg push`."""
    result = run(real_project, "push", "--endpoint", server + "/store")
    assert result.exit_code == 0, result.output
    return server


def export_lines(project) -> int:
    return sum(1 for line in (project / "exports" / "hormone-kg.nt").read_text(encoding="utf-8").splitlines() if line)


def test_push_puts_the_whole_export(real_project, pushed):
    assert count(pushed + "/query") == export_lines(real_project)


def test_push_to_a_named_graph_replaces_or_appends(real_project, server):
    result = run(real_project, "push", "--endpoint", server + "/store", "--graph", GRAPH, "--format", "turtle")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("PUT ") and "hormone-kg.ttl" in result.output and "text/turtle" in result.output
    assert "HTTP 20" in result.output
    assert count(server + "/query", GRAPH) == export_lines(real_project)
    result = run(real_project, "push", "--endpoint", server + "/store", "--graph", GRAPH)  # PUT again
    assert result.exit_code == 0 and count(server + "/query", GRAPH) == export_lines(real_project)
    result = run(real_project, "push", "--endpoint", server + "/store", "--graph", GRAPH, "--append")
    assert result.exit_code == 0 and result.output.startswith("POST")
    assert count(server + "/query", GRAPH) == export_lines(real_project)  # the same triples, a set


def test_push_errors(real_project, tmp_path):
    result = run(real_project, "push", "--endpoint", f"http://127.0.0.1:{free_port()}/store")
    assert result.exit_code == 1 and "cannot reach http://127.0.0.1:" in result.output
    result = run(real_project, "push", "--endpoint", "http://127.0.0.1:1/store", "--graph", "not an iri")
    assert result.exit_code == 2 and "invalid graph IRI" in result.output
    with pytest.raises(QueryError, match="cannot tell the RDF format"):
        push_graph("http://127.0.0.1:1/store", tmp_path / "x.rdf")


@pytest.mark.parametrize("name, params", [
    ("what-increases", ["target=insulin sensitivity"]),
    ("two-step-mechanisms", ["target=TNF-α"]),
    ("claims-by-study-design", ["design=rct"]),
    ("quotes-from-section", ["section=inflammatory hub"]),
    ("does-it-affect", ["agent=testosterone", "target=insulin sensitivity"]),
    ("entity-neighbourhood", ["entity=IKKβ"]),
    ("describe-entity", ["entity=insulin"]),
])
def test_library_queries_on_the_server_match_the_embedded_store(real_project, pushed, name, params):
    project = Project(real_project)
    embedded, _ = answer_query(project, name, params)
    remote, _ = answer_query(project, name, params, endpoint=pushed + "/query")
    assert remote.form == embedded.form and remote.table() == embedded.table()
    assert remote.table()


def test_sparql_endpoint_from_the_command_line(real_project, pushed):
    result = run(real_project, "sparql", "synonyms", "--param", "entity=TNF-alpha", "--format", "json",
                 "--endpoint", pushed + "/query")
    assert result.exit_code == 0, result.output
    synonyms = {b["synonym"]["value"] for b in json.loads(result.output)["results"]["bindings"]}
    assert {"TNF-alpha", "Tumor Necrosis Factor-alpha"} <= synonyms


def test_the_project_prefixes_are_declared_for_the_server(real_project, pushed):
    query = "SELECT ?label WHERE { ?e a biolink:Drug ; rdfs:label ?label } ORDER BY ?label"
    embedded = run(real_project, "sparql", query, "--format", "csv")
    remote = run(real_project, "sparql", query, "--format", "csv", "--endpoint", pushed + "/query")
    assert remote.exit_code == 0, remote.output
    assert remote.output == embedded.output and "anastrozole" in remote.output


def test_an_injected_brace_cannot_change_a_remote_query(real_project, pushed):
    before = count(pushed + "/query")
    query = "SELECT ?s ?name WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?name }"
    for value in ('x" } ; DROP ALL ; SELECT * { ?s ?p "', 'x} UNION { ?s ?p ?name } #'):
        result = run(real_project, "sparql", query, "--param", f"name={value}", "--format", "json",
                     "--endpoint", pushed + "/query")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["results"]["bindings"] == []
    assert count(pushed + "/query") == before


def test_remote_errors_are_one_line(real_project, pushed):
    result = run(real_project, "sparql", "SELECT ?s WHERE { ?s ?p }", "--endpoint", pushed + "/query")
    assert result.exit_code == 2 and result.output.startswith("error: the endpoint rejected the request (HTTP 400)")
    assert result.output.count("\n") == 1
    result = run(real_project, "sparql", "ASK { ?s ?p ?o }", "--endpoint", pushed + "/nothing")
    assert result.exit_code == 1 and "answered HTTP 404" in result.output
    result = run(real_project, "sparql", "DROP ALL", "--endpoint", pushed + "/query")
    assert result.exit_code == 2 and "updates are not sent" in result.output
    with pytest.raises(EndpointError, match="cannot reach"):
        query_endpoint(f"http://127.0.0.1:{free_port()}/query", "ASK {}")
