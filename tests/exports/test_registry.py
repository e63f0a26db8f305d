"""Every export format of the registry: export, re-import, compare (rdflib's test_roundtrip is the model).

RDF formats must re-parse isomorphic to the built graph; GraphML, KGX and Cytoscape.js must give
back the same nodes and edges with their key attributes. KGX files are checked against the KGX
specification's fields and Biolink's slots (the `kgx` package itself downloads the Biolink model
when it starts, so it cannot run offline here).
"""

from __future__ import annotations

from importlib import resources

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from graph.project import EXPORT_STEM
from graph.cli.commands import cli
from graph.errors import UnknownFormatError
from graph.exports.registry import export_formats, get_format
from graph.exports.kgx import EDGE_COLUMNS, LIST_FIELDS, NODE_COLUMNS, index_tables
from graph.cache.index import Index
from kgx_oracle import graph_tables

FORMATS = [fmt.name for fmt in export_formats()]
#: edge columns that are the project's own (KGX allows non-Biolink properties)
PROJECT_COLUMNS = {"sign", "certainty", "hedge", "population", "timescale", "formulation"}


@pytest.fixture(scope="module")
def graph(built_mini) -> Graph:
    return Graph().parse(built_mini / ".hkg" / "current" / "graph.nt", format="nt")


def exported(project, name: str) -> dict[str, bytes]:
    """The files of a format as the build wrote them into exports/."""
    return {f: (project / "exports" / f).read_bytes() for f in get_format(name).filenames(EXPORT_STEM)}


def key_attributes(tables):
    nodes = {n["id"]: (n.get("name"), tuple(n["category"]), tuple(n.get("synonym", []))) for n in tables.nodes}
    edges = {e["id"]: (e["subject"], e["predicate"], e["object"], e.get("sign"),
                       tuple(e.get("supporting_text", [])), tuple(e.get("publications", [])))
             for e in tables.edges}
    return nodes, edges


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_round_trips(built_mini, graph, name):
    fmt = get_format(name)
    files = exported(built_mini, name)
    expected = graph_tables(graph)
    assert len(expected.nodes) == 8 and len(expected.edges) == 6
    back = fmt.read(files)
    if fmt.rdf_format:
        assert len(back) == len(graph) and isomorphic(back, graph)
    else:
        assert key_attributes(back) == key_attributes(expected)


@pytest.fixture(scope="module")
def projects(built_mini, real_project, tmp_path_factory) -> dict[str, Path]:
    """The built mini project, the mini project with every hand-written import, the real project."""
    import shutil

    from graph.pipeline.build import build
    from graph.project import Project

    imported = tmp_path_factory.mktemp("imports") / "mini"
    shutil.copytree(built_mini / "data", imported / "data")
    shutil.copytree(Path(__file__).resolve().parents[1] / "fixtures" / "imports", imported / "data" / "imports")
    build(Project(imported))
    return {"mini": built_mini, "mini+imports": imported, "real": real_project}


@pytest.mark.parametrize("which", ["mini", "mini+imports", "real"])
def test_the_records_read_from_the_index_are_those_read_from_the_rdf(projects, which):
    """The build's one streamed pass over its index gives every field the straightforward reading
    of THE graph gives, node by node and edge by edge (imported entities and claims included)."""
    build = projects[which] / ".hkg" / "current"
    index = Index(build / "index.sqlite")
    try:
        tables = index_tables(index)
        expected = graph_tables(Graph().parse(build / "graph.nt", format="nt"))
        assert list(tables.nodes) == list(expected.nodes)
        assert {e["id"]: e for e in tables.edges()} == {e["id"]: e for e in expected.edges}
        assert len(expected.edges) > 5
    finally:
        index.close()


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


def test_kgx_tsv_quotes_a_table_row_quote_and_csv_readers_get_the_jsonl_text(built_mini):
    import csv
    import io

    files = exported(built_mini, "kgx-tsv")
    edges = files[f"{EXPORT_STEM}_edges.tsv"].decode("utf-8").splitlines()
    header = edges[0].split("\t")
    row = next(line.split("\t") for line in edges if line.startswith("claim:testosterone-decreases-homa-ir"))
    text = row[header.index("supporting_text")]
    assert text == '"Testosterone | Significant Reduction | Consistent improvement (decrease)"'
    assert len(row) == len(header) == len(EDGE_COLUMNS)
    jsonl = {e["id"]: e for e in get_format("kgx-jsonl").read(exported(built_mini, "kgx-jsonl")).edges}
    read = csv.DictReader(io.StringIO(files[f"{EXPORT_STEM}_edges.tsv"].decode("utf-8")), delimiter="\t")
    for record in read:
        expected = jsonl[record["id"]]["supporting_text"]
        got = [record["supporting_text"]] if len(expected) == 1 else record["supporting_text"].split("|")
        assert got == expected


def test_graphml_has_the_attributes_cytoscape_and_gephi_show(built_mini, graph):
    import io

    import networkx as nx

    data = exported(built_mini, "graphml")[f"{EXPORT_STEM}.graphml"]
    read = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    tnf = next(n for n, d in read.nodes(data=True) if d["name"] == "TNF-α")
    assert tnf == next(n["id"] for n in graph_tables(graph).nodes if n["name"] == "TNF-α")
    assert "entity:tnf-alpha" in read.nodes[tnf]["xref"].split("|")
    assert read.nodes[tnf]["label"] == "TNF-α" and read.nodes[tnf]["category"] == "biolink:Protein"
    edge = next(d for _u, _v, k, d in read.edges(keys=True, data=True) if k == "claim:tnf-alpha-decreases-insulin-signaling")
    assert edge["sign"] == -1 and edge["interaction"] == "decreases" and edge["supporting_text"]
    assert edge["object_direction_qualifier"] == "decreased"


def test_every_derived_format_names_each_field_as_kgx_does(built_mini, graph):
    """GraphML and Cytoscape.js carry the KGX fields under the KGX names (and two display fields)."""
    tables = graph_tables(graph)
    for name in ("graphml", "cytoscape"):
        fmt = get_format(name)
        back = fmt.read(exported(built_mini, name))
        assert [dict(sorted(n.items())) for n in back.nodes] == [dict(sorted(n.items())) for n in tables.nodes], name
        assert {e["id"]: e for e in back.edges} == {e["id"]: e for e in tables.edges}, name


def test_export_command_writes_what_the_build_wrote(built_mini, tmp_path):
    for name in FORMATS:
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


ODD_IMPORT = r'''@prefix biolink: <https://w3id.org/biolink/vocab/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix hkg: <https://w3id.org/hormone-kg/vocab/> .
@prefix entity: <https://w3id.org/hormone-kg/entity/> .
@prefix ex: <https://example.org/x/> .
ex:odd biolink:category biolink:Drug ; rdfs:label "<b>odd</b> & \"q\" ]]> a|b\tc" ; skos:altLabel "x\u000By", "p\u2028q" .
ex:odd-claim a biolink:Association ; rdf:subject ex:odd ; rdf:predicate biolink:affects ; rdf:object entity:insulin ;
  hkg:sign -1 ; biolink:supporting_text "</data><data key=\"d0\">pwn</data> | \"quoted\"" .
'''


def test_text_with_markup_and_odd_line_breaks_survives_every_export(built_mini, tmp_path):
    """A vertical tab or U+2028 inside a literal (N-Triples allows both raw) neither cuts a line of the
    graph nor of the JSON Lines; GraphML, which cannot hold a vertical tab at all, shows U+FFFD for
    it and stays well-formed XML, markup in the text escaped."""
    import io
    import shutil

    import networkx as nx

    from graph.pipeline.build import build
    from graph.project import Project

    project = tmp_path / "mini"
    shutil.copytree(built_mini / "data", project / "data")
    (project / "data" / "imports").mkdir()
    (project / "data" / "imports" / "odd.ttl").write_text(ODD_IMPORT, encoding="utf-8")
    build(Project(project))
    nodes = {n["iri"]: n for n in get_format("kgx-jsonl").read(exported(project, "kgx-jsonl")).nodes}
    odd = nodes["https://example.org/x/odd"]
    assert odd["name"] == '<b>odd</b> & "q" ]]> a|b\tc' and odd["synonym"] == ["p\u2028q", "x\u000by"]
    read = nx.read_graphml(io.BytesIO(exported(project, "graphml")[f"{EXPORT_STEM}.graphml"]), force_multigraph=True)
    node = next(d for _n, d in read.nodes(data=True) if d.get("iri") == "https://example.org/x/odd")
    assert node["name"] == odd["name"] and node["synonym"] == "p\u2028q|x\ufffdy"
    (edge,) = [d for _u, _v, key, d in read.edges(keys=True, data=True) if key.endswith("odd-claim")]
    assert edge["supporting_text"] == '</data><data key="d0">pwn</data> | "quoted"'
    graph = Graph().parse(project / ".hkg" / "current" / "graph.nt", format="nt")
    assert isomorphic(get_format("json-ld").read(exported(project, "json-ld")), graph)


def test_the_rdf_formats_parsed_once_are_those_parsed_each_alone(built_mini, tmp_path):
    """Turtle and JSON-LD are fed the same parsed triples (one parse for both): each file is what
    Oxigraph writes from its own parse."""
    import pyoxigraph as ox

    from graph.exports.registry import write_rdf_exports
    from graph.model.vocab import prefixes

    nt = built_mini / ".hkg" / "current" / "graph.nt"
    written = write_rdf_exports(nt, tmp_path, ["turtle", "json-ld"])
    for path, name in zip(written, ["TURTLE", "JSON_LD"]):
        alone = ox.serialize(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES),
                             format=getattr(ox.RdfFormat, name), prefixes=dict(sorted(prefixes().items())))
        assert path.read_bytes() == alone


def test_a_failing_rdf_writer_or_input_fails_the_export_and_leaves_no_file(tmp_path):
    from graph.exports import registry

    nt = tmp_path / "graph.nt"
    nt.write_text("".join(f'<http://e/{i}> <http://e/p> "{i}" .\n' for i in range(50_000)) + "<http://e/a> no\n")
    out = tmp_path / "out"
    with pytest.raises(SyntaxError):
        registry.write_rdf_exports(nt, out, ["turtle", "json-ld"])
    assert not list(out.iterdir())
    nt.write_text('<http://e/a> <http://e/p> "x" .\n' * 3)
    with pytest.raises(AttributeError):  # a serializer that dies does not leave the parser waiting
        registry._serialize_together(nt, [("TURTLE", out / "a.ttl"), ("NO_SUCH_FORMAT", out / "b")])
