"""The build: reproducible exports that round-trip, SHACL conformance, nothing half-written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from graph.project import EXPORTED_FORMATS, EXPORT_STEM, Project
from graph.pipeline.build import build
from graph.errors import LoadError, ShapeError
from graph.exports.registry import get_format


def exports_of(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((project / "exports").iterdir())}


def test_build_twice_gives_identical_exports(mini_project):
    build(Project(mini_project))
    first = exports_of(mini_project)
    build(Project(mini_project))
    assert exports_of(mini_project) == first
    assert set(first) >= {f for n in EXPORTED_FORMATS for f in get_format(n).filenames(EXPORT_STEM)}


def test_exports_do_not_depend_on_hash_seed(built_mini, tmp_path):
    script = ("import sys; from graph.pipeline.build import Project, build; "
              "build(Project.locate(sys.argv[1]))")
    import shutil

    other = tmp_path / "other"
    shutil.copytree(built_mini / "data", other / "data")
    subprocess.run([sys.executable, "-c", script, str(other)], check=True,
                   env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"})
    assert exports_of(other) == exports_of(built_mini)


@pytest.mark.parametrize("name", [n for n in EXPORTED_FORMATS if get_format(n).rdf_format])
def test_every_export_reparses_isomorphic_to_the_built_graph(built_mini, name):
    fmt = get_format(name)
    built = Graph().parse(built_mini / ".hkg" / "current" / "graph.nt", format="nt")
    reparsed = Graph().parse(built_mini / "exports" / f"{EXPORT_STEM}.{fmt.extension}", format=fmt.rdf_format)
    assert len(reparsed) == len(built) > 100
    assert isomorphic(reparsed, built)


def test_built_graph_conforms_to_shapes(built_mini):
    from graph.rdf.shapes import validate_graph

    validate_graph(Graph().parse(built_mini / "exports" / f"{EXPORT_STEM}.ttl"))


def test_shape_violation_is_reported_readably(built_mini):
    from graph.rdf.shapes import validate_graph
    from graph.model.vocab import HKG, CLAIM
    from rdflib import Literal

    graph = Graph().parse(built_mini / "exports" / f"{EXPORT_STEM}.ttl")
    graph.set((CLAIM["insulin-increases-visceral-fat"], HKG.sign, Literal(5)))
    with pytest.raises(ShapeError) as caught:
        validate_graph(graph)
    assert "claim:insulin-increases-visceral-fat: hkg:sign a claim's sign is one of -1, 0, +1" in str(caught.value)


def test_failed_build_leaves_previous_cache_and_exports_whole(mini_project):
    project = Project(mini_project)
    first = build(project)
    before = exports_of(mini_project)
    claims = mini_project / "data/claims.yaml"
    claims.write_text(claims.read_text().replace("subject: tnf-alpha", "subject: nobody"))
    with pytest.raises(LoadError):
        build(project)
    assert exports_of(mini_project) == before
    assert project.current_build() == first.build_dir
    assert not list((project.cache / "builds").glob(".tmp-*"))
    assert project.index().entity("tnf-alpha")["label"] == "TNF-α"
    assert not list((project.cache / "builds").glob(".tmp-*"))


def test_reified_claim_and_direct_triple(built_mini):
    from graph.model.vocab import BIOLINK, CLAIM, ENTITY, HKG, OBO, PROV, RDF

    graph = Graph().parse(built_mini / "exports" / f"{EXPORT_STEM}.ttl")
    claim = CLAIM["testosterone-decreases-visceral-fat"]
    assert graph.value(claim, RDF.subject) == ENTITY["testosterone"]
    assert graph.value(claim, BIOLINK.object_direction_qualifier).toPython() == "decreased"
    assert graph.value(claim, BIOLINK.original_predicate) == OBO["RO_0002212"]
    assert graph.value(claim, HKG.population).toPython() == "men"
    assert (ENTITY["testosterone"], OBO["RO_0002212"], ENTITY["visceral-fat"]) in graph
    excerpt = graph.value(claim, PROV.wasDerivedFrom)
    assert graph.value(excerpt, PROV.value).toPython() == "Testosterone reduces visceral fat in men."
