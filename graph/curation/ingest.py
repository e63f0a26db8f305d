"""Ingest a new source document: copy it in, report what extraction finds, draft its knowledge.

:func:`ingest_document` copies a text file into ``data/sources/`` (atomically), extracts it with
the project's page format (``data/format.yaml``) and reports, before any curation: its sections;
its glossary definitions; the entities it names, known or new (:mod:`graph.curation.recognise`: glossary
terms, abbreviations it defines, names in the offline lexicons of :mod:`graph.curation.lexicon`, each new
one with its verified identifiers); its tables; its references, proposed as studies; candidate
claims drafted from the structure of each sentence and from table rows (:mod:`graph.curation.drafting`,
words in ``data/ingest.yaml``), with the studies each sentence cites; every sentence with a cue of
change that gave no claim, and why; and the publisher's variants the extractor met.

The candidates are written to a draft, ``data/drafts/<doc-id>.yaml``, in the very form of
``entities.yaml``, ``studies.yaml`` and ``claims.yaml`` entries (plus ``xrefs`` and ``synonyms``).
Drafts never enter the graph: ``hkg review`` (:mod:`graph.curation.review`) moves the entries a curator
accepts into those files, where they are checked like any other (an accepted claim's quote
against the document). Ingesting a document whose content (SHA-256 of its text) is already in
``data/sources/`` changes nothing.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from graph.atomic import write_atomic
from graph.curation.drafting import MAX_QUOTE, Grammar, NoClaim, draft_sentences, draft_table_rows
from graph.curation.lexicon import open_lexicon, parse_sources
from graph.curation.recognise import EntityProposal, label_of, recognise
from graph.errors import LoadError, Problem
from graph.model.names import fold, slugify
from graph.model.records import CONTEXT_KEYS
from graph.model.vocab import CERTAINTY_LEVELS, VARIABLE, biolink_classes, biolink_enum
from graph.render import to_json, to_table
from graph.sources.citations import citations_by_paragraph, cited_in
from graph.sources.extract import Document, DocumentFormat, extract_document, sentence_spans

__all__ = [
    "CandidateClaim",
    "GlossaryProposal",
    "IngestReport",
    "IngestRules",
    "MentionCount",
    "ReferenceProposal",
    "draft_text",
    "ingest_document",
    "inflections",
    "load_rules",
    "render_ingest",
]

_SIGN_NAMES = {"increase": 1, "decrease": -1, "neutral": 0, "variable": VARIABLE}
_CLAIM_VERB = {1: "increases", -1: "decreases", 0: "neutral-on", VARIABLE: "regulates"}


# --- rules (data/ingest.yaml) ---------------------------------------------------------------

def inflections(verb: str) -> tuple[str, ...]:
    """Return a verb with its -s, -ed and -ing forms (a phrase is returned as written).

    >>> inflections("reduce")
    ('reduce', 'reduced', 'reduces', 'reducing')
    >>> inflections("amplify")
    ('amplified', 'amplifies', 'amplify', 'amplifying')
    >>> inflections("has no effect on")
    ('has no effect on',)
    """
    word = verb.strip()
    if " " in word:
        return (word,)
    if word.endswith("e"):
        forms = {word, word + "s", word + "d", word[:-1] + "ing"}
    elif re.search(r"[^aeiou]y$", word):
        forms = {word, word[:-1] + "ies", word[:-1] + "ied", word + "ing"}
    elif word.endswith(("s", "sh", "ch", "x", "z")):
        forms = {word, word + "es", word + "ed", word + "ing"}
    else:
        forms = {word, word + "s", word + "ed", word + "ing"}
    return tuple(sorted(forms))


def _words_pattern(words: Iterable[str]) -> re.Pattern:
    return _compiled_words(frozenset(words))


@functools.lru_cache(maxsize=1024)
def _compiled_words(words: frozenset[str]) -> re.Pattern:
    ordered = sorted(words, key=lambda w: (-len(w), w))
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered) or "(?!)"
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class IngestRules:
    """The words that turn a passage into a candidate (read from ``data/ingest.yaml``)."""

    verbs: tuple[tuple[str, int], ...]  # (word form, sign)
    nouns: tuple[tuple[str, int], ...]
    direct: tuple[str, ...]
    hedges: tuple[tuple[str, str], ...]  # (phrase, certainty), lowest certainty first
    aspects: tuple[tuple[str, str], ...]  # (word, Biolink aspect)
    categories: tuple[tuple[str, str], ...]  # (phrase in a definition, Biolink class)
    designs: tuple[tuple[str, str], ...]  # (phrase in a title, design id)
    grammar: Any = None  # graph.curation.drafting.Grammar
    lexicons: tuple = ()  # graph.curation.lexicon.LexiconSource
    skip_words: frozenset[str] = frozenset()
    not_entities: frozenset[str] = frozenset()
    compound_heads: frozenset[str] = frozenset()  # "therapy": "testosterone therapy" is a name
    formulations: frozenset[str] = frozenset()  # "oral": "oral estrogens" is a name
    #: (word, lexicon name): a word that names a lexicon term after a preposition of `occasions`
    #: ("declines with age": aging)
    occasion_names: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping, label: str = "data/ingest.yaml") -> "IngestRules":
        """Return the rules in a mapping, checking aspects and categories against Biolink.

        :raises LoadError: naming each unknown sign name, aspect or category.
        """

        problems = []

        def signed(key):
            pairs = []
            for name, words in (data.get(key) or {}).items():
                if name not in _SIGN_NAMES:
                    problems.append(Problem(label, 0, f"{key}: unknown sign {name!r}; use one of "
                                                      f"{', '.join(_SIGN_NAMES)}"))
                    continue
                for word in words or []:
                    forms = inflections(str(word)) if key == "verbs" else (str(word),)
                    pairs.extend((form, _SIGN_NAMES[name]) for form in forms)
            return tuple(pairs)

        hedges = []
        for level in sorted(data.get("hedges") or {}, key=lambda lv: -CERTAINTY_LEVELS.index(lv)
                            if lv in CERTAINTY_LEVELS else 0):
            if level not in CERTAINTY_LEVELS:
                problems.append(Problem(label, 0, f"hedges: unknown certainty {level!r}"))
                continue
            hedges.extend((str(p), level) for p in data["hedges"][level] or [])
        allowed = biolink_enum("GeneOrGeneProductOrChemicalEntityAspectEnum")
        aspects = []
        for aspect, words in (data.get("aspects") or {}).items():
            if aspect not in allowed:
                problems.append(Problem(label, 0, f"aspects: {aspect!r} is not a Biolink aspect"))
            aspects.extend((str(w), aspect) for w in words or [])
        classes = biolink_classes()
        categories = []
        for pair in data.get("categories") or []:
            phrase, category = pair
            if category not in classes:
                problems.append(Problem(label, 0, f"categories: {category!r} is not a Biolink class"))
            categories.append((str(phrase), str(category)))
        try:
            lexicons = parse_sources(data.get("lexicons"), label)
        except LoadError as error:
            problems.extend(error.problems)
            lexicons = ()
        for key, values in (data.get("context") or {}).items():
            if key not in CONTEXT_KEYS or key == "tissue":
                problems.append(Problem(label, 0, f"context: {key!r} is not a context key; use one of "
                                                  f"population, timescale, formulation"))
        # YAML reads a bare on / no / yes as a boolean: a word list must hold words
        lists = [("skip_words", data.get("skip_words")), ("not_entities", data.get("not_entities")),
                 ("compound_heads", data.get("compound_heads")), ("formulations", data.get("formulations")),
                 *((f"grammar: {k}", v) for k, v in (data.get("grammar") or {}).items())]
        for name, values in lists:
            for value in values or ():
                if isinstance(value, bool):
                    problems.append(Problem(label, 0, f"{name}: {str(value).lower()} is not a word; "
                                                      f"quote it ('on', 'no')"))
        occasion_names = data.get("occasion_names") or {}
        if not isinstance(occasion_names, Mapping) or not all(
                isinstance(w, str) and isinstance(n, str) for w, n in occasion_names.items()):
            problems.append(Problem(label, 0, f"occasion_names: {occasion_names!r} is not a mapping of a word "
                                              f"to a lexicon name (age: aging)"))
            occasion_names = {}
        if problems:
            raise LoadError(problems)
        verbs, nouns = signed("verbs"), signed("nouns")
        grammar_words = data.get("grammar") or {}

        def words(name):
            return frozenset(str(w).lower() for w in grammar_words.get(name) or ())

        grammar = Grammar(
            verbs={tuple(form.lower().split()): sign for form, sign in verbs},
            nouns={form.lower(): sign for form, sign in nouns if " " not in form},
            links=frozenset(tuple(str(p).lower().split()) for p in data.get("links") or ()),
            be=words("be"), auxiliaries=words("auxiliaries"), negations=words("negations"),
            relatives=words("relatives"), pronouns=words("pronouns"), determiners=words("determiners"),
            openers=words("openers"), coordinators=words("coordinators"), stops=words("stops"),
            breaks=words("breaks"), prepositions=words("prepositions"),
            context=tuple((str(phrase).lower(), str(key), str(value))
                          for key, phrases in sorted((data.get("context") or {}).items())
                          for phrase, value in sorted((phrases or {}).items(), key=lambda p: -len(str(p[0])))),
            tissue_categories=frozenset(str(c) for c in data.get("tissue_categories") or ()),
            aspect_words=frozenset(str(w).lower() for words in (data.get("aspects") or {}).values()
                                   for w in words or ()),
            inverters=words("inverters"),
            examples=tuple(sorted((tuple(m.group().lower() for m in re.finditer(r"[^\W_]+(?:[-’'][^\W_]+)*|[^\w\s]", str(p)))
                                   for p in grammar_words.get("examples") or ()), key=len, reverse=True)),
            light_nouns=words("light_nouns"),
            plurals=words("plurals"),
            particles=words("particles"),
            occasions=words("occasions"),
            effect_nouns=words("effect_nouns"),
            sequels=words("sequels"),
            consequences=words("consequences"),
            covariations=words("covariations"),
            arrivals=words("arrivals"),
            infiltrations=frozenset(form for w in grammar_words.get("infiltrations") or ()
                                    for form in inflections(str(w).lower())),
            purposes=words("purposes"),
            capacities=words("capacities"),
            event_nouns=words("event_nouns"),
            mediators=words("mediators"),
            keeps=frozenset(form for w in grammar_words.get("keeps") or () for form in inflections(str(w).lower())),
        )
        return cls(
            verbs=verbs,
            nouns=nouns,
            direct=tuple(str(w) for w in data.get("direct") or ()),
            hedges=tuple(hedges),
            aspects=tuple(aspects),
            categories=tuple(categories),
            designs=tuple((str(p), str(d)) for p, d in data.get("designs") or ()),
            grammar=grammar,
            lexicons=lexicons,
            skip_words=frozenset(fold(str(w)) for w in data.get("skip_words") or ()),
            not_entities=frozenset(fold(str(w)) for w in data.get("not_entities") or ()),
            compound_heads=frozenset(fold(str(w)) for w in data.get("compound_heads") or ()),
            formulations=frozenset(fold(str(w)) for w in data.get("formulations") or ()),
            occasion_names=tuple(occasion_names.items()),
        )


def load_rules(data: Path) -> IngestRules:
    """Return the ingest rules of a project's ``data/`` folder (``data/ingest.yaml``)."""
    from graph.sources.files import read_yaml_mapping

    return IngestRules.from_mapping(read_yaml_mapping(data / "ingest.yaml", "data/ingest.yaml"))


def _load_format(data: Path) -> DocumentFormat:
    from graph.sources.files import read_yaml_mapping

    return DocumentFormat.from_mapping(read_yaml_mapping(data / "format.yaml", "data/format.yaml"))


# --- report records -------------------------------------------------------------------------

@dataclass(frozen=True)
class GlossaryProposal:
    """A glossary definition: of an existing ``entity``, or of a ``candidate`` new entity."""

    term: str
    definition: str
    aliases: tuple[str, ...]
    line: int
    section: str
    entity: str | None = None
    candidate: str | None = None
    category: str | None = None
    note: str | None = None  # why the build will (not) attach a definition as proposed


@dataclass(frozen=True)
class ReferenceProposal:
    """A reference-list entry: a study already curated (``known``) or a proposed one."""

    index: int
    line: int
    first_author: str
    year: int
    title: str
    source: str
    kind: str
    study: str
    known: bool
    design: str | None = None
    authors: tuple[str, ...] = ()
    volume: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None


@dataclass(frozen=True)
class MentionCount:
    """How often, and in which sections, a known entity is named."""

    entity: str
    label: str
    count: int
    sections: tuple[str, ...]


@dataclass(frozen=True)
class CandidateClaim:
    """A passage linking two known entities with a word of change, drafted as a claim."""

    id: str
    subject: str
    object: str
    sign: int
    quote: str
    line: int
    section: str
    cue: str
    origin: str  # "sentence" or "table"
    aspect: str | None = None
    direct: bool = False
    certainty: str = "high"
    hedge: str | None = None
    context: tuple[tuple[str, str], ...] = ()
    studies: tuple[str, ...] = ()  # the studies the document cites in the quote's paragraph


@dataclass(frozen=True)
class IngestReport:
    """What ingesting a document found and did."""

    document: str
    source: str
    sha256: str
    status: str  # "new", "unchanged" or "updated"
    draft: str
    written: tuple[str, ...]
    sections: tuple[dict[str, Any], ...]
    glossary: tuple[GlossaryProposal, ...]
    tables: tuple[dict[str, Any], ...]
    references: tuple[ReferenceProposal, ...]
    mentions: tuple[MentionCount, ...]
    claims: tuple[CandidateClaim, ...]
    summaries: tuple[dict[str, Any], ...]
    holes: tuple[dict[str, Any], ...]
    images: tuple[dict[str, Any], ...]
    problems: tuple[str, ...]
    broken_quotes: tuple[str, ...] = ()
    entities: tuple[EntityProposal, ...] = ()  # new entities, and new synonyms of known ones
    no_claims: tuple[NoClaim, ...] = ()  # sentences with a cue of change that gave no claim

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-ready data (stable keys)."""
        return asdict(self)


# --- the curated data, read lightly -------------------------------------------------------

@dataclass(frozen=True)
class _Known:
    names: dict[str, str]  # surface name -> entity id
    folded: dict[str, str]  # folded name -> entity id
    labels: dict[str, str]  # entity id -> label
    claim_ids: frozenset[str]
    claim_keys: frozenset[tuple]  # (subject, object, sign, document)
    claims: tuple[dict[str, Any], ...]
    studies: tuple[dict[str, Any], ...]
    designs: frozenset[str]
    categories: dict[str, str] = None  # entity id -> Biolink category


def _read_known(data: Path) -> _Known:
    from graph.sources.files import read_yaml_entries

    names, folded, labels, categories = {}, {}, {}, {}
    for entry in read_yaml_entries(data / "entities.yaml", "data/entities.yaml"):
        entity_id, label = entry.data.get("id"), entry.data.get("label")
        if not isinstance(entity_id, str) or not isinstance(label, str):
            continue
        labels[entity_id] = label
        categories[entity_id] = str(entry.data.get("category"))
        for name in (label, *(entry.data.get("synonyms") or [])):
            names.setdefault(str(name), entity_id)
            folded.setdefault(fold(str(name)), entity_id)
    claims = tuple(e.data for e in read_yaml_entries(data / "claims.yaml", "data/claims.yaml"))
    studies = tuple(e.data for e in read_yaml_entries(data / "studies.yaml", "data/studies.yaml"))
    designs = frozenset(str(e.data.get("id")) for e in read_yaml_entries(data / "designs.yaml", "data/designs.yaml"))
    return _Known(
        names=names, folded=folded, labels=labels,
        claim_ids=frozenset(str(c.get("id")) for c in claims),
        claim_keys=frozenset((c.get("subject"), c.get("object"), c.get("sign"), c.get("document")) for c in claims),
        claims=claims, studies=studies, designs=designs, categories=categories,
    )


def _unique(base: str, taken: set[str], tried: dict[str, int] | None = None) -> str:
    """``base``, else ``base-2``, ``base-3`` ... whichever is not taken (and take it). ``tried``
    remembers where each base's search stopped, so many repeats of one base stay linear."""
    candidate, n = (base, 2) if tried is None or base not in tried else (f"{base}-{tried[base]}", tried[base] + 1)
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    if tried is not None:
        tried[base] = n
    return candidate


def _first_phrase(text: str, pairs: Iterable[tuple[str, str]]) -> str | None:
    lowered = f" {text.lower()} "
    for phrase, value in pairs:
        if re.search(rf"(?<![\w-]){re.escape(phrase.lower())}(?![\w-])", lowered):
            return value
    return None


# --- glossary, references, mentions -------------------------------------------------------

def _defined_by(data: Path, doc_id: str, fmt: DocumentFormat, known: _Known) -> dict[str, str]:
    """Return, per entity, the other source document whose glossary defines it at build (the
    first by id, as :func:`graph.sources.load.load_records` picks it)."""
    from graph.sources.files import read_document

    owners: dict[str, str] = {}
    for path in sorted((data / "sources").glob("*.txt")):
        if path.stem == doc_id:
            continue
        try:
            other = extract_document(path.stem, read_document(path), fmt)
        except LoadError:
            continue
        for item in other.glossary:
            entity = known.folded.get(fold(item.term))
            if entity and entity not in owners:
                owners[entity] = path.stem
    return owners


def _glossary(document: Document, known: _Known, rules: IngestRules,
              defined_by: Mapping[str, str], proposed_ids: Mapping[str, EntityProposal]) -> list[GlossaryProposal]:
    proposals, taken, proposed, attached, tried = [], set(known.labels), {}, set(), {}
    for item in document.glossary:
        owner = known.folded.get(fold(item.term))
        by_alias = next((known.folded[fold(a)] for a in item.aliases if fold(a) in known.folded), None)
        if owner or by_alias:
            other = defined_by.get(owner or by_alias)
            if not owner:
                note = "named by an alias only: add the term as a synonym to attach this definition"
            elif owner in attached:
                note = "defined earlier in this document; that definition is used"
            elif other and other < document.id:
                note = f"the definition from {other} is kept"
            elif other:
                note = f"replaces the definition from {other} at build (the first document by id wins)"
            else:
                note = None
            attached.add(owner)
            proposals.append(GlossaryProposal(item.term, item.definition, item.aliases, item.line,
                                              item.section, entity=owner or by_alias, note=note))
            continue
        key = fold(item.term)
        if not key:
            continue
        entity = proposed_ids.get(key)
        if key not in proposed:
            proposed[key] = entity.id if entity else _unique(slugify(label_of(item.term)) or "entity", taken, tried)
        proposals.append(GlossaryProposal(
            item.term, item.definition, item.aliases, item.line, item.section,
            candidate=proposed[key],
            category=entity.category if entity else _first_phrase(item.definition, rules.categories) or "NamedThing"))
    return proposals


def _references(document: Document, known: _Known, rules: IngestRules) -> list[ReferenceProposal]:
    taken, tried = {str(s.get("id")) for s in known.studies}, {}
    curated: dict[tuple[str, Any], dict[str, Any]] = {}  # (first author folded, year) -> the first such study
    for s in known.studies:
        if s.get("document") == document.id:
            try:
                curated.setdefault((fold(str(s.get("first_author"))), s.get("year")), s)
            except TypeError:  # a year that is a list or mapping matches no reference
                continue
    proposals = []
    for ref in document.references:
        match = curated.get((fold(ref.first_author), ref.year))
        design = _first_phrase(ref.title, rules.designs)
        details = dict(authors=tuple(ref.authors), volume=ref.volume, pages=ref.pages, doi=ref.doi, pmid=ref.pmid)
        if match:
            proposals.append(ReferenceProposal(ref.index, ref.line, ref.first_author, ref.year, ref.title,
                                               ref.journal, ref.kind, str(match["id"]), True, match.get("design"),
                                               **details))
        else:
            study = _unique(f"{slugify(ref.first_author) or 'study'}-{ref.year}", taken, tried)
            proposals.append(ReferenceProposal(ref.index, ref.line, ref.first_author, ref.year, ref.title,
                                               ref.journal, ref.kind, study, False,
                                               design if design in known.designs else None, **details))
    return proposals


def _mention_counts(document: Document, spans, known: _Known) -> list[MentionCount]:
    by_entity: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    by_line = {}
    for span in spans:
        if span.entity in known.labels:
            line = document.line_start(span.start)  # sections start and end at lines
            if line not in by_line:
                by_line[line] = document.section_at(line)
            section = by_line[line]
            by_entity.setdefault(span.entity, set()).update([section.id] if section else [])
            counts[span.entity] = counts.get(span.entity, 0) + 1
    return [MentionCount(entity, known.labels[entity], counts[entity], tuple(sorted(sections)))
            for entity, sections in sorted(by_entity.items())]


def _recognise(document: Document, known: _Known, rules: IngestRules):
    lexicon = open_lexicon(rules.lexicons)
    phrases, compound_names, possessive_names = _document_phrases(document, rules)
    try:
        return recognise(document, known.names, lexicon, rules.skip_words, rules.not_entities,
                         lambda definition: _first_phrase(definition, rules.categories),
                         phrases, compound_names, rules.formulations, rules.occasion_names,
                         rules.grammar.occasions if rules.grammar else frozenset(), possessive_names)
    finally:
        lexicon.close()


def _document_phrases(document: Document, rules: IngestRules) -> tuple[list, list, list]:
    """The noun phrases the document's cues of change act on, the treatments it names by a head
    noun and what they act on named by its owner (:func:`graph.curation.recognise.cue_phrases`,
    :func:`graph.curation.recognise.compounds`, :func:`graph.curation.recognise.possessives`)."""
    from graph.curation.recognise import compounds, cue_phrases, possessives

    g = rules.grammar
    if g is None:
        return [], [], []
    verbs = {form for form, _ in rules.verbs if " " not in form}
    function = frozenset(fold(w) for w in (
        *g.be, *g.auxiliaries, *g.negations, *g.relatives, *g.pronouns, *g.determiners, *g.openers,
        *g.coordinators, *g.stops, *g.breaks, *g.prepositions, *verbs, "and", "or", "of", "than")) | rules.skip_words
    leading = frozenset(fold(w) for w in (*g.determiners, "in", "of"))
    cues = _words_pattern(verbs | {form for form, _ in rules.nouns if " " not in form})
    heads = frozenset(fold(w) for w in (*g.aspect_words, *g.light_nouns))
    return (cue_phrases(document, cues, function, leading, heads),
            compounds(document, rules.compound_heads, function),
            possessives(document, cues, function, leading, rules.not_entities))


# --- candidate claims ---------------------------------------------------------------------

def _line_starts(text: str) -> list[int]:
    starts, position = [], 0
    for line in text.split("\n"):
        starts.append(position)
        position += len(line) + 1
    return starts


def _excluded_spans(document: Document, starts: list[int]) -> list[tuple[int, int]]:
    """Clean-text spans that are not running prose: headings, tables, reference lists, alt text."""
    lines = document.clean_text.split("\n")
    spans = [(starts[s.line - 1], starts[s.line - 1] + len(lines[s.line - 1])) for s in document.sections]
    spans += [(s.start, s.end) for s in document.sections if s.kind == "references"]
    for table in document.tables:
        last = table.rows[-1].line if table.rows else table.line + 1
        spans.append((starts[table.line - 1], starts[last - 1] + len(lines[last - 1])))
    spans += [(image.start, image.end) for image in document.images]
    return spans


def _hedge(text: str, rules: IngestRules) -> tuple[str, str | None]:
    for phrase, level in rules.hedges:
        match = _words_pattern([phrase]).search(text)
        if match:
            return level, " ".join(match.group().split())
    return "high", None


def _aspect(text: str, rules: IngestRules) -> str | None:
    best = None
    for word, aspect in rules.aspects:
        match = _words_pattern([word]).search(text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), aspect)
    return best[1] if best else None


def _sentences(document: Document, starts: list[int]) -> list[tuple[int, int, int, str]]:
    """The running-prose sentences of a document: ``(start, end, line, section id)``; an unmarked
    summary spliced into a line is a sentence of its own."""
    text = document.clean_text
    excluded = sorted(_excluded_spans(document, starts))
    excluded_starts = [a for a, _ in excluded]
    cuts = sorted({s.start for s in document.summaries} | {s.end for s in document.summaries})
    found = []
    for number, base in enumerate(starts, start=1):
        end_of_line = starts[number] - 1 if number < len(starts) else len(text)
        line = text[base:end_of_line]
        k = bisect.bisect_right(excluded_starts, base) - 1
        if not line.strip() or any(a <= base < b for a, b in excluded[max(0, k - 2): k + 1]):
            continue
        inner = [c - base for c in cuts[bisect.bisect_right(cuts, base): bisect.bisect_left(cuts, end_of_line)]]
        section = document.section_at(base)
        for piece_start, piece_end in zip([0, *inner], [*inner, len(line)]):
            for a, b in sentence_spans(line[piece_start:piece_end]):
                for c, d in _clauses(line, piece_start + a, piece_start + b):
                    found.append((base + c, base + d, number, section.id if section else ""))
    return found


#: the longest sentence drafted from whole (the curated documents' longest is under 300
#: characters); a longer one is read in clauses of at most this length, each its own quote
MAX_SENTENCE = MAX_QUOTE
_CLAUSE_END = re.compile(r"[;:,]\s")


def _clauses(text: str, start: int, end: int, limit: int = MAX_SENTENCE) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` into pieces of at most ``limit`` characters: after the last
    ``;``, ``:`` or ``,`` of each window, else at its last space. A run-on "sentence" of a
    megabyte (a copy that lost its periods) is then quoted clause by clause, and the drafts stay
    proportional to the text (one quote of the whole sentence per claim would not be).

    >>> text = "Insulin lowers glucose, cortisol raises it; GH acts too."
    >>> [text[a:b] for a, b in _clauses(text, 0, len(text), limit=30)]
    ['Insulin lowers glucose,', 'cortisol raises it;', 'GH acts too.']
    """
    pieces = []
    while end - start > limit:
        window = text[start:start + limit]
        cut = max((m.start() + 1 for m in _CLAUSE_END.finditer(window)), default=0) or window.rfind(" ")
        cut = cut if cut > 0 else limit
        pieces.append((start, start + len(window[:cut].rstrip())))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        pieces.append((start, end))
    return pieces


def _candidate_claims(document: Document, spans, categories, known: _Known,
                      rules: IngestRules, references: tuple[ReferenceProposal, ...] = ()) -> tuple[list[CandidateClaim], list]:

    starts = _line_starts(document.clean_text)
    nouns = dict((w.lower(), sign) for w, sign in rules.nouns)
    direct = _words_pattern(rules.direct) if rules.direct else None
    hedge, aspect = (lambda t: _hedge(t, rules)), (lambda t: _aspect(t, rules))
    raw, reasons = draft_sentences(document.clean_text, _sentences(document, starts), spans, rules.grammar,
                                   categories, hedge, aspect, direct) if rules.grammar else ([], [])
    raw += draft_table_rows(document, spans, nouns, _words_pattern(nouns), starts, hedge, aspect,
                            rules.grammar.aspect_words if rules.grammar else frozenset(),
                            rules.grammar.mediators if rules.grammar else frozenset())

    paragraphs = citations_by_paragraph(document)
    study = {r.index: r.study for r in references}
    taken, seen, claims, tried = set(known.claim_ids), set(), [], {}
    for item in sorted(raw, key=lambda c: (c["line"], c["quote"], c["subject"], c["object"], c["cue"])):
        key = (item["subject"], item["object"], item["sign"], item["quote"])
        if key in seen or (item["subject"], item["object"], item["sign"], document.id) in known.claim_keys:
            continue
        seen.add(key)
        claim_id = _unique(f"{item['subject']}-{_CLAIM_VERB[item['sign']]}-{item['object']}", taken, tried)
        context = tuple(sorted(item.pop("context").items()))
        # the studies the document cites in the quote's paragraph (as the build links them)
        line_start = starts[item["line"] - 1]
        studies = tuple(study[r] for r in sorted(cited_in(document, paragraphs, line_start, line_start + 1))
                        if r in study)
        claims.append(CandidateClaim(id=claim_id, context=context, studies=studies, **item))
    return claims, reasons


# --- the draft ----------------------------------------------------------------------------

def _dump(entry: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, default_flow_style=False,
                          width=100, indent=2)


def _dump_mapping(entry: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(entry, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


def _comment(text: str) -> str:
    return "".join(f"# {line}\n" for line in text.splitlines() if line.strip())


def draft_text(report: IngestReport) -> str:
    """Return the draft YAML of an ingest report: entries ready to move into the curated files."""
    from graph.sources.load import CLAIM_KEYS, ENTITY_KEYS, STUDY_KEYS

    def ordered(entry, keys):
        return {k: entry[k] for k in keys if k in entry}

    out = [
        f"# Draft from `hkg ingest` of {report.source}. Nothing here enters the graph.\n",
        "# Move the entries you accept into data/entities.yaml, data/studies.yaml and data/claims.yaml\n",
        "# (check categories, designs, signs and ids), then `make lint-data` and `hkg build`: an\n",
        "# accepted claim's quote is checked against the document like any other.\n",
        f"document: {report.document}\n",
        f"sha256: {report.sha256}\n",
    ]
    used = {c.subject for c in report.claims} | {c.object for c in report.claims} | {
        value for c in report.claims for key, value in c.context if key == "tissue"}
    proposals = [p for p in report.entities if not p.known and (p.id in used or p.origin != "lexicon")]
    out.append("entities:" + ("\n" if proposals else " []\n"))
    for item in proposals:
        found = ", ".join(f"{curie} ({label})" for curie, label in item.identifiers) or "no identifier"
        out.append(_comment(f"line {item.line}, {item.origin}; {found}"
                            + (f"; glossary: {item.definition}" if item.definition else "")))
        entry = {"id": item.id, "label": item.label, "category": item.category}
        if item.synonyms:
            entry["synonyms"] = list(item.synonyms)
        out.append(_dump(ordered(entry, ENTITY_KEYS)))
    out.append("# Identifiers the lexicons give the new entities (checked offline): for data/xrefs.yaml.\n")
    xrefs = {p.id: dict(p.identifiers) for p in proposals if p.identifiers}
    out.append("xrefs:" + ("\n" if xrefs else " {}\n"))
    for entity, mapped in xrefs.items():
        out.append("".join(f"  {line}\n" for line in _dump_mapping({entity: mapped}).splitlines()))
    synonyms = [p for p in report.entities if p.known]
    out.append("# Abbreviations the document defines for entities the graph knows: new synonyms.\n")
    out.append("synonyms:" + ("\n" if synonyms else " []\n"))
    for item in synonyms:
        out.append(_dump({"entity": item.id, "synonyms": list(item.synonyms), "line": item.line}))
    studies = [r for r in report.references if not r.known]
    out.append("studies:" + ("\n" if studies else " []\n"))
    for ref in studies:
        out.append(_comment(f"line {ref.line}, reference {ref.index} ({ref.kind}): {ref.title}. {ref.source}, {ref.year}"))
        entry = {"id": ref.study, "document": report.document, "first_author": ref.first_author,
                 "year": ref.year, "design": ref.design}
        out.append(_dump(ordered(entry, STUDY_KEYS)))
    out.append("claims:" + ("\n" if report.claims else " []\n"))
    for claim in report.claims:
        out.append(_comment(f"line {claim.line} ({claim.section}), {claim.origin} cue: {claim.cue!r}"))
        entry = {"id": claim.id, "subject": claim.subject, "object": claim.object, "sign": claim.sign}
        if claim.aspect:
            entry["aspect"] = claim.aspect
        if claim.direct:
            entry["direct"] = True
        entry.update(document=report.document, quote=claim.quote)
        if claim.certainty != "high":
            entry.update(certainty=claim.certainty, hedge=claim.hedge)
        if claim.context:
            entry["context"] = dict(claim.context)
        if claim.studies:  # cited by the document itself (graph/sources/citations.py), as the build links them
            entry["supports"] = [{"study": study, "basis": "document"} for study in claim.studies]
        out.append(_dump(ordered(entry, CLAIM_KEYS)))
    existing = [g for g in report.glossary if g.entity]
    out.append("# Glossary definitions of entities that exist: the build attaches them itself.\n")
    out.append("existing_definitions:" + ("\n" if existing else " []\n"))
    for item in existing:
        out.append(_dump({"entity": item.entity, "term": item.term, "line": item.line}))
    return "".join(out)


# --- ingest -------------------------------------------------------------------------------

def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ingest_document(path: str | Path, data: str | Path, *, force: bool = False) -> IngestReport:
    """Copy a document into ``data/sources/``, extract it and draft candidates for curation.

    Parameters
    ----------
    path
        The text file to ingest. Its id is the slug of its file name (``My Page.txt`` →
        ``my-page``); it is copied to ``data/sources/<id>.txt``.
    data
        The project's ``data/`` folder.
    force
        Replace a *different* document already ingested under the same id, and rewrite the draft
        of an unchanged one (default False).

    Returns
    -------
    IngestReport
        Everything found; ``status`` is ``new``, ``updated`` or ``unchanged`` (then nothing was
        written) and ``written`` lists the files written.

    Raises
    ------
    LoadError
        The file is not a usable UTF-8 text, ``data/`` cannot be read, or another document with
        the same id exists (without ``force``).
    """
    from graph.sources.files import read_document

    path, data = Path(path), Path(data)
    if not path.is_file():
        raise LoadError([Problem(str(path), 0, "no such file")])
    text = read_document(path, str(path))
    doc_id = slugify(path.stem)
    if not doc_id:
        raise LoadError([Problem(str(path), 0, "the file name gives no document id; rename it")])
    source_label, draft_label = f"data/sources/{doc_id}.txt", f"data/drafts/{doc_id}.yaml"
    target, draft = data / "sources" / f"{doc_id}.txt", data / "drafts" / f"{doc_id}.yaml"
    digest = _sha256(text)
    status = "new"
    if target.exists():
        old = read_document(target, source_label)
        if _sha256(old) == digest:
            status = "unchanged"
        elif not force:
            raise LoadError([Problem(source_label, 0, f"a different document with id {doc_id!r} is already "
                                                      "ingested; rename the file or pass --force to replace it")])
        else:
            status = "updated"

    fmt, rules, known = _load_format(data), load_rules(data), _read_known(data)
    document = extract_document(doc_id, text, fmt, source_label)
    recognition = _recognise(document, known, rules)
    by_name = {fold(name): p for p in recognition.proposals if not p.known for name in (p.label, *p.synonyms)}
    categories = {**known.categories, **recognition.categories}
    references = tuple(_references(document, known, rules))
    claims, no_claims = _candidate_claims(document, recognition.spans, categories, known, rules, references)
    broken = ()
    if status == "updated":
        broken = tuple(sorted(str(c.get("id")) for c in known.claims
                              if c.get("document") == doc_id and document.find_quote(str(c.get("quote", ""))) is None))

    report = IngestReport(
        document=doc_id,
        source=source_label,
        sha256=digest,
        status=status,
        draft=draft_label,
        written=(),
        sections=tuple({"id": s.id, "title": s.title, "kind": s.kind, "line": s.line} for s in document.sections),
        glossary=tuple(_glossary(document, known, rules, _defined_by(data, doc_id, fmt, known), by_name)),
        tables=tuple({"line": t.line, "section": t.section, "header": list(t.header), "rows": len(t.rows)}
                     for t in document.tables),
        references=references,
        mentions=tuple(_mention_counts(document, recognition.spans, known)),
        claims=tuple(claims),
        summaries=tuple({"line": s.line, "section": s.section, "text": s.text} for s in document.summaries),
        holes=tuple({"line": h.line, "section": h.section, "kind": h.kind, "text": h.text} for h in document.holes),
        images=tuple({"line": i.line, "section": i.section, "text": i.text} for i in document.images),
        problems=tuple(str(p) for p in document.problems) + (
            () if (data / "ingest.yaml").exists() else
            ("data/ingest.yaml: not found, so no candidate claims, categories or designs are drafted",)),
        broken_quotes=broken,
        entities=recognition.proposals,
        no_claims=tuple(no_claims),
    )
    written = []
    if status != "unchanged":
        write_atomic(target, path.read_bytes())
        written.append(source_label)
    if status != "unchanged" or force:
        write_atomic(draft, draft_text(report))
        written.append(draft_label)
    return replace(report, written=tuple(written))


# --- rendering ----------------------------------------------------------------------------

_SIGN = {1: "+1", -1: "-1", 0: "0", VARIABLE: "variable"}


def render_ingest(report: IngestReport, fmt: str) -> str:
    """Render an ingest report: ``json`` (stable keys) or ``table`` (one table per finding)."""

    if fmt == "json":
        return to_json(report.to_dict())
    done = {"new": "ingested", "updated": "replaced", "unchanged": "unchanged (same content); nothing written"}
    parts = [f"{report.source}: {done[report.status]} (sha256 {report.sha256[:12]})"]
    parts += [f"wrote {path}" for path in report.written]
    if report.problems:
        parts.append(to_table("problems", ["problem"],
                              [[p] for p in report.problems]))
    if report.broken_quotes:
        parts.append(to_table("curated claims whose quote is no longer in the document", ["claim"],
                              [[c] for c in report.broken_quotes]))
    parts.append(to_table(f"sections ({len(report.sections)})", ["line", "kind", "id"],
                          [[s["line"], s["kind"], s["id"]] for s in report.sections]))
    parts.append(to_table(f"glossary ({len(report.glossary)})", ["line", "term", "proposal"],
                          [[g.line, g.term, (f"definition of {g.entity}" + (f" ({g.note})" if g.note else ""))
                            if g.entity else f"new entity {g.candidate} ({g.category})"] for g in report.glossary]))
    parts.append(to_table(f"tables ({len(report.tables)})", ["line", "section", "columns", "rows"],
                          [[t["line"], t["section"], " | ".join(t["header"]), t["rows"]] for t in report.tables]))
    parts.append(to_table(f"references ({len(report.references)})", ["line", "reference", "study"],
                          [[r.line, f"{r.first_author} {r.year}: {r.title}",
                            r.study if r.known else f"proposed {r.study} ({r.design or 'design?'})"]
                           for r in report.references]))
    parts.append(to_table(f"mentions of known entities ({len(report.mentions)})", ["entity", "count", "sections"],
                          [[m.entity, m.count, len(m.sections)] for m in report.mentions]))
    new = [p for p in report.entities if not p.known]
    parts.append(to_table(f"new entities ({len(new)})", ["line", "entity", "category", "found as", "identifiers"],
                          [[p.line, p.id, p.category, p.origin, " ".join(c for c, _ in p.identifiers) or "—"]
                           for p in new]))
    known_synonyms = [p for p in report.entities if p.known]
    if known_synonyms:
        parts.append(to_table(f"new synonyms of known entities ({len(known_synonyms)})", ["line", "entity", "synonyms"],
                              [[p.line, p.id, ", ".join(p.synonyms)] for p in known_synonyms]))
    parts.append(to_table(f"candidate claims ({len(report.claims)})", ["line", "claim", "sign", "cue", "certainty"],
                          [[c.line, f"{c.subject} → {c.object}", _SIGN[c.sign], c.cue, c.certainty]
                           for c in report.claims]))
    parts.append(to_table(f"sentences with a cue of change and no claim ({len(report.no_claims)})",
                          ["line", "cue", "why not", "sentence"],
                          [[n.line, n.cue, n.reason, n.sentence] for n in report.no_claims]))
    variants = ([[s["line"], "unmarked summary", s["text"]] for s in report.summaries]
                + [[h["line"], h["kind"], h["text"]] for h in report.holes]
                + [[i["line"], "image alt text", i["text"]] for i in report.images])
    if variants:
        parts.append(to_table(f"format variants ({len(variants)})", ["line", "kind", "text"],
                              sorted(variants, key=lambda v: (v[0], v[1]))))
    return "\n".join(parts)
