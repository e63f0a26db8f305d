"""The embedded store: built with the cache, read-only, and `hkg sparql` on top of it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from types import SimpleNamespace

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from graph.project import Project
from graph.cli.commands import cli
from graph.errors import CacheError, QueryError
from graph.sparql.store import STORE_DIR, check_query, loading_store, open_store, run_query

E = "https://w3id.org/hormone-kg/entity/"
AFFECTS = "https://w3id.org/biolink/vocab/affects"


def run(project, *args, input=None):
    return CliRunner().invoke(cli, ["--project", str(project), *args], input=input)


@pytest.fixture(scope="module")
def store(built_mini):
    return open_store(Project(built_mini).current_build())


def test_the_build_loads_the_whole_graph_into_the_store(built_mini):
    build_dir = Project(built_mini).current_build()
    assert (build_dir / STORE_DIR / "CURRENT").exists()
    lines = [line for line in (build_dir / "graph.nt").read_text(encoding="utf-8").splitlines() if line]
    assert len(open_store(build_dir)) == len(lines)


def test_many_readers_at_once(built_mini):
    build_dir = Project(built_mini).current_build()
    first, second = open_store(build_dir), open_store(build_dir)
    assert len(first) == len(second) > 0


def test_the_store_is_read_only(store):
    before = len(store)
    with pytest.raises(Exception):
        store.update("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }")
    with pytest.raises(QueryError, match="updates are not allowed"):
        run_query(store, "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }")
    assert len(store) == before


def test_a_build_without_a_store_is_a_cache_error(tmp_path):
    with pytest.raises(CacheError, match="run `hkg build`"):
        open_store(tmp_path)


SOME_QUERIES = (
    "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s ?label",
    "SELECT ?s (COUNT(?c) AS ?n) WHERE { ?c a biolink:Association ; rdf:subject ?s } GROUP BY ?s ORDER BY DESC(?n) ?s",
    "CONSTRUCT WHERE { ?s biolink:affects ?o }",
)


@pytest.mark.parametrize("query", SOME_QUERIES)
def test_a_copy_in_memory_answers_as_the_store_on_disk(built_mini, store, query):
    from graph.model.vocab import prefixes

    copy = open_store(Project(built_mini).current_build(), in_memory=True)
    assert len(copy) == len(store)
    on_disk = run_query(store, query, prefixes=prefixes()).table()
    assert on_disk and run_query(copy, query, prefixes=prefixes()).table() == on_disk


def test_a_copy_in_memory_leaves_the_build_alone(built_mini):
    build_dir = Project(built_mini).current_build()
    copy = open_store(build_dir, in_memory=True)
    copy.update("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }")
    assert len(copy) == len(open_store(build_dir)) + 1


def test_a_graph_too_big_for_memory_is_refused_in_one_line(built_mini, monkeypatch):
    import psutil

    monkeypatch.setattr(psutil, "virtual_memory", lambda: SimpleNamespace(available=1000))
    with pytest.raises(CacheError, match=r"^the graph needs about [\d.]+ GiB in memory and 0\.0 GiB are "
                                         r"available: serve it from disk \(without --in-memory\)$"):
        open_store(Project(built_mini).current_build(), in_memory=True)


def test_a_copy_in_memory_of_a_missing_or_broken_graph_is_a_cache_error(tmp_path):
    with pytest.raises(CacheError, match="no graph.nt in .*; run `hkg build` first"):
        open_store(tmp_path, in_memory=True)
    (tmp_path / "graph.nt").write_text("<http://e/a> not n-triples\n")
    with pytest.raises(CacheError, match=r"^cannot load .*graph\.nt into memory: "):
        open_store(tmp_path, in_memory=True)


def test_the_store_loads_in_a_child_process_beside_other_work(tmp_path):
    (tmp_path / "graph.nt").write_text('<http://e/a> <http://e/p> "x" .\n')
    with loading_store(tmp_path):
        assert (tmp_path / "graph.nt").exists()  # the parent goes on meanwhile
    assert len(open_store(tmp_path)) == 1


def test_a_failed_store_load_is_one_line(tmp_path):
    (tmp_path / "graph.nt").write_text("<http://e/a> not n-triples\n")
    with pytest.raises(CacheError, match=r"^cannot load the SPARQL store in .*: SyntaxError: [^\n]*$"):
        with loading_store(tmp_path):
            pass


def test_a_failed_build_stops_the_loader(tmp_path):
    (tmp_path / "graph.nt").write_text('<http://e/a> <http://e/p> "x" .\n')
    with pytest.raises(RuntimeError, match="shapes failed"):
        with loading_store(tmp_path):
            raise RuntimeError("shapes failed")


def test_select_with_substitutions(store):
    result = run_query(store, "SELECT ?agent ?target WHERE { ?agent <%s> ?target } ORDER BY ?agent" % AFFECTS,
                       substitutions={"target": ox.NamedNode(E + "insulin-signaling")})
    assert result.variables == ("agent", "target")
    assert [row[0].value for row in result.rows] == [E + "tnf-alpha"]


def test_a_parameter_must_be_selected(store):
    with pytest.raises(QueryError, match=r"parameter \?target must be selected by the query"):
        run_query(store, f"SELECT ?agent WHERE {{ ?agent <{AFFECTS}> ?target }}",
                  substitutions={"target": ox.NamedNode(E + "insulin")})


def test_every_query_form(store):
    assert run_query(store, "ASK { ?s ?p ?o }").boolean is True
    construct = run_query(store, f"CONSTRUCT WHERE {{ ?s <{AFFECTS}> ?o }}")
    assert construct.kind == "graph" and construct.triples
    describe = run_query(store, f"DESCRIBE <{E}tnf-alpha>")
    assert describe.form == "DESCRIBE" and {str(t.subject) for t in describe.triples} == {f"<{E}tnf-alpha>"}


def test_syntax_errors_have_a_position(store):
    with pytest.raises(QueryError) as error:
        run_query(store, "SELECT ?s\nWHERE { ?s ?p }", source="my.rq")
    message = str(error.value)
    assert message.startswith("my.rq: malformed query at line 2, column 16:") and "\n" not in message


def test_service_is_refused_unless_allowed():
    with pytest.raises(QueryError, match="SERVICE"):
        check_query("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert check_query("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", allow_service=True) == "SELECT"


# --- hkg sparql ---------------------------------------------------------------------------

def test_sparql_text_table_and_json(built_mini):
    query = f"SELECT ?s WHERE {{ ?s <{AFFECTS}> <{E}insulin-signaling> }}"
    result = run(built_mini, "sparql", query)
    assert result.exit_code == 0, result.output
    assert "entity:tnf-alpha" in result.output
    result = run(built_mini, "sparql", query, "--format", "json")
    assert json.loads(result.output)["results"]["bindings"] == [
        {"s": {"type": "uri", "value": E + "tnf-alpha"}}]


def test_the_project_prefixes_need_no_declaration(built_mini):
    result = run(built_mini, "sparql", "SELECT ?l WHERE { entity:tnf-alpha rdfs:label ?l }", "--format", "csv")
    assert result.exit_code == 0 and result.output.splitlines() == ["l", "TNF-α"]
    result = run(built_mini, "sparql", "PREFIX rdfs: <http://example.org/> ASK { ?s rdfs:label ?l }")
    assert result.output.strip() == "false"  # a declaration of its own wins


def test_sparql_params_resolve_names(built_mini):
    query = f"SELECT ?agent ?target WHERE {{ ?agent <{AFFECTS}> ?target }}"
    result = run(built_mini, "sparql", query, "--param", "target=insulin signaling", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["agent,target", f"{E}tnf-alpha,{E}insulin-signaling"]


def test_sparql_from_a_file_and_from_stdin(built_mini, tmp_path):
    path = tmp_path / "q.rq"
    path.write_text("ASK { ?s ?p ?o }\n")
    assert run(built_mini, "sparql", str(path)).output.strip() == "true"
    assert run(built_mini, "sparql", "-", input="ASK { ?s <http://e/none> ?o }").output.strip() == "false"


def test_sparql_malformed_query_is_one_line_exit_2(built_mini):
    result = run(built_mini, "sparql", "SELECT ?s WHERE { ?s ?p }")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("error: malformed query at line 1, column")
    assert "Traceback" not in result.output


def test_sparql_malformed_param_is_exit_2(built_mini):
    for param in ("target", "target=<http://a b>", 'target="open'):
        result = run(built_mini, "sparql", "SELECT ?target { ?s ?p ?target }", "--param", param)
        assert result.exit_code == 2, (param, result.output)
        assert result.output.startswith("error: ") and result.output.count("\n") == 1


def test_an_injected_brace_cannot_change_the_query(built_mini):
    query = f"SELECT ?s ?name WHERE {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?name }}"
    for value in ('x" } ?s ?p ?o { "', 'x} UNION { ?s ?p ?name }', "no such label } #"):
        result = run(built_mini, "sparql", query, "--param", f"name={value}", "--format", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["results"]["bindings"] == []  # a literal no label equals
    result = run(built_mini, "sparql", query, "--param", 'name="} DROP ALL #')
    assert result.exit_code == 2 and result.output.startswith("error: parameter ?name: malformed literal")
    assert run(built_mini, "sparql", "ASK { ?s ?p ?o }").output.strip() == "true"  # nothing changed


def test_sparql_updates_and_service_are_refused(built_mini):
    result = run(built_mini, "sparql", "DELETE WHERE { ?s ?p ?o }")
    assert result.exit_code == 2 and "read-only" in result.output
    result = run(built_mini, "sparql", "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    assert result.exit_code == 2 and "SERVICE" in result.output


def test_sparql_never_calls_a_service_the_token_scanner_misread(built_mini):
    """`FILTER(1<2)SERVICE?x#>`: a lexer reads one IRI, the store a call; the parsed query decides."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.settimeout(0.5)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        for query in (f"SELECT * WHERE {{ VALUES ?x {{ <{url}> }} LATERAL {{ FILTER(1<2)SERVICE?x#>\n{{ ?s ?p ?o }} }} }}",
                      f"SELECT * WHERE {{ VALUES ?x {{ <{url}> }} FILTER(1<2)SERVICE?x#>\n{{ ?s ?p ?o }} }}"):
            result = run(built_mini, "sparql", query, "--timeout", "5")
            assert result.exit_code == 2 and "SERVICE" in result.output, result.output
        with pytest.raises(socket.timeout):
            listener.accept()
    # the word in an IRI or a string is not a call
    result = run(built_mini, "sparql", 'ASK { ?s ?p <http://schema.org/Service> FILTER("service" != "") }')
    assert result.exit_code == 0, result.output


def test_a_query_past_its_time_is_stopped(built_mini):
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
    # in a process of its own: the abandoned query keeps a core busy until its process ends
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", "from graph.cli.commands import main; main()", "--project",
                           str(built_mini), "sparql", endless, "--timeout", "0.5"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and time.monotonic() - started < 20
    assert done.stderr.strip() == ("error: the query ran past the time limit of 0.5 s and was stopped "
                                   "(--timeout raises it)")


def test_a_stopped_query_leaves_nothing_running(built_mini):
    import threading

    import psutil

    import graph
    from graph.errors import QueryTimeoutError

    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
    threads, children = threading.active_count(), set(psutil.Process().children(recursive=True))
    with pytest.raises(QueryTimeoutError):
        graph.open(built_mini).sparql(endless, timeout=0.5)
    # a library call returns with nothing of the query left behind: no thread, no process
    # (servers other tests of this session started may be running: only new ones count)
    assert threading.active_count() == threads
    assert set(psutil.Process().children(recursive=True)) == children


def test_unknown_query_name_suggests(built_mini):
    result = run(built_mini, "sparql", "what-increase")
    assert result.exit_code == 2
    assert "unknown query 'what-increase'; did you mean: what-increases" in result.output


def test_no_build_is_a_clear_error(mini_project):
    result = run(mini_project, "sparql", "ASK { ?s ?p ?o }")
    assert result.exit_code == 1 and "run `hkg build` first" in result.output


def test_a_build_from_before_the_store_is_a_clear_error(built_mini, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(built_mini, copy, symlinks=True)
    shutil.rmtree(Project(copy).current_build() / STORE_DIR)
    result = run(copy, "sparql", "ASK { ?s ?p ?o }")
    assert result.exit_code == 1 and "no SPARQL store" in result.output


def test_a_query_process_dies_with_its_parent(built_mini):
    import signal

    import psutil

    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
    command = subprocess.Popen([sys.executable, "-c", "from graph.cli.commands import main; main()", "--project",
                                str(built_mini), "sparql", endless, "--timeout", "60"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not psutil.Process(command.pid).children() and time.monotonic() < deadline:
        time.sleep(0.05)
    query = psutil.Process(command.pid).children()
    assert query, "the query's process did not start"
    command.send_signal(signal.SIGTERM)  # no clean-up runs: the child must notice by itself
    command.wait(timeout=30)
    gone, alive = psutil.wait_procs(query, timeout=10)
    assert alive == []


def _ask_in_a_pool_worker(root):
    import graph

    return graph.open(root).sparql("ASK { ?s ?p ?o }", timeout=30).boolean


def test_a_timed_query_runs_in_a_daemonic_worker(built_mini):
    import multiprocessing

    # a multiprocessing.Pool worker may not start children through multiprocessing: the query
    # forks by itself
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.map(_ask_in_a_pool_worker, [str(built_mini)]) == [True]
