"""The streamed build (graph/pipeline/bulk.py) writes the same graph, index and N-Triples as the in-memory one."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from graph.project import Project
from graph.pipeline.build import build
from graph.pipeline.bulk import sort_unique, write_graph_nt
from graph.errors import LoadError, ShapeError
from graph.exports.registry import get_format
from graph.rdf.triples import build_graph
from graph.sources.load import load_records

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("entities", "names", "claims", "degrees", "studies", "documents", "meta")


def _tables(build_dir: Path) -> dict:
    connection = sqlite3.connect(build_dir / "index.sqlite")
    try:
        return {t: connection.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in TABLES}
    finally:
        connection.close()


@pytest.mark.parametrize("data", ["data", "tests/fixtures/mini/data"])
def test_streamed_ntriples_are_byte_identical(data, tmp_path):
    kb = load_records(ROOT / data)
    count = write_graph_nt(kb, tmp_path / "graph.nt")
    expected = get_format("n-triples").serialize(build_graph(kb))
    assert (tmp_path / "graph.nt").read_bytes() == expected
    assert count == expected.count(b"\n")


def test_python_sort_fallback_matches(tmp_path, monkeypatch):
    lines = [f"<http://e/{i % 37}> <http://e/p> \"{'é' * (i % 3)}{i % 11}\" .\n" for i in range(500)]
    (tmp_path / "in").write_text("".join(lines), encoding="utf-8")
    monkeypatch.setattr("graph.pipeline.bulk.RUN_LINES", 40)
    monkeypatch.setattr("shutil.which", lambda _name: None)
    sort_unique(tmp_path / "in", tmp_path / "out", tmp_path)
    assert (tmp_path / "out").read_text(encoding="utf-8") == "".join(sorted(set(lines)))


def test_streamed_build_equals_in_memory_build(built_mini, tmp_path):
    project = tmp_path / "mini"
    shutil.copytree(built_mini / "data", project / "data")
    result = build(Project(project), streamed=True)
    assert result.streamed and "hormone-kg.graphml" in result.skipped and "graph.html" not in result.skipped
    ours, reference = Project(project).current_build(), Project(built_mini).current_build()
    assert (ours / "graph.nt").read_bytes() == (reference / "graph.nt").read_bytes()
    assert _tables(ours) == _tables(reference)
    turtle = Graph().parse(project / "exports" / "hormone-kg.ttl")
    assert isomorphic(turtle, Graph().parse(reference / "graph.nt", format="nt"))
    # one Turtle writer at every size: the streamed file is the small build's, byte for byte
    assert (project / "exports" / "hormone-kg.ttl").read_bytes() == (built_mini / "exports" / "hormone-kg.ttl").read_bytes()
    assert not (project / "exports" / "hormone-kg.jsonld").exists()
    assert Project(project).index().entity("tnf-alpha")["label"] == "TNF-α"


def test_streamed_build_with_full_exports_writes_every_format(built_mini, tmp_path):
    project = tmp_path / "mini"
    shutil.copytree(built_mini / "data", project / "data")
    result = build(Project(project), streamed=True, full_exports=True)
    assert not result.skipped
    for name in ("json-ld", "kgx-tsv", "graphml"):
        for filename in get_format(name).filenames("hormone-kg"):
            assert (project / "exports" / filename).read_bytes() == (built_mini / "exports" / filename).read_bytes()


def test_streamed_build_fails_whole_on_bad_data(mini_project):
    project = Project(mini_project)
    first = build(project, streamed=True)
    claims = mini_project / "data/claims.yaml"
    claims.write_text(claims.read_text().replace("subject: tnf-alpha", "subject: nobody"))
    with pytest.raises(LoadError):
        build(project, streamed=True)
    assert project.current_build() == first.build_dir
    assert not list((project.cache / "builds").glob(".tmp-*"))


def test_streamed_build_checks_the_shapes(mini_project, monkeypatch):
    from graph.rdf import triples as rdf

    original = rdf.iter_triples

    def broken(kb):
        for s, p, o, kind in original(kb):
            if p.endswith("vocab/sign"):
                o = "5"
            yield s, p, o, kind

    monkeypatch.setattr(rdf, "iter_triples", broken)
    with pytest.raises(ShapeError, match="sign is one of"):
        build(Project(mini_project), streamed=True)
    assert not list((Project(mini_project).cache / "builds").glob(".tmp-*"))


@pytest.mark.parametrize("data", ["data", "tests/fixtures/mini/data"])
def test_the_index_holds_what_the_data_says(data, tmp_path):
    """The index (written from sorted N-Triples at every size) gives back each entity and claim of
    the curated records, with escapes, language tags, datatypes and blank nodes in the graph."""
    from rdflib import BNode, Literal, URIRef

    from graph.cache.index import Index, write_index_from_ntriples
    from graph.model.vocab import ENTITY, RDFS, SKOS

    kb = load_records(ROOT / data)
    graph = build_graph(kb)
    entity = next(iter(sorted(set(graph.subjects(RDFS.label, None)) & set(graph.subjects(SKOS.definition, None)))))
    graph.set((entity, SKOS.definition, Literal('a "quoted" back\\slash,\nnew line\r, tab\t and ünïcode ✓')))
    graph.add((entity, SKOS.altLabel, Literal("étiquette", lang="fr")))
    graph.add((BNode("b0"), RDFS.label, Literal("a blank node's label is not an entity")))
    graph.add((URIRef(str(ENTITY) + "odd%20iri"), RDFS.comment, Literal("7", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#integer"))))
    (tmp_path / "graph.nt").write_bytes(get_format("n-triples").serialize(graph))
    write_index_from_ntriples(tmp_path / "graph.nt", tmp_path / "index.sqlite", {"n": 1})
    index = Index(tmp_path / "index.sqlite")
    entities = {record["id"]: record for record in index.entities()}
    assert sorted(entities) == sorted(e.id for e in kb.entities)
    for e in kb.entities:
        record = entities[e.id]
        assert (record["label"], record["category"], sorted(record["xrefs"])) == (e.label, e.category, sorted(e.xrefs))
        assert set(e.synonyms) <= set(record["synonyms"])
    claims = {record["claim"]: record for record in index.claims()}
    assert sorted(claims) == sorted(c.id for c in kb.claims)
    for c in kb.claims:
        record = claims[c.id]
        assert (record["subject"], record["object"], record["sign"]) == (c.subject, c.object, c.sign)
        assert record["quote"] == c.evidence.quote and record["context"] == dict(c.context.items())
    assert 'a "quoted" back\\slash,\nnew line\r, tab\t and ünïcode ✓' in [r["definition"] for r in entities.values()]
    assert "étiquette" in [s for r in entities.values() for s in r["synonyms"]]
    degrees = dict(index._db.execute("SELECT id, subject + object FROM degrees"))
    assert all(degrees.get(e, 0) == sum(c.subject == e for c in kb.claims) + sum(c.object == e for c in kb.claims)
               for e in entities)
    index.close()


def test_the_build_says_which_exports_a_large_graph_leaves_out(mini_project, monkeypatch):
    from click.testing import CliRunner

    import graph.pipeline.build
    from graph.cli.commands import cli

    monkeypatch.setattr(graph.pipeline.build, "LARGE_GRAPH_CLAIMS", 1)  # the mini graph counts as large
    result = CliRunner().invoke(cli, ["--project", str(mini_project), "build"])
    assert result.exit_code == 0, result.output
    left_out = result.output.splitlines()[-1]
    assert left_out.startswith("left out for a graph this large (and removed from exports/): ")
    assert "hormone-kg.graphml" in left_out and "--full-exports" in left_out
    assert not (mini_project / "exports" / "hormone-kg.graphml").exists()
    # the page draws the most connected part and says so
    page = (mini_project / "exports" / "graph.html").read_text(encoding="utf-8")
    assert '"hubs":300' in page and "too large to draw whole" in page
