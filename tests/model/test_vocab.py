"""Biolink conformance, offline: every category, predicate, slot and qualifier value the graph uses
is checked with bmt against the Biolink schema the `biolink-model` package ships.

The network is cut for these tests (any connection attempt fails), so a check that reached for
the online model would fail rather than pass quietly.
"""

from __future__ import annotations

import socket
from importlib import resources
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from graph.project import Project
from graph.pipeline.build import build
from graph.model.vocab import BIOLINK, RDF

pytest.importorskip("bmt")

TURTLE_IMPORT = Path(__file__).resolve().parents[1] / "fixtures" / "imports" / "metformin.ttl"


def _refuse(*args, **kwargs):
    raise OSError("network access is disabled in the Biolink conformance tests")


@pytest.fixture(scope="module")
def offline():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _refuse)
        patch.setattr(socket.socket, "connect_ex", _refuse)
        patch.setattr(socket, "create_connection", _refuse)
        patch.setattr(socket, "getaddrinfo", _refuse)
        yield


@pytest.fixture(scope="module")
def toolkit(offline):
    from bmt import Toolkit

    schema = resources.files("biolink_model").joinpath("schema/biolink_model.yaml")
    return Toolkit(schema=str(schema), predicate_map={"predicate mappings": []})


def test_the_toolkit_reads_the_shipped_schema_without_the_network(toolkit):
    import biolink_model  # noqa: F401  (the package the schema comes from)
    from importlib.metadata import version

    assert toolkit.get_model_version() == version("biolink-model")
    with pytest.raises(OSError, match="network access is disabled"):
        socket.create_connection(("w3id.org", 443), timeout=1)


@pytest.fixture(scope="module")
def graphs(built_mini, real_project, tmp_path_factory, offline):
    """The built mini project, the mini project with a hand-written import, the real project."""
    import shutil

    imported = tmp_path_factory.mktemp("biolink") / "mini"
    shutil.copytree(built_mini / "data", imported / "data")
    (imported / "data" / "imports").mkdir()
    shutil.copy(TURTLE_IMPORT, imported / "data" / "imports")
    build(Project(imported))
    return {name: Graph().parse(root / ".hkg" / "current" / "graph.nt", format="nt")
            for name, root in (("mini", built_mini), ("mini+import", imported), ("real", real_project))}


def biolink_name(iri) -> str:
    assert str(iri).startswith(str(BIOLINK)), f"{iri} is not a Biolink term"
    return str(iri)[len(str(BIOLINK)):]


@pytest.mark.parametrize("which", ["mini", "mini+import", "real"])
def test_every_category_is_a_biolink_class(toolkit, graphs, which):
    graph = graphs[which]
    categories = {biolink_name(c) for c in graph.objects(None, BIOLINK.category)}
    assert categories
    assert not {c for c in categories if not toolkit.is_category(c)}, "not Biolink categories"
    types = {biolink_name(t) for t in graph.objects(None, RDF.type) if str(t).startswith(str(BIOLINK))}
    unknown = {t for t in types if toolkit.get_element(t) is None}
    assert not unknown, f"rdf:types that are not Biolink classes: {unknown}"
    associations = set(toolkit.get_descendants("association", formatted=True))
    assert {f"biolink:{t}" for t in types if t.endswith("Association")} <= associations


@pytest.mark.parametrize("which", ["mini", "mini+import", "real"])
def test_every_predicate_and_slot_is_biolink(toolkit, graphs, which):
    graph = graphs[which]
    predicates = {biolink_name(p) for p in graph.objects(None, RDF.predicate)}
    predicates |= {biolink_name(p) for p in graph.objects(None, BIOLINK.predicate)}
    assert predicates and all(toolkit.is_predicate(p) for p in predicates), predicates
    used = {biolink_name(p) for p in set(graph.predicates()) if str(p).startswith(str(BIOLINK))}
    unknown = {p for p in used if toolkit.get_element(p) is None}
    assert not unknown, f"Biolink-namespace properties that are not Biolink slots: {unknown}"


@pytest.mark.parametrize("which", ["mini", "mini+import", "real"])
def test_every_qualifier_and_enum_value_is_permissible(toolkit, graphs, which):
    graph = graphs[which]
    checked = 0
    for slot in ("object_direction_qualifier", "object_aspect_qualifier", "knowledge_level", "agent_type"):
        element = toolkit.get_element(slot)
        assert element is not None and toolkit.is_enum(element.range), slot
        if slot.endswith("qualifier"):
            assert toolkit.is_qualifier(slot)
        for value in set(graph.objects(None, BIOLINK[slot])):
            assert toolkit.is_permissible_value_of_enum(element.range, str(value)), (slot, str(value))
            checked += 1
    assert checked >= 4


@pytest.mark.parametrize("which", ["real"])
def test_anatomical_context_qualifiers_name_anatomical_entities(toolkit, graphs, which):
    graph = graphs[which]
    anatomical = set(toolkit.get_descendants("anatomical entity", formatted=True))
    tissues = set(graph.objects(None, BIOLINK.anatomical_context_qualifier))
    assert tissues and toolkit.is_qualifier("anatomical_context_qualifier")
    for tissue in tissues:
        categories = {f"biolink:{biolink_name(c)}" for c in graph.objects(tissue, BIOLINK.category)}
        assert categories & anatomical, (tissue, categories)


@pytest.mark.parametrize("which", ["mini+import", "real"])
def test_kgx_export_uses_only_biolink_terms_and_committed_prefixes(toolkit, graphs, which):
    from kgx_oracle import graph_tables  # equal to the export's records (tests/exports/test_registry.py)
    from graph.model.prefixes import converter
    from graph.model.vocab import prefixes

    known = set(converter().prefix_map) | set(prefixes())
    tables = graph_tables(graphs[which])
    for node in tables.nodes:
        assert all(toolkit.is_category(c) for c in node["category"])
        for curie in node.get("xref", []):
            assert curie.split(":", 1)[0] in known, curie
    for edge in tables.edges:
        assert toolkit.is_predicate(edge["predicate"])
        assert edge["original_predicate"].split(":", 1)[0] in known
        assert edge["original_predicate"] not in ("RO:0002406", "RO:0002408")  # obsolete RO terms
        for curie in edge.get("has_evidence", []):
            assert curie.startswith("ECO:")


def test_prefix_map_is_the_committed_bioregistry_export():
    """Prefix maps come from bioregistry once (`make prefixes`), never hand-written at run time."""
    import json

    records = json.loads(resources.files("graph.model").joinpath("prefixes.json").read_text(encoding="utf-8"))
    assert records == sorted(records, key=lambda r: r["prefix"].lower())
    assert {"RO", "ECO", "OBI"} <= {r["prefix"] for r in records}
    assert all(set(r) == {"prefix", "prefix_synonyms", "uri_prefix", "uri_prefix_synonyms"} for r in records)
    assert URIRef(records[0]["uri_prefix"])


def test_identifier_iris_are_the_rdf_form_biolink_gives():
    """Every prefix Biolink's map (in the biolink-model wheel) knows expands as Biolink expands
    it (MeSH http://id.nlm.nih.gov/mesh/, HGNC http://identifiers.org/hgnc/), never to a web page;
    the web forms still compress back to the CURIE."""
    import json

    from graph.model.prefixes import converter

    wheel = resources.files("biolink_model").joinpath("prefixmaps/biolink_model_prefix_map.json")
    biolink = json.loads(wheel.read_text(encoding="utf-8"))
    records = json.loads(resources.files("graph.model").joinpath("prefixes.json").read_text(encoding="utf-8"))
    checked = 0
    for record in records:
        if record["prefix"] in biolink:
            assert record["uri_prefix"] == biolink[record["prefix"]], record["prefix"]
            assert converter().expand(f"{record['prefix']}:1") == biolink[record["prefix"]] + "1"
            checked += 1
    assert checked >= 12 and {"MESH", "HGNC"} <= {r["prefix"] for r in records if r["prefix"] in biolink}
    assert converter().expand("MESH:D007328") == "http://id.nlm.nih.gov/mesh/D007328"
    assert converter().compress("https://meshb.nlm.nih.gov/record/ui?ui=D007328") == "MESH:D007328"
    assert converter().compress("https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/6081") == "HGNC:6081"
    exports = Path(__file__).resolve().parents[2] / "exports"
    turtle = (exports / "hormone-kg.nt").read_text(encoding="utf-8")
    assert "meshb.nlm.nih.gov" not in turtle and "genenames.org" not in turtle
    assert "<http://id.nlm.nih.gov/mesh/" in turtle and "<http://identifiers.org/hgnc/" in turtle
