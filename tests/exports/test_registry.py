"""Every export format of the registry: export, re-import, compare (rdflib's test_roundtrip is the model).

RDF formats must re-parse isomorphic to the built graph; GraphML, KGX and Cytoscape.js must give
back the same nodes and edges with their key attributes. KGX files are checked against the KGX
specification's fields and Biolink's slots (the `kgx` package itself downloads the Biolink model
when it starts, so it cannot run offline here).
"""

from __future__ import annotations

import random
from importlib import resources

import pytest
import yaml
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from graph.project import EXPORT_STEM
from graph.cli.commands import cli
from graph.errors import UnknownFormatError
from graph.exports.registry import export_formats, get_format
from graph.exports.kgx import EDGE_COLUMNS, LIST_FIELDS, NODE_COLUMNS, graph_tables

FORMATS = [fmt.name for fmt in export_formats()]
#: edge columns that are the project's own (KGX allows non-Biolink properties)
PROJECT_COLUMNS = {"sign", "certainty", "hedge", "population", "timescale", "formulation"}


@pytest.fixture(scope="module")
def graph(built_mini) -> Graph:
    return Graph().parse(built_mini / ".hkg" / "current" / "graph.nt", format="nt")


def key_attributes(tables):
    nodes = {n["id"]: (n.get("name"), tuple(n["category"]), tuple(n.get("synonym", []))) for n in tables.nodes}
    edges = {e["id"]: (e["subject"], e["predicate"], e["object"], e.get("sign"),
                       tuple(e.get("supporting_text", [])), tuple(e.get("publications", [])))
             for e in tables.edges}
    return nodes, edges


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_round_trips(graph, name):
    fmt = get_format(name)
    files = fmt.files(graph, EXPORT_STEM)
    assert tuple(files) == fmt.filenames(EXPORT_STEM)
    expected = graph_tables(graph)
    assert len(expected.nodes) == 8 and len(expected.edges) == 6
    if fmt.rdf_format:
        (data,) = files.values()
        reparsed = Graph().parse(data=data.decode("utf-8"), format=fmt.rdf_format)
        assert len(reparsed) == len(graph) and isomorphic(reparsed, graph)
    back = fmt.read(files)
    assert key_attributes(back) == key_attributes(expected)


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_is_byte_reproducible_whatever_the_triple_order(graph, name):
    fmt = get_format(name)
    triples = list(graph)
    random.Random(7).shuffle(triples)
    shuffled = Graph()
    for triple in triples:
        shuffled.add(triple)
    assert fmt.files(shuffled, EXPORT_STEM) == fmt.files(graph, EXPORT_STEM)


def test_the_registry_resolves_aliases_and_lists_formats_on_error():
    assert get_format("KGX-TSV").parts == ("nodes", "edges")
    assert get_format("cyjs").name == "cytoscape"
    with pytest.raises(UnknownFormatError, match="known formats: cyjs, cytoscape, graphml"):
        get_format("docx")


def _biolink_slots() -> set[str]:
    schema = resources.files("biolink_model").joinpath("schema/biolink_model.yaml")
    with schema.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return {name.replace(" ", "_") for name in data["slots"]}


def test_kgx_columns_follow_the_kgx_specification_and_biolink(graph):
    slots = _biolink_slots()
    # KGX: a node needs id and category; an edge subject, predicate, object (and, with Biolink 4,
    # knowledge_level and agent_type)
    assert {"id", "category"} <= set(NODE_COLUMNS)
    assert {"id", "subject", "predicate", "object", "knowledge_level", "agent_type"} <= set(EDGE_COLUMNS)
    assert set(NODE_COLUMNS) <= slots
    assert set(EDGE_COLUMNS) - slots == PROJECT_COLUMNS
    assert LIST_FIELDS <= slots
    tables = graph_tables(graph)
    for node in tables.nodes:
        assert ":" in node["id"] and all(c.startswith("biolink:") for c in node["category"])
    for edge in tables.edges:
        assert edge["predicate"] == "biolink:affects" and edge["original_predicate"].startswith("RO:")
        assert edge["knowledge_level"] and edge["agent_type"] and edge["supporting_text"]
        assert edge["primary_knowledge_source"] == "infores:hormone-kg"


def test_kgx_tsv_quotes_a_table_row_quote_and_csv_readers_get_the_jsonl_text(graph):
    import csv
    import io

    files = get_format("kgx-tsv").files(graph, EXPORT_STEM)
    edges = files[f"{EXPORT_STEM}_edges.tsv"].decode("utf-8").splitlines()
    header = edges[0].split("\t")
    row = next(line.split("\t") for line in edges if line.startswith("claim:testosterone-decreases-homa-ir"))
    text = row[header.index("supporting_text")]
    assert text == '"Testosterone | Significant Reduction | Consistent improvement (decrease)"'
    assert len(row) == len(header) == len(EDGE_COLUMNS)
    jsonl = {e["id"]: e for e in get_format("kgx-jsonl").read(get_format("kgx-jsonl").files(graph, EXPORT_STEM)).edges}
    read = csv.DictReader(io.StringIO(files[f"{EXPORT_STEM}_edges.tsv"].decode("utf-8")), delimiter="\t")
    for record in read:
        expected = jsonl[record["id"]]["supporting_text"]
        got = [record["supporting_text"]] if len(expected) == 1 else record["supporting_text"].split("|")
        assert got == expected


def test_graphml_has_the_attributes_cytoscape_and_gephi_show(graph):
    import io

    import networkx as nx

    data = get_format("graphml").files(graph, EXPORT_STEM)[f"{EXPORT_STEM}.graphml"]
    read = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    tnf = next(n for n, d in read.nodes(data=True) if d["name"] == "TNF-α")
    assert tnf == next(n["id"] for n in graph_tables(graph).nodes if n["name"] == "TNF-α")
    assert "entity:tnf-alpha" in read.nodes[tnf]["xref"].split("|")
    assert read.nodes[tnf]["label"] == "TNF-α" and read.nodes[tnf]["category"] == "biolink:Protein"
    edge = next(d for _u, _v, k, d in read.edges(keys=True, data=True) if k == "claim:tnf-alpha-decreases-insulin-signaling")
    assert edge["sign"] == -1 and edge["interaction"] == "decreases" and edge["supporting_text"]
    assert edge["object_direction_qualifier"] == "decreased"


def test_every_derived_format_names_each_field_as_kgx_does(graph):
    """GraphML and Cytoscape.js carry the KGX fields under the KGX names (and two display fields)."""
    tables = graph_tables(graph)
    for name in ("graphml", "cytoscape"):
        fmt = get_format(name)
        back = fmt.read(fmt.files(graph, EXPORT_STEM))
        assert [dict(sorted(n.items())) for n in back.nodes] == [dict(sorted(n.items())) for n in tables.nodes], name
        assert {e["id"]: e for e in back.edges} == {e["id"]: e for e in tables.edges}, name


def test_export_command_writes_what_the_build_wrote(built_mini, tmp_path):
    for name in ("kgx-tsv", "graphml"):
        result = CliRunner().invoke(cli, ["--project", str(built_mini), "export", "--format", name, "-o", str(tmp_path)])
        assert result.exit_code == 0, result.output
        for filename in get_format(name).filenames(EXPORT_STEM):
            assert (tmp_path / filename).read_bytes() == (built_mini / "exports" / filename).read_bytes()


def test_export_command_rejects_an_unknown_format_with_the_known_ones(built_mini):
    result = CliRunner().invoke(cli, ["--project", str(built_mini), "export", "--format", "docx"])
    assert result.exit_code == 2
    assert "'docx' is not one of" in result.output and "'kgx-tsv'" in result.output


def test_export_before_any_build_is_one_clear_error(mini_project, tmp_path):
    result = CliRunner().invoke(cli, ["--project", str(mini_project), "export", "--format", "ttl", "-o", str(tmp_path)])
    assert result.exit_code == 1 and result.output.startswith("error: no build found")
