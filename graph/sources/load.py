"""Read ``data/`` into validated records: every problem found, each as ``file:line: message``.

:func:`load_records` reads the YAML files and the source documents and either returns a
:class:`~graph.model.records.KnowledgeBase` or raises one :class:`~graph.errors.LoadError` listing
*every* problem, with the nearest valid value where that helps.
"""

from __future__ import annotations

import functools
import gc
import re
from collections.abc import Callable
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from graph.children import forked
from graph.errors import LoadError, Problem
from graph.model.names import fold, nearest
from graph.model.prefixes import converter
from graph.model.records import (CONTEXT_KEYS, Claim, Context, Design, Entity, Evidence, KnowledgeBase, Release,
                                 Study, StudyLink, slots)
from graph.model.vocab import CITATION_BASES, CITATION_RELATIONS, HIERARCHY, SIGNS, biolink_classes, biolink_enum
from graph.sources.citations import citations_by_paragraph, cited_in
from graph.sources.extract import Document, DocumentFormat, extract_document
from graph.sources.files import Entry, NotSplittable, iter_yaml_entries, read_document, read_yaml_entries, read_yaml_mapping
from graph.sources.textindex import MentionFinder, QuoteFinder, SectionLocator

__all__ = ["CLAIM_KEYS", "DESIGN_KEYS", "ENTITY_KEYS", "LINK_KEYS", "STUDY_KEYS", "load_records", "stream_records"]

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_CURIE = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*:\S+$")


# --- helpers ------------------------------------------------------------------------------

def _did_you_mean(value: str, choices) -> str:
    close = nearest(value, choices, limit=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


@functools.lru_cache(maxsize=None)
def _key_set(keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(keys)


#: the values a required key must not have (it is missing, as :func:`_check_keys` reports)
_MISSING = (None, "", [])


def _check_keys(entry: Entry, allowed: tuple[str, ...], required: tuple[str, ...], problems: list) -> bool:
    ok = True
    if not _key_set(allowed).issuperset(entry.data):  # one test for the usual entry
        for key in entry.data:
            if key not in allowed:
                problems.append(entry.problem(f"unknown key {key!r}{_did_you_mean(str(key), allowed)}", key))
    for key in required:
        if entry.data.get(key) in _MISSING:
            problems.append(entry.problem(f"missing required key {key!r}"))
            ok = False
    return ok


def _check_text(entry: Entry, keys: tuple[str, ...], problems: list, about: str = "") -> bool:
    """Report each of ``keys`` whose value is set but is not text (a name is looked up, a quote
    searched: a list or a mapping there is the curator's slip, not an internal error)."""
    ok = True
    for key in keys:
        value = entry.data.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(entry.problem(f"{about}{key} must be text, got {value!r}", key))
            ok = False
    return ok


def _xref_table(xrefs: dict, section: str, problems: list) -> dict[str, tuple[str, ...]]:
    """The ``section`` of xrefs.yaml (``entities`` or ``designs``): each id's CURIEs (written as
    a mapping of CURIE to label, or a list), sorted; every value of another shape, and every
    CURIE that does not parse or has an unknown prefix, is a problem and left out."""
    label = "data/xrefs.yaml"
    table = xrefs.get(section) or {}
    if not isinstance(table, dict):
        problems.append(Problem(label, 0, f"{section} must map each id to its CURIEs, got {table!r:.60}"))
        return {}
    found = {}
    for owner, curies in table.items():
        if not isinstance(owner, str):
            problems.append(Problem(label, 0, f"{section}: {owner!r} is not an id"))
            continue
        if not isinstance(curies, (dict, list, type(None))):
            problems.append(Problem(label, 0, f"{section}: the CURIEs of {owner!r} must be a mapping of CURIE to "
                                              f"label, got {curies!r:.60}"))
            continue
        good = []
        for curie in curies or ():
            if not isinstance(curie, str) or not _CURIE.match(curie):
                problems.append(Problem(label, 0, f"bad CURIE {curie!r} for {owner!r}"))
            elif converter().expand(curie) is None:
                problems.append(Problem(label, 0, f"unknown prefix in {curie!r} for {owner!r}; "
                                                  "run `make prefixes` to add it to graph/model/prefixes.json"))
            else:
                good.append(curie)
        found[owner] = tuple(sorted(good))
    return found


def _string_list(entry: Entry, key: str, problems: list) -> tuple[str, ...]:
    value = entry.data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(entry.problem(f"{key} must be a list of non-empty strings, got {value!r}", key))
        return ()
    return tuple(value)


def _valid_id(entry: Entry, problems: list) -> str | None:
    value = entry.data.get("id")
    if not isinstance(value, str) or not _ID.match(value):
        problems.append(entry.problem(f"bad id {value!r}: use lowercase letters, digits and hyphens", "id"))
        return None
    return value


def _check_id(entry: Entry, seen: dict[str, int], problems: list) -> str | None:
    value = _valid_id(entry, problems)
    if value is None:
        return None
    if value in seen:
        problems.append(entry.problem(f"duplicate id {value!r} (first at line {seen[value]})", "id"))
        return None
    seen[value] = entry.line  # the line only: entries are not kept alive
    return value


# --- documents ----------------------------------------------------------------------------

def _load_documents(data: Path, problems: list, parts: int = 1) -> dict[str, Document]:
    """Read and extract every source document; in ``parts`` processes when there are several."""
    fmt = DocumentFormat.from_mapping(read_yaml_mapping(data / "format.yaml", "data/format.yaml"))
    paths = sorted((data / "sources").glob("*.txt"))

    def extract(some: list[Path]) -> list[Document | LoadError]:
        read = []
        for path in some:
            label = f"data/sources/{path.name}"
            try:
                read.append(extract_document(path.stem, read_document(path, label), fmt, label))
            except LoadError as error:
                read.append(error)
        return read

    parts = max(1, min(parts, len(paths)))
    with forked(extract, [paths[k::parts] for k in range(1, parts)]) as others:
        read = [extract(paths[::parts]), *others()]
    documents = {}
    for n in range(len(paths)):  # in the order of their files, as one process reads them
        document = read[n % parts][n // parts]
        problems.extend(document.problems)
        if not isinstance(document, LoadError):
            documents[document.id] = document
    if not documents and not problems:
        problems.append(Problem("data/sources", 0, "no source documents (*.txt)"))
    return documents


# --- entities -----------------------------------------------------------------------------

ENTITY_KEYS = ("id", "label", "category", "synonyms", "inverse_of", "keep", *HIERARCHY)


def _load_entities(data: Path, documents: dict[str, Document], problems: list) -> dict[str, Entity]:
    entries = iter_yaml_entries(data / "entities.yaml", "data/entities.yaml")
    xref_problems: list[Problem] = []
    try:  # an unreadable xrefs.yaml is reported once entities.yaml has been read (as before)
        xref_data = _xref_table(read_yaml_mapping(data / "xrefs.yaml", "data/xrefs.yaml"), "entities", xref_problems)
        unreadable = None
    except LoadError as error:
        xref_data, unreadable = {}, error
    categories = biolink_classes()
    seen: dict[str, int] = {}
    names: dict[str, str] = {}  # folded name -> entity (``seen`` has its line): entries are not kept
    inverses: list[tuple[str, int, Any]] = []  # (file, line, value) of each inverse_of
    links: list[tuple[str, int, str, str, str]] = []  # (file, line, entity, relation, other)
    entities: dict[str, Entity] = {}
    shared: dict = {}
    # problems are kept aside until the file is read through: an unreadable file reports only
    # its reading error (as when the whole file was read before any check)
    mine: list[Problem] = []
    for entry in entries:
        _check_keys(entry, ENTITY_KEYS, ("id", "label", "category"), mine)
        entity_id = _check_id(entry, seen, mine)
        label = entry.data.get("label")
        category = entry.data.get("category")
        if category not in _MISSING and (not isinstance(category, str) or category not in categories):
            mine.append(entry.problem(
                f"unknown category {category!r}{_did_you_mean(str(category), categories)}", "category"))
        _check_text(entry, ("label", "inverse_of"), mine)
        if not isinstance(entry.data.get("keep", False), bool):
            mine.append(entry.problem(f"keep must be true or false, got {entry.data['keep']!r}", "keep"))
        synonyms = _string_list(entry, "synonyms", mine)
        if entity_id is None or not isinstance(label, str):
            continue
        for name in (label, *synonyms):
            key = fold(name)
            if not key:
                mine.append(entry.problem(f"name {name!r} has no letters or digits", "synonyms"))
            elif key in names and names[key] != entity_id:
                other = names[key]
                mine.append(entry.problem(
                    f"name {name!r} also names {other!r} (line {seen[other]}); a name must resolve to one entity",
                    "synonyms"))
            else:
                names[key] = entity_id
        inverse = entry.data.get("inverse_of")
        if isinstance(inverse, str):
            inverses.append((entry.file, entry.line_of("inverse_of"), inverse))
        broader = {key: _string_list(entry, key, mine) for key in HIERARCHY}
        for key, others in broader.items():
            for other in others:
                links.append((entry.file, entry.line_of(key), entity_id, key, other))
        entities[entity_id] = Entity(
            id=entity_id,
            label=label,
            category=shared.setdefault(category, category) if isinstance(category, str) else category,
            synonyms=synonyms,
            xrefs=xref_data.get(entity_id, ()),
            inverse_of=inverse,
            keep=bool(entry.data.get("keep", False)),
            **broader,
        )
    if unreadable is not None:
        raise unreadable
    for file, line, inverse in inverses:
        if inverse not in entities:
            mine.append(Problem(file, line, f"inverse_of names unknown entity {inverse!r}"
                                                 f"{_did_you_mean(str(inverse), entities)}"))
    for file, line, entity_id, key, other in links:
        if other not in entities:
            mine.append(Problem(file, line, f"entity {entity_id!r}: {key} names unknown entity {other!r}"
                                            f"{_did_you_mean(other, entities)}"))
        elif other == entity_id:
            mine.append(Problem(file, line, f"entity {entity_id!r}: {key} names the entity itself"))
    mine.extend(_hierarchy_cycles(entities, links))
    mine.extend(xref_problems)
    for entity_id in sorted(set(xref_data) - set(entities)):
        mine.append(Problem("data/xrefs.yaml", 0, f"xrefs for unknown entity {entity_id!r}{_did_you_mean(entity_id, entities)}"))
    defined: set[str] = set()
    for doc_id in sorted(documents):
        for item in documents[doc_id].glossary:
            owner = names.get(fold(item.term))
            if owner and owner not in defined:
                defined.add(owner)
                entities[owner] = replace(entities[owner], definition=item.definition,
                                          definition_source=(doc_id, item.section))
    problems.extend(mine)
    return entities


def _hierarchy_cycles(entities: dict[str, Entity], links) -> list[Problem]:
    """One problem per hierarchy link that closes a cycle (a class cannot be its own member)."""
    broader = {e.id: [o for _, o in e.broader() if o in entities and o != e.id] for e in entities.values()}
    problems = []
    for file, line, entity_id, key, other in links:
        seen, stack = set(), [other]
        while stack:
            node = stack.pop()
            if node == entity_id:
                problems.append(Problem(file, line, f"entity {entity_id!r}: {key} {other!r} makes a cycle "
                                                     f"(it leads back to {entity_id!r})"))
                break
            if node not in seen:
                seen.add(node)
                stack.extend(broader.get(node, ()))
    return problems


# --- the release record -------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _load_release(data: Path, problems: list) -> Release | None:
    """Read ``data/dataset.yaml`` (``issued`` and ``modified``, ISO dates); None when absent."""
    import datetime

    label = "data/dataset.yaml"
    content = read_yaml_mapping(data / "dataset.yaml", label)
    if not content:
        return None
    lines = (data / "dataset.yaml").read_text(encoding="utf-8").splitlines()

    def line(key):
        return next((n for n, text in enumerate(lines, 1) if text.startswith(f"{key}:")), 0)

    dates = {}
    for key in sorted(set(content) - {"issued", "modified"}, key=str):
        problems.append(Problem(label, line(key), f"unknown key {key!r}; known keys: issued, modified"))
    for key in ("issued", "modified"):
        value = content.get(key)
        text = value.isoformat() if isinstance(value, datetime.date) else str(value)
        try:
            dates[key] = datetime.date.fromisoformat(text).isoformat() if _DATE.match(text) else None
        except ValueError:
            dates[key] = None
        if dates[key] is None:
            problems.append(Problem(label, line(key), f"{key}: expected a date YYYY-MM-DD, got {value!r}"))
    if None not in dates.values() and dates["modified"] < dates["issued"]:
        problems.append(Problem(label, line("modified"), f"modified {dates['modified']} is before issued {dates['issued']}"))
    return Release(dates["issued"], dates["modified"]) if None not in dates.values() else None


# --- designs and studies ------------------------------------------------------------------

DESIGN_KEYS = ("id", "label")


def _load_designs(data: Path, problems: list) -> dict[str, Design]:
    seen: dict[str, int] = {}
    xrefs = _xref_table(read_yaml_mapping(data / "xrefs.yaml", "data/xrefs.yaml"), "designs", problems)
    designs = {}
    for entry in read_yaml_entries(data / "designs.yaml", "data/designs.yaml"):
        _check_keys(entry, DESIGN_KEYS, DESIGN_KEYS, problems)
        design_id = _check_id(entry, seen, problems)
        _check_text(entry, ("label",), problems)  # the design is kept: no cascade of "unknown design"
        if design_id:
            designs[design_id] = Design(design_id, str(entry.data.get("label", "")),
                                        xrefs.get(design_id, ()))
    return designs


STUDY_KEYS = ("id", "document", "first_author", "year", "design", "population")


def _load_studies(data: Path, documents, designs, problems: list) -> dict[str, Study]:
    seen: dict[str, int] = {}
    studies: dict[str, Study] = {}
    declared: dict[str | None, str | None] = {}  # each id to itself: claims share the string
    cited_as: dict[str, dict] = {}  # per document: (folded first author, year) -> references
    for entry in read_yaml_entries(data / "studies.yaml", "data/studies.yaml"):
        if not _check_keys(entry, STUDY_KEYS, ("id", "document", "first_author", "year", "design"), problems):
            continue
        study_id = _check_id(entry, seen, problems)
        declared[study_id] = study_id
        if not _check_text(entry, ("document", "first_author", "design", "population"), problems):
            continue
        doc_id, design = entry.data["document"], entry.data["design"]
        if designs is not None and design not in designs:
            problems.append(entry.problem(f"unknown design {design!r}{_did_you_mean(str(design), designs)}", "design"))
        if documents is None:  # the documents could not be read at all: that is reported, not a cascade
            continue
        document = documents.get(doc_id)
        if document is None:
            problems.append(entry.problem(f"unknown document {doc_id!r}{_did_you_mean(str(doc_id), documents)}", "document"))
            continue
        author, year = str(entry.data["first_author"]), entry.data["year"]
        if doc_id not in cited_as:
            cited_as[doc_id] = {}
            for r in document.references:
                cited_as[doc_id].setdefault((fold(r.first_author), r.year), []).append(r)
        try:
            matches = cited_as[doc_id].get((fold(author), year), [])
        except TypeError:  # an unhashable year matches no reference
            matches = []
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

#: a claim's plain fields (model/records.py): read from the YAML key of their name
_CLAIM_SLOTS = slots(Claim)
_CLAIM_DEFAULTS = tuple((s.name, s.default) for s in _CLAIM_SLOTS)
_CLAIM_ORDER = ("id", "subject", "object", "sign", "aspect", "direct", "document", "quote", "certainty", "hedge",
                "context", *CITATION_RELATIONS, "knowledge_level", "agent_type", "autoregulation")
#: a claim's keys in canonical order (``make lint-data``); a plain field not placed above comes last
CLAIM_KEYS = _CLAIM_ORDER + tuple(s.name for s in _CLAIM_SLOTS if s.name not in _CLAIM_ORDER)
LINK_KEYS = ("study", "basis", "rationale")


def _check_links(entry: Entry, claim_id, studies, mine: list) -> tuple[StudyLink, ...] | None:
    """Check a claim's ``supports`` / ``contradicts`` lists; None if any link is bad."""
    links, ok = [], True
    for relation in CITATION_RELATIONS:
        items = entry.data.get(relation) or []
        if not isinstance(items, list):
            mine.append(entry.problem(f"claim {claim_id!r}: {relation} must be a list of study links", relation))
            ok = False
            continue
        for item in items:
            where = f"claim {claim_id!r}: {relation}"
            if not isinstance(item, dict) or not _key_set(LINK_KEYS).issuperset(item):
                extra = sorted(map(str, set(item) - set(LINK_KEYS))) if isinstance(item, dict) else None
                mine.append(entry.problem(
                    f"{where}: {item!r} is not a link" + (f" (unknown key {extra[0]!r})" if extra else
                    " {study, basis, rationale}"), relation))
                ok = False
                continue
            study, basis, rationale = item.get("study"), item.get("basis"), item.get("rationale")
            if not isinstance(study, str):
                mine.append(entry.problem(f"{where}: study {study!r} is not a study id", relation))
                ok = False
                continue
            if studies is not None and study not in studies:
                mine.append(entry.problem(f"{where}: unknown study {study!r}{_did_you_mean(str(study), studies)}", relation))
                ok = False
            if basis not in CITATION_BASES:
                mine.append(entry.problem(f"{where} {study!r}: basis {basis!r} is not one of "
                                          f"{', '.join(CITATION_BASES)}", relation))
                ok = False
            if rationale is not None and (not isinstance(rationale, str) or not rationale.strip()
                                          or "\n" in rationale.strip()):
                mine.append(entry.problem(f"{where} {study!r}: rationale must be one line of text", relation))
                ok = False
            elif basis == "curator" and rationale is None:
                mine.append(entry.problem(f"{where} {study!r}: a curator link needs a one-line rationale "
                                          "(what in the study bears on the claim)", relation))
                ok = False
            links.append(StudyLink(studies.get(study, study) if studies else study, basis, relation,
                                   rationale.strip() if isinstance(rationale, str) else None))
    seen: set = set()
    for link in links:
        if link.study in seen:
            mine.append(entry.problem(f"claim {claim_id!r}: study {link.study!r} is linked twice", "supports"))
            ok = False
        seen.add(link.study)
    return tuple(links) if ok else None


def _document_links(claim_id: str, links: tuple[StudyLink, ...], cited: set[int], by_reference: dict,
                    document, line: int, mine: list) -> tuple[StudyLink, ...] | None:
    """Check the ``document`` links of a claim against the citations found in the quote's
    paragraph, and add every cited study not linked yet (basis ``document``, supports)."""
    linked = {link.study for link in links}
    found = {by_reference[r] for r in cited if r in by_reference}
    ok = True
    for link in links:
        if link.basis == "curator" and link.study in found:
            mine.append(Problem("data/claims.yaml", line,
                f"claim {claim_id!r}: {document.path} cites study {link.study!r} in the quote's paragraph; "
                f"its link is the document's (basis: document), not a curator's"))
            ok = False
        if link.basis == "document" and link.study not in found:
            mine.append(Problem("data/claims.yaml", line,
                f"claim {claim_id!r}: basis document for study {link.study!r}, but {document.path} does "
                f"not cite it in the quote's paragraph; a study the document does not cite there is a "
                f"curator link (basis: curator, with a rationale)"))
            ok = False
    for reference in sorted(r for r in cited if r not in by_reference):
        ref = next(x for x in document.references if x.index == reference)
        mine.append(Problem("data/claims.yaml", line,
            f"claim {claim_id!r}: {document.path} cites reference {reference} ({ref.first_author} "
            f"{ref.year}) in the quote's paragraph, but no study in data/studies.yaml declares it"))
        ok = False
    if not ok:
        return None
    added = tuple(StudyLink(study, "document") for study in sorted(found - linked))
    return tuple(sorted(links + added, key=_link_order))


def _link_order(link: StudyLink) -> tuple:
    """A claim's study links in order: supporting first, then by basis and study."""
    return link.relation != "supports", link.basis, link.study


def _check_claim(entry: Entry, documents, entities, studies, mine: list, pending: dict,
                 allowed: dict, shared: dict) -> str | None:
    """Check one claim entry; queue it under its document for the quote look-up; return its id
    when the entry has one (whether it is a duplicate is the caller's to find: in parts, another
    part may hold the first).

    ``documents`` is None when the documents could not be read at all (their format): the
    quote is then not looked for (one error, not one per claim).

    Only what the claim record needs is queued, with strings shared with the entities,
    documents and studies they name (``shared`` holds one copy of every other repeated value):
    a project of a million claims keeps a million of these until its quotes are located.
    """
    if not _check_keys(entry, CLAIM_KEYS, ("id", "subject", "object", "document", "quote"), mine):
        return None
    claim_id = _valid_id(entry, mine)
    d = entry.data
    if not _check_text(entry, ("subject", "object", "document", "quote", "hedge"), mine, f"claim {claim_id!r}: "):
        return claim_id
    bad = False
    for role in ("subject", "object"):
        if entities is not None and d[role] not in entities:
            mine.append(entry.problem(
                f"claim {claim_id!r}: unknown {role} entity {d[role]!r}{_did_you_mean(str(d[role]), entities)}", role))
            bad = True
    if "autoregulation" in d and not isinstance(d["autoregulation"], bool):
        mine.append(entry.problem(f"claim {claim_id!r}: autoregulation must be true or false", "autoregulation"))
        bad = True
    elif d["subject"] == d["object"] and not d.get("autoregulation"):  # read as a one-step loop
        mine.append(entry.problem(f"claim {claim_id!r}: subject and object are both {d['subject']!r}; a claim "
                                  "that an entity acts on itself needs `autoregulation: true`", "object"))
        bad = True
    sign = d.get("sign")
    if type(sign) not in (int, str) or sign not in SIGNS:
        mine.append(entry.problem(f"claim {claim_id!r}: sign {sign!r} is not one of +1, -1, 0, variable", "sign"))
        bad = True
    for key, values in allowed.items():
        if key in d and (not isinstance(d[key], str) or d[key] not in values):
            mine.append(entry.problem(
                f"claim {claim_id!r}: {key} {d[key]!r} is not allowed{_did_you_mean(str(d[key]), values)}", key))
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
    if isinstance(context.get("tissue"), str) and entities is not None and context["tissue"] not in entities:
        mine.append(entry.problem(f"claim {claim_id!r}: context tissue {context['tissue']!r} is not an entity{_did_you_mean(str(context['tissue']), entities)}", "context"))
        bad = True
    cited = _check_links(entry, claim_id, studies, mine)
    bad = bad or cited is None
    if documents is None:  # the documents could not be read at all: the quote cannot be checked
        return claim_id
    document = documents.get(d["document"])
    if document is None:
        mine.append(entry.problem(f"claim {claim_id!r}: unknown document {d['document']!r}{_did_you_mean(str(d['document']), documents)}", "document"))
        return claim_id
    if bad or claim_id is None:  # only the quote and the hedge are still to be checked
        fields = None
    else:
        context = Context(**{k: v.strip() for k, v in context.items()}) if context else _NO_CONTEXT
        # the values shared are checked text (or None), contexts and tuples: no 1 / True mix-up
        share = shared.setdefault
        plain = tuple([share(v, v) if isinstance(v, str) else v
                       for v in [d.get(name, default) for name, default in _CLAIM_DEFAULTS]])
        fields = (entities[d["subject"]].id if entities else d["subject"],
                  entities[d["object"]].id if entities else d["object"],
                  sign, bool(d.get("direct", False)), share(context, context), share(cited, cited), plain)
    # the quote is located later, with every other quote of its document in one pass
    pending.setdefault(document.id, []).append(
        (claim_id, d["quote"], d.get("hedge"), entry.line_of("quote"), entry.line_of("hedge"), fields,
         entry.line))
    return claim_id


_NO_CONTEXT = Context()


@dataclass(frozen=True)
class _ClaimsPart:
    """What reading one part of claims.yaml gave (:func:`_claims_part`)."""

    problems: tuple[Problem, ...]
    #: each claim id's first entry in the part: (the entry's line, its id's line)
    firsts: dict[str, tuple[int, int]]
    #: the id, entry line and id line of every later entry with an id already in ``firsts``
    repeats: tuple[tuple[str, int, int], ...]
    claims: int


def _claims_part(data: Path, documents, entities, studies, study_records, part: tuple[int, int],
                 each: Callable[[Claim], None]) -> _ClaimsPart:
    """Check the claims of ``part`` (k, n) of claims.yaml (:func:`~graph.sources.files.iter_yaml_entries`)
    and hand each good one to ``each``.

    ``entities`` / ``studies`` are None when their file could not be read, in which case
    references to them are not checked (one error, not a cascade). ``study_records`` map the
    declared studies to their references, for the document's own citations (None when
    studies.yaml could not be read: document links are then not checked).

    :raises LoadError: the file is unreadable (its problems alone: the others would be a cascade).
    :raises NotSplittable: ``part`` is one of several, and the file cannot be read in parts.
    """
    firsts: dict[str, tuple[int, int]] = {}
    repeats: list[tuple[str, int, int]] = []
    allowed = {s.name: biolink_enum(s.choices) if isinstance(s.choices, str) else s.choices
               for s in _CLAIM_SLOTS if s.choices}
    made = 0
    mine: list[Problem] = []
    pending: dict[str, list[tuple]] = {}
    shared: dict = {}
    label = "data/claims.yaml"
    for entry in iter_yaml_entries(data / "claims.yaml", label, part=part):
        claim_id = _check_claim(entry, documents, entities, studies, mine, pending, allowed, shared)
        if claim_id is not None:
            where = (entry.line, entry.line_of("id"))
            if firsts.setdefault(claim_id, where) is not where:
                repeats.append((claim_id, *where))
    if study_records is not None and studies is not None and set(study_records) != {k for k in studies if k}:
        study_records = None  # a study that matched no reference is reported already: no cascade
    for doc_id, items in pending.items():
        document = documents[doc_id]
        spans = QuoteFinder(document).find_all(item[1] for item in items)
        locator = SectionLocator(document)
        paragraphs = citations_by_paragraph(document)
        by_reference = {s.reference.index: s.id for s in (study_records or {}).values() if s.document == doc_id}
        for (claim_id, quote, hedge, quote_line, hedge_line, fields, line), span in zip(items, spans):
            if span is None:
                mine.append(Problem(label, quote_line,
                    f"claim {claim_id!r}: quote not found in {document.path}: {quote[:60]!r}; "
                    f"closest passage: {document.closest_passage(quote)!r}"))
                continue
            if hedge and fold(hedge) not in fold(quote):
                mine.append(Problem(label, hedge_line, f"claim {claim_id!r}: hedge {hedge!r} is not in the quote"))
                continue
            if fields is None:
                continue
            subject, obj, sign, direct, context, cited, plain = fields
            if study_records is not None and (paragraphs or any(link.basis == "document" for link in cited)):
                refs = cited_in(document, paragraphs, *span)
                if refs or any(link.basis == "document" for link in cited):
                    cited = _document_links(claim_id, cited, refs, by_reference, document, line, mine)
                    if cited is None:
                        continue
                elif len(cited) > 1:  # nothing to check or add: only _document_links' order
                    cited = tuple(sorted(cited, key=_link_order))
            section = locator.section_at(span[0])
            folded = " ".join(quote.split())
            made += 1
            each(Claim(
                id=claim_id,
                subject=subject,
                object=obj,
                sign=sign,
                evidence=Evidence(document.id, section.id if section else "", span[0], span[1],
                                  quote if folded == quote else folded),
                direct=direct,
                context=context,
                citations=cited,
                **{s.name: value for s, value in zip(_CLAIM_SLOTS, plain)},
            ))
        items.clear()  # what is located is no longer needed
    return _ClaimsPart(tuple(mine), firsts, tuple(repeats), made)


def _claims_in_parts(data: Path, documents, entities, studies, problems: list, study_records,
                     sink: Callable[[int], AbstractContextManager[Callable[[Claim], None]]], parts: int,
                     meanwhile: Callable[[], Any]) -> tuple[int, Any]:
    """Check claims.yaml in ``parts`` processes at once, each handing its claims to ``sink(k)``;
    return how many claims were made, and what ``meanwhile()`` returned.

    With one part, this process reads it and ``meanwhile`` is not called (None). With more, each
    part is read in a fork while this process calls ``meanwhile``; when a part finds the file
    cannot be split (:class:`~graph.sources.files.NotSplittable`), every sink is entered again
    (what the parts handed on is void) and this process reads the file in one part.

    The problems are those one process finds: duplicate ids are found here, from every part's
    ids, and an entry-level error (an item that is not a mapping) is reported alone.

    :raises LoadError: the file, or an entry of it, is unreadable.
    """
    def run(k: int, n: int) -> _ClaimsPart | LoadError | NotSplittable:
        try:
            with sink(k) as each:
                return _claims_part(data, documents, entities, studies, study_records, (k, n), each)
        except (LoadError, NotSplittable) as error:  # given back: the parts are weighed together
            return error

    done_meanwhile = None
    if parts == 1:
        results = [run(0, 1)]
    else:
        with forked(functools.partial(run, n=parts), range(parts)) as all_parts:
            done_meanwhile = meanwhile()
            results = all_parts()
        if any(isinstance(result, NotSplittable) for result in results):
            for k in range(1, parts):
                with sink(k):
                    pass
            results = [run(0, 1)]
    failed = [result for result in results if isinstance(result, LoadError)]
    if failed:
        raise LoadError(problem for error in failed for problem in error.problems)
    firsts: dict[str, tuple[int, int]] = {}  # each id's earliest entry in any part
    repeats = []
    for result in results:
        problems.extend(result.problems)
        repeats.extend(result.repeats)
        for claim_id, where in result.firsts.items():
            other = firsts.setdefault(claim_id, where)
            if other is not where:
                firsts[claim_id] = min(other, where)
                repeats.append((claim_id, *max(other, where)))
    problems.extend(Problem("data/claims.yaml", id_line,
                            f"duplicate id {claim_id!r} (first at line {firsts[claim_id][0]})")
                    for claim_id, _, id_line in repeats)
    return sum(part.claims for part in results), done_meanwhile


def _find_mentions(documents: dict[str, Document], entities: dict[str, Entity]) -> tuple:
    """Return (document id, mention) of every entity name in every document."""
    names: dict[str, str] = {}
    for entity in entities.values():
        for name in (entity.label, *entity.synonyms):
            names.setdefault(name, entity.id)
    finder = MentionFinder(names)
    del names  # the finder keeps what it needs
    return tuple((doc_id, mention) for doc_id in sorted(documents)
                 for mention in finder.find(documents[doc_id], SectionLocator(documents[doc_id])))


@contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector: loading creates millions of records and no cycles,
    and each full collection walks every record made so far (a fifth of the time at 10⁵
    claims, more beyond). Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_records(data: Path | str) -> KnowledgeBase:
    """Load and validate everything in a ``data/`` directory.

    :raises LoadError: listing every problem found, each as ``file:line: message``.
    """
    claims: dict[str, Claim] = {}

    def keep(claim: Claim) -> None:
        claims[claim.id] = claim

    with _collector_paused():
        kb, _ = _load_records(Path(data), lambda k: nullcontext(keep), 1)
    return replace(kb, claims=tuple(claims[k] for k in sorted(claims)))


def stream_records(data: Path | str, sink: Callable[[int], AbstractContextManager[Callable[[Claim], None]]],
                   parts: int = 1) -> tuple[KnowledgeBase, int]:
    """Load and validate ``data/`` as :func:`load_records` does, handing each claim to a sink
    instead of keeping it. With ``parts`` > 1 the source documents are extracted in that many
    processes, and claims.yaml is read in that many forks (:func:`~graph.children.forked`)
    while this process finds the mentions; part ``k`` gives its claims to the callable that
    ``sink(k)`` yields. What a build does: a million claims are never held in one process, and
    every core reads them.

    Returns the records without claims, and the number of claims. A sink sees claims that a
    later problem may still void (the same claim id in another part): a caller keeps what its
    sinks made only when this returns. A sink may be entered again (claims.yaml read again in
    one part, when its chunks prove not to be whole entries): what it was handed before is void.

    :raises LoadError: listing every problem found (the same problems as :func:`load_records`).
    """
    with _collector_paused():
        return _load_records(Path(data), sink, parts)


def _load_records(data: Path, sink, parts: int) -> tuple[KnowledgeBase, int]:
    problems: list[Problem] = []

    def attempt(step, *args):
        try:
            return step(*args)
        except LoadError as error:  # an unreadable file: its own problem, no cascade
            problems.extend(error.problems)
            return None

    documents = attempt(_load_documents, data, problems, parts)  # None: not read (format.yaml), not checked
    entities = attempt(_load_entities, data, documents or {}, problems)
    designs = attempt(_load_designs, data, problems)
    loaded_studies = attempt(_load_studies, data, documents, designs, problems)
    studies, declared_studies = loaded_studies if loaded_studies else ({}, None)
    study_records = studies if loaded_studies else None
    # with parts, the mentions are found here while the parts are read in forks (both only
    # count when nothing is wrong, which is known only after both)
    count, mentions = attempt(_claims_in_parts, data, documents, entities, declared_studies, problems,
                              study_records, sink, parts,
                              lambda: _find_mentions(documents or {}, entities or {})) or (0, None)
    release = attempt(_load_release, data, problems)
    if problems:
        raise LoadError(problems)
    if mentions is None:
        mentions = _find_mentions(documents, entities)
    entities = entities or {}
    return KnowledgeBase(
        documents=tuple(documents[k] for k in sorted(documents)),
        entities=tuple(entities[k] for k in sorted(entities)),
        claims=(),
        studies=tuple(studies[k] for k in sorted(studies)),
        designs=tuple(designs[k] for k in sorted(designs)),
        mentions=mentions,
        release=release,
    ), count
