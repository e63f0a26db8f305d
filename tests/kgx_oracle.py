"""The oracle of the KGX export: the node and edge records read straight out of an rdflib graph.

The build writes KGX (and GraphML, Cytoscape.js) from its lookup index in one streamed pass
(graph/exports/kgx.py ``index_tables``); this is the straightforward reading of THE RDF graph the
same records must equal (tests/exports/test_kgx.py).
"""

from __future__ import annotations

from collections import Counter

from rdflib import Graph, URIRef

from graph.exports.kgx import (KNOWLEDGE_SOURCE, GraphTables, _is_attribute, association_class, curie,
                               node_identifier)
from graph.model.vocab import BIBO, BIOLINK, HKG, PROV, RDF, RDFS, SKOS


def _value(graph: Graph, node, predicate):
    found = graph.value(node, predicate)
    return None if found is None else found.toPython()


def _publications(graph: Graph, claim) -> list[str]:
    """The publications of a claim: the source document its quote comes from, then every study
    linked to it (a DOI or PMID CURIE when the study's reference gives one, else its study CURIE).
    The one place that maps a claim's study links to KGX."""

    documents = sorted({curie(d) for e in graph.objects(claim, PROV.wasDerivedFrom)
                        for d in graph.objects(e, PROV.wasQuotedFrom)})
    studies = []
    for study in sorted(graph.objects(claim, BIOLINK.publications)):
        doi, pmid = graph.value(study, BIBO.doi), graph.value(study, BIBO.pmid)
        studies.append(f"doi:{doi}" if doi else f"PMID:{pmid}" if pmid else curie(study))
    return documents + studies


def graph_tables(graph: Graph) -> GraphTables:
    """Return the entities and claims of an RDF graph as KGX node and edge records.

    Entities are the subjects of ``biolink:category``; claims the ``biolink:Association`` nodes
    with ``rdf:subject`` and ``rdf:object`` (imported ones included). Absent values are left out.
    Two entities that would share a standard identifier both keep their own CURIE.
    """

    nodes, ids, categories = [], {}, {}
    for node in sorted(set(graph.subjects(BIOLINK.category, None))):
        own = curie(node)
        category = sorted(curie(c) for c in graph.objects(node, BIOLINK.category))
        xref = sorted(curie(x) for x in graph.objects(node, SKOS.exactMatch))
        standard = [x for x in xref if ":" in x and not x.startswith("http")]
        record = {
            "id": node_identifier(own, category, xref),
            "category": category,
            "name": _value(graph, node, RDFS.label),
            "description": _value(graph, node, SKOS.definition),
            "synonym": sorted(str(s) for s in graph.objects(node, SKOS.altLabel)),
            "xref": sorted({*xref, own} - {str(node)}),  # the project CURIE; a bare IRI is in iri
            "iri": str(node),
            "has_attribute_type": standard[0] if standard and _is_attribute(category) else None,
        }
        ids[node], categories[node] = record["id"], category
        nodes.append({k: v for k, v in record.items() if v not in (None, [], "")})
    shared = {i for i, n in Counter(ids.values()).items() if n > 1}
    for record in nodes:
        if record["id"] in shared:
            record["id"] = curie(URIRef(record["iri"]))
    ids = {node: (curie(node) if i in shared else i) for node, i in ids.items()}
    edges = []
    for node in sorted(set(graph.subjects(RDF.type, BIOLINK.Association))):
        subject, obj = graph.value(node, RDF.subject), graph.value(node, RDF.object)
        if subject is None or obj is None:
            continue
        predicate = graph.value(node, RDF.predicate) or graph.value(node, BIOLINK.predicate) or BIOLINK.related_to
        studies = sorted(graph.objects(node, BIOLINK.publications))  # the document's own citations only
        evidence = sorted({curie(x) for s in studies for design in graph.objects(s, HKG.studyDesign)
                           for x in graph.objects(design, SKOS.exactMatch) if curie(x).startswith("ECO:")})
        original = graph.value(node, BIOLINK.original_predicate)
        sign = _value(graph, node, HKG.sign)
        record = {
            "id": curie(node),
            "subject": ids.get(subject) or curie(subject),
            "predicate": curie(predicate),
            "object": ids.get(obj) or curie(obj),
            "category": None,  # set below, from the qualifiers used
            "original_predicate": curie(original) if original is not None else None,
            "object_direction_qualifier": _value(graph, node, BIOLINK.object_direction_qualifier),
            "object_aspect_qualifier": _value(graph, node, BIOLINK.object_aspect_qualifier),
            "anatomical_context_qualifier": sorted(ids.get(t) or curie(t)
                                                   for t in graph.objects(node, BIOLINK.anatomical_context_qualifier)),
            "knowledge_level": _value(graph, node, BIOLINK.knowledge_level),
            "agent_type": _value(graph, node, BIOLINK.agent_type),
            "primary_knowledge_source": KNOWLEDGE_SOURCE,
            "supporting_text": sorted(str(q) for q in graph.objects(node, BIOLINK.supporting_text)),
            "publications": _publications(graph, node),
            "has_evidence": evidence,
            "sign": sign if sign is None or isinstance(sign, str) else int(sign),
            "certainty": _value(graph, node, HKG.certainty),
            "hedge": _value(graph, node, HKG.hedge),
            "population": _value(graph, node, HKG.population),
            "timescale": _value(graph, node, HKG.timescale),
            "formulation": _value(graph, node, HKG.formulation),
        }
        record["category"] = [association_class(categories.get(subject, ()), categories.get(obj, ()),
                                                [k for k, v in record.items() if k.endswith("_qualifier") and v])]
        edges.append({k: v for k, v in record.items() if v not in (None, [], "")})
    return GraphTables(tuple(sorted(nodes, key=lambda n: n["id"])), tuple(edges))
