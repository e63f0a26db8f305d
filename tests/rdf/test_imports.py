"""Outside RDF in data/imports/ joins the graph at build: index, `hkg entity`, SPARQL-ready triples,
provenance, and a clean failure (nothing written) for a file that does not parse or conform."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef

from graph.project import EXPORT_STEM, Project
from graph.pipeline.build import build
from graph.cli.commands import cli
from graph.errors import LoadError, ShapeError
from graph.rdf.imports import import_iri, prepare_imports
from graph.model.vocab import BIOLINK, DCTERMS, PROV, RDF

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "imports" / "metformin.ttl"
EX = "https://example.org/diabetes-kg/"


def with_import(project: Path, source: Path = FIXTURE, name: str | None = None) -> Path:
    target = project / "data" / "imports" / (name or source.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    return target


def exports_of(project: Path) -> dict[str, bytes]:
    folder = project / "exports"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def test_imported_entity_and_claim_reach_the_index_and_hkg_entity(mini_project):
    with_import(mini_project)
    build(Project(mini_project))
    index = Project(mini_project).index()
    entity_id = index.resolve("Glucophage")
    record = index.entity(entity_id)
    assert record["label"] == "metformin" and record["category"] == "Drug"
    assert record["definition"] == "A biguanide that lowers hepatic glucose output."
    claim = index.claim(EX + "metformin-increases-insulin-sensitivity")
    assert (claim["subject"], claim["object"], claim["sign"]) == (entity_id, "insulin-sensitivity", 1)
    assert claim["quote"] == "Metformin improves insulin sensitivity in people with type 2 diabetes."
    assert claim["predicate"] == "RO:0002213" and claim["direction"] == "increased"
    assert claim["document"] == str(import_iri("metformin.ttl"))

    result = CliRunner().invoke(cli, ["--project", str(mini_project), "entity", "metformin", "--format", "json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["synonyms"] == ["Glucophage", "dimethylbiguanide"] and shown["claims_out"] == 1


def test_imports_keep_their_provenance_in_the_exported_graph(mini_project):
    with_import(mini_project)
    build(Project(mini_project))
    graph = Graph().parse(mini_project / "exports" / f"{EXPORT_STEM}.ttl")
    source = import_iri("metformin.ttl")
    claim = URIRef(EX + "metformin-increases-insulin-sensitivity")
    assert (URIRef("https://w3id.org/hormone-kg/dataset"), DCTERMS.source, source) in graph
    assert (URIRef(EX + "metformin"), DCTERMS.source, source) in graph
    assert (claim, DCTERMS.source, source) in graph
    evidence = graph.value(claim, PROV.wasDerivedFrom)
    assert graph.value(evidence, PROV.wasQuotedFrom) == source
    assert (source, RDF.type, PROV.Entity) in graph
    # the direct triple keeps property paths simple, as for curated claims
    assert (URIRef(EX + "metformin"), BIOLINK.affects, URIRef("https://w3id.org/hormone-kg/entity/insulin-sensitivity")) in graph
    assert EX + "metformin" in (mini_project / "exports" / f"{EXPORT_STEM}_nodes.tsv").read_text(encoding="utf-8")


def test_the_merged_graph_answers_sparql(mini_project):
    with_import(mini_project)
    build(Project(mini_project))
    graph = Graph().parse(mini_project / ".hkg" / "current" / "graph.nt", format="nt")
    rows = list(graph.query(
        "SELECT ?label WHERE { ?claim rdf:subject ?s ; rdf:object ?o . ?s rdfs:label ?label . "
        "?o rdfs:label 'insulin sensitivity' }",
        initNs={"rdf": RDF, "rdfs": URIRef("http://www.w3.org/2000/01/rdf-schema#")}))
    assert ("metformin",) in {tuple(str(v) for v in row) for row in rows}


def test_a_build_with_imports_is_reproducible(mini_project):
    with_import(mini_project)
    build(Project(mini_project))
    first = exports_of(mini_project)
    build(Project(mini_project))
    assert exports_of(mini_project) == first


@pytest.mark.parametrize("fmt", ["nt", "jsonld"])
def test_n_triples_and_json_ld_imports_merge_the_same(mini_project, tmp_path, fmt):
    graph = Graph().parse(FIXTURE)
    converted = tmp_path / f"metformin.{fmt}"
    context = {"biolink": str(BIOLINK)}
    graph.serialize(converted, format="json-ld" if fmt == "jsonld" else "nt", encoding="utf-8",
                    **({"context": context} if fmt == "jsonld" else {}))
    with_import(mini_project, converted)
    build(Project(mini_project))
    index = Project(mini_project).index()
    assert index.entity(index.resolve("metformin"))["category"] == "Drug"
    assert index.claim(EX + "metformin-increases-insulin-sensitivity")["sign"] == 1


def test_a_broken_import_fails_cleanly_with_nothing_written(mini_project):
    project = Project(mini_project)
    first = build(project)
    before = exports_of(mini_project)
    broken = mini_project / "data" / "imports" / "broken.ttl"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text('@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "open\n', encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        build(project)
    assert str(caught.value) == "data/imports/broken.ttl:3: does not parse as Turtle: newline found in string literal"
    assert exports_of(mini_project) == before
    assert project.current_build() == first.build_dir
    result = CliRunner().invoke(cli, ["--project", str(mini_project), "build"])
    assert result.exit_code == 1 and result.output.startswith("error: data/imports/broken.ttl:3:")


def test_an_import_that_fails_the_shapes_names_the_file(mini_project):
    text = FIXTURE.read_text(encoding="utf-8").replace(
        '    biolink:supporting_text "Metformin improves insulin sensitivity in people with type 2 diabetes." .',
        "    hkg:certainty \"certain\" .")
    bad = mini_project / "data" / "imports" / "bad.ttl"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ShapeError) as caught:
        build(Project(mini_project))
    report = str(caught.value)
    assert report.startswith("data/imports/bad.ttl fails the SHACL shapes:")
    assert all(line.startswith("data/imports/bad.ttl") for line in report.splitlines())
    assert "every claim carries the quote that states it" in report
    assert not (mini_project / "exports").exists()


def test_an_import_whose_name_is_taken_by_another_entity_is_refused(mini_project):
    text = FIXTURE.read_text(encoding="utf-8").replace('"Glucophage"', '"TNF-alpha"')
    (mini_project / "data" / "imports").mkdir(parents=True)
    (mini_project / "data" / "imports" / "clash.ttl").write_text(text, encoding="utf-8")
    with pytest.raises(LoadError, match="also names <https://w3id.org/hormone-kg/entity/tnf-alpha>"):
        build(Project(mini_project))


def test_values_outside_biolink_are_refused(mini_project):
    text = FIXTURE.read_text(encoding="utf-8").replace('"knowledge_assertion"', '"hearsay"')
    (mini_project / "data" / "imports").mkdir(parents=True)
    (mini_project / "data" / "imports" / "odd.ttl").write_text(text, encoding="utf-8")
    with pytest.raises(LoadError, match="knowledge_level 'hearsay' is not in Biolink's KnowledgeLevelEnum"):
        build(Project(mini_project))


def test_merge_without_imports_changes_nothing(tmp_path):
    def context(iris):
        raise AssertionError("nothing to check: the graph is not read")

    added, imported = prepare_imports(tmp_path / "missing", context)
    assert imported == () and len(added) == 0


def test_blank_nodes_get_stable_iris(tmp_path):
    folder = tmp_path / "imports"
    folder.mkdir()
    (folder / "b.ttl").write_text(
        "@prefix biolink: <https://w3id.org/biolink/vocab/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '[] biolink:category biolink:Drug ; rdfs:label "nameless" .\n', encoding="utf-8")

    def merged():
        graph, _imported = prepare_imports(folder, lambda iris: Graph())
        return sorted(str(s) for s in graph.subjects(BIOLINK.category, None))

    first = merged()
    assert first == merged() and first[0].startswith(str(import_iri("b.ttl")) + "/node/")
