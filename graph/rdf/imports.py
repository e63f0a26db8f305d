"""Merge outside RDF into the graph at build: ``data/imports/*.ttl``, ``*.nt``, ``*.jsonld``.

An import is written in the project's model (docs/ingest.md has a complete example): entities
with a ``biolink:category`` and one ``rdfs:label``; claims as reified ``biolink:Association``
nodes with ``rdf:subject`` / ``rdf:predicate`` / ``rdf:object``, a sign and the quote that states
them. What the model derives is filled in when absent, so a hand-written file can stay short: the
category from a Biolink ``rdf:type``, ``biolink:subject`` / ``predicate`` / ``object`` from the
reification (and back), the sign from ``object_direction_qualifier`` or the RO
``original_predicate`` (and each from the sign), ``certainty`` high, ``knowledge_level`` and
``agent_type`` ``not_provided``, the evidence excerpt from ``biolink:supporting_text`` (quoted from
the import file), the direct triples. English language tags on labels are dropped (the shapes
want one plain label). Blank nodes get stable IRIs under the import's IRI.

Provenance: each import is a ``prov:Entity`` (``https://w3id.org/hormone-kg/import/<file>``, with
its SHA-256 and triple count) listed as a ``dcterms:source`` of the dataset; every entity and claim
it introduces has ``dcterms:source`` pointing at it. (``prov:wasDerivedFrom`` of a claim is its
evidence excerpt in this model, so it is not reused for the file.)

Each import is checked on its own before it joins: a file that does not parse is a
:class:`~graph.errors.LoadError` naming the file and line; one whose names clash with existing
entities too; one that fails the SHACL shapes a :class:`~graph.errors.ShapeError` whose every
line names the file. Either way the build writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef

from graph.errors import LoadError, Problem, ShapeError
from graph.model.names import fold
from graph.model.vocab import (BASE, BIOLINK, DCTERMS, HKG, PROV, RDF, RDFS, SKOS, VOID, XSD,
                               biolink_classes, biolink_enum)
from graph.rdf.shapes import validate_graph
from graph.rdf.triples import DATASET

__all__ = ["CONTEXT_PREDICATES", "IMPORT_FORMATS", "ImportedFile", "import_iri", "prepare_imports", "read_import",
           "referenced_nodes"]

#: file suffix -> rdflib parser
IMPORT_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld"}
_IGNORED = re.compile(r"^(?:\.|readme|license)", re.IGNORECASE)


@dataclass(frozen=True)
class ImportedFile:
    """One merged import: its label (``data/imports/x.ttl``), IRI, digest and what it added."""

    label: str
    iri: URIRef
    sha256: str
    triples: int
    entities: tuple[str, ...]
    claims: tuple[str, ...]


def import_iri(filename: str) -> URIRef:
    """Return the IRI that stands for an import file in the graph's provenance.

    >>> str(import_iri("extra.ttl"))
    'https://w3id.org/hormone-kg/import/extra.ttl'
    """

    return URIRef(BASE + "import/" + filename)


# --- parsing ------------------------------------------------------------------------------

def _remote_contexts(value) -> bool:
    if isinstance(value, dict):
        return any((key == "@context" and (isinstance(v, str) or (isinstance(v, list) and any(isinstance(i, str) for i in v))))
                   or (key == "@import") or _remote_contexts(v) for key, v in value.items())
    if isinstance(value, list):
        return any(_remote_contexts(v) for v in value)
    return False


def read_import(path: Path, label: str | None = None) -> Graph:
    """Parse one import file into a graph; relative IRIs resolve against its import IRI.

    :raises LoadError: naming the file and the line (and reason) where parsing failed; an unknown
        suffix, a file that is not UTF-8, or a JSON-LD ``@context`` to fetch from the network.
    """
    label = label or str(path)
    rdf_format = IMPORT_FORMATS.get(path.suffix.lower())
    if rdf_format is None:
        raise LoadError([Problem(label, 0, f"unknown import format {path.suffix!r}; use "
                                           f"{', '.join(sorted(IMPORT_FORMATS))}")])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise LoadError([Problem(label, 0, f"not UTF-8 (byte {error.start})")]) from None
    if rdf_format == "json-ld":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise LoadError([Problem(label, error.lineno, f"does not parse as JSON-LD: {error.msg}")]) from None
        if _remote_contexts(document):
            raise LoadError([Problem(label, 0, "a remote JSON-LD @context cannot be fetched offline; "
                                               "write the context inline")])
    graph = Graph()
    try:
        graph.parse(data=text, format=rdf_format, publicID=str(import_iri(path.name)))
    except Exception as error:  # rdflib raises several types; each becomes one located problem
        raise LoadError([_parse_problem(label, text, rdf_format, error)]) from None
    return graph


def _parse_problem(label: str, text: str, rdf_format: str, error: Exception) -> Problem:
    message = str(error)
    if hasattr(error, "lines") and isinstance(getattr(error, "lines"), int):  # notation3 BadSyntax
        reason = re.search(r"Bad syntax \((.*?)\) at", message)
        return Problem(label, error.lines + 1, f"does not parse as Turtle: {reason.group(1) if reason else message.splitlines()[0]}")
    if rdf_format == "nt":
        for number, line in enumerate(text.split("\n"), start=1):  # N-Triples lines end at "\n" only
            if line.strip() and not line.lstrip().startswith("#"):
                try:
                    Graph().parse(data=line + "\n", format="nt")
                except Exception as bad:
                    return Problem(label, number, f"does not parse as N-Triples: {str(bad).splitlines()[0]}")
    return Problem(label, 0, f"does not parse as {rdf_format}: {message.splitlines()[0] if message else type(error).__name__}")


# --- completing a hand-written import -------------------------------------------------------

def _stable_blank_nodes(graph: Graph, base: URIRef) -> Graph:
    """Replace blank nodes with IRIs derived from the graph's canonical form (reproducible)."""
    if not any(isinstance(term, BNode) for triple in graph for term in triple):
        return graph
    from rdflib.compare import to_canonical_graph

    canonical = to_canonical_graph(graph)
    stable = Graph()
    for triple in canonical:
        stable.add(tuple(URIRef(f"{base}/node/{t}") if isinstance(t, BNode) else t for t in triple))
    return stable


def _complete(graph: Graph, source: URIRef, existing: Graph) -> tuple[list, list]:
    """Fill in what the model derives; return (new entity nodes, claim nodes)."""
    from graph.model.vocab import (BIOLINK, DCTERMS, HKG, PROV, RDF, RDFS, SKOS, XSD, biolink_classes,
                        direction_of, original_predicate)

    classes = biolink_classes()
    for node, kind in list(graph.subject_objects(RDF.type)):
        name = str(kind)[len(str(BIOLINK)):] if str(kind).startswith(str(BIOLINK)) else None
        if name in classes and name.endswith("Association"):
            graph.add((node, RDF.type, BIOLINK.Association))
        elif name in classes and graph.value(node, BIOLINK.category) is None:
            graph.add((node, BIOLINK.category, kind))
    for node in list(graph.subjects(RDF.type, RDF.Statement)):
        predicate = graph.value(node, RDF.predicate)
        if predicate is not None and str(predicate).startswith(str(BIOLINK)):
            graph.add((node, RDF.type, BIOLINK.Association))

    entities = sorted(set(graph.subjects(BIOLINK.category, None)))
    for node in entities:
        for predicate in (RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.definition):
            for value in list(graph.objects(node, predicate)):
                if isinstance(value, Literal) and value.language and value.language.lower().split("-")[0] == "en":
                    graph.remove((node, predicate, value))
                    graph.add((node, predicate, Literal(str(value))))
        if graph.value(node, RDFS.label) is None and graph.value(node, SKOS.prefLabel) is not None:
            graph.add((node, RDFS.label, graph.value(node, SKOS.prefLabel)))
    new_entities = [n for n in entities if existing.value(n, BIOLINK.category) is None]
    for node in new_entities:
        graph.add((node, DCTERMS.source, source))

    by_ro = {str(original_predicate(sign, direct)): sign for sign in (1, -1, 0) for direct in (False, True)}
    claims = sorted(set(graph.subjects(RDF.type, BIOLINK.Association)))
    for node in claims:
        graph.add((node, RDF.type, RDF.Statement))
        for reified, direct in ((RDF.subject, BIOLINK.subject), (RDF.predicate, BIOLINK.predicate),
                                (RDF.object, BIOLINK.object)):
            if graph.value(node, reified) is None and graph.value(node, direct) is not None:
                graph.add((node, reified, graph.value(node, direct)))
            if graph.value(node, direct) is None and graph.value(node, reified) is not None:
                graph.add((node, direct, graph.value(node, reified)))
        direction = graph.value(node, BIOLINK.object_direction_qualifier)
        ro = graph.value(node, BIOLINK.original_predicate)
        sign = graph.value(node, HKG.sign)
        if sign is None:
            derived = ({"increased": 1, "decreased": -1}.get(str(direction)) if direction is not None
                       else by_ro.get(str(ro)) if ro is not None else None)
            if derived is not None:
                sign = Literal(derived, datatype=XSD.integer)
                graph.add((node, HKG.sign, sign))
        value = sign.toPython() if isinstance(sign, Literal) else None
        if isinstance(value, int) and value in (1, -1, 0):
            if direction is None and direction_of(value):
                graph.add((node, BIOLINK.object_direction_qualifier, Literal(direction_of(value))))
            if ro is None:
                ro = original_predicate(value, False)
                graph.add((node, BIOLINK.original_predicate, ro))
        for predicate, default in ((HKG.certainty, "high"), (BIOLINK.knowledge_level, "not_provided"),
                                   (BIOLINK.agent_type, "not_provided")):
            if graph.value(node, predicate) is None:
                graph.add((node, predicate, Literal(default)))
        evidence = graph.value(node, PROV.wasDerivedFrom)
        quote = graph.value(node, BIOLINK.supporting_text)
        if quote is None and evidence is not None and graph.value(evidence, PROV.value) is not None:
            quote = graph.value(evidence, PROV.value)
            graph.add((node, BIOLINK.supporting_text, quote))
        if evidence is None and quote is not None:
            evidence = URIRef(f"{node}/evidence")
            graph.add((node, PROV.wasDerivedFrom, evidence))
            graph.add((evidence, PROV.value, Literal(str(quote))))
        if evidence is not None:
            graph.add((evidence, RDF.type, PROV.Entity))
            graph.add((evidence, RDF.type, HKG.Excerpt))
            if graph.value(evidence, PROV.wasQuotedFrom) is None:
                graph.add((evidence, PROV.wasQuotedFrom, source))
        if graph.value(node, HKG.hasStudySupport) is None:
            graph.add((node, HKG.hasStudySupport, Literal(graph.value(node, BIOLINK.publications) is not None)))
        if graph.value(node, DCTERMS.identifier) is None:
            graph.add((node, DCTERMS.identifier, Literal(re.split(r"[/#]", str(node).rstrip("/"))[-1])))
        subject, obj = graph.value(node, RDF.subject), graph.value(node, RDF.object)
        predicate = graph.value(node, RDF.predicate)
        if subject is not None and obj is not None:
            if predicate is not None:
                graph.add((subject, predicate, obj))
            if ro is not None:
                graph.add((subject, ro, obj))
        graph.add((node, DCTERMS.source, source))
    return new_entities, claims


def _names(graph: Graph, nodes) -> dict[str, set]:
    names: dict[str, set] = {}
    for node in nodes:
        for predicate in (RDFS.label, SKOS.altLabel):
            for value in graph.objects(node, predicate):
                if fold(str(value)):
                    names.setdefault(fold(str(value)), set()).add(node)
    return names


def _check_names(label: str, imported: Graph, entities, graphs) -> list[Problem]:
    ours: dict[str, set] = {}
    for other in graphs:
        for key, nodes in _names(other, set(other.subjects(BIOLINK.category, None))).items():
            ours.setdefault(key, set()).update(nodes)
    problems = []
    for key, nodes in sorted(_names(imported, entities).items()):
        for node in sorted(nodes):
            others = sorted(str(o) for o in ours.get(key, ()) if o != node)
            if others:
                problems.append(Problem(label, 0, f"a name of <{node}> also names <{others[0]}>; "
                                                  "a name must resolve to one entity (reuse that IRI)"))
    return problems


def _check_values(label: str, imported: Graph, entities, claims) -> list[Problem]:
    """Check Biolink values the shapes leave open: categories, knowledge level, agent type, aspect."""

    problems = []
    classes = biolink_classes()
    for node in entities:
        for category in imported.objects(node, BIOLINK.category):
            name = str(category)[len(str(BIOLINK)):] if str(category).startswith(str(BIOLINK)) else None
            if name not in classes:
                problems.append(Problem(label, 0, f"<{node}>: category <{category}> is not a Biolink class"))
    enums = ((BIOLINK.knowledge_level, "KnowledgeLevelEnum"), (BIOLINK.agent_type, "AgentTypeEnum"),
             (BIOLINK.object_aspect_qualifier, "GeneOrGeneProductOrChemicalEntityAspectEnum"))
    for node in claims:
        for predicate, enum in enums:
            for value in imported.objects(node, predicate):
                if str(value) not in biolink_enum(enum):
                    problems.append(Problem(label, 0, f"<{node}>: {predicate.split('/')[-1]} {str(value)!r} "
                                                      f"is not in Biolink's {enum}"))
    return problems


def _validate(label: str, imported: Graph, graphs) -> None:
    """SHACL-check an import with just enough of the graph (and the other imports) to resolve
    what it points to."""

    data = Graph()
    for triple in imported:
        data.add(triple)
    referenced = {t for triple in imported for t in (triple[0], triple[2]) if isinstance(t, URIRef)}
    for other in graphs:
        for node in referenced:
            for triple in other.triples((node, None, None)):
                data.add(triple)
    try:
        validate_graph(data)
    except ShapeError as error:
        lines = [line for line in error.report.splitlines()[1:] if line.strip()]
        raise ShapeError(f"{label} fails the SHACL shapes:\n" + "\n".join(lines)) from None


# --- merging ------------------------------------------------------------------------------

#: what a file's check reads of the graph beside the nodes the file points to: every entity's
#: category and names (a name must resolve to one entity)
CONTEXT_PREDICATES = (str(BIOLINK.category), str(RDFS.label), str(SKOS.altLabel))


def referenced_nodes(graph: Graph) -> set[str]:
    """The IRIs an import's triples name (their triples in the graph are what its check reads)."""
    return {str(t) for triple in graph for t in (triple[0], triple[2]) if isinstance(t, URIRef)}


def prepare_imports(folder: Path, context) -> tuple[Graph, tuple[ImportedFile, ...]]:
    """Parse, complete and check every import file in ``folder`` (sorted by name); return the
    triples they add (with each file's provenance and its ``dcterms:source`` on the dataset) and
    what joined. Nothing is merged anywhere: the build adds these triples to its N-Triples.

    ``context(iris)`` returns the graph's triples a check needs: those of the nodes ``iris`` and
    every entity's category and names (:data:`CONTEXT_PREDICATES`). A missing or empty folder
    adds nothing.

    :raises LoadError: a file does not parse, has an unknown suffix, or names clash.
    :raises ShapeError: a file fails the SHACL shapes (every line names the file).
    """

    folder = Path(folder)
    paths = sorted(p for p in folder.iterdir() if p.is_file() and not _IGNORED.match(p.name)) if folder.is_dir() else []
    added = Graph()
    if not paths:
        return added, ()
    problems, parsed = [], []
    for path in paths:
        label = f"data/imports/{path.name}"
        try:
            parsed.append((path, label, _stable_blank_nodes(read_import(path, label), import_iri(path.name))))
        except LoadError as error:
            problems.extend(error.problems)
    graph = context(set().union(*(referenced_nodes(imported) for *_, imported in parsed))) if parsed else Graph()
    prepared = []
    for path, label, imported in parsed:
        source = import_iri(path.name)
        entities, claims = _complete(imported, source, graph)
        problems.extend(_check_names(label, imported, entities, [graph, *(p[3] for p in prepared)]))
        problems.extend(_check_values(label, imported, entities, claims))
        prepared.append((path, label, source, imported, entities, claims))
    if problems:
        raise LoadError(problems)
    violations = []
    for path, label, source, imported, _entities, _claims in prepared:
        try:
            _validate(label, imported, [graph, *(p[3] for p in prepared if p[3] is not imported)])
        except ShapeError as error:  # check every file, then report them all
            violations.extend(error.violations)
    if violations:
        raise ShapeError("\n".join(violations), violations)

    merged = []
    for path, label, source, imported, entities, claims in prepared:
        for triple in imported:
            added.add(triple)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        added.add((source, RDF.type, PROV.Entity))
        added.add((source, RDF.type, HKG.Import))
        added.add((source, DCTERMS.identifier, Literal(path.name)))
        added.add((source, DCTERMS.title, Literal(label)))
        added.add((source, HKG.sha256, Literal(digest)))
        added.add((source, VOID.triples, Literal(len(imported), datatype=XSD.integer)))
        added.add((DATASET, DCTERMS.source, source))
        merged.append(ImportedFile(label, source, digest, len(imported),
                                   tuple(str(e) for e in entities), tuple(str(c) for c in claims)))
    return added, tuple(merged)
