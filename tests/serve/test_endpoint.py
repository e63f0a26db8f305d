"""`hkg serve` as a real HTTP server: the SPARQL 1.1 Protocol, read-only, bounded, and usable by
standard clients (SPARQLWrapper, curl) unchanged; and under attack (the last section): updates in
disguise, SERVICE and FROM aimed at other hosts, endless and ever-growing queries, malformed and
slow requests, connection floods. The load test is tests/test_load_endpoint.py."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from graph.project import Project
from graph.cli.commands import cli
from graph.serve.endpoint import EndpointSettings, make_server, negotiate
from graph.sparql.store import open_store, run_query
from sparql_servers import ROOT as REPO
from sparql_servers import _stop, _wait, hkg_server

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
    ("application/n-quads", "application/n-quads"),
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


def test_json_ld_answers_carry_the_project_context(endpoint, embedded):
    from rdflib import Graph

    status, headers, body = http(endpoint, params={"query": PROTEINS}, headers={"Accept": "application/ld+json"})
    document = json.loads(body)
    assert status == 200 and document["@context"]["entity"] == "https://w3id.org/hormone-kg/entity/"
    assert all(node["@id"].startswith(("entity:", "https://")) for node in document["@graph"])
    parsed = Graph().parse(data=body.decode("utf-8"), format="json-ld")
    assert len(parsed) == len(run_query(embedded, PROTEINS).triples) > 10


def test_a_browser_preflight_for_a_sparql_query_post_is_answered(real_project, endpoint):
    """YASGUI in a page POSTs application/sparql-query: the browser first sends OPTIONS. Only the
    origin `--cors` names may read answers; by default no page may."""
    origin = "http://localhost:8080"
    status, headers, _ = http(endpoint, method="OPTIONS", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST"})
    assert status == 204 and "Access-Control-Allow-Origin" not in headers
    with hkg_server(real_project, "--cors", origin) as url:
        check_preflight(url, origin)


def check_preflight(endpoint, origin):
    status, headers, body = http(endpoint, method="OPTIONS", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 204 and body == b""
    assert headers["Access-Control-Allow-Origin"] == origin
    assert "POST" in headers["Access-Control-Allow-Methods"].split(", ")
    assert "content-type" in headers["Access-Control-Allow-Headers"].lower()
    assert "OPTIONS" in headers["Allow"]
    status, headers, body = http(endpoint, data=b"ASK { ?s ?p ?o }", headers={
        "Origin": origin, "Content-Type": "application/sparql-query"})
    assert status == 200 and json.loads(body)["boolean"] is True
    assert headers["Access-Control-Allow-Origin"] == origin
    assert http(endpoint.rsplit("/", 1)[0] + "/elsewhere", method="OPTIONS", headers={"Origin": origin})[0] == 404


def test_http_1_1_keeps_the_connection_for_the_next_query(endpoint):
    import http.client

    split = urllib.parse.urlsplit(endpoint)
    connection = http.client.HTTPConnection(split.hostname, split.port, timeout=30)
    try:
        answers = []
        for query in ("ASK { ?s ?p ?o }", COUNT):
            connection.request("GET", split.path + "?" + urllib.parse.urlencode({"query": query}))
            response = connection.getresponse()
            answers.append((response.version, response.status, response.read()))
            assert not response.will_close
        assert [a[:2] for a in answers] == [(11, 200), (11, 200)]
        assert json.loads(answers[0][2])["boolean"] is True and int(bindings(answers[1][2])[0]["n"]) > 1000
    finally:
        connection.close()


def test_a_refused_post_whose_body_was_not_read_closes_the_connection(endpoint):
    """On HTTP/1.1 an unread body would be read as the next request: the server says it closes."""
    import http.client

    split = urllib.parse.urlsplit(endpoint)
    connection = http.client.HTTPConnection(split.hostname, split.port, timeout=30)
    try:
        connection.request("POST", "/elsewhere", body=b"GET /sparql HTTP/1.1\r\n\r\n",
                           headers={"Content-Type": "application/sparql-query"})
        response = connection.getresponse()
        response.read()
        assert response.status == 404 and response.will_close
        assert response.headers["Connection"] == "close"
    finally:
        connection.close()


def test_answers_are_gzipped_for_a_client_that_accepts_it(endpoint):
    import gzip

    status, plain_headers, plain = http(endpoint, params={"query": LABELS})
    assert status == 200 and "Content-Encoding" not in plain_headers
    status, headers, body = http(endpoint, params={"query": LABELS}, headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in ", ".join(headers.get_all("Vary"))
    assert gzip.decompress(body) == plain and len(body) < len(plain) / 2
    assert int(headers["Content-Length"]) == len(body)
    status, headers, _ = http(endpoint, params={"query": LABELS}, headers={"Accept-Encoding": "gzip;q=0, br"})
    assert "Content-Encoding" not in headers


def test_the_service_description_says_what_the_endpoint_supports(endpoint):
    status, _, body = http(endpoint, headers={"Accept": "application/n-triples"})
    sd = "http://www.w3.org/ns/sparql-service-description#"
    triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    values = {(t.predicate.value, t.object.value) for t in triples if not isinstance(t.object, ox.BlankNode)}
    assert (sd + "supportedLanguage", sd + "SPARQL11Query") in values
    assert (sd + "feature", sd + "UnionDefaultGraph") in values
    assert (sd + "resultFormat", "http://www.w3.org/ns/formats/N-Quads") in values
    assert (sd + "resultFormat", "http://www.w3.org/ns/formats/SPARQL_Results_JSON") in values
    assert ("http://rdfs.org/ns/void#inDataset", "https://w3id.org/hormone-kg/dataset") in values
    assert not any(p == sd + "feature" and o.endswith("BasicFederatedQuery") for p, o in values)


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
    from graph.pipeline.build import build

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


# --- under attack ---------------------------------------------------------------------------------
# A hostile client on the network: updates in disguise, SERVICE and FROM aimed at other hosts,
# queries that never end or grow without bound, malformed and slow requests, connection floods.

EVERYTHING_SORTED = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?f ?i"


@contextlib.contextmanager
def serve_process(project, *options):
    """`hkg serve --port 0 OPTIONS` in a subprocess; yield (url, process)."""
    command = [sys.executable, "-m", "graph.cli.commands", "--project", str(project), "serve", "--port", "0", *options]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=REPO,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = process.stdout.readline().decode("utf-8")
        url = line.split("at ", 1)[1].split(" ", 1)[0]
        _wait(url, process)
        yield url, process
    finally:
        _stop(process)
        process.stdout.close()


@contextlib.contextmanager
def serve_thread(project, **settings):
    """An endpoint served by a thread of this process; yield the server."""
    server = make_server(EndpointSettings(Project(project), port=0, **settings))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def children(pid: int) -> list[int]:
    """The query worker processes of a server (its children but multiprocessing's tracker)."""
    found = []
    for task in (Path(f"/proc/{pid}/task")).glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    workers = []
    for child in found:
        with contextlib.suppress(OSError):
            if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.append(child)
    return workers


def store_digest(project) -> str:
    """A digest of every file of the current build (its store included)."""
    digest = hashlib.sha256()
    build_dir = Project(project).current_build()
    for path in sorted(build_dir.rglob("*")):
        if path.is_file() and path.name != "LOCK":
            digest.update(path.relative_to(build_dir).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def raw_exchange(url: str, data: bytes, *, wait: float = 10.0) -> bytes:
    """Send raw bytes to the server and return everything it answers before closing."""
    host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port
    with socket.create_connection((host, port), timeout=wait) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def test_it_listens_on_loopback_only_by_default(endpoint):
    assert EndpointSettings(project=None).host == "127.0.0.1"
    serve_host = next(p for p in cli.commands["serve"].params if p.name == "host")
    assert serve_host.default == "127.0.0.1"
    split = urllib.parse.urlsplit(endpoint)
    assert split.hostname == "127.0.0.1"  # the fixture passes no --host
    # bound to 127.0.0.1 itself, not to every interface: another loopback address is refused
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.2", split.port), timeout=5).close()


@pytest.mark.parametrize("request_kwargs", [
    {"params": {"query": "drop all"}},
    {"params": {"update": "DELETE WHERE { ?s ?p ?o }"}},
    {"data": b"# a comment first\nPREFIX ex: <http://example.org/>\nINSERT DATA { ex:a ex:b ex:c }",
     "headers": {"Content-Type": "application/sparql-query"}},
    {"data": {"query": "LOAD <http://127.0.0.1:9/x.ttl> INTO GRAPH <http://example.org/g>"}},
    {"data": {"query": "CLEAR ALL"}},
    {"data": {"query": "DROP GRAPH <https://w3id.org/hormone-kg/dataset>"}},
    {"data": {"query": "CREATE GRAPH <http://example.org/g>"}},
    {"data": {"query": "ADD DEFAULT TO <http://example.org/g>"}},
    {"data": {"query": "WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"}},
    {"data": {"query": "\\u0044ROP ALL"}},
    {"data": {"query": "ASK { ?s ?p ?o } ; DROP ALL"}},
    {"data": {"query": "ASK { ?s ?p ?o }", "update": "DROP ALL"}},
    {"data": {"query": "ASK { FILTER(1<2) } #>\nDROP ALL"}},  # the lexer's ASK; the store's parser refuses
    {"data": {"query": "PREFIX a: <x> <y> DROP ALL"}},
])
def test_updates_in_disguise_are_refused_and_the_store_is_untouched(endpoint, real_project, request_kwargs):
    before, files = bindings(http(endpoint, params={"query": COUNT})[2]), store_digest(real_project)
    status, _, body = http(endpoint, **request_kwargs)
    assert status in (400, 403), (status, body)
    assert bindings(http(endpoint, params={"query": COUNT})[2]) == before
    assert store_digest(real_project) == files


@pytest.fixture
def other_host():
    """A listener on another loopback port standing for "another host"; yields its base URL and
    a function returning how many connections it received."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.setblocking(False)

        def connections() -> int:
            count = 0
            while True:
                try:
                    listener.accept()[0].close()
                    count += 1
                except BlockingIOError:
                    return count

        yield f"http://127.0.0.1:{listener.getsockname()[1]}", connections


@pytest.mark.parametrize("template", [
    "SELECT * WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }",
    "select * where { service silent <{url}/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?e { <{url}/sparql> } SERVICE ?e { ?s ?p ?o } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } } } }",
    "ASK { ?s ?p ?o FILTER EXISTS { SERVICE <{url}/sparql> { ?s ?p ?o } } }",
    "SELECT * WHERE { \\u0053ERVICE <{url}/sparql> { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { # SERVICE in a comment does not hide the real one\n SERVICE <{url}/x> { ?s ?p ?o } }",
    # `<` is less-than here, not an IRI: a token scanner read `<2)SERVICE?x#>` as one IRI
    "SELECT * WHERE { VALUES ?x { <{url}/sparql> } LATERAL { FILTER(1<2)SERVICE?x#>\n{ ?s ?p ?o } } }",
    "SELECT * WHERE { VALUES ?x { <{url}/sparql> } FILTER(1<2)SERVICE?x#>\n{ ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?x { <{url}/sparql> } FILTER(1<2)\\u0053ERVICE?x#>\n{ ?s ?p ?o } }",
])
def test_service_to_another_host_is_refused_and_never_called(endpoint, other_host, template):
    url, connections = other_host
    query = template.replace("{url}", url)
    for kwargs in ({"params": {"query": query}}, {"data": {"query": query}},
                   {"data": query.encode(), "headers": {"Content-Type": "application/sparql-query"}}):
        status, _, body = http(endpoint, **kwargs)
        assert status == 403 and b"SERVICE" in body, (status, body)
    assert connections() == 0


def test_no_web_page_may_read_answers_unless_an_origin_is_allowed(endpoint, real_project):
    status, headers, _ = http(endpoint, params={"query": "ASK { ?s ?p ?o }"}, headers={"Origin": "https://evil.example"})
    assert status == 200 and headers.get("Access-Control-Allow-Origin") is None
    with serve_process(real_project, "--cors", "https://lab.example") as (url, _process):
        _, headers, _ = http(url, params={"query": "ASK { ?s ?p ?o }"})
        assert headers.get("Access-Control-Allow-Origin") == "https://lab.example"


def test_graph_names_of_other_hosts_are_never_fetched(endpoint, other_host):
    url, connections = other_host
    for kwargs in ({"params": {"query": f"SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}"}},
                   {"params": {"query": f"SELECT * FROM NAMED <{url}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"}},
                   {"params": {"query": COUNT, "default-graph-uri": f"{url}/data.ttl"}},
                   {"params": {"query": f"DESCRIBE <{url}/thing>"}}):
        status, _, body = http(endpoint, **kwargs)
        assert status == 200, body
    assert connections() == 0


def test_time_limit_keeps_the_server_serving_and_leaks_no_worker(real_project):
    with serve_process(real_project, "--timeout", "1", "--workers", "2") as (url, process):
        workers = sorted(children(process.pid))
        assert len(workers) == 2
        results: list[int] = []

        def endless():
            results.append(http(url, data={"query": ENDLESS})[0])

        started = time.monotonic()
        runners = [threading.Thread(target=endless) for _ in range(3)]
        for runner in runners:
            runner.start()
            time.sleep(0.1)
        for runner in runners:
            runner.join(30)
        assert results == [503, 503, 503] and time.monotonic() - started < 10
        # each stopped worker was replaced by a new one: the same number, none left behind
        deadline = time.monotonic() + 10
        while len(children(process.pid)) != 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        now = sorted(children(process.pid))
        assert len(now) == 2 and not set(now) & set(workers)
        status, _, body = http(url, params={"query": "ASK { ?s ?p ?o }"})
        assert status == 200 and json.loads(body)["boolean"] is True


def test_one_endless_query_does_not_hold_up_the_others(real_project):
    with serve_process(real_project, "--timeout", "3", "--workers", "2") as (url, _process):
        runner = threading.Thread(target=http, args=(url,), kwargs={"data": {"query": ENDLESS}})
        runner.start()
        time.sleep(0.3)
        started = time.monotonic()
        status, _, _ = http(url, params={"query": LABELS})
        assert status == 200 and time.monotonic() - started < 2
        runner.join(30)


def test_a_query_that_grows_past_the_memory_limit_is_stopped(real_project):
    with serve_process(real_project, "--timeout", "60", "--workers", "1", "--max-memory", "256") as (url, process):
        started = time.monotonic()
        status, _, body = http(url, params={"query": EVERYTHING_SORTED})
        assert status == 503 and b"memory limit of 256 MiB" in body, body
        assert time.monotonic() - started < 30  # the memory limit, not the time limit, stopped it
        status, _, body = http(url, params={"query": "ASK { ?s ?p ?o }"})
        assert status == 200 and json.loads(body)["boolean"] is True
        assert len(children(process.pid)) == 1


def test_deep_or_long_queries_are_refused_or_answered_never_crash_a_worker(real_project):
    """The store's parser recurses per nesting level and per chained operator: too deep is a 400,
    and what is accepted runs on a stack deep enough (a default 8 MiB stack dies at ~10,000 `!`)."""
    with serve_process(real_project, "--workers", "1") as (url, process):
        (worker,) = children(process.pid)
        status, _, body = http(url, data={"query": "SELECT * WHERE " + "{" * 5000 + "}" * 5000})
        assert status == 400 and b"nested more than 1000 deep" in body, body
        status, _, body = http(url, data={"query": "SELECT * WHERE { ?s ?p ?o } VALUES ?s { "
                                                   + "1 " * 100_001 + "}"})  # 200 kB: under the body cap
        assert status == 400 and b"more than 100000 terms" in body, body
        status, _, body = http(url, data={"query": "ASK { FILTER(" + "!" * 20_001 + "false) }"})
        assert status == 200 and json.loads(body)["boolean"] is True
        # one IRI to a lexer, 100,000 nested parentheses and a chain to the store's parser
        hidden = "ASK { FILTER(1<" + "(" * 100_000 + "2" + ")" * 100_000 + "&&?x>0) }"
        status, _, body = http(url, data={"query": hidden})
        assert status == 400 and b"nested more than 1000 deep" in body, body
        hidden = "ASK { FILTER(1<?x" + "&&?x" * 100_001 + ">0) }"
        status, _, body = http(url, data={"query": hidden})
        assert status == 400 and b"more than 100000 terms" in body, body
        assert children(process.pid) == [worker]  # the same worker: nothing crashed


def test_an_undeclared_prefix_is_named(endpoint):
    status, _, body = http(endpoint, params={"query": "SELECT * WHERE { ?s nope:thing ?o }"})
    assert status == 400
    assert body.decode().startswith("malformed query at line 1, column 21: unknown prefix 'nope:' in nope:thing")


def test_a_huge_result_is_capped_without_waiting_for_it(bounded):
    started = time.monotonic()
    status, headers, body = http(bounded, params={"query": ENDLESS.replace("(COUNT(*) AS ?n)", "*")})
    # a 200 at all means the cap, not the 1.5 s time limit, ended it (that would be a 503)
    assert status == 200 and len(bindings(body)) == 5 and headers["X-Results-Truncated"] == "true"
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("head, status", [
    (b"POST /sparql HTTP/1.0\r\nContent-Type: application/sparql-query\r\nContent-Length: -1\r\n\r\n", b"400"),
    (b"POST /sparql HTTP/1.0\r\nContent-Type: application/sparql-query\r\nContent-Length: +5\r\n\r\n", b"400"),
    (b"POST /sparql HTTP/1.0\r\nContent-Type: application/sparql-query\r\nContent-Length: 99999999999\r\n\r\n", b"413"),
    (b"POST /sparql HTTP/1.0\r\nContent-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n"
     b"Content-Length: 3\r\n\r\n", b"501"),
    (b"POST /sparql HTTP/1.0\r\nContent-Type: application/sparql-query\r\n\r\n", b"411"),
    (b"GET /sparql?query=" + b"x" * 70000 + b" HTTP/1.0\r\n\r\n", b"414"),
    (b"GET /sparql HTTP/1.0\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(200)) + b"\r\n", b"431"),
])
def test_malformed_requests_get_a_clear_status_and_never_hang(bounded, head, status):
    started = time.monotonic()
    # the client keeps the connection open and sends more: the server must not wait for it
    answer = raw_exchange(bounded, head + b"ASK { ?s ?p ?o }" * 10)
    assert answer.split(b" ", 2)[1] == status, answer[:200]
    assert time.monotonic() - started < 5


def test_a_client_that_stops_sending_is_dropped(real_project):
    with serve_thread(real_project, read_timeout=1.0, workers=1) as server:
        host, port = server.server_address[:2]
        with socket.create_connection((host, port), timeout=10) as slow:
            slow.sendall(b"POST /sparql HTTP/1.0\r\nContent-Type: application/sparql-query\r\n"
                         b"Content-Length: 100\r\n\r\nASK {")  # ... and nothing more
            status, _, _ = http(server.url, params={"query": "ASK { ?s ?p ?o }"})
            assert status == 200  # others are served meanwhile
            started = time.monotonic()
            answer = slow.recv(65536)
            assert answer[:13] in (b"HTTP/1.0 408 ", b"HTTP/1.1 408 ") and time.monotonic() - started < 5


def test_connections_beyond_the_cap_are_refused_at_once(real_project):
    with serve_thread(real_project, read_timeout=5.0, max_connections=2, workers=1) as server:
        host, port = server.server_address[:2]
        idle = [socket.create_connection((host, port), timeout=10) for _ in range(2)]
        try:
            time.sleep(0.3)  # both are accepted and waiting for their request line
            started = time.monotonic()
            answer = raw_exchange(server.url, b"GET /sparql?query=ASK%7B%7D HTTP/1.0\r\n\r\n")
            assert answer.startswith(b"HTTP/1.0 503") and b"too many connections" in answer
            assert time.monotonic() - started < 2
        finally:
            for sock in idle:
                sock.close()
        deadline = time.monotonic() + 10
        while True:  # the slots come back as the idle connections close
            status, _, _ = http(server.url, params={"query": "ASK { ?s ?p ?o }"})
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert status == 200


# --- in memory ------------------------------------------------------------------------------------

def sockets(pid: int) -> int:
    """How many sockets a process holds open."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            count += os.readlink(fd).startswith("socket:")
    return count


def test_in_memory_the_same_answers_time_limit_and_clean_replacements(real_project, embedded):
    expected = [[term.value for term in row] for row in run_query(embedded, LABELS).rows]
    with serve_process(real_project, "--in-memory", "--timeout", "1", "--workers", "1") as (url, process):
        (worker,) = children(process.pid)
        status, _, body = http(url, data={"query": LABELS})
        assert status == 200 and [[b["s"], b["label"]] for b in bindings(body)] == expected
        status, _, body = http(url, data={"query": ENDLESS})
        assert status == 503 and b"time limit of 1 s" in body
        deadline = time.monotonic() + 10
        while children(process.pid) in ([], [worker]) and time.monotonic() < deadline:
            time.sleep(0.1)
        (replacement,) = children(process.pid)
        assert replacement != worker
        status, _, body = http(url, data={"query": LABELS})
        assert status == 200 and [[b["s"], b["label"]] for b in bindings(body)] == expected
        # forked while a client was connected, it kept none of the server's sockets: only its pipe
        assert sockets(replacement) == 1


def test_in_memory_says_so_when_it_starts(real_project):
    command = [sys.executable, "-m", "graph.cli.commands", "--project", str(real_project), "serve", "--port", "0", "--in-memory"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert "read-only, in memory;" in process.stdout.readline().decode("utf-8")
        assert process.stderr.readline().decode("utf-8").startswith("loading the graph into memory")
    finally:
        _stop(process)
        process.stdout.close()
        process.stderr.close()


def test_a_worker_memory_limit_counts_from_what_it_already_holds():
    """A worker forked with the graph in memory may still use its whole limit for queries."""
    script = ("from graph.serve.workers import limit_memory\n"
              "held = bytearray(300 << 20)\n"
              "assert limit_memory(100 << 20)\n"
              "room = bytearray(50 << 20)\n"
              "try:\n    bytearray(200 << 20)\nexcept MemoryError:\n    print('stopped')\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0 and result.stdout == "stopped\n", result.stderr


def test_in_memory_refuses_to_start_when_the_copies_would_not_fit(real_project, monkeypatch):
    import psutil

    monkeypatch.setattr(psutil, "virtual_memory", lambda: SimpleNamespace(available=1 << 20))
    result = CliRunner().invoke(cli, ["--project", str(real_project), "serve", "--port", "0", "--in-memory"])
    assert result.exit_code == 1
    assert "error: the graph needs about" in result.output and "serve it from disk (without --in-memory)" in result.output


# --- issue 15: slowloris, answers in bytes, workers that outlive their server, one-line errors ------

def test_slow_senders_cannot_hold_every_slot(real_project):
    """A byte every 0.3 s resets a per-receive timeout forever; the whole request has a deadline,
    and a reserved share of slots serves a request that arrives whole."""
    with serve_thread(real_project, read_timeout=4.0, max_connections=8, workers=1) as server:
        host, port = server.server_address[:2]
        slow = [socket.create_connection((host, port), timeout=15) for _ in range(8)]
        stop, answers = threading.Event(), {}

        def trickle():
            while not stop.is_set():
                for sock in slow:
                    with contextlib.suppress(OSError):
                        sock.sendall(b"G")
                time.sleep(0.3)

        def read(i):
            with contextlib.suppress(OSError):
                answers[i] = (sock := slow[i]).recv(65536), time.monotonic()

        started = time.monotonic()
        threads = [threading.Thread(target=trickle)] + [threading.Thread(target=read, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1.5)  # every ordinary slot held by a trickling client
            status, _, body = http(server.url, params={"query": "ASK { ?s ?p ?o }"})
            assert status == 200 and json.loads(body)["boolean"] is True
            for thread in threads[1:]:
                thread.join(15)
        finally:
            stop.set()
            threads[0].join(5)
            for sock in slow:
                sock.close()
        assert len(answers) == 8
        for answer, when in answers.values():  # dropped by the deadline though they kept sending
            assert answer.startswith((b"HTTP/1.0 408", b"HTTP/1.1 408")) and when - started < 7, (answer[:100], when - started)


def test_a_complete_request_takes_the_slot_of_the_slowest_sender(real_project):
    """Every slot held by clients trickling their heads (slowloris): each new complete request
    closes the one that has waited longest and is answered, however many arrive at once (the
    reserved share alone served one at a time, the others got 503)."""
    with serve_thread(real_project, read_timeout=30.0, max_connections=8, workers=2) as server:
        host, port = server.server_address[:2]
        slow = [socket.create_connection((host, port), timeout=15) for _ in range(8)]
        stop = threading.Event()

        def trickle():
            while not stop.is_set():
                for sock in slow:
                    with contextlib.suppress(OSError):
                        sock.sendall(b"G")
                stop.wait(0.3)

        trickler = threading.Thread(target=trickle)
        trickler.start()
        try:
            time.sleep(1.5)
            statuses = []

            def ask():
                statuses.append(http(server.url, params={"query": "ASK { ?s ?p ?o }"})[0])

            askers = [threading.Thread(target=ask) for _ in range(4)]
            for asker in askers:
                asker.start()
            for asker in askers:
                asker.join(30)
            assert statuses == [200] * 4
        finally:
            stop.set()
            trickler.join(5)
            for sock in slow:
                sock.close()


def test_an_answer_over_max_answer_is_stopped(real_project):
    big = ("SELECT ?x WHERE { ?s ?p ?o BIND(CONCAT(" + ", ".join(["STR(?s)"] * 10) + ") AS ?x) }")
    with serve_process(real_project, "--max-answer", "1", "--workers", "1") as (url, process):
        status, _, body = http(url, params={"query": big})
        assert status == 503 and body.decode().startswith("the answer is larger than the limit of 1 MiB"), body[:200]
        status, _, body = http(url, params={"query": big + " LIMIT 100"})
        assert status == 200 and len(bindings(body)) == 100


def test_workers_die_with_their_server(real_project):
    import psutil

    with serve_process(real_project, "--timeout", "120", "--workers", "2") as (url, process):
        workers = children(process.pid)
        assert len(workers) == 2
        def endless():
            with contextlib.suppress(OSError):  # the server dies under it
                http(url, data={"query": ENDLESS})

        runner = threading.Thread(target=endless, daemon=True)
        runner.start()
        time.sleep(1.0)  # one worker is busy with a query that never ends
        process.kill()
        process.wait(10)
        deadline = time.monotonic() + 10

        def alive(pid):
            try:
                return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
            except psutil.NoSuchProcess:
                return False

        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in workers)


@pytest.mark.parametrize("head, status", [
    (b"GET /sparql?query=" + b"x" * 70000 + b" HTTP/1.0\r\n\r\n", b"414"),
    (b"GET /sparql HTTP/1.0\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(200)) + b"\r\n", b"431"),
    (b"BREW /sparql HTTP/1.0\r\n\r\n", b"501"),
    (b"GET /sparql HTTP/9.9\r\n\r\n", b"505"),
])
def test_the_standard_librarys_errors_are_one_line_of_text(bounded, head, status):
    answer = raw_exchange(bounded, head)
    head_part, _, body = answer.partition(b"\r\n\r\n")
    assert head_part.split(b" ", 2)[1] == status and b"Content-Type: text/plain" in head_part, answer[:300]
    assert b"<" not in body and body.count(b"\n") == 1, body


# --- answers streamed: memory per connection, not per answer ------------------------------------

def wide(copies: int) -> str:
    """A SELECT whose answer is every triple's subject written ``copies`` times (megabytes)."""
    return "SELECT ?x WHERE { ?s ?p ?o BIND(CONCAT(" + ", ".join(["STR(?s)"] * copies) + ") AS ?x) }"


def test_a_large_answer_is_streamed_whole_holding_one_piece_per_connection(real_project, embedded):
    from graph.serve.workers import CHUNK_BYTES, WHOLE_BYTES

    triples = len(embedded)
    with serve_thread(real_project, limit=10 * triples, workers=1) as server:
        status, headers, body = http(server.url, params={"query": wide(10)}, headers={"Accept": "text/csv"})
        assert status == 200 and headers["Transfer-Encoding"] == "chunked" and "Content-Length" not in headers
        assert len(body) > WHOLE_BYTES and body.count(b"\r\n") == triples + 1  # a header and every row
        status, headers, packed = http(server.url, params={"query": wide(10)},
                                       headers={"Accept": "text/csv", "Accept-Encoding": "gzip"})
        import gzip

        assert status == 200 and headers["Content-Encoding"] == "gzip" and gzip.decompress(packed) == body
        assert 0 < server.peak_buffered <= CHUNK_BYTES  # one piece at a time, never the answer
        status, headers, small = http(server.url, params={"query": COUNT}, headers={"Accept": "text/csv"})
        assert status == 200 and int(headers["Content-Length"]) == len(small)  # a small answer keeps its length


def test_a_streamed_answer_cut_by_the_limit_says_so_in_its_trailer(real_project):
    with serve_thread(real_project, limit=3000, workers=1) as server:
        query = urllib.parse.urlencode({"query": wide(10)})
        answer = raw_exchange(server.url, f"GET /sparql?{query} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n"
                                          "Connection: close\r\n\r\n".encode())
        head, _, body = answer.partition(b"\r\n\r\n")
        assert b"Transfer-Encoding: chunked" in head and b"Trailer: X-Results-Truncated" in head
        assert body.endswith(b"\r\n0\r\nX-Results-Truncated: true\r\n\r\n"), body[-200:]


def test_an_answer_over_max_answer_mid_stream_is_cut_off_not_ended(real_project):
    """Past --max-answer after the first MiB was sent, the client must see a failed transfer (no
    last chunk, a reset), never an answer that looks whole."""
    from http.client import IncompleteRead

    with serve_thread(real_project, limit=10**7, workers=1, max_answer=3 << 20) as server:
        with pytest.raises((IncompleteRead, ConnectionResetError)):
            http(server.url, params={"query": wide(10)}, headers={"Accept": "text/csv"})
        status, _, body = http(server.url, params={"query": "ASK { ?s ?p ?o }"})
        assert status == 200 and json.loads(body)["boolean"] is True


def test_clients_that_do_not_read_hold_no_answers_and_free_their_workers(real_project):
    """Eight clients ask for a 30 MB answer each and read nothing: the server holds a piece per
    connection (its memory barely grows), stops each answer at the time limit, and serves again."""
    import psutil

    with serve_process(real_project, "--timeout", "20", "--workers", "2", "--limit", "10000000",
                       "--max-answer", "256") as (url, process):
        server = psutil.Process(process.pid)
        before = server.memory_info().rss
        host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port
        query = urllib.parse.urlencode({"query": wide(50)})
        sockets = []
        for _ in range(8):
            sock = socket.create_connection((host, port), timeout=30)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(f"GET /sparql?{query} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n".encode())
            sockets.append(sock)
        try:
            peak = before
            started = time.monotonic()
            while time.monotonic() - started < 10:
                peak = max(peak, server.memory_info().rss)
                time.sleep(0.1)
            assert peak - before < 48 << 20, (before, peak)
            deadline = time.monotonic() + 40  # every answer stopped by its deadline: the workers are free
            status = None
            while status != 200 and time.monotonic() < deadline:
                status, _, body = http(url, params={"query": "ASK { ?s ?p ?o }"})
            assert status == 200 and json.loads(body)["boolean"] is True
            for sock in sockets:  # each was cut off: a reset or an end without the last chunk
                received = b""
                with contextlib.suppress(OSError):
                    while chunk := sock.recv(1 << 20):
                        received += chunk
                assert not received.endswith(b"\r\n0\r\n\r\n")
        finally:
            for sock in sockets:
                sock.close()


#: every triple, and for each one more with a long literal: a graph of a few MB in any syntax
COPIES = ("CONSTRUCT { ?s ?p ?o . ?s <http://example.org/copy> ?x } "
          "WHERE { ?s ?p ?o BIND(CONCAT(STR(?s), STR(?p), STR(?o)) AS ?x) }")


@pytest.mark.parametrize("media_type, rdf_format", [("text/turtle", ox.RdfFormat.TURTLE),
                                                    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                                                    ("application/ld+json", ox.RdfFormat.JSON_LD)])
def test_a_large_graph_answer_streams_and_reads_back_whole(real_project, embedded, media_type, rdf_format):
    """Past 256 KiB a graph is written in the store's order as it is read (Turtle with the
    project's prefixes); JSON-LD, whose compaction needs every triple, is made whole in the worker
    and streamed from there. Either way the client gets every triple."""
    expected = {(str(t.subject), str(t.predicate), str(t.object)) for t in embedded.query(COPIES)}
    with serve_thread(real_project, limit=10 * len(expected), workers=1) as server:
        status, headers, body = http(server.url, params={"query": COPIES}, headers={"Accept": media_type})
    assert status == 200 and headers["Transfer-Encoding"] == "chunked" and headers.get_content_type() == media_type
    got = {(str(t.subject), str(t.predicate), str(t.object)) for t in ox.parse(body, format=rdf_format)}
    assert got == expected
    if rdf_format == ox.RdfFormat.TURTLE:
        assert b"@prefix entity: <https://w3id.org/hormone-kg/entity/>" in body[:4096]


def test_slow_readers_of_large_answers_cannot_hold_every_worker(real_project):
    """A large answer holds its worker while its client reads; with two workers one streams at a
    time, a second large one is refused (503, Retry-After) and other queries are answered."""
    with serve_thread(real_project, workers=2, limit=10**6, timeout=30.0) as server:
        host, port = server.server_address[:2]
        reader = socket.create_connection((host, port), timeout=30)
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        query = urllib.parse.urlencode({"query": wide(10)})
        reader.sendall(f"GET /sparql?{query} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n".encode())
        try:
            assert reader.recv(64).startswith(b"HTTP/1.1 200")  # streaming, and not read further
            status, headers, body = http(server.url, params={"query": wide(10)}, headers={"Accept": "text/csv"})
            assert status == 503 and headers["Retry-After"] and b"large answer" in body, body[:200]
            status, _, body = http(server.url, params={"query": "ASK { ?s ?p ?o }"})
            assert status == 200 and json.loads(body)["boolean"] is True
        finally:
            reader.close()
        deadline, status = time.monotonic() + 20, None
        while status != 200 and time.monotonic() < deadline:  # the slow reader's stream was stopped
            status, _, body = http(server.url, params={"query": wide(10)}, headers={"Accept": "text/csv"})
            time.sleep(0.2)
        assert status == 200 and len(body) > 1 << 20
