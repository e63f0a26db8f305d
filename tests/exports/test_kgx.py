"""The KGX export checked with the field's own tools, offline: kgx 2.6's validator and graph
loader (tests/kgx_offline.py points them at the biolink-model wheel and cuts the network), the
Biolink pydantic model that ships in the same wheel, and networkx reading the GraphML and the
Cytoscape.js JSON."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from graph.project import EXPORT_STEM
from graph.model.vocab import BASE, biolink_id_prefixes

pytest.importorskip("kgx")

KGX = Path(__file__).resolve().parents[1] / "kgx_offline.py"
#: edge fields that are the project's own (KGX allows them; Biolink's model does not know them)
PROJECT_FIELDS = {"sign", "certainty", "hedge", "population", "timescale", "formulation"}
#: the qualifiers a claim may carry that the generic biolink:Association does not declare
#: (docs/data-model.md: Biolink 4.4.6 has no association class for these subject/object pairs)
ASSOCIATION_DEVIATIONS = {"object_direction_qualifier", "object_aspect_qualifier", "anatomical_context_qualifier"}


def run_kgx(*args) -> dict:
    done = subprocess.run([sys.executable, str(KGX), *map(str, args)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def exports(real_project) -> Path:
    return real_project / "exports"


@pytest.fixture(scope="module")
def counts(real_project) -> tuple[int, int]:
    """(entities, claims) as the build counted them in the graph."""
    from graph.project import Project

    meta = Project(real_project).index().meta()
    return meta["entities"], meta["claims"]


@pytest.fixture(scope="module")
def records(exports):
    def read(name):
        return [json.loads(line) for line in (exports / f"{EXPORT_STEM}_{name}.jsonl").read_text(encoding="utf-8").splitlines()]

    return read("nodes"), read("edges")


def declared_prefixes(exports) -> dict[str, str]:
    """The project's own prefixes, as the Turtle export declares them."""
    declared = {}
    for line in (exports / f"{EXPORT_STEM}.ttl").read_text(encoding="utf-8").splitlines():
        if line.startswith("@prefix "):
            name, iri = line.split()[1:3]
            declared[name.rstrip(":")] = iri.strip("<>")
    return {name: iri for name, iri in declared.items() if iri.startswith(BASE)}


@pytest.mark.parametrize("fmt", ["tsv", "jsonl"])
def test_kgx_validator_finds_no_error(exports, records, fmt):
    files = [exports / f"{EXPORT_STEM}_{part}.{fmt}" for part in ("nodes", "edges")]
    declared = declared_prefixes(exports)
    assert {"entity", "claim", "study", "doc"} <= set(declared)
    report = run_kgx("validate", fmt, *files, *(f"{k}={v}" for k, v in declared.items()))
    assert report == {}, json.dumps(report)[:2000]
    # Without the declaration, what kgx reports is exactly the nodes without a standard identifier
    bare = run_kgx("validate", fmt, *files)
    assert set(bare) == {"ERROR"}
    flagged = {value for messages in bare["ERROR"].values() for ids in messages.values() for value in ids
               if "->" not in value}
    nodes, _edges = records
    assert flagged == {n["id"] for n in nodes if n["id"].startswith("entity:")}
    assert all("prefix 'entity'" in message for messages in bare["ERROR"].values() for message in messages)


def test_node_ids_are_the_best_standard_identifier_by_biolink_prefix_order(records, counts):
    nodes, edges = records
    assert len(nodes) == counts[0] > 100 and len({n["id"] for n in nodes}) == counts[0]
    standard = 0
    for node in nodes:
        order = biolink_id_prefixes(node["category"][0].split(":", 1)[1])
        candidates = [x for x in node.get("xref", []) if x.split(":", 1)[0] in order]
        own = "entity:" + node["iri"].rsplit("/", 1)[1]
        assert own in node["xref"] and node["iri"].startswith(BASE)
        if candidates:
            assert node["id"] == min(candidates, key=lambda x: order.index(x.split(":", 1)[0])), node
            standard += 1
        else:
            assert node["id"] == own
    assert standard >= 70
    by_name = {n["name"]: n["id"] for n in nodes}
    assert by_name["testosterone"] == "CHEBI:17347" and by_name["insulin"] == "UniProtKB:P01308"
    ids = {n["id"] for n in nodes}
    assert all(e["subject"] in ids and e["object"] in ids for e in edges)
    assert all(t in ids for e in edges for t in e.get("anatomical_context_qualifier", []))


def test_every_edge_is_a_claim_with_its_own_id_and_this_graph_as_source(records, counts):
    _nodes, edges = records
    assert len(edges) == counts[1] > 200 and len({e["id"] for e in edges}) == counts[1]
    assert all(e["id"].startswith("claim:") for e in edges)
    assert {e["primary_knowledge_source"] for e in edges} == {"infores:hormone-kg"}
    for edge in edges:
        document, *studies = edge["publications"]
        assert document == "doc:hormonal-optimization-and-insulin-resistance"
        assert all(s.split(":", 1)[0] in ("study", "doi", "PMID") for s in studies)



def test_publications_are_the_studies_the_document_cites_in_support(real_project, records):
    """A claim's studies in KGX are exactly its biolink:publications in the graph: the links
    whose basis is the document and whose relation is supports (curator links and
    contradicting studies are not publications of the claim)."""
    from rdflib import Graph, URIRef

    from graph.exports.kgx import curie
    from graph.model.vocab import BIOLINK, CLAIM

    graph = Graph().parse(real_project / ".hkg" / "current" / "graph.nt", format="nt")
    _nodes, edges = records
    for edge in edges:
        node = URIRef(str(CLAIM) + edge["id"].split(":", 1)[1])
        assert edge["publications"][1:] == sorted(curie(s) for s in graph.objects(node, BIOLINK.publications))


def test_a_streamed_kgx_transform_keeps_every_claim_and_its_graph_store_merges_on_subject_predicate_object(
        exports, records, counts, tmp_path):
    """kgx's streamed transform keeps every claim, two that disagree about the same subject and
    object included. kgx's graph store keys an edge on subject-predicate-object, so claims
    sharing those (Biolink 4 puts the direction in qualifiers) merge there: one edge per triple."""
    nodes_file = exports / f"{EXPORT_STEM}_nodes.jsonl"
    _nodes, edges = records
    # a claim that contradicts the first one, as a document could make it
    first = edges[0]
    flipped = {"increased": "decreased", "decreased": "increased"}
    contrary = {**first, "id": first["id"] + "-contrary", "sign": -first["sign"],
                "object_direction_qualifier": flipped[first["object_direction_qualifier"]]}
    edges_file = tmp_path / "with_contrary_edges.jsonl"
    edges_file.write_text("".join(json.dumps(e) + "\n" for e in [*edges, contrary]), encoding="utf-8")
    streamed = run_kgx("stream", "jsonl", nodes_file, edges_file, tmp_path / "out")
    assert streamed["edges"] == sorted([*(e["id"] for e in edges), contrary["id"]])
    loaded = run_kgx("load", "jsonl", nodes_file, edges_file)
    triples = Counter((e["subject"], e["predicate"], e["object"]) for e in edges)
    assert len(loaded["nodes"]) == counts[0]
    assert len(loaded["edges"]) == len(triples) < len(edges) + 1
    kept = [e for e in loaded["edges"] if (e[0], e[1]) == (first["subject"], first["object"])]
    assert len(kept) == 1  # the claim and its contrary are one edge in kgx's graph store


def test_kgx_graph_store_fails_on_an_edge_key_so_the_export_carries_none(exports, tmp_path):
    """kgx 2.6's GraphSink passes a record's ``key`` twice to networkx (TypeError), so a ``key``
    column, kgx's documented way to keep edges apart, breaks every graph load. When this starts
    passing, kgx has fixed it and the export should carry ``key`` = the claim id."""
    edges = (exports / f"{EXPORT_STEM}_edges.jsonl").read_text(encoding="utf-8").splitlines()
    keyed = tmp_path / "keyed_edges.jsonl"
    keyed.write_text("".join(json.dumps({**json.loads(line), "key": json.loads(line)["id"]}) + "\n"
                             for line in edges), encoding="utf-8")
    done = subprocess.run([sys.executable, str(KGX), "load", "jsonl", str(exports / f"{EXPORT_STEM}_nodes.jsonl"),
                           str(keyed)], capture_output=True, text=True, timeout=600)
    assert done.returncode != 0 and "multiple values for keyword argument 'key'" in done.stderr
    assert "key" not in json.loads(edges[0])


def test_nodes_and_edges_validate_against_the_biolink_pydantic_model(records):
    """Every node and edge builds its Biolink class (extra fields forbidden), except the
    deviations docs/data-model.md names: the project's own edge fields, direction / aspect /
    anatomical qualifiers on a claim no qualified association class covers, and a clinical
    measurement no checked ontology class describes."""
    from pydantic import ValidationError

    from biolink_model.datamodel import pydanticmodel_v2 as model

    nodes, edges = records
    missing_type = []
    for node in nodes:
        cls = getattr(model, node["category"][0].split(":", 1)[1])
        try:
            cls(**node)
        except ValidationError as error:
            problems = {(e["loc"][0], e["type"]) for e in error.errors()}
            assert problems == {("has_attribute_type", "missing")}, (node["id"], problems)
            missing_type.append(node["name"])
    assert missing_type == ["T:E ratio"]
    classes, deviating = Counter(), Counter()
    for edge in edges:
        name = edge["category"][0].split(":", 1)[1]
        record = {k: v for k, v in edge.items() if k not in PROJECT_FIELDS}
        if name == "Association":
            extra = {k for k in record if k.endswith("_qualifier")}
            assert extra <= ASSOCIATION_DEVIATIONS, edge["id"]
            record = {k: v for k, v in record.items() if k not in extra}
            deviating[edge["id"]] += bool(extra)
        getattr(model, name)(**record)
        classes[name] += 1
    specific = sum(classes.values()) - classes["Association"]
    assert specific >= len(edges) / 3 and sum(deviating.values()) + specific <= len(edges)
    assert {"ChemicalAffectsGeneAssociation", "ChemicalAffectsBiologicalEntityAssociation",
            "EntityToPhenotypicFeatureAssociation", "EntityToDiseaseAssociation"} <= set(classes)


def test_networkx_reads_the_cytoscape_json_and_the_graphml_whole(exports, records, counts):
    import networkx as nx

    nodes, edges = records
    cyjs = nx.cytoscape_graph(json.loads((exports / f"{EXPORT_STEM}.cyjs").read_text(encoding="utf-8")))
    graphml = nx.read_graphml(io.BytesIO((exports / f"{EXPORT_STEM}.graphml").read_bytes()), force_multigraph=True)
    quotes = {e["id"]: e["supporting_text"] for e in edges}
    for read, split in ((cyjs, lambda v: v), (graphml, lambda v: v.split("\n"))):
        assert read.is_directed() and read.is_multigraph()
        assert (read.number_of_nodes(), read.number_of_edges()) == counts
        assert {n: (d["label"], d["category"]) for n, d in read.nodes(data=True)} == {
            n["id"]: (n["name"], n["category"] if read is cyjs else "|".join(n["category"])) for n in nodes}
        assert {k: split(d["supporting_text"]) for _u, _v, k, d in read.edges(keys=True, data=True)} == quotes
        tissues = [d for _u, _v, d in read.edges(data=True) if d.get("anatomical_context_qualifier")]
        assert len(tissues) == sum(1 for e in edges if e.get("anatomical_context_qualifier")) > 0


def test_publications_are_doi_or_pmid_curies_where_the_reference_gives_them(mini_project):
    """The reference list's DOI or PubMed id becomes the publication CURIE (Biolink's ``doi:`` /
    ``PMID:`` prefixes); a study whose reference gives neither keeps its study CURIE."""
    from graph.project import Project
    from graph.pipeline.build import build

    source = mini_project / "data" / "sources" / "mini.txt"
    text = source.read_text(encoding="utf-8")
    text = text.replace("vol. 1, 2020, pp. 1-9.", "vol. 1, 2020, pp. 1-9. https://doi.org/10.1000/XYZ.123.")
    source.write_text(text, encoding="utf-8")
    build(Project(mini_project))
    edges = [json.loads(line) for line in
             (mini_project / "exports" / f"{EXPORT_STEM}_edges.jsonl").read_text(encoding="utf-8").splitlines()]
    cited = {p for e in edges for p in e.get("publications", [])}
    assert "doi:10.1000/xyz.123" in cited and "study:roe-2019" in cited
    assert "study:doe-2020" not in cited
    nt = (mini_project / "exports" / f"{EXPORT_STEM}.nt").read_text(encoding="utf-8")
    assert '<http://purl.org/ontology/bibo/doi> "10.1000/xyz.123"' in nt


def test_a_csv_reader_gets_every_tsv_value_byte_equal_to_the_jsonl(exports, records):
    import csv

    from graph.exports.kgx import LIST_FIELDS

    for part, expected in zip(("nodes", "edges"), records):
        with (exports / f"{EXPORT_STEM}_{part}.tsv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        assert len(rows) == len(expected)
        for row, record in zip(rows, expected):
            for field, value in record.items():
                if field in LIST_FIELDS and len(value) > 1:
                    assert row[field].split("|") == value, (record["id"], field)
                else:
                    want = value[0] if field in LIST_FIELDS else value
                    assert row[field] == str(want), (record["id"], field)
