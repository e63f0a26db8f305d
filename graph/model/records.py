"""Frozen, typed records of the curated data: the schema every stage after loading reads.

:func:`graph.sources.load.load_records` makes them from ``data/`` (YAML plus the source documents),
validated once; the RDF, the index and the exports are made from them.

A field that is a plain value of its record (a claim's certainty, a context's population, an
entity's definition) declares here, once, how every stage writes it: its RDF predicate, its KGX
column and the values it may take (:func:`slot`). The RDF carries it under its predicate
(graph/rdf/triples.py), the index under its name (graph/cache/index.py), KGX, GraphML and
Cytoscape under its column (graph/exports/kgx.py), and the loader reads a claim's from the YAML
key of its name and checks its choices (graph/sources/load.py), each by reading :func:`slots`:
adding a claim field is one line here (tests/model/test_records.py follows every declared field
through every stage). Fields with a shape of their own (ids, the sign, the evidence, study links,
the hierarchy, an entity's names and identifiers) are written by each stage's own code.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from graph.model.vocab import CERTAINTY_LEVELS, HIERARCHY, prefixes

if TYPE_CHECKING:  # the records only name these types: the model does not depend on the reader
    from graph.sources.extract import Document, Mention, Reference

__all__ = [
    "CONTEXT_KEYS",
    "Claim",
    "Context",
    "Design",
    "Entity",
    "Evidence",
    "KnowledgeBase",
    "Release",
    "Slot",
    "Study",
    "StudyLink",
    "slot",
    "slots",
]


@dataclass(frozen=True)
class Slot:
    """How one plain field of a record is written everywhere (see the module's docstring).

    ``name`` is the field, the YAML key and the index key; ``predicate`` the CURIE of its RDF
    predicate (``hkg:`` / ``biolink:`` / ``skos:`` ...); ``kgx`` its KGX column (None: KGX leaves it
    out); ``choices`` the values it may take (a tuple, or the name of a Biolink enum); ``many``
    whether it holds a tuple of values (one triple each).
    """

    name: str
    predicate: str
    kgx: str | None
    choices: tuple[str, ...] | str | None
    many: bool
    default: Any

    @property
    def iri(self) -> str:
        """The predicate's IRI (the writers read it: it needs the namespaces, which need rdflib)."""
        prefix, local = self.predicate.split(":", 1)
        return prefixes()[prefix] + local


def slot(predicate: str, *, default: Any = None, kgx: str | None = None,
         choices: tuple[str, ...] | str | None = None, many: bool = False):
    """Declare a record field with how it is written (a :func:`dataclasses.field` with metadata)."""
    return field(default=default, metadata={"slot": (predicate, kgx, choices, many)})


def slots(record_type) -> tuple[Slot, ...]:
    """Return the declared plain fields of a record type, in field order.

    >>> [s.name for s in slots(Context)]
    ['population', 'timescale', 'formulation', 'tissue']
    >>> slots(Claim)[1]
    Slot(name='certainty', predicate='hkg:certainty', kgx='certainty', choices=('high', 'medium', 'low'), many=False, default='high')
    """
    return tuple(Slot(f.name, *f.metadata["slot"], f.default) for f in fields(record_type) if "slot" in f.metadata)


@dataclass(frozen=True, slots=True)
class Entity:
    """A named thing: hormone, protein, drug, tissue, process, condition, measurement ..."""

    id: str
    label: str
    category: str
    synonyms: tuple[str, ...] = slot("skos:altLabel", default=(), kgx="synonym", many=True)
    xrefs: tuple[str, ...] = ()
    inverse_of: str | None = None
    keep: bool = False
    definition: str | None = slot("skos:definition", kgx="description")
    definition_source: tuple[str, str] | None = None  # (document id, section id)
    is_a: tuple[str, ...] = ()  # broader classes (estradiol is an estrogen)
    member_of: tuple[str, ...] = ()  # groups it belongs to (tesamorelin: GH peptide therapy)
    has_active_ingredient: tuple[str, ...] = ()  # what a formulation delivers

    def broader(self) -> tuple[tuple[str, str], ...]:
        """Return (relation, entity id) for every hierarchy link, in :data:`HIERARCHY` order."""
        return tuple((key, other) for key in HIERARCHY for other in getattr(self, key))


@dataclass(frozen=True, slots=True)
class Context:
    """Where a claim holds; None means "not restricted"."""

    population: str | None = slot("hkg:population", kgx="population")
    timescale: str | None = slot("hkg:timescale", kgx="timescale")
    formulation: str | None = slot("hkg:formulation", kgx="formulation")
    tissue: str | None = slot("hkg:tissue")  # an entity id; KGX: anatomical_context_qualifier

    def items(self) -> tuple[tuple[str, str], ...]:
        """Return the set (key, value) pairs, in the fixed key order."""
        return tuple((k, getattr(self, k)) for k in CONTEXT_KEYS if getattr(self, k))


@dataclass(frozen=True, slots=True)
class Evidence:
    """The passage that states a claim: verbatim quote, its section and clean-text offsets."""

    document: str
    section: str
    start: int
    end: int
    quote: str


@dataclass(frozen=True, slots=True)
class StudyLink:
    """A study tied to a claim, and who tied it.

    ``basis`` is ``document`` when the document cites the study where it states the claim (found
    by :mod:`graph.sources.citations`), ``curator`` when a person linked it (``rationale`` says why);
    ``relation`` is ``supports`` or ``contradicts``.
    """

    study: str
    basis: str
    relation: str = "supports"
    rationale: str | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """One assertion: subject increases (+1), decreases (-1), leaves unchanged (0) or moves in a
    context-dependent direction (``"variable"``) its object."""

    id: str
    subject: str
    object: str
    sign: int | str
    evidence: Evidence
    aspect: str | None = slot("biolink:object_aspect_qualifier", kgx="object_aspect_qualifier",
                              choices="GeneOrGeneProductOrChemicalEntityAspectEnum")
    direct: bool = False
    certainty: str = slot("hkg:certainty", default="high", kgx="certainty", choices=CERTAINTY_LEVELS)
    hedge: str | None = slot("hkg:hedge", kgx="hedge")  # checked against the quote
    context: Context = Context()
    citations: tuple[StudyLink, ...] = ()
    knowledge_level: str = slot("biolink:knowledge_level", default="knowledge_assertion", kgx="knowledge_level",
                                choices="KnowledgeLevelEnum")
    agent_type: str = slot("biolink:agent_type", default="manual_agent", kgx="agent_type", choices="AgentTypeEnum")


@dataclass(frozen=True, slots=True)
class Design:
    """A study design and the evidence / design ontology terms verified for it."""

    id: str
    label: str
    xrefs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Study:
    """A cited study: the curated design plus the record parsed from the reference list."""

    id: str
    document: str
    design: str
    reference: Reference
    population: str | None = slot("hkg:population")


@dataclass(frozen=True, slots=True)
class Release:
    """The dataset's release dates (ISO ``YYYY-MM-DD``), from ``data/dataset.yaml``: the
    description states them, so no date in an export comes from the clock."""

    issued: str
    modified: str


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Everything loaded from ``data/``, validated and cross-checked."""

    documents: tuple[Document, ...]
    entities: tuple[Entity, ...]
    claims: tuple[Claim, ...]
    studies: tuple[Study, ...]
    designs: tuple[Design, ...]
    mentions: tuple[tuple[str, Mention], ...]  # (document id, mention)
    release: Release = None  # data/dataset.yaml; None: no release dates stated


#: the kinds of context a claim may hold in
CONTEXT_KEYS = tuple(s.name for s in slots(Context))
