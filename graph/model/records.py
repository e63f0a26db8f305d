"""Frozen, typed records of the curated data: the schema every stage after loading reads.

:func:`graph.sources.load.load_records` makes them from ``data/`` (YAML plus the source documents),
validated once; the RDF, the index and the exports are made from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from graph.model.vocab import CONTEXT_KEYS, HIERARCHY

if TYPE_CHECKING:  # the records only name these types: the model does not depend on the reader
    from graph.sources.extract import Document, Mention, Reference

__all__ = [
    "Claim",
    "Context",
    "Design",
    "Entity",
    "Evidence",
    "KnowledgeBase",
    "Release",
    "Study",
    "StudyLink",
]


@dataclass(frozen=True, slots=True)
class Entity:
    """A named thing: hormone, protein, drug, tissue, process, condition, measurement ..."""

    id: str
    label: str
    category: str
    synonyms: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    inverse_of: str | None = None
    keep: bool = False
    definition: str | None = None
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

    population: str | None = None
    timescale: str | None = None
    formulation: str | None = None
    tissue: str | None = None

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
    aspect: str | None = None
    direct: bool = False
    certainty: str = "high"
    hedge: str | None = None
    context: Context = Context()
    citations: tuple[StudyLink, ...] = ()
    knowledge_level: str = "knowledge_assertion"
    agent_type: str = "manual_agent"


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
    population: str | None = None


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
