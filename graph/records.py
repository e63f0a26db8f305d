"""Frozen, typed records of the curated data, validated once when loaded.

:func:`load_records` reads ``data/`` (YAML plus the source documents) and either returns a
:class:`KnowledgeBase` or raises one :class:`~graph.errors.LoadError` listing *every* problem as
``file:line: message``, with the nearest valid value where that helps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import LoadError, Problem
from .extract import Document, DocumentFormat, Mention, Reference, extract_document
from .names import fold, nearest
from .prefixmap import converter
from .textindex import QuoteFinder, SectionLocator, find_mentions_fast
from .sources import Entry, iter_yaml_entries, read_document, read_yaml_entries, read_yaml_mapping
from .vocab import CERTAINTY_LEVELS, CONTEXT_KEYS, SIGNS, biolink_classes, biolink_enum

__all__ = [
    "CLAIM_KEYS",
    "Claim",
    "Context",
    "DESIGN_KEYS",
    "Design",
    "ENTITY_KEYS",
    "Entity",
    "Evidence",
    "KnowledgeBase",
    "STUDY_KEYS",
    "Study",
    "load_records",
]

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_CURIE = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*:\S+$")


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
class Claim:
    """One signed assertion: subject increases (+1), decreases (-1) or leaves unchanged (0) object."""

    id: str
    subject: str
    object: str
    sign: int
    evidence: Evidence
    aspect: str | None = None
    direct: bool = False
    certainty: str = "high"
    hedge: str | None = None
    context: Context = Context()
    studies: tuple[str, ...] = ()
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
class KnowledgeBase:
    """Everything loaded from ``data/``, validated and cross-checked."""

    documents: tuple[Document, ...]
    entities: tuple[Entity, ...]
    claims: tuple[Claim, ...]
    studies: tuple[Study, ...]
    designs: tuple[Design, ...]
    mentions: tuple[tuple[str, Mention], ...]  # (document id, mention)


# --- helpers ------------------------------------------------------------------------------

def _did_you_mean(value: str, choices) -> str:
    close = nearest(value, choices, limit=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_keys(entry: Entry, allowed: tuple[str, ...], required: tuple[str, ...], problems: list) -> bool:
    ok = True
    for key in entry.data:
        if key not in allowed:
            problems.append(entry.problem(f"unknown key {key!r}{_did_you_mean(str(key), allowed)}", key))
    for key in required:
        if entry.data.get(key) in (None, "", []):
            problems.append(entry.problem(f"missing required key {key!r}"))
            ok = False
    return ok


def _string_list(entry: Entry, key: str, problems: list) -> tuple[str, ...]:
    value = entry.data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(entry.problem(f"{key} must be a list of non-empty strings, got {value!r}", key))
        return ()
    return tuple(value)


def _check_id(entry: Entry, seen: dict[str, int], problems: list) -> str | None:
    value = entry.data.get("id")
    if not isinstance(value, str) or not _ID.match(value):
        problems.append(entry.problem(f"bad id {value!r}: use lowercase letters, digits and hyphens", "id"))
        return None
    if value in seen:
        problems.append(entry.problem(f"duplicate id {value!r} (first at line {seen[value]})", "id"))
        return None
    seen[value] = entry.line  # the line only: entries are not kept alive
    return value


# --- documents ----------------------------------------------------------------------------

def _load_documents(data: Path, problems: list) -> dict[str, Document]:
    fmt_data = read_yaml_mapping(data / "format.yaml", "data/format.yaml")
    fmt = DocumentFormat.from_mapping(fmt_data)
    documents = {}
    for path in sorted((data / "sources").glob("*.txt")):
        label = f"data/sources/{path.name}"
        try:
            text = read_document(path, label)
        except LoadError as error:
            problems.extend(error.problems)
            continue
        document = extract_document(path.stem, text, fmt, label)
        problems.extend(document.problems)
        documents[path.stem] = document
    if not documents and not problems:
        problems.append(Problem("data/sources", 0, "no source documents (*.txt)"))
    return documents


# --- entities -----------------------------------------------------------------------------

ENTITY_KEYS = ("id", "label", "category", "synonyms", "inverse_of", "keep")


def _load_entities(data: Path, documents: dict[str, Document], problems: list) -> dict[str, Entity]:
    entries = read_yaml_entries(data / "entities.yaml", "data/entities.yaml")
    xref_data = read_yaml_mapping(data / "xrefs.yaml", "data/xrefs.yaml").get("entities") or {}
    categories = biolink_classes()
    seen: dict[str, int] = {}
    names: dict[str, tuple[str, Entry]] = {}
    raw: dict[str, dict[str, Any]] = {}
    for entry in entries:
        _check_keys(entry, ENTITY_KEYS, ("id", "label", "category"), problems)
        entity_id = _check_id(entry, seen, problems)
        label = entry.data.get("label")
        category = entry.data.get("category")
        if category and category not in categories:
            problems.append(entry.problem(
                f"unknown category {category!r}{_did_you_mean(str(category), categories)}", "category"))
        synonyms = _string_list(entry, "synonyms", problems)
        if entity_id is None or not isinstance(label, str):
            continue
        for name in (label, *synonyms):
            key = fold(name)
            if not key:
                problems.append(entry.problem(f"name {name!r} has no letters or digits", "synonyms"))
            elif key in names and names[key][0] != entity_id:
                other = names[key]
                problems.append(entry.problem(
                    f"name {name!r} also names {other[0]!r} (line {other[1].line}); a name must resolve to one entity",
                    "synonyms"))
            else:
                names[key] = (entity_id, entry)
        raw[entity_id] = dict(entry=entry, label=label, category=category, synonyms=synonyms)
    for entity_id, fields in raw.items():
        entry = fields["entry"]
        inverse = entry.data.get("inverse_of")
        if inverse is not None and inverse not in raw:
            problems.append(entry.problem(f"inverse_of names unknown entity {inverse!r}{_did_you_mean(str(inverse), raw)}", "inverse_of"))
    for entity_id, curies in sorted(xref_data.items()):
        if entity_id not in raw:
            problems.append(Problem("data/xrefs.yaml", 0, f"xrefs for unknown entity {entity_id!r}{_did_you_mean(entity_id, raw)}"))
        for curie in curies or []:
            if not isinstance(curie, str) or not _CURIE.match(curie):
                problems.append(Problem("data/xrefs.yaml", 0, f"bad CURIE {curie!r} for {entity_id!r}"))
            elif converter().expand(curie) is None:
                problems.append(Problem("data/xrefs.yaml", 0, f"unknown prefix in {curie!r} for {entity_id!r}; "
                                        "run `make prefixes` to add it to graph/prefixes.json"))
    definitions: dict[str, tuple[str, str, str]] = {}
    for doc_id in sorted(documents):
        for item in documents[doc_id].glossary:
            owner = names.get(fold(item.term))
            if owner and owner[0] not in definitions:
                definitions[owner[0]] = (item.definition, doc_id, item.section)
    entities = {}
    for entity_id, fields in raw.items():
        entry = fields["entry"]
        definition = definitions.get(entity_id)
        entities[entity_id] = Entity(
            id=entity_id,
            label=fields["label"],
            category=fields["category"],
            synonyms=fields["synonyms"],
            xrefs=tuple(sorted(c for c in (xref_data.get(entity_id) or []) if isinstance(c, str))),
            inverse_of=entry.data.get("inverse_of"),
            keep=bool(entry.data.get("keep", False)),
            definition=definition[0] if definition else None,
            definition_source=(definition[1], definition[2]) if definition else None,
        )
    return entities


# --- designs and studies ------------------------------------------------------------------

DESIGN_KEYS = ("id", "label")


def _load_designs(data: Path, problems: list) -> dict[str, Design]:
    seen: dict[str, int] = {}
    xrefs = read_yaml_mapping(data / "xrefs.yaml", "data/xrefs.yaml").get("designs") or {}
    designs = {}
    for entry in read_yaml_entries(data / "designs.yaml", "data/designs.yaml"):
        _check_keys(entry, DESIGN_KEYS, DESIGN_KEYS, problems)
        design_id = _check_id(entry, seen, problems)
        if design_id:
            designs[design_id] = Design(design_id, str(entry.data.get("label", "")),
                                        tuple(sorted(xrefs.get(design_id) or [])))
    return designs


STUDY_KEYS = ("id", "document", "first_author", "year", "design", "population")


def _load_studies(data: Path, documents, designs, problems: list) -> dict[str, Study]:
    seen: dict[str, int] = {}
    studies: dict[str, Study] = {}
    declared: set[str | None] = set()
    for entry in read_yaml_entries(data / "studies.yaml", "data/studies.yaml"):
        if not _check_keys(entry, STUDY_KEYS, ("id", "document", "first_author", "year", "design"), problems):
            continue
        study_id = _check_id(entry, seen, problems)
        declared.add(study_id)
        doc_id, design = entry.data["document"], entry.data["design"]
        if designs is not None and design not in designs:
            problems.append(entry.problem(f"unknown design {design!r}{_did_you_mean(str(design), designs)}", "design"))
        document = documents.get(doc_id)
        if document is None:
            problems.append(entry.problem(f"unknown document {doc_id!r}{_did_you_mean(str(doc_id), documents)}", "document"))
            continue
        author, year = str(entry.data["first_author"]), entry.data["year"]
        matches = [r for r in document.references if fold(r.first_author) == fold(author) and r.year == year]
        if len(matches) != 1:
            known = [f"{r.first_author} {r.year}" for r in document.references]
            problems.append(entry.problem(
                f"{len(matches)} references of {doc_id!r} match {author} {year}"
                f"{_did_you_mean(f'{author} {year}', known)}", "first_author"))
            continue
        if study_id:
            studies[study_id] = Study(study_id, doc_id, design, matches[0],
                                      entry.data.get("population"))
    return studies, declared


# --- claims -------------------------------------------------------------------------------

CLAIM_KEYS = ("id", "subject", "object", "sign", "aspect", "direct", "document", "quote",
               "certainty", "hedge", "context", "studies", "knowledge_level", "agent_type")


def _check_claim(entry: Entry, documents, entities, studies, mine: list, pending: dict, seen: dict,
                 aspects, levels, agents) -> None:
    """Check one claim entry; queue it under its document for the quote look-up."""
    if not _check_keys(entry, CLAIM_KEYS, ("id", "subject", "object", "document", "quote"), mine):
        return
    claim_id = _check_id(entry, seen, mine)
    d = entry.data
    bad = False
    for role in ("subject", "object"):
        if entities is not None and d[role] not in entities:
            mine.append(entry.problem(
                f"claim {claim_id!r}: unknown {role} entity {d[role]!r}{_did_you_mean(str(d[role]), entities)}", role))
            bad = True
    sign = d.get("sign")
    if type(sign) is not int or sign not in SIGNS:
        mine.append(entry.problem(f"claim {claim_id!r}: sign {sign!r} is not one of +1, -1, 0", "sign"))
        bad = True
    for key, allowed in (("aspect", aspects), ("knowledge_level", levels), ("agent_type", agents),
                         ("certainty", CERTAINTY_LEVELS)):
        if key in d and d[key] not in allowed:
            mine.append(entry.problem(
                f"claim {claim_id!r}: {key} {d[key]!r} is not allowed{_did_you_mean(str(d[key]), allowed)}", key))
            bad = True
    if "direct" in d and not isinstance(d["direct"], bool):
        mine.append(entry.problem(f"claim {claim_id!r}: direct must be true or false", "direct"))
    context = d.get("context") or {}
    if not isinstance(context, dict):
        mine.append(entry.problem(f"claim {claim_id!r}: context must be a mapping", "context"))
        context = {}
    for key, value in context.items():
        if key not in CONTEXT_KEYS:
            mine.append(entry.problem(f"claim {claim_id!r}: unknown context key {key!r}{_did_you_mean(str(key), CONTEXT_KEYS)}", "context"))
            bad = True
        elif not isinstance(value, str) or not value.strip():
            mine.append(entry.problem(f"claim {claim_id!r}: context {key} must be text", "context"))
            bad = True
    if context.get("tissue") and entities is not None and context["tissue"] not in entities:
        mine.append(entry.problem(f"claim {claim_id!r}: context tissue {context['tissue']!r} is not an entity{_did_you_mean(str(context['tissue']), entities)}", "context"))
        bad = True
    cited = d.get("studies") or []
    for study in cited:
        if studies is not None and study not in studies:
            mine.append(entry.problem(f"claim {claim_id!r}: unknown study {study!r}{_did_you_mean(str(study), studies)}", "studies"))
            bad = True
    document = documents.get(d["document"])
    if document is None:
        mine.append(entry.problem(f"claim {claim_id!r}: unknown document {d['document']!r}{_did_you_mean(str(d['document']), documents)}", "document"))
        return
    # the quote is located later, with every other quote of its document in one pass
    where = Entry(entry.file, entry.line, {}, {k: entry.key_lines[k] for k in ("quote", "hedge")
                                               if k in entry.key_lines})
    pending.setdefault(document.id, []).append((where, claim_id, bad, str(d["quote"]), d.get("hedge"), (
        d["subject"], d["object"], sign, d.get("aspect"), bool(d.get("direct", False)),
        d.get("certainty", "high"), context or None,
        tuple(sorted(cited)), d.get("knowledge_level", "knowledge_assertion"),
        d.get("agent_type", "manual_agent"))))


_NO_CONTEXT = Context()


def _load_claims(data: Path, documents, entities, studies, problems: list) -> dict[str, Claim]:
    """Load claims; ``entities`` / ``studies`` are None when their file could not be read,
    in which case references to them are not checked (one error, not a cascade)."""
    seen: dict[str, int] = {}
    aspects = biolink_enum("GeneOrGeneProductOrChemicalEntityAspectEnum")
    levels = biolink_enum("KnowledgeLevelEnum")
    agents = biolink_enum("AgentTypeEnum")
    claims: dict[str, Claim] = {}
    # problems of this file are kept aside: if the file turns out unreadable half-way, only
    # its reading error is reported (as when the whole file was read before any check)
    mine: list[Problem] = []
    pending: dict[str, list[tuple]] = {}
    for entry in iter_yaml_entries(data / "claims.yaml", "data/claims.yaml"):
        # a LoadError raised half-way (unreadable file) propagates: the caller reports it
        # alone and ``mine`` is dropped
        _check_claim(entry, documents, entities, studies, mine, pending, seen, aspects, levels, agents)
    for doc_id, items in pending.items():
        document = documents[doc_id]
        spans = QuoteFinder(document).find_all(item[3] for item in items)
        locator = SectionLocator(document)
        for (where, claim_id, bad, quote, hedge, fields), span in zip(items, spans):
            if span is None:
                mine.append(where.problem(
                    f"claim {claim_id!r}: quote not found in {document.path}: {quote[:60]!r}; "
                    f"closest passage: {document.closest_passage(quote)!r}", "quote"))
                continue
            if hedge and fold(hedge) not in fold(quote):
                mine.append(where.problem(f"claim {claim_id!r}: hedge {hedge!r} is not in the quote", "hedge"))
                bad = True
            if bad or claim_id is None:
                continue
            section = locator.section_at(span[0])
            subject, obj, sign, aspect, direct, certainty, context, cited, level, agent = fields
            context = Context(**{k: v.strip() for k, v in context.items()}) if context else _NO_CONTEXT
            claims[claim_id] = Claim(
                id=claim_id,
                subject=subject,
                object=obj,
                sign=sign,
                evidence=Evidence(document.id, section.id if section else "", span[0], span[1],
                                  " ".join(quote.split())),
                aspect=aspect,
                direct=direct,
                certainty=certainty,
                hedge=hedge,
                context=context,
                studies=cited,
                knowledge_level=level,
                agent_type=agent,
            )
    problems.extend(mine)
    return claims


def load_records(data: Path | str) -> KnowledgeBase:
    """Load and validate everything in a ``data/`` directory.

    :raises LoadError: listing every problem found, each as ``file:line: message``.
    """
    data = Path(data)
    problems: list[Problem] = []

    def attempt(step, *args):
        try:
            return step(*args)
        except LoadError as error:  # an unreadable file: its own problem, no cascade
            problems.extend(error.problems)
            return None

    documents = attempt(_load_documents, data, problems) or {}
    entities = attempt(_load_entities, data, documents, problems)
    designs = attempt(_load_designs, data, problems)
    loaded_studies = attempt(_load_studies, data, documents, designs, problems)
    studies, declared_studies = loaded_studies if loaded_studies else ({}, None)
    claims = attempt(_load_claims, data, documents, entities, declared_studies, problems) or {}
    if problems:
        raise LoadError(problems)
    names: dict[str, str] = {}
    for entity in entities.values():
        for name in (entity.label, *entity.synonyms):
            names.setdefault(name, entity.id)
    mentions = tuple(
        (doc_id, mention)
        for doc_id in sorted(documents)
        for mention in find_mentions_fast(documents[doc_id], names)
    )
    entities = entities or {}
    return KnowledgeBase(
        documents=tuple(documents[k] for k in sorted(documents)),
        entities=tuple(entities[k] for k in sorted(entities)),
        claims=tuple(claims[k] for k in sorted(claims)),
        studies=tuple(studies[k] for k in sorted(studies)),
        designs=tuple(designs[k] for k in sorted(designs)),
        mentions=mentions,
    )
