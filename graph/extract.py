"""Extract structure from a source document: sections, glossary, tables, references, mentions.

The publisher's pages are plain text: top-level sections named by level (``Fundamentals``,
``Intermediate`` ...), short headings under them, glossary entries spliced mid-sentence
(``TERM Meaning ∞ DEFINITION.``), pipe tables and a reference list. Extraction produces the
*clean text* (each splice removed, the sentence read as the author meant it) and records whose
offsets point into that clean text, so a quote can be found and placed in its section.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .errors import Problem
from .names import fold, slugify

__all__ = [
    "Document",
    "DocumentFormat",
    "GlossaryEntry",
    "Mention",
    "Reference",
    "Section",
    "Table",
    "TableRow",
    "extract_document",
    "find_mentions",
    "parse_reference",
]


@dataclass(frozen=True)
class DocumentFormat:
    """What the publisher's page format looks like (read from ``data/format.yaml``)."""

    levels: tuple[str, ...] = ("Fundamentals", "Intermediate", "Academic", "Reflection")
    references: tuple[str, ...] = ("References",)
    glossary_marker: str = "Meaning ∞"
    stray_tokens: tuple[str, ...] = ("html",)


@dataclass(frozen=True)
class Section:
    """A level (``Fundamentals``), a heading under it, or the reference list.

    ``start``/``end`` are offsets into the document's clean text.
    """

    id: str
    title: str
    kind: str
    level: str
    line: int
    start: int
    end: int


@dataclass(frozen=True)
class GlossaryEntry:
    """A ``TERM Meaning ∞ DEFINITION.`` splice: the term as written and its definition."""

    term: str
    definition: str
    aliases: tuple[str, ...]
    line: int
    section: str
    start: int


@dataclass(frozen=True)
class TableRow:
    """One row of a pipe table and the line it was read from."""

    cells: tuple[str, ...]
    line: int

    def as_record(self, header: tuple[str, ...]) -> dict[str, str]:
        """Return the row as a mapping from header cell to value."""
        return dict(zip(header, self.cells))


@dataclass(frozen=True)
class Table:
    """A pipe table: its header, its rows and the section it sits in."""

    header: tuple[str, ...]
    rows: tuple[TableRow, ...]
    line: int
    section: str


@dataclass(frozen=True)
class Reference:
    """One entry of the reference list, parsed into its bibliographic fields."""

    index: int
    authors: tuple[str, ...]
    et_al: bool
    title: str
    journal: str
    volume: str | None
    issue: str | None
    year: int
    pages: str | None
    line: int
    text: str

    @property
    def first_author(self) -> str:
        """The first author's surname."""
        return self.authors[0].split(",")[0].strip() if self.authors else ""


@dataclass(frozen=True)
class Mention:
    """Where a name of an entity occurs in a document's clean text."""

    entity: str
    text: str
    section: str
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """A source document with its clean text and everything extracted from it."""

    id: str
    path: str
    text: str
    clean_text: str
    sections: tuple[Section, ...]
    glossary: tuple[GlossaryEntry, ...]
    tables: tuple[Table, ...]
    references: tuple[Reference, ...]
    problems: tuple[Problem, ...] = field(default=(), compare=False)

    @functools.cached_property
    def _folded(self) -> tuple[str, tuple[int, ...]]:
        chars, index = [], []
        for match in re.finditer(r"\s+|\S+", self.clean_text):
            if match.group().isspace():
                chars.append(" ")
                index.append(match.start())
            else:
                chars.append(match.group())
                index.extend(range(match.start(), match.end()))
        index.append(len(self.clean_text))
        return "".join(chars), tuple(index)

    def find_quote(self, quote: str) -> tuple[int, int] | None:
        """Return the (start, end) offsets of a quote in the clean text, whitespace folded.

        >>> doc = extract_document("d", "Fundamentals\\nInsulin  lowers\\nblood sugar.\\n")
        >>> doc.find_quote("lowers blood sugar")
        (22, 40)
        """
        needle = " ".join(quote.split())
        if not needle:
            return None
        folded, index = self._folded
        at = folded.find(needle)
        if at < 0:
            return None
        return index[at], index[at + len(needle) - 1] + 1

    def closest_passage(self, quote: str) -> str:
        """Return the passage of the clean text most like ``quote`` (for error messages)."""
        from rapidfuzz import fuzz

        needle = " ".join(quote.split())
        folded, _ = self._folded
        alignment = fuzz.partial_ratio_alignment(needle, folded)
        if alignment is None:
            return ""
        start, end = alignment.dest_start, alignment.dest_end
        while start > 0 and not folded[start - 1].isspace():
            start -= 1
        while end < len(folded) and not folded[end].isspace():
            end += 1
        return folded[start:end]

    def section_at(self, offset: int) -> Section | None:
        """Return the innermost section containing a clean-text offset."""
        found = None
        for section in self.sections:
            if section.start <= offset < section.end and (
                found is None or section.start >= found.start
            ):
                found = section
        return found

    def section(self, section_id: str) -> Section | None:
        """Return a section by id."""
        return next((s for s in self.sections if s.id == section_id), None)


# --- glossary splices ---------------------------------------------------------------------

_ABBREVIATIONS = frozenset({"e.g", "i.e", "vs", "al", "etc", "approx", "dr", "fig", "no", "vol", "cf"})
_DEFINITION_END = re.compile(r"[.!?](?=\s|$)")
_ALIAS_PATTERNS = (
    re.compile(r"^\s*,\s*or\s+([^,.;]+?)\s*,"),
    re.compile(r"^\s*\(([^)]+)\)"),
    re.compile(r"often referred to as\s+([A-Z][\w-]*)"),
)


def _definition_end(text: str) -> int:
    """Return the index just past the sentence that opens ``text`` (or len(text)).

    A period ends the sentence unless it closes a known abbreviation or an initial ("J.").
    """
    for match in _DEFINITION_END.finditer(text):
        word = re.search(r"(\S+)$", text[: match.start()])
        token = word.group(1).lower() if word else ""
        if token in _ABBREVIATIONS or re.fullmatch(r"[a-z]", token) and word.group(1).isupper():
            continue
        return match.end()
    return len(text)


def _term_before(before: str, definition: str) -> str:
    """Return the words before a splice that the definition names (its term)."""
    words = before.split()
    head = definition.split()
    for n in range(min(8, len(words), len(head)), 0, -1):
        if fold(" ".join(words[-n:])) and fold(" ".join(words[-n:])) == fold(" ".join(head[:n])):
            return " ".join(words[-n:])
    return words[-1].strip("“”\"'(),;:") if words else ""


def _aliases(term: str, definition: str) -> tuple[str, ...]:
    rest = definition[len(term) :] if fold(definition[: len(term)]) == fold(term) else definition
    found = []
    for pattern in _ALIAS_PATTERNS:
        match = pattern.search(rest if pattern.pattern.startswith("^") else definition)
        if match and fold(match.group(1)) != fold(term):
            found.append(match.group(1).strip())
    return tuple(dict.fromkeys(found))


def _unsplice(line: str, fmt: DocumentFormat) -> tuple[str, list[tuple[str, str, int]]]:
    """Remove glossary splices from one line.

    Returns the clean line and, for each splice, (term, definition, offset of term in clean line).
    """
    marker = fmt.glossary_marker
    stray = "|".join(re.escape(t) for t in fmt.stray_tokens) or "(?!)"
    entries = []
    clean = line
    while True:
        at = clean.find(marker)
        if at < 0:
            return clean, entries
        before = re.sub(rf"(?:\s+(?:{stray}))?\s*$", "", clean[:at])
        rest = clean[at + len(marker) :].lstrip()
        following = rest.find(marker)
        end = _definition_end(rest[:following] if following >= 0 else rest)
        definition, after = rest[:end].strip(), rest[end:].lstrip()
        term = _term_before(before, definition)
        entries.append((term, definition, len(before) - len(term)))
        if not after:
            clean = before if before.endswith((".", "!", "?")) else before + "."
        elif after[0] in ".,;:!?)":
            clean = before + after
        elif after[0].isupper() and not before.endswith((".", "!", "?")):
            clean = before + ". " + after
        else:
            clean = before + " " + after


# --- references ---------------------------------------------------------------------------

_REFERENCE = re.compile(
    r"""^(?P<authors>.+?)\s*[“"](?P<title>.+?)[”"]\s*
        (?P<journal>[^,]+?),\s*
        (?:vol\.\s*(?P<volume>[^,]+?),\s*)?
        (?:no\.\s*(?P<issue>[^,]+?),\s*)?
        (?P<year>\d{4})
        (?:,\s*pp?\.\s*(?P<pages>[^,]+?))?\s*\.?\s*$""",
    re.VERBOSE,
)
_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def parse_reference(text: str, index: int = 1, line: int = 0) -> Reference | None:
    """Parse one reference-list entry; None when it is not in the expected form.

    >>> ref = parse_reference('Hotamisligil, G. S. “Inflammation and metabolic disorders.” '
    ...                       'Nature, vol. 444, no. 7121, 2006, pp. 860-867.')
    >>> ref.first_author, ref.title, ref.journal, ref.volume, ref.issue, ref.year, ref.pages
    ('Hotamisligil', 'Inflammation and metabolic disorders', 'Nature', '444', '7121', 2006, '860-867')
    """
    body = _ITEM.sub("", text).strip()
    match = _REFERENCE.match(body)
    if not match:
        return None
    authors_text = match.group("authors").strip().rstrip(".").strip()
    et_al = bool(re.search(r"\bet al\b\.?$", authors_text))
    authors_text = re.sub(r",?\s*\bet al\b\.?$", "", authors_text).strip()
    authors = tuple(a.strip().rstrip(",") + ("." if re.search(r"\b[A-Z]$", a.strip()) else "")
                    for a in re.split(r"\s+and\s+|;\s*", authors_text) if a.strip())
    title = match.group("title").strip().rstrip(".").strip()
    return Reference(
        index=index,
        authors=authors,
        et_al=et_al,
        title=title,
        journal=match.group("journal").strip(),
        volume=match.group("volume"),
        issue=match.group("issue"),
        year=int(match.group("year")),
        pages=match.group("pages"),
        line=line,
        text=body,
    )


# --- line classification ------------------------------------------------------------------

_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _cells(line: str) -> tuple[str, ...]:
    parts = [p.strip() for p in line.strip().split("|")]
    if parts and not parts[0]:
        parts = parts[1:]
    if parts and not parts[-1]:
        parts = parts[:-1]
    return tuple(parts)


def _is_heading(line: str) -> bool:
    text = line.strip()
    return (
        0 < len(text) <= 120
        and len(text.split()) <= 16
        and "|" not in text
        and not _ITEM.match(text)
        and text[0].isupper()
        and not text.endswith((".", ",", ";", ":", "”", '"', "∞"))
    )


def extract_document(doc_id: str, text: str, fmt: DocumentFormat = DocumentFormat(),
                     path: str | None = None) -> Document:
    """Extract a document's clean text, sections, glossary, tables and references.

    Problems that do not stop extraction (a reference that does not parse) are collected in
    ``Document.problems`` with their line numbers.

    >>> doc = extract_document("d", "Fundamentals\\nHigh insulin drives visceral fat Meaning ∞ "
    ...     "Visceral fat is fat around the organs. accumulation.\\n")
    >>> doc.clean_text
    'Fundamentals\\nHigh insulin drives visceral fat accumulation.'
    >>> doc.glossary[0].term, doc.glossary[0].definition
    ('visceral fat', 'Visceral fat is fat around the organs.')
    """
    label = path or doc_id
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    levels = {fold(name): name for name in fmt.levels}
    reference_titles = {fold(name) for name in fmt.references}

    clean_lines: list[str] = []
    splices: list[tuple[int, list[tuple[str, str, int]]]] = []
    for number, raw in enumerate(lines, start=1):
        clean, found = _unsplice(raw.rstrip(), fmt)
        clean_lines.append(clean)
        if found:
            splices.append((number, found))
    offsets, position = [], 0
    for clean in clean_lines:
        offsets.append(position)
        position += len(clean) + 1
    clean_text = "\n".join(clean_lines)
    end_of_text = len(clean_text)

    # Sections: (title, kind, level, line) in order; ends are filled in afterwards.
    marks: list[tuple[str, str, str, int]] = []
    tables: list[tuple[tuple[str, ...], list[TableRow], int]] = []
    reference_lines: list[tuple[int, str]] = []
    current_level, in_references, seen_text = "", False, False
    number = 0
    while number < len(clean_lines):
        line = clean_lines[number]
        stripped = line.strip()
        line_no = number + 1
        following = clean_lines[number + 1] if number + 1 < len(clean_lines) else ""
        if not stripped:
            number += 1
            continue
        if "|" in stripped and _TABLE_RULE.match(following):
            header, rows = _cells(stripped), []
            number += 2
            while number < len(clean_lines) and "|" in clean_lines[number]:
                rows.append(TableRow(_cells(clean_lines[number]), number + 1))
                number += 1
            tables.append((header, rows, line_no))
            continue
        key = fold(stripped)
        if key in levels or (not seen_text and _is_heading(stripped)):
            current_level, in_references = stripped, False
            marks.append((stripped, "level", stripped, line_no))
        elif key in reference_titles:
            in_references = True
            marks.append((stripped, "references", current_level, line_no))
        elif in_references and _ITEM.match(stripped):
            reference_lines.append((line_no, stripped))
        elif _is_heading(stripped) and not in_references and following.strip():
            marks.append((stripped, "heading", current_level, line_no))
        elif in_references and not _ITEM.match(stripped) and _is_heading(stripped):
            in_references = False
            marks.append((stripped, "heading", current_level, line_no))
        seen_text = True
        number += 1

    sections = _sections(marks, offsets, end_of_text)

    def section_id_at(line_no: int) -> str:
        offset = offsets[line_no - 1]
        inner = [s for s in sections if s.start <= offset < max(s.end, s.start + 1)]
        return max(inner, key=lambda s: s.start).id if inner else ""

    glossary = []
    for line_no, found in splices:
        for term, definition, column in found:
            glossary.append(GlossaryEntry(term, definition, _aliases(term, definition), line_no,
                                          section_id_at(line_no), offsets[line_no - 1] + column))
    problems, references = [], []
    for index, (line_no, entry) in enumerate(reference_lines, start=1):
        parsed = parse_reference(entry, index, line_no)
        if parsed is None:
            problems.append(Problem(label, line_no, f"reference does not parse: {entry[:80]!r}"))
        else:
            references.append(parsed)
    return Document(
        id=doc_id,
        path=label,
        text=text,
        clean_text=clean_text,
        sections=tuple(sections),
        glossary=tuple(glossary),
        tables=tuple(Table(h, tuple(r), line, section_id_at(line)) for h, r, line in tables),
        references=tuple(references),
        problems=tuple(problems),
    )


def _sections(marks, offsets, end_of_text) -> list[Section]:
    sections, used = [], set()
    level_marks = [m for m in marks if m[1] == "level"]
    for position, (title, kind, level, line_no) in enumerate(marks):
        start = offsets[line_no - 1]
        if kind == "level":
            later = [m for m in level_marks if m[3] > line_no]
            end = offsets[later[0][3] - 1] if later else end_of_text
        else:
            later = [m for m in marks[position + 1 :]]
            end = offsets[later[0][3] - 1] if later else end_of_text
        base = slugify(title) if kind == "level" else f"{slugify(level)}/{slugify(title)}".strip("/")
        section_id, n = base, 2
        while section_id in used:
            section_id, n = f"{base}-{n}", n + 1
        used.add(section_id)
        sections.append(Section(section_id, title, kind, level, line_no, start, end))
    return sections


# --- mentions -----------------------------------------------------------------------------

def _is_acronym(name: str) -> bool:
    return any(c.isupper() for c in name[1:]) or len(name) <= 2


def find_mentions(document: Document, names: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[Mention]:
    """Find where each entity is named in a document, longest name first, no overlaps.

    ``names`` maps each surface name (label or synonym) to its entity id. Acronym-like names
    (``LH``, ``IL-6``) match case-sensitively; other names ignore case.

    >>> doc = extract_document("d", "Fundamentals\\nLow testosterone raises IL-6 and il-6-like signals.\\n")
    >>> [(m.entity, m.text) for m in find_mentions(doc, {"Testosterone": "t", "IL-6": "il6"})]
    [('t', 'testosterone'), ('il6', 'IL-6')]
    """
    pairs = sorted(dict(names.items() if isinstance(names, Mapping) else names).items(),
                   key=lambda item: (-len(item[0]), item[0]))
    found: list[tuple[int, int, str]] = []
    for sensitive in (True, False):
        chosen = [(n, e) for n, e in pairs if _is_acronym(n) == sensitive and n.strip()]
        if not chosen:
            continue
        lookup = {(n if sensitive else n.casefold()): e for n, e in reversed(chosen)}
        pattern = re.compile(
            r"(?<![\w-])(?:" + "|".join(re.escape(n) for n, _ in chosen) + r")(?![\w]|-\w)",
            0 if sensitive else re.IGNORECASE,
        )
        for match in pattern.finditer(document.clean_text):
            key = match.group() if sensitive else match.group().casefold()
            found.append((match.start(), match.end(), lookup[key]))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    mentions, last_end = [], -1
    for start, end, entity in found:
        if start < last_end:
            continue
        section = document.section_at(start)
        mentions.append(Mention(entity, document.clean_text[start:end], section.id if section else "", start, end))
        last_end = end
    return mentions
