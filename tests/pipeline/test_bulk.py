"""The build: records → sorted N-Triples (graph/pipeline/bulk.py) → checks, index, store and every export,
the same code at every size."""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from graph.project import Project
from graph.pipeline.build import build
from graph.pipeline.bulk import _insert_lines, sort_unique, write_graph_nt
from graph.errors import ShapeError
from graph.exports.registry import export_formats
from graph.rdf.triples import build_graph, sorted_ntriples
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
def test_the_streamed_ntriples_are_those_of_the_rdflib_graph(data, tmp_path):
    kb = load_records(ROOT / data)
    count = write_graph_nt(kb, tmp_path / "graph.nt")
    expected = sorted_ntriples(build_graph(kb))
    assert (tmp_path / "graph.nt").read_bytes() == expected
    assert count == expected.count(b"\n")


def test_python_sort_fallback_matches(tmp_path, monkeypatch):
    lines = [f"<http://e/{i % 37}> <http://e/p> \"{'é' * (i % 3)}{i % 11}\" .\n" for i in range(500)]
    (tmp_path / "in").write_text("".join(lines), encoding="utf-8")
    monkeypatch.setattr("graph.pipeline.bulk.RUN_LINES", 40)
    monkeypatch.setattr("shutil.which", lambda _name: None)
    sort_unique(tmp_path / "in", tmp_path / "out", tmp_path)
    assert (tmp_path / "out").read_text(encoding="utf-8") == "".join(sorted(set(lines)))


def test_lines_inserted_by_bisection_are_those_sort_merges(tmp_path):
    """_insert_lines (the dataset description placed into the sorted body) gives what ``sort -m -u``
    gives: byte order of the lines without their newline (a tab sorts after the end of a line),
    a line the body holds already kept once."""
    rng = random.Random(20)
    pool = sorted({"".join(rng.choice("ab\t c") for _ in range(rng.randint(1, 4))).encode() for _ in range(80)})
    body = sorted(rng.sample(pool, 40))
    for added in ([], pool[:1], pool[-1:], rng.sample(pool, 15), pool):
        (tmp_path / "body").write_bytes(b"".join(line + b"\n" for line in body))
        count = _insert_lines(tmp_path / "body", [line + b"\n" for line in added], tmp_path / "out")
        expected = sorted(set(body) | set(added))
        assert (tmp_path / "out").read_bytes() == b"".join(line + b"\n" for line in expected)
        assert count == len(expected) - len(body)


def test_a_build_is_reproducible_in_another_project(built_mini, tmp_path):
    project = tmp_path / "mini"
    shutil.copytree(built_mini / "data", project / "data")
    build(Project(project))
    ours, reference = Project(project).current_build(), Project(built_mini).current_build()
    assert (ours / "graph.nt").read_bytes() == (reference / "graph.nt").read_bytes()
    assert _tables(ours) == _tables(reference)
    files = sorted(p.name for p in (built_mini / "exports").iterdir())
    assert files == sorted(p.name for p in (project / "exports").iterdir())
    for name in files:
        assert (project / "exports" / name).read_bytes() == (built_mini / "exports" / name).read_bytes(), name
    assert Project(project).index().entity("tnf-alpha")["label"] == "TNF-α"


def test_a_graph_too_large_to_draw_gets_every_export_and_a_page_of_its_hubs(built_mini, tmp_path, monkeypatch):
    """The one decision by size: graph.html. Every other export is the small build's, byte for byte."""
    from click.testing import CliRunner

    import graph.pipeline.build
    from graph.cli.commands import cli

    project = tmp_path / "mini"
    shutil.copytree(built_mini / "data", project / "data")
    monkeypatch.setattr(graph.pipeline.build, "DRAW_LIMIT_CLAIMS", 1)  # the mini graph counts as large
    result = CliRunner().invoke(cli, ["--project", str(project), "build"])
    assert result.exit_code == 0, result.output
    said = result.output.splitlines()[-1]
    assert said.startswith("graph.html draws the 300 most connected entities") and "--whole-html" in said
    for fmt in export_formats():
        for filename in fmt.filenames("hormone-kg"):
            assert (project / "exports" / filename).read_bytes() == (built_mini / "exports" / filename).read_bytes()
    page = (project / "exports" / "graph.html").read_text(encoding="utf-8")
    assert '"hubs":300' in page and "too large to draw whole" in page
    result = CliRunner().invoke(cli, ["--project", str(project), "build", "--whole-html"])
    assert result.exit_code == 0 and "most connected" not in result.output
    whole = (project / "exports" / "graph.html").read_bytes()
    assert whole == (built_mini / "exports" / "graph.html").read_bytes()


def test_a_build_checks_the_shapes(mini_project, monkeypatch):
    from graph.rdf import triples as rdf

    original = rdf.iter_claim_triples

    def broken(claims):
        for s, p, o, kind in original(claims):
            if p.endswith("vocab/sign"):
                o = "5"
            yield s, p, o, kind

    monkeypatch.setattr(rdf, "iter_claim_triples", broken)
    with pytest.raises(ShapeError, match="sign is one of"):
        build(Project(mini_project))
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
    (tmp_path / "graph.nt").write_bytes(sorted_ntriples(graph))
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


def test_a_range_is_copied_in_bounded_chunks(tmp_path):
    # the body around the dataset description is copied by reads of at most `chunk` bytes, never
    # through the mapping (at 10⁶ claims that held the whole 5 GB body resident)
    from graph.pipeline.bulk import _copy_range

    body = tmp_path / "body"
    body.write_bytes(bytes(range(256)) * 5)
    for start, end in ((0, 0), (0, 1280), (3, 700), (1279, 1280)):
        out = tmp_path / "out"
        with body.open("rb") as source, out.open("wb") as target:
            _copy_range(source, target, start, end, chunk=7)
        assert out.read_bytes() == body.read_bytes()[start:end]
    with body.open("rb") as source, (tmp_path / "out").open("wb") as target, pytest.raises(OSError, match="ended"):
        _copy_range(source, target, 1000, 2000)
