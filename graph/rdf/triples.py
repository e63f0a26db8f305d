"""Turn validated records into THE graph: a pure function from a KnowledgeBase to rdflib.

Modelling (see DESIGN.md): Biolink-typed entities with SKOS labels and definitions; claims as
reified associations (KGX style) *and* direct triples; sign in Biolink qualifiers, RO term in
``original_predicate``; PROV-O excerpts with verbatim quotes and offsets; studies as FaBiO /
BIBO records with ECO / OBI design terms; a VoID / DCAT dataset description. No blank nodes,
no timestamps: the same data always gives the same triples.
"""

from __future__ import annotations

import functools
import hashlib

from rdflib import Graph, Literal, URIRef

from graph.model import names
from graph.model.names import slugify
from graph.model.prefixes import converter
from graph.model.records import Claim, Context, Entity, KnowledgeBase, Study, slots
from graph.model.vocab import (BASE, BIBO, BIOLINK, CLAIM, DCAT, DCTERMS, DOC, ENTITY, FABIO, HIERARCHY, HKG,
                               JOURNAL, PROV, RDF, RDFS, SCHEMA, SKOS, STUDY, VARIABLE, VOID, XSD,
                               category_iri, direction_of, original_predicate, prefixes)

__all__ = [
    "DATASET",
    "build_graph",
    "describe_dataset",
    "iter_claim_triples",
    "iter_triples",
    "name_keys",
    "iter_ntriples",
    "ntriple",
    "sorted_ntriples",
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


# --- the model, as a stream of plain triples ----------------------------------------------
#
# Each triple is (subject IRI, predicate IRI, object, kind): kind None means the object is an
# IRI, "" a plain literal, anything else the datatype IRI of a typed literal whose lexical form
# is the object. Plain ``str`` throughout: the same stream becomes an rdflib graph
# (:func:`build_graph`) or N-Triples lines (:func:`iter_ntriples`) without creating rdflib terms.

_INT, _BOOL, _YEAR = str(XSD.integer), str(XSD.boolean), str(XSD.gYear)
_TYPE, _LABEL = str(RDF.type), str(RDFS.label)
# the namespaces of the nodes as plain strings: ``_ENTITY + id`` is ``str(entity_iri(id))``
# without making an rdflib URIRef for each of millions of nodes (a third of the stream's time)
_ENTITY, _CLAIM, _STUDY, _DOC = str(ENTITY), str(CLAIM), str(STUDY), str(DOC)


def _p(term) -> str:
    return str(term)


_NAME_KEY = str(HKG.nameKey)


def name_keys(entity: Entity) -> list[str]:
    """Return the lookup keys of an entity's own names (id, label, synonyms): the exact-name keys
    of :func:`graph.model.names.name_keys` (:func:`graph.model.names.fold`: case, Greek letters, spaces and
    punctuation folded), distinct and sorted. Abbreviations and identifiers, which the CLI tries
    only when no name matches, are left out.

    They are ``hkg:nameKey`` literals in the graph, so SPARQL finds an entity by any spelling of
    any of its names with one exact match the store answers from its index
    (``?entity hkg:nameKey "tnfalpha"``) instead of a FILTER over every label.
    """
    # the rank-0 keys of names.name_keys, without its abbreviated keys (dropped here anyway)
    return sorted({key for key in map(names.fold, (entity.id, entity.label, *entity.synonyms)) if key})


@functools.cache
def _plain(record_type) -> tuple[tuple[str, str, bool], ...]:
    """``(field, predicate IRI, many)`` of a record type's declared plain fields (records.slots)."""
    return tuple((s.name, s.iri, s.many) for s in slots(record_type))


def _plain_triples(node: str, record, plain):
    """The triples of a record's plain fields: one plain literal per value, none for an empty one."""
    for name, predicate, many in plain:
        value = getattr(record, name)
        for item in (value if many else (value,)):
            if item is not None and item != "":
                yield node, predicate, item, ""


@functools.cache
def _category(name: str) -> str:
    return str(category_iri(name))


_B_CATEGORY, _IDENTIFIER, _PREF_LABEL = str(BIOLINK.category), str(DCTERMS.identifier), str(SKOS.prefLabel)


def _entity_triples(entity: Entity, expand):
    node = _ENTITY + entity.id
    category = _category(entity.category)
    yield node, _TYPE, category, None
    yield node, _B_CATEGORY, category, None
    yield node, _IDENTIFIER, entity.id, ""
    yield node, _LABEL, entity.label, ""
    yield node, _PREF_LABEL, entity.label, ""
    yield from _plain_triples(node, entity, _plain(Entity))
    for key in name_keys(entity):
        yield node, _NAME_KEY, key, ""
    if entity.definition:
        doc_id, section_id = entity.definition_source
        yield node, _p(HKG.definitionSource), str(section_iri(doc_id, section_id)), None
    for curie in entity.xrefs:
        yield node, _p(SKOS.exactMatch), expand(curie), None
    if entity.inverse_of:
        yield node, _p(HKG.inverseOf), str(entity_iri(entity.inverse_of)), None
    for key, other in entity.broader():
        yield node, _p(BIOLINK[HIERARCHY[key]]), str(entity_iri(other)), None
    if entity.keep:
        yield node, _p(HKG.keep), "true", _BOOL


class _ClaimTerms:
    """Predicate IRIs of a claim, as plain strings (built once per stream)."""

    def __init__(self):
        for name, term in (
                ("association", BIOLINK.Association), ("statement", RDF.Statement),
                ("identifier", DCTERMS.identifier), ("r_subject", RDF.subject),
                ("r_predicate", RDF.predicate), ("r_object", RDF.object), ("affects", BIOLINK.affects),
                ("b_subject", BIOLINK.subject), ("b_predicate", BIOLINK.predicate),
                ("b_object", BIOLINK.object), ("original", BIOLINK.original_predicate),
                ("direction", BIOLINK.object_direction_qualifier), ("sign", HKG.sign),
                ("anatomical", BIOLINK.anatomical_context_qualifier), ("text", BIOLINK.supporting_text),
                ("publications", BIOLINK.publications), ("support", HKG.hasStudySupport),
                ("derived", PROV.wasDerivedFrom), ("prov_entity", PROV.Entity), ("excerpt", HKG.Excerpt),
                ("value", PROV.value), ("quoted", PROV.wasQuotedFrom), ("part_of", DCTERMS.isPartOf),
                ("start", HKG.start), ("end", HKG.end), ("influenced", PROV.qualifiedInfluence),
                ("influence", PROV.Influence), ("influencer", PROV.influencer), ("basis", HKG.basis),
                ("relation", HKG.relation), ("comment", RDFS.comment)):
            setattr(self, name, str(term))
        self.plain, self.context = _plain(Claim), _plain(Context)
        self.ro = {}


def _claim_triples(claim: Claim, t: _ClaimTerms):
    node = _CLAIM + claim.id
    subject, obj = _ENTITY + claim.subject, _ENTITY + claim.object
    ro = t.ro.get((claim.sign, claim.direct))
    if ro is None:
        ro = t.ro[claim.sign, claim.direct] = str(original_predicate(claim.sign, claim.direct))
    yield node, _TYPE, t.association, None
    yield node, _TYPE, t.statement, None
    yield node, t.identifier, claim.id, ""
    yield node, t.r_subject, subject, None
    yield node, t.r_predicate, t.affects, None
    yield node, t.r_object, obj, None
    yield node, t.b_subject, subject, None
    yield node, t.b_predicate, t.affects, None
    yield node, t.b_object, obj, None
    yield node, t.original, ro, None
    direction = direction_of(claim.sign)
    if direction:
        yield node, t.direction, direction, ""
    if claim.sign == VARIABLE:
        yield node, t.sign, VARIABLE, ""
    else:
        yield node, t.sign, str(int(claim.sign)), _INT
    yield from _plain_triples(node, claim, t.plain)
    yield from _plain_triples(node, claim.context, t.context)
    if claim.context.tissue:  # an entity: Biolink's qualifier names it by its IRI
        yield node, t.anatomical, _ENTITY + claim.context.tissue, None
    quote = claim.evidence.quote
    yield node, t.text, quote, ""
    # Study links as PROV qualified influences, each with its basis and relation; only studies
    # the document itself cites in support are biolink:publications (the others are a
    # curator's reading, never the document's evidence).
    documented = False
    for link in claim.citations:
        study = _STUDY + link.study
        influence = f"{node}/citation/{link.study}"
        yield node, t.influenced, influence, None
        yield influence, _TYPE, t.influence, None
        yield influence, t.influencer, study, None
        yield influence, t.basis, link.basis, ""
        yield influence, t.relation, link.relation, ""
        if link.rationale:
            yield influence, t.comment, link.rationale, ""
        if link.basis == "document" and link.relation == "supports":
            documented = True
            yield node, t.publications, study, None
    yield node, t.support, "true" if documented else "false", _BOOL
    # Direct triples keep property paths simple: ?a biolink:affects/biolink:affects ?b.
    yield subject, t.affects, obj, None
    yield subject, ro, obj, None
    # PROV-O evidence: the excerpt the claim is derived from, located in its document.
    evidence = node + "/evidence"
    yield node, t.derived, evidence, None
    yield evidence, _TYPE, t.prov_entity, None
    yield evidence, _TYPE, t.excerpt, None
    yield evidence, t.value, quote, ""
    document = claim.evidence.document
    yield evidence, t.quoted, _DOC + document, None
    yield evidence, t.part_of, f"{_DOC}{document}/section/{claim.evidence.section}", None
    yield evidence, t.start, str(int(claim.evidence.start)), _INT
    yield evidence, t.end, str(int(claim.evidence.end)), _INT


def _study_triples(study: Study):
    node = str(study_iri(study.id))
    ref = study.reference
    yield node, _TYPE, _p(FABIO.JournalArticle), None
    yield node, _TYPE, _p(BIOLINK.JournalArticle), None
    yield node, _p(DCTERMS.identifier), study.id, ""
    yield node, _p(DCTERMS.title), ref.title, ""
    yield node, _LABEL, f"{ref.first_author} {ref.year}", ""
    for author in ref.authors:
        yield node, _p(DCTERMS.creator), author, ""
    if ref.et_al:
        yield node, _p(HKG.etAl), "true", _BOOL
    yield node, _p(DCTERMS.date), str(ref.year), _YEAR
    for predicate, value in ((BIBO.volume, ref.volume), (BIBO.issue, ref.issue), (BIBO.pages, ref.pages),
                             (BIBO.doi, ref.doi), (BIBO.pmid, ref.pmid)):
        if value:
            yield node, _p(predicate), value, ""
    journal = str(JOURNAL[slugify(ref.journal)])
    yield node, _p(DCTERMS.isPartOf), journal, None
    yield journal, _TYPE, _p(BIBO.Journal), None
    yield journal, _p(DCTERMS.title), ref.journal, ""
    yield node, _p(DCTERMS.bibliographicCitation), ref.text, ""
    yield node, _p(HKG.studyDesign), str(design_iri(study.design)), None
    yield from _plain_triples(node, study, _plain(Study))
    yield node, _p(PROV.wasQuotedFrom), str(document_iri(study.document)), None
    yield str(document_iri(study.document)), _p(DCTERMS.references), node, None


def iter_triples(kb: KnowledgeBase):
    """Yield every triple of a knowledge base except the dataset description, as plain strings.

    Each is ``(subject, predicate, object, kind)``: ``kind`` None for an IRI object, ``""`` for
    a plain literal, else the datatype IRI of a typed literal (``object`` is its lexical form).
    A triple may come more than once (two claims between the same entities share their direct
    triple); a graph keeps it once. :func:`describe_dataset` gives the rest of the graph.
    """
    expand = lambda curie: converter().expand(curie, strict=True)  # noqa: E731
    for document in kb.documents:
        node = str(document_iri(document.id))
        yield node, _TYPE, _p(BIBO.Document), None
        yield node, _TYPE, _p(PROV.Entity), None
        yield node, _p(DCTERMS.identifier), document.id, ""
        yield node, _p(DCTERMS.source), document.path, ""
        digest = hashlib.sha256(document.text.encode("utf-8")).hexdigest()
        yield node, _p(HKG.sha256), digest, ""
        levels: dict[str, object] = {}  # a level's title -> its first section (looked up per heading)
        for section in document.sections:
            if section.kind == "level":
                levels.setdefault(section.title, section)
        for section in document.sections:
            part = str(section_iri(document.id, section.id))
            yield part, _TYPE, _p(BIBO.DocumentPart), None
            yield part, _p(DCTERMS.title), section.title, ""
            yield part, _p(DCTERMS.isPartOf), node, None
            yield part, _p(HKG.sectionKind), section.kind, ""
            yield part, _p(HKG.line), str(int(section.line)), _INT
            if section.kind != "level":
                parent = levels.get(section.level)
                if parent:
                    yield part, _p(HKG.withinSection), str(section_iri(document.id, parent.id)), None
    mentions = _p(SCHEMA.mentions)
    for doc_id, mention in kb.mentions:
        if mention.section:
            yield f"{_DOC}{doc_id}/section/{mention.section}", mentions, _ENTITY + mention.entity, None
    for design in kb.designs:
        node = str(design_iri(design.id))
        yield node, _TYPE, _p(HKG.StudyDesign), None
        yield node, _LABEL, design.label, ""
        for curie in design.xrefs:
            yield node, _p(SKOS.exactMatch), expand(curie), None
    for entity in kb.entities:
        yield from _entity_triples(entity, expand)
    for study in kb.studies:
        yield from _study_triples(study)
    yield from iter_claim_triples(kb.claims)


def iter_claim_triples(claims):
    """Yield the triples of claims, as :func:`iter_triples` does for those of a knowledge base."""
    terms = _ClaimTerms()
    for claim in claims:
        yield from _claim_triples(claim, terms)


#: the vocabularies the graph's predicates and classes come from (void:vocabulary)
_VOCABULARIES = (str(BIOLINK), str(PROV), str(SKOS), str(DCTERMS), str(BIBO), str(FABIO), str(SCHEMA),
                 str(RDF), str(RDFS), str(DCAT), str(VOID), str(HKG), "http://purl.obolibrary.org/obo/RO_")
#: the media type IRI of a distribution (IANA's register)
_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"


def _licence() -> str | None:
    """The SPDX licence the package declares (pyproject's ``license``), as an IRI."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        meta = metadata("hormone-kg")
    except PackageNotFoundError:  # pragma: no cover - the package is always installed here
        return None
    spdx = meta.get("License-Expression") or meta.get("License")
    return f"https://spdx.org/licenses/{spdx}" if spdx and " " not in spdx.strip() else None


def describe_dataset(kb: KnowledgeBase, triples: int, imported=(), distributions=(), claims: int | None = None):
    """Yield the VoID / DCAT description of the dataset; ``triples`` counts every other triple,
    ``imported`` (:class:`graph.rdf.imports.ImportedFile`) are the imports merged,
    ``distributions`` the files a build publishes (file name, media type, description:
    :func:`graph.exports.registry.distributions`), ``claims`` the claims of ``kb`` when it does not
    hold them (:func:`graph.sources.load.stream_records`).

    ``void:triples`` counts the whole graph, this description included. The description says
    which vocabularies the graph uses, which identifier sources it links to (a ``void:Linkset``
    per prefix, the target's ``void:uriSpace`` the IRI form its identifiers take), one
    ``dcat:Distribution`` per export file (its path under the repository in ``dcterms:identifier``,
    its media type), the licence, the release dates ``data/dataset.yaml`` states and the source
    documents. Nothing in it depends on when the build ran, so exports stay byte-identical.
    """
    from collections import Counter

    from graph import __version__

    node = str(DATASET)
    own = []
    add = own.append
    for kind in (VOID.Dataset, DCAT.Dataset):
        add((node, _TYPE, _p(kind), None))
    add((node, _p(DCTERMS.title), "hormone-kg", ""))
    add((node, _p(DCTERMS.description), (
        "A knowledge graph of hormones, molecular mechanisms and the evidence behind them, "
        "built from source documents."), ""))
    add((node, _p(DCTERMS.hasVersion), __version__, ""))
    add((node, _p(VOID.uriSpace), BASE, ""))
    if kb.release is not None:
        add((node, _p(DCTERMS.issued), kb.release.issued, str(XSD.date)))
        add((node, _p(DCTERMS.modified), kb.release.modified, str(XSD.date)))
    entities = len(kb.entities) + sum(len(f.entities) for f in imported)
    add((node, _p(VOID.entities), str(entities), _INT))
    claims = len(kb.claims) if claims is None else claims
    add((node, _p(HKG.claims), str(claims + sum(len(f.claims) for f in imported)), _INT))
    add((node, _p(HKG.studies), str(len(kb.studies)), _INT))
    licence = _licence()
    if licence:
        add((node, _p(DCTERMS.license), licence, None))
    for vocabulary in _VOCABULARIES:
        add((node, _p(VOID.vocabulary), vocabulary, None))
    for document in kb.documents:
        add((node, _p(DCTERMS.source), str(document_iri(document.id)), None))
    if kb.entities:
        add((node, _p(VOID.exampleResource), str(entity_iri(kb.entities[0].id)), None))
    links = Counter(curie.split(":", 1)[0] for record in (*kb.entities, *kb.designs) for curie in record.xrefs)
    for prefix, count in sorted(links.items()):
        target, linkset = f"{node}/target/{prefix}", f"{node}/linkset/{prefix}"
        add((target, _p(DCTERMS.title), prefix, ""))
        add((target, _p(VOID.uriSpace), converter().expand(f"{prefix}:", strict=True), ""))
        add((linkset, _TYPE, _p(VOID.Linkset), None))
        add((linkset, _p(VOID.subjectsTarget), node, None))
        add((linkset, _p(VOID.objectsTarget), target, None))
        add((linkset, _p(VOID.linkPredicate), _p(SKOS.exactMatch), None))
        add((linkset, _p(VOID.triples), str(count), _INT))
        add((node, _p(VOID.subset), linkset, None))
    for filename, media_type, description in distributions:
        distribution = f"{node}/distribution/{filename}"
        add((node, _p(DCAT.distribution), distribution, None))
        add((distribution, _TYPE, _p(DCAT.Distribution), None))
        add((distribution, _p(DCTERMS.title), filename, ""))
        add((distribution, _p(DCTERMS.identifier), f"exports/{filename}", ""))
        add((distribution, _p(DCTERMS.description), description, ""))
        add((distribution, _p(DCAT.mediaType), _MEDIA_TYPES + media_type, None))
        if licence:
            add((distribution, _p(DCTERMS.license), licence, None))
    yield from own
    yield node, _p(VOID.triples), str(int(triples) + len(own) + 1), _INT


def _rdflib_term(value: str, kind):
    if kind is None:
        return URIRef(value)
    return Literal(value, datatype=URIRef(kind)) if kind else Literal(value)


def _escape(text: str) -> str:
    # four substring tests cost less than four replacements, and most literals need none
    if "\\" in text or "\n" in text or '"' in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r")
    return text


def ntriple(triple) -> str:
    """Return the N-Triples line of a plain triple, as rdflib writes it (no newline).

    >>> ntriple(("http://e/a", "http://e/p", 'say "hi"', ""))
    '<http://e/a> <http://e/p> "say \\\\"hi\\\\"" .'
    """
    return next(iter_ntriples((triple,)))[:-1]


def iter_ntriples(triples, lines: int = 65536):
    """Yield the N-Triples of plain triples as text, ``lines`` lines (each ending in ``\\n``) at a time.

    The lines are :func:`ntriple`'s; writing a few large strings instead of one per triple
    spares a call and a write for each of millions of triples.

    >>> list(iter_ntriples([("http://e/a", "http://e/p", "1", "http://e/int")]))
    ['<http://e/a> <http://e/p> "1"^^<http://e/int> .\\n']
    """
    batch: list[str] = []
    add = batch.append
    for s, p, o, kind in triples:
        if kind is None:
            add(f"<{s}> <{p}> <{o}> .\n")
        elif kind:
            add(f'<{s}> <{p}> "{_escape(o)}"^^<{kind}> .\n')
        else:
            add(f'<{s}> <{p}> "{_escape(o)}" .\n')
        if len(batch) >= lines:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


def sorted_ntriples(graph: Graph) -> bytes:
    """Return ``graph`` as N-Triples, one line per triple, sorted and without duplicates: the form
    of every build's ``graph.nt`` (what the SHACL checker and the index writer read)."""
    # lines end at "\n" only: str.splitlines would also cut at a vertical tab, form feed or
    # U+2028 left raw inside a literal, which N-Triples allows
    lines = sorted(set(graph.serialize(format="nt", encoding="utf-8").decode("utf-8").split("\n")))
    return ("\n".join(line for line in lines if line.strip()) + "\n").encode("utf-8")


def build_graph(kb: KnowledgeBase, distributions=()) -> Graph:
    """Return the RDF graph of a knowledge base.

    The dataset description counts the triples of everything else (``void:triples``).
    """
    graph = Graph()
    _bind(graph)
    add = graph.add
    for s, p, o, kind in iter_triples(kb):
        add((URIRef(s), URIRef(p), _rdflib_term(o, kind)))
    for s, p, o, kind in describe_dataset(kb, len(graph), distributions=distributions):
        add((URIRef(s), URIRef(p), _rdflib_term(o, kind)))
    return graph
