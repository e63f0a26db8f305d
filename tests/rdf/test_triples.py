"""The dataset's VoID / DCAT description, checked against the graph it describes."""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import Graph, Literal, URIRef

from graph.project import EXPORT_STEM
from graph.rdf.triples import DATASET
from graph.model.vocab import DCAT, DCTERMS, RDF, SKOS, VOID, XSD


@pytest.fixture(scope="module")
def graph(real_project) -> Graph:
    return Graph().parse(real_project / ".hkg" / "current" / "graph.nt", format="nt")


def test_void_triples_counts_the_whole_graph(graph):
    assert graph.value(DATASET, VOID.triples) == Literal(len(graph), datatype=XSD.integer)


def test_every_vocabulary_the_graph_uses_is_declared(graph):
    declared = [str(v) for v in graph.objects(DATASET, VOID.vocabulary)]
    used = {str(p) for p in graph.predicates()} | {str(t) for t in graph.objects(None, RDF.type)}
    assert not {term for term in used if not any(term.startswith(v) for v in declared)}
    for needed in ("https://schema.org/", "http://purl.obolibrary.org/obo/RO_", "http://www.w3.org/2000/01/rdf-schema#",
                   "http://www.w3.org/ns/dcat#", "http://rdfs.org/ns/void#", "https://w3id.org/hormone-kg/vocab/"):
        assert needed in declared


def test_one_distribution_per_export_file_with_its_media_type(graph, real_project):
    files = {f"exports/{p.name}" for p in (real_project / "exports").iterdir()}
    distributions = list(graph.objects(DATASET, DCAT.distribution))
    assert {str(graph.value(d, DCTERMS.identifier)) for d in distributions} == files
    assert f"exports/{EXPORT_STEM}_edges.tsv" in files and len(files) >= 10
    for distribution in distributions:
        assert (distribution, RDF.type, DCAT.Distribution) in graph
        assert str(graph.value(distribution, DCAT.mediaType)).startswith("https://www.iana.org/assignments/media-types/")
        assert graph.value(distribution, DCTERMS.license) == graph.value(DATASET, DCTERMS.license)
    assert graph.value(DATASET, DCTERMS.license) == URIRef("https://spdx.org/licenses/MIT")


def test_sources_and_identifier_linksets_match_the_graph(graph):
    documents = set(graph.subjects(RDF.type, URIRef("http://purl.org/ontology/bibo/Document")))
    assert set(graph.objects(DATASET, DCTERMS.source)) == documents and documents
    links = Counter()
    spaces = {}
    for linkset in graph.objects(DATASET, VOID.subset):
        target = graph.value(linkset, VOID.objectsTarget)
        space = str(graph.value(target, VOID.uriSpace))
        spaces[str(graph.value(target, DCTERMS.title))] = space
        assert graph.value(linkset, VOID.linkPredicate) == SKOS.exactMatch
        links[space] = int(graph.value(linkset, VOID.triples))
    assert spaces["MESH"] == "http://id.nlm.nih.gov/mesh/" and spaces["HGNC"] == "http://identifiers.org/hgnc/"
    counted = Counter(next(s for s in spaces.values() if str(o).startswith(s))
                      for o in graph.objects(None, SKOS.exactMatch))
    assert counted == links


def test_release_dates_come_from_the_data_not_the_clock(graph, real_project, tmp_path):
    import shutil

    import yaml

    from graph.project import Project
    from graph.pipeline.build import build
    from graph.errors import LoadError

    stated = yaml.safe_load((real_project / "data" / "dataset.yaml").read_text(encoding="utf-8"))
    assert graph.value(DATASET, DCTERMS.issued) == Literal(stated["issued"].isoformat(), datatype=XSD.date)
    assert graph.value(DATASET, DCTERMS.modified) == Literal(stated["modified"].isoformat(), datatype=XSD.date)
    described = {DATASET, *graph.objects(DATASET, DCAT.distribution), *graph.objects(DATASET, VOID.subset)}
    dated = [(s, v) for s, _p, v in graph if s in described and isinstance(v, Literal)
             and v.datatype in (XSD.date, XSD.dateTime)]
    assert len(dated) == 2
    project = tmp_path / "p"
    shutil.copytree(real_project / "data", project / "data")
    (project / "data" / "dataset.yaml").write_text("issued: 2026-12-01\nmodified: 2026-11-30\nshipped: yes\n")
    with pytest.raises(LoadError) as error:
        build(Project(project), write_exports=False)
    assert sorted(str(error.value).splitlines()) == [
        "data/dataset.yaml:2: modified 2026-11-30 is before issued 2026-12-01",
        "data/dataset.yaml:3: unknown key 'shipped'; known keys: issued, modified"]
    (project / "data" / "dataset.yaml").write_text("issued: 26 Nov 2026\nmodified: 2026-12-02\n")
    with pytest.raises(LoadError, match=r"data/dataset.yaml:1: issued: expected a date YYYY-MM-DD, got '26 Nov 2026'"):
        build(Project(project), write_exports=False)
