"""The SHACL shapes checked on sorted N-Triples (graph/rdf/checks.py) find what pyshacl finds."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from graph.rdf import checks
from graph.rdf.checks import check_ntriples, compile_shapes
from graph.errors import ShapeError
from graph.rdf.triples import sorted_ntriples
from graph.rdf.triples import build_graph
from graph.sources.load import load_records
from graph.rdf.shapes import load_shapes
from graph.model.vocab import BIOLINK, CLAIM, ENTITY, FABIO, HKG, PROV, RDFS

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini" / "data"
CLAIM_ID = CLAIM["insulin-increases-visceral-fat"]
SUBCLASS = URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf")


def pyshacl_validate(graph: Graph) -> None:
    """The oracle: pyshacl on the same shapes (``sh:class biolink:NamedThing`` inferred from each
    ``biolink:category``, as the checker does), raising ShapeError with one line per violation."""
    from pyshacl import validate
    from rdflib.namespace import SH

    data = Graph()
    for triple in graph:
        data.add(triple)
    for node in set(graph.subjects(BIOLINK.category, None)):
        data.add((node, RDF.type, BIOLINK.NamedThing))
    conforms, report, _text = validate(data, shacl_graph=load_shapes(), inference="none",
                                       advanced=False, allow_warnings=False)
    if not conforms:
        names = graph.namespace_manager
        lines = [f"{names.normalizeUri(report.value(result, SH.focusNode))}: "
                 f"{names.normalizeUri(report.value(result, SH.resultPath)) if report.value(result, SH.resultPath) else ''} "
                 f"{report.value(result, SH.resultMessage)}".strip()
                 for result in report.subjects(RDF.type, SH.ValidationResult)]
        raise ShapeError("SHACL validation failed:\n" + "\n".join(sorted(lines)))


def _pairs(check, blanks: set[str]) -> set:
    """The (focus, path) pairs a check reports; pyshacl's ``<b>`` for blank node b becomes ``_:b``."""
    try:
        check()
    except ShapeError as error:
        pairs = {tuple(line.split(" ")[:2]) for line in error.report.splitlines()[1:]}
        return {(f"_:{f[1:-2]}:" if f[1:-2] in blanks else f, p) for f, p in pairs}
    return set()


def _violations(graph, tmp_path: Path) -> tuple[set, set]:
    """What pyshacl finds on ``graph`` and what check_ntriples finds on its sorted N-Triples."""
    nt = tmp_path / "graph.nt"
    nt.write_bytes(sorted_ntriples(graph))  # sorted, like a build's graph.nt
    blanks = {str(t) for triple in graph for t in triple if isinstance(t, BNode)}
    return _pairs(lambda: pyshacl_validate(graph), blanks), _pairs(lambda: check_ntriples(nt), blanks)


@pytest.fixture(params=[checks.WINDOW, 0], ids=["window", "no-window"])
def window(request, monkeypatch):
    """Run each check with the window and without: values behind then come from the file."""
    monkeypatch.setattr(checks, "WINDOW", request.param)


def _mini():
    return build_graph(load_records(MINI))


def test_a_valid_graph_passes_both(tmp_path, window):
    assert _violations(_mini(), tmp_path) == (set(), set())


def test_both_find_the_same_violations(tmp_path, window):
    graph = _mini()
    excerpt = graph.value(CLAIM_ID, PROV.wasDerivedFrom)
    graph.set((CLAIM_ID, HKG.sign, Literal(5)))
    graph.add((ENTITY["insulin"], RDFS.label, Literal("a second label")))
    graph.remove((CLAIM_ID, BIOLINK.supporting_text, None))
    graph.remove((excerpt, PROV.value, None))
    graph.add((CLAIM_ID, BIOLINK.object_direction_qualifier, Literal("sideways")))
    graph.add((CLAIM_ID, BIOLINK.publications, URIRef("http://example.org/not-a-study")))
    graph.add((excerpt, HKG.start, Literal("not a number")))
    shacl, ours = _violations(graph, tmp_path)
    assert len(shacl) == 8
    assert ours == shacl


def test_values_sorting_before_and_after_their_subject(tmp_path, window):
    graph = _mini()
    early, late = URIRef("http://a.example/excerpt"), URIRef("https://zzz.example/excerpt")
    other = next(c for c in graph.subjects(RDF.type, BIOLINK.Association) if c != CLAIM_ID)
    graph.set((CLAIM_ID, PROV.wasDerivedFrom, early))  # sorts before every claim, has no triples
    graph.set((other, PROV.wasDerivedFrom, late))  # sorts after every claim
    graph.add((late, PROV.value, Literal("quoted")))
    graph.add((late, HKG.end, Literal("12")))  # not an xsd:integer
    graph.set((other, BIOLINK.publications, ENTITY["insulin"]))  # after, not a study
    graph.set((other, RDF.subject, URIRef("http://a.example/thing")))  # before, not a NamedThing
    shacl, ours = _violations(graph, tmp_path)
    assert {("claim:insulin-increases-visceral-fat:", "prov:wasDerivedFrom"),
            ("<https://zzz.example/excerpt>:", "hkg:end")} <= shacl
    assert ours == shacl


def test_literals_with_escapes_and_language_tags(tmp_path, window):
    graph = _mini()
    graph.set((CLAIM_ID, HKG.certainty, Literal('hi"gh')))
    graph.set((ENTITY["insulin"], RDFS.label, Literal("insulin", lang="en")))  # not an xsd:string
    graph.set((CLAIM_ID, BIOLINK.supporting_text, Literal('a "quoted" .\n<x> "^^<y> line\\')))
    graph.set((CLAIM_ID, BIOLINK.object_direction_qualifier, Literal("increased", lang="en")))
    graph.add((ENTITY["insulin"], URIRef("http://e/note"), Literal("x", datatype=XSD.string)))
    shacl, ours = _violations(graph, tmp_path)
    assert len(shacl) == 3
    assert ours == shacl


def test_subclasses_are_targets_and_classes(tmp_path, window):
    graph = _mini()
    special, paper = URIRef("http://e/SpecialAssociation"), URIRef("http://e/Paper")
    graph.add((special, SUBCLASS, BIOLINK.Association))
    graph.add((paper, SUBCLASS, FABIO.JournalArticle))
    graph.add((URIRef("http://e/odd-claim"), RDF.type, special))  # a claim with nothing
    graph.add((CLAIM_ID, BIOLINK.publications, URIRef("http://e/paper")))
    graph.add((URIRef("http://e/paper"), RDF.type, paper))  # a study, by subclass, with nothing
    shacl, ours = _violations(graph, tmp_path)
    assert ("<http://e/odd-claim>:", "hkg:sign") in shacl and ("<http://e/paper>:", "dcterms:title") in shacl
    assert (f"{graph.namespace_manager.normalizeUri(CLAIM_ID)}:", "biolink:publications") not in shacl
    assert ours == shacl


def test_blank_nodes(tmp_path, window):
    graph = _mini()
    excerpt, entity = BNode("ex1"), BNode("ent1")
    graph.set((CLAIM_ID, PROV.wasDerivedFrom, excerpt))
    graph.add((excerpt, PROV.wasQuotedFrom, excerpt))  # no prov:value
    graph.add((entity, BIOLINK.category, BIOLINK.Gene))  # no label
    graph.set((CLAIM_ID, RDF.object, entity))  # not an IRI
    shacl, ours = _violations(graph, tmp_path)
    assert {("_:ex1:", "prov:value"), ("_:ent1:", "rdfs:label"), ("_:ex1:", "prov:wasQuotedFrom")} <= shacl
    assert ours == shacl


def test_the_report_names_focus_path_and_message(tmp_path):
    graph = _mini()
    graph.set((CLAIM_ID, HKG.sign, Literal(5)))
    nt = tmp_path / "graph.nt"
    nt.write_bytes(sorted_ntriples(graph))
    with pytest.raises(ShapeError) as raised:
        check_ntriples(nt)
    assert raised.value.report.splitlines() == [
        "SHACL validation failed:",
        "claim:insulin-increases-visceral-fat: hkg:sign a claim's sign is one of -1, 0, +1, variable"]


@pytest.mark.parametrize("shape, feature", [
    ("sh:property [ sh:path <http://e/p> ; sh:pattern \"^a\" ]", "pattern"),
    ("sh:targetNode <http://e/n>", "targetNode"),
    ("sh:property [ sh:path <http://e/p> ; sh:node <http://e/T> ]", "sh:class or sh:node inside"),
])
def test_unsupported_shapes_are_refused_not_skipped(shape, feature):
    shapes = Graph().parse(data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <http://e/S> a sh:NodeShape ; sh:targetClass <http://e/C> ;
            sh:property [ sh:path <http://e/q> ; sh:node <http://e/N> ] .
        <http://e/N> a sh:NodeShape ; {shape} .
        <http://e/T> a sh:NodeShape .""", format="turtle")
    with pytest.raises(ValueError, match=feature):
        compile_shapes(shapes)


def test_the_project_shapes_compile():
    shapes = {shape.name.rsplit("/", 1)[-1]: shape for shape in compile_shapes()}
    assert set(shapes) == {"Claim", "Dataset", "Entity", "Excerpt", "Study", "StudyLink"}
    assert shapes["Entity"].subjects_of == (b"<https://w3id.org/biolink/vocab/category>",)


def test_an_ill_typed_integer_is_refused_as_pyshacl_refuses_it(tmp_path, window):
    graph = _mini()
    excerpt = graph.value(CLAIM_ID, PROV.wasDerivedFrom)
    graph.set((excerpt, HKG.start, Literal("abc", datatype=XSD.integer)))  # the right type, not a number
    shacl, ours = _violations(graph, tmp_path)
    assert ours == shacl and ("hkg:start" in {path for _focus, path in ours})
