"""Turn validated records into THE graph: a pure function from a KnowledgeBase to rdflib.

Modelling (see DESIGN.md): Biolink-typed entities with SKOS labels and definitions; claims as
reified associations (KGX style) *and* direct triples; sign in Biolink qualifiers, RO term in
``original_predicate``; PROV-O excerpts with verbatim quotes and offsets; studies as FaBiO /
BIBO records with ECO / OBI design terms; a VoID / DCAT dataset description. No blank nodes,
no timestamps: the same data always gives the same triples.
"""

from __future__ import annotations

import hashlib

from rdflib import Graph, Literal, URIRef

from .names import slugify
from .prefixmap import converter
from .records import Claim, Entity, KnowledgeBase, Study
from .vocab import (
    BASE, BIBO, BIOLINK, CLAIM, DCAT, DCTERMS, DOC, ENTITY, FABIO, HKG, JOURNAL, PROV, RDF, RDFS,
    SCHEMA, SKOS, STUDY, VOID, XSD, category_iri, direction_of, original_predicate, prefixes,
)

__all__ = [
    "DATASET",
    "build_graph",
    "claim_iri",
    "design_iri",
    "document_iri",
    "entity_iri",
    "section_iri",
    "study_iri",
]

DATASET = URIRef(BASE + "dataset")


def entity_iri(entity_id: str) -> URIRef:
    """Return the IRI of an entity id."""
    return ENTITY[entity_id]


def claim_iri(claim_id: str) -> URIRef:
    """Return the IRI of a claim id."""
    return CLAIM[claim_id]


def study_iri(study_id: str) -> URIRef:
    """Return the IRI of a study id."""
    return STUDY[study_id]


def design_iri(design_id: str) -> URIRef:
    """Return the IRI of a study design."""
    return URIRef(BASE + "design/" + design_id)


def document_iri(doc_id: str) -> URIRef:
    """Return the IRI of a source document."""
    return DOC[doc_id]


def section_iri(doc_id: str, section_id: str) -> URIRef:
    """Return the IRI of a section of a document."""
    return DOC[f"{doc_id}/section/{section_id}"]


def _bind(graph: Graph) -> None:
    for prefix, namespace in prefixes().items():
        graph.bind(prefix, namespace, override=True, replace=True)


def _add_entity(graph: Graph, entity: Entity) -> None:
    node = entity_iri(entity.id)
    category = category_iri(entity.category)
    graph.add((node, RDF.type, category))
    graph.add((node, BIOLINK.category, category))
    graph.add((node, DCTERMS.identifier, Literal(entity.id)))
    graph.add((node, RDFS.label, Literal(entity.label)))
    graph.add((node, SKOS.prefLabel, Literal(entity.label)))
    for synonym in entity.synonyms:
        graph.add((node, SKOS.altLabel, Literal(synonym)))
    if entity.definition:
        graph.add((node, SKOS.definition, Literal(entity.definition)))
        doc_id, section_id = entity.definition_source
        graph.add((node, HKG.definitionSource, section_iri(doc_id, section_id)))
    for curie in entity.xrefs:
        graph.add((node, SKOS.exactMatch, URIRef(converter().expand(curie, strict=True))))
    if entity.inverse_of:
        graph.add((node, HKG.inverseOf, entity_iri(entity.inverse_of)))
    if entity.keep:
        graph.add((node, HKG.keep, Literal(True)))


def _add_claim(graph: Graph, claim: Claim) -> None:
    node = claim_iri(claim.id)
    subject, obj = entity_iri(claim.subject), entity_iri(claim.object)
    ro = original_predicate(claim.sign, claim.direct)
    for kind in (BIOLINK.Association, RDF.Statement):
        graph.add((node, RDF.type, kind))
    graph.add((node, DCTERMS.identifier, Literal(claim.id)))
    for reified, value in ((RDF.subject, subject), (RDF.predicate, BIOLINK.affects), (RDF.object, obj)):
        graph.add((node, reified, value))
    graph.add((node, BIOLINK.subject, subject))
    graph.add((node, BIOLINK.predicate, BIOLINK.affects))
    graph.add((node, BIOLINK.object, obj))
    graph.add((node, BIOLINK.original_predicate, ro))
    direction = direction_of(claim.sign)
    if direction:
        graph.add((node, BIOLINK.object_direction_qualifier, Literal(direction)))
    if claim.aspect:
        graph.add((node, BIOLINK.object_aspect_qualifier, Literal(claim.aspect)))
    graph.add((node, BIOLINK.knowledge_level, Literal(claim.knowledge_level)))
    graph.add((node, BIOLINK.agent_type, Literal(claim.agent_type)))
    graph.add((node, HKG.sign, Literal(claim.sign, datatype=XSD.integer)))
    graph.add((node, HKG.certainty, Literal(claim.certainty)))
    if claim.hedge:
        graph.add((node, HKG.hedge, Literal(claim.hedge)))
    for key, value in claim.context.items():
        if key == "tissue":
            graph.add((node, BIOLINK.anatomical_context_qualifier, entity_iri(value)))
        graph.add((node, HKG[key], Literal(value)))
    graph.add((node, BIOLINK.supporting_text, Literal(claim.evidence.quote)))
    for study in claim.studies:
        graph.add((node, BIOLINK.publications, study_iri(study)))
    graph.add((node, HKG.hasStudySupport, Literal(bool(claim.studies))))
    # Direct triples keep property paths simple: ?a biolink:affects/biolink:affects ?b.
    graph.add((subject, BIOLINK.affects, obj))
    graph.add((subject, ro, obj))
    # PROV-O evidence: the excerpt the claim is derived from, located in its document.
    evidence = URIRef(f"{node}/evidence")
    graph.add((node, PROV.wasDerivedFrom, evidence))
    graph.add((evidence, RDF.type, PROV.Entity))
    graph.add((evidence, RDF.type, HKG.Excerpt))
    graph.add((evidence, PROV.value, Literal(claim.evidence.quote)))
    graph.add((evidence, PROV.wasQuotedFrom, document_iri(claim.evidence.document)))
    graph.add((evidence, DCTERMS.isPartOf, section_iri(claim.evidence.document, claim.evidence.section)))
    graph.add((evidence, HKG.start, Literal(claim.evidence.start, datatype=XSD.integer)))
    graph.add((evidence, HKG.end, Literal(claim.evidence.end, datatype=XSD.integer)))


def _add_study(graph: Graph, study: Study) -> None:
    node = study_iri(study.id)
    ref = study.reference
    graph.add((node, RDF.type, FABIO.JournalArticle))
    graph.add((node, RDF.type, BIOLINK.JournalArticle))
    graph.add((node, DCTERMS.identifier, Literal(study.id)))
    graph.add((node, DCTERMS.title, Literal(ref.title)))
    graph.add((node, RDFS.label, Literal(f"{ref.first_author} {ref.year}")))
    for author in ref.authors:
        graph.add((node, DCTERMS.creator, Literal(author)))
    if ref.et_al:
        graph.add((node, HKG.etAl, Literal(True)))
    graph.add((node, DCTERMS.date, Literal(str(ref.year), datatype=XSD.gYear)))
    for predicate, value in ((BIBO.volume, ref.volume), (BIBO.issue, ref.issue), (BIBO.pages, ref.pages)):
        if value:
            graph.add((node, predicate, Literal(value)))
    journal = JOURNAL[slugify(ref.journal)]
    graph.add((node, DCTERMS.isPartOf, journal))
    graph.add((journal, RDF.type, BIBO.Journal))
    graph.add((journal, DCTERMS.title, Literal(ref.journal)))
    graph.add((node, DCTERMS.bibliographicCitation, Literal(ref.text)))
    graph.add((node, HKG.studyDesign, design_iri(study.design)))
    if study.population:
        graph.add((node, HKG.population, Literal(study.population)))
    graph.add((node, PROV.wasQuotedFrom, document_iri(study.document)))
    graph.add((document_iri(study.document), DCTERMS.references, node))


def build_graph(kb: KnowledgeBase) -> Graph:
    """Return the RDF graph of a knowledge base.

    The dataset description counts the triples of everything else (``void:triples``).
    """
    graph = Graph()
    _bind(graph)
    for document in kb.documents:
        node = document_iri(document.id)
        graph.add((node, RDF.type, BIBO.Document))
        graph.add((node, RDF.type, PROV.Entity))
        graph.add((node, DCTERMS.identifier, Literal(document.id)))
        graph.add((node, DCTERMS.source, Literal(document.path)))
        digest = hashlib.sha256(document.text.encode("utf-8")).hexdigest()
        graph.add((node, HKG.sha256, Literal(digest)))
        for section in document.sections:
            part = section_iri(document.id, section.id)
            graph.add((part, RDF.type, BIBO.DocumentPart))
            graph.add((part, DCTERMS.title, Literal(section.title)))
            graph.add((part, DCTERMS.isPartOf, node))
            graph.add((part, HKG.sectionKind, Literal(section.kind)))
            graph.add((part, HKG.line, Literal(section.line, datatype=XSD.integer)))
            if section.kind != "level":
                parent = next((s for s in document.sections if s.kind == "level" and s.title == section.level), None)
                if parent:
                    graph.add((part, HKG.withinSection, section_iri(document.id, parent.id)))
    for doc_id, mention in kb.mentions:
        if mention.section:
            graph.add((section_iri(doc_id, mention.section), SCHEMA.mentions, entity_iri(mention.entity)))
    for design in kb.designs:
        node = design_iri(design.id)
        graph.add((node, RDF.type, HKG.StudyDesign))
        graph.add((node, RDFS.label, Literal(design.label)))
        for curie in design.xrefs:
            graph.add((node, SKOS.exactMatch, URIRef(converter().expand(curie, strict=True))))
    for entity in kb.entities:
        _add_entity(graph, entity)
    for study in kb.studies:
        _add_study(graph, study)
    for claim in kb.claims:
        _add_claim(graph, claim)
    _describe_dataset(graph, kb)
    return graph


def _describe_dataset(graph: Graph, kb: KnowledgeBase) -> None:
    triples = len(graph)
    from . import __version__

    for kind in (VOID.Dataset, DCAT.Dataset):
        graph.add((DATASET, RDF.type, kind))
    graph.add((DATASET, DCTERMS.title, Literal("hormone-kg")))
    graph.add((DATASET, DCTERMS.description, Literal(
        "A knowledge graph of hormones, molecular mechanisms and the evidence behind them, "
        "built from source documents.")))
    graph.add((DATASET, DCTERMS.hasVersion, Literal(__version__)))
    graph.add((DATASET, VOID.uriSpace, Literal(BASE)))
    graph.add((DATASET, VOID.triples, Literal(triples, datatype=XSD.integer)))
    graph.add((DATASET, VOID.entities, Literal(len(kb.entities), datatype=XSD.integer)))
    graph.add((DATASET, HKG.claims, Literal(len(kb.claims), datatype=XSD.integer)))
    graph.add((DATASET, HKG.studies, Literal(len(kb.studies), datatype=XSD.integer)))
    for vocabulary in (BIOLINK, PROV, SKOS, DCTERMS, BIBO, FABIO):
        graph.add((DATASET, VOID.vocabulary, URIRef(str(vocabulary))))
    for document in kb.documents:
        graph.add((DATASET, DCTERMS.source, document_iri(document.id)))
    if kb.entities:
        graph.add((DATASET, VOID.exampleResource, entity_iri(kb.entities[0].id)))
