"""Extract structure from a source document: sections, glossary, tables, references, mentions.

The publisher's pages are plain text: top-level sections named by level (``Fundamentals``,
``Intermediate`` ...), short headings under them, glossary entries spliced mid-sentence
(``TERM Meaning ∞ DEFINITION.``), pipe tables and a reference list. Extraction produces the
*clean text* (each splice removed, the sentence read as the author meant it) and records whose
offsets point into that clean text, so a quote can be found and placed in its section.

The publisher's pages vary, and extraction copes with each variant without failing:

- a stray ``html`` token before ``Meaning ∞`` (dropped with the splice);
- ``∞`` used as a dash or colon in prose and reference titles (kept: only ``Meaning ∞`` splits);
- copies whose glossary splices were cut out, leaving holes (a double space, a sentence that runs
  into the next, a paragraph without its final period): mended in the clean text and recorded as
  :class:`Hole` items;
- a one-sentence summary spliced into a sentence with no marker ("... improve insulin sensitivity
  Tesamorelin generally maintains ... individuals. by restoring ..."): kept in the clean text (a
  curated quote may cite it) and recorded as a :class:`Summary`;
- a first heading other than ``Fundamentals`` (it opens the first level);
- image alt-text paragraphs between body paragraphs: recorded as :class:`AltText`, never taken
  for headings.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from graph.errors import LoadError, Problem
from graph.model.names import fold, slugify

__all__ = [
    "AltText",
    "Document",
    "DocumentFormat",
    "GlossaryEntry",
    "Hole",
    "Mention",
    "Reference",
    "Section",
    "Summary",
    "Table",
    "TableRow",
    "extract_document",
    "find_mentions",
    "parse_reference",
    "sentence_spans",
]


@dataclass(frozen=True)
class DocumentFormat:
    """What the publisher's page format looks like (read from ``data/format.yaml``)."""

    levels: tuple[str, ...] = ("Fundamentals", "Intermediate", "Academic", "Reflection")
    references: tuple[str, ...] = ("Reference", "References", "Bibliography", "Works Cited", "Sources")
    glossary_marker: str = "Meaning ∞"
    stray_tokens: tuple[str, ...] = ("html",)
    #: image alt text: a paragraph with at least one of these verbs or phrases (weight 2 each) ...
    image_verbs: tuple[str, ...] = (
        "symbolizing", "symbolizes", "symbolize", "signifying", "signifies", "depicting", "depicts",
        "embodying", "embodies", "evoking", "evokes", "visualizing", "visualizes", "conveying",
        "representing", "illustrating")
    image_phrases: tuple[str, ...] = (
        "this visual", "this image", "the image", "this photo", "pictured", "close-up", "macro view",
        "in the background", "in the foreground", "in sharp focus", "in profile")
    #: ... and scene words (weight 1 each), scoring at least ``image_threshold`` in all
    image_cues: tuple[str, ...] = (
        "sphere", "spheres", "spherical", "textured", "translucent", "intricate", "gaze", "smiling",
        "smiles", "serene", "portrait", "sunlit", "sunlight", "backlit", "leaf", "leaves", "pod",
        "petals", "orb", "lattice", "woman", "man", "couple", "hands", "patient's", "woman's",
        "man's", "outdoors", "depicted", "delicate", "vibrant", "contemplative", "calm")
    #: a paragraph starting with one of these is alt text whatever its score
    image_prefixes: tuple[str, ...] = ("Image:", "Photo:", "Alt text:", "[Image")
    image_threshold: int = 3

    @classmethod
    def from_mapping(cls, data: Mapping, label: str = "data/format.yaml") -> "DocumentFormat":
        """Return the format described by a mapping (``data/format.yaml``); absent keys keep defaults.

        >>> DocumentFormat.from_mapping({"levels": ["Overview"]}).levels
        ('Overview',)
        >>> DocumentFormat.from_mapping({"image_alt_text": {"threshold": 5}}).image_threshold
        5
        >>> DocumentFormat.from_mapping({"levels": "Overview", "glossary": "∞"})
        Traceback (most recent call last):
        ...
        graph.errors.LoadError: data/format.yaml: levels must be a list of words or phrases, got 'Overview'
        data/format.yaml: unknown key 'glossary'; known keys: glossary_marker, image_alt_text, levels, references, stray_tokens

        :raises LoadError: a key it does not know, or a value of the wrong shape (one problem each).
        """
        problems: list[Problem] = []

        def words(value, name: str) -> tuple[str, ...] | None:
            if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                               for v in value):
                return tuple(str(v) for v in value)
            problems.append(Problem(label, 0, f"{name} must be a list of words or phrases, got {value!r:.60}"))
            return None

        def unknown(keys, known: tuple[str, ...], within: str = "") -> None:
            for key in sorted(set(keys) - set(known), key=str):
                problems.append(Problem(label, 0, f"unknown key {within}{key!r}; known keys: {', '.join(known)}"))

        values: dict = {}
        unknown(data, ("glossary_marker", "image_alt_text", "levels", "references", "stray_tokens"))
        for key in ("levels", "references", "stray_tokens"):
            if data.get(key) is not None:
                values[key] = words(data[key], key)
        marker = data.get("glossary_marker")
        if marker is not None and (not isinstance(marker, str) or not marker.strip()):
            problems.append(Problem(label, 0, f"glossary_marker must be text, got {marker!r:.60}"))
        elif marker:
            values["glossary_marker"] = marker
        images = data.get("image_alt_text") or {}
        if not isinstance(images, Mapping):
            problems.append(Problem(label, 0, f"image_alt_text must be a mapping, got {images!r:.60}"))
            images = {}
        unknown(images, ("cues", "phrases", "prefixes", "threshold", "verbs"), "image_alt_text: ")
        for key in ("verbs", "phrases", "cues", "prefixes"):
            if images.get(key) is not None:
                values[f"image_{key}"] = words(images[key], f"image_alt_text: {key}")
        threshold = images.get("threshold")
        if threshold is not None:
            if type(threshold) is not int or threshold < 1:
                problems.append(Problem(label, 0, f"image_alt_text: threshold must be a whole number of at "
                                                  f"least 1, got {threshold!r:.60}"))
            else:
                values["image_threshold"] = threshold
        if problems:
            raise LoadError(problems)
        return cls(**values)


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
    kind: str = "article"  # "book" (``journal`` holds the publisher) or "other" (parsed loosely)
    number: int | None = None  # the number printed before it (``[3]``, ``3.``), if any
    doi: str | None = None  # as the entry gives it (``doi:10.…`` or a doi.org link), lower-cased
    pmid: str | None = None  # as the entry gives it (``PMID: 123``)

    @property
    def first_author(self) -> str:
        """The first author's surname."""
        return self.authors[0].split(",")[0].strip() if self.authors else ""


@dataclass(frozen=True)
class Summary:
    """A one-sentence summary spliced into a sentence without a marker.

    Detected as a capitalised sentence that starts right after a lowercase word (no punctuation
    between) and ends with ``. `` followed by the lowercase rest of the interrupted sentence. The
    clean text keeps it (a curated quote may cite it); ``start``/``end`` locate it there.
    """

    text: str
    line: int
    section: str
    start: int
    end: int


@dataclass(frozen=True)
class Hole:
    """A trace of a glossary splice cut out of a copy of a page, and how the clean text mends it.

    ``kind`` is one of ``run-on sentence`` (a double space where a cut splice had ended one
    sentence: the period is put back), ``unterminated paragraph`` (a body paragraph that lost its
    final period: it is added), ``double space`` or ``period before lowercase`` (both left as
    written and reported).
    """

    kind: str
    line: int
    section: str
    start: int
    text: str


@dataclass(frozen=True)
class AltText:
    """An image's alt-text paragraph between body paragraphs; never a heading."""

    text: str
    line: int
    section: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Mention:
    """Where a name of an entity occurs in a document's clean text (slots: there are millions)."""

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
    summaries: tuple[Summary, ...] = ()
    holes: tuple[Hole, ...] = ()
    images: tuple[AltText, ...] = ()

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

    @functools.cached_property
    def _section_index(self) -> "_SectionIndex":
        return _SectionIndex((s.start, s.end, s) for s in self.sections)

    def section_at(self, offset: int) -> Section | None:
        """Return the innermost section containing a clean-text offset (the latest start; of two
        with the same start, the later listed), by bisection."""
        return self._section_index.at(offset)

    @functools.cached_property
    def line_starts(self) -> tuple[int, ...]:
        """The clean-text offsets where the lines (paragraphs) start, in order."""
        return (0, *(match.end() for match in re.finditer("\n", self.clean_text)))

    def line_start(self, offset: int) -> int:
        """Return where the clean-text line holding ``offset`` starts (a paragraph: one line).

        >>> doc = extract_document("d", "Fundamentals\\nInsulin lowers blood sugar.\\n")
        >>> doc.line_start(20), doc.line_start(5)
        (13, 0)
        """
        return self.line_starts[bisect.bisect_right(self.line_starts, max(offset, 0)) - 1]

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


def _word_before(text: str, end: int, start: int = 0) -> str:
    r"""Return the run of non-space characters that ends at ``end`` (not before ``start``), as
    ``re.search(r"(\S+)$", text[start:end])`` finds it, without copying the text before it.

    >>> _word_before("see e.g. this", 7), _word_before("a  b", 2), _word_before("ab\n", 3)
    ('e.g', '', 'ab')
    """
    if end > start and text[end - 1] == "\n":  # ``$`` also matches before a final newline
        end -= 1
    begin = end
    while begin > start and not text[begin - 1].isspace():
        begin -= 1
    return text[begin:end]


def _definition_end(text: str, start: int = 0, stop: int | None = None) -> int:
    """Return the index just past the sentence that opens ``text[start:stop]`` (or ``stop``).

    A period ends the sentence unless it closes a known abbreviation or an initial ("J.").
    Offsets, not slices: a long line is never copied once per sentence.
    """
    stop = len(text) if stop is None else stop
    for match in _DEFINITION_END.finditer(text, start, stop):
        word = _word_before(text, match.start(), start)
        token = word.lower()
        if token in _ABBREVIATIONS or re.fullmatch(r"[a-z]", token) and word.isupper():
            continue
        return match.end()
    return stop


_ARTICLES = ("the ", "a ", "an ")
_DEFINES = re.compile(r"\s(?:is|are|was|refers?|represents?|describes?|signifies|denotes|"
                      r"constitutes?|comprises?|involves?|means)\b|,\s")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) offsets of the sentences of a paragraph, abbreviations respected.

    >>> text = "Insulin lowers blood sugar, e.g. after meals. TNF-α blocks it."
    >>> [text[a:b] for a, b in sentence_spans(text)]
    ['Insulin lowers blood sugar, e.g. after meals.', 'TNF-α blocks it.']
    """
    spans, position = [], 0
    while position < len(text):
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            break
        end = _definition_end(text, position)
        spans.append((position, end))
        position = end
    return spans


def _term_before(before: str, definition: str) -> str:
    """Return the words before a splice that the definition names (its term).

    The longest run of final words that the definition opens with; else the longest run whose
    folded form ends the definition's subject ("HPG axis" for "The Hypothalamic-Pituitary-Gonadal
    (HPG) axis is ..."); else the last word. A leading article is not part of the term.

    >>> _term_before("supports the HPG axis", "The Hypothalamic-Pituitary-Gonadal (HPG) axis is a loop.")
    'HPG axis'
    >>> _term_before("a key driver of the visceral fat", "The visceral fat is fat.")
    'visceral fat'
    """
    words = before.split()
    head = definition.split()
    for n in range(min(8, len(words), len(head)), 0, -1):
        if fold(" ".join(words[-n:])) and fold(" ".join(words[-n:])) == fold(" ".join(head[:n])):
            term = " ".join(words[-n:])
            if n > 1 and term.lower().startswith(_ARTICLES):
                term = term.split(" ", 1)[1]
            return term
    match = _DEFINES.search(definition)
    subject = fold(definition[: match.start()]) if match else ""
    for n in range(min(8, len(words)), 1, -1):
        candidate = " ".join(words[-n:]).strip("“”\"'(),;:")
        if candidate.lower().startswith(_ARTICLES):
            continue
        if fold(candidate) and subject.endswith(fold(candidate)):
            return candidate
    return words[-1].strip("“”\"'(),;:") if words else ""


def _aliases(term: str, definition: str) -> tuple[str, ...]:
    rest = definition[len(term) :] if fold(definition[: len(term)]) == fold(term) else definition
    found = []
    for pattern in _ALIAS_PATTERNS:
        match = pattern.search(rest if pattern.pattern.startswith("^") else definition)
        if match and fold(match.group(1)) != fold(term):
            found.append(match.group(1).strip())
    return tuple(dict.fromkeys(found))


class _Buffer:
    """Text built from appended pieces whose end can be read and cut without joining it all, so
    that removing many splices from one line stays linear in the line."""

    def __init__(self):
        self.pieces: list[str] = []
        self.length = 0

    def append(self, piece: str) -> None:
        if piece:
            self.pieces.append(piece)
            self.length += len(piece)

    def tail(self, size: int) -> str:
        """The last ``size`` characters (all of them if there are fewer)."""
        if size <= 0:
            return ""
        taken, count = [], 0
        for piece in reversed(self.pieces):
            taken.append(piece)
            count += len(piece)
            if count >= size:
                break
        return "".join(reversed(taken))[-size:]

    def cut(self, size: int) -> None:
        """Remove the last ``size`` characters."""
        while size > 0 and self.pieces:
            piece = self.pieces.pop()
            self.length -= len(piece)
            if len(piece) > size:
                self.append(piece[:-size])
            size -= len(piece)

    def last_words(self, count: int) -> str:
        """The end of the text holding at least its last ``count`` whole words (or all of it)."""
        size = 256
        while True:
            tail = self.tail(size)
            if len(tail) >= self.length:
                return tail
            first_space = next((i for i, char in enumerate(tail) if char.isspace()), -1)
            if first_space >= 0 and len(tail[first_space:].split()) >= count:
                return tail[first_space:]
            size *= 4

    def text(self) -> str:
        return "".join(self.pieces)


def _stray_cut(tail: str, tokens: tuple[str, ...], whole: bool) -> int | None:
    r"""How many characters ``re.sub(rf"(?:\s+(?:{tokens}))?\s*$", "", text)`` removes from the end
    of a text whose last characters are ``tail`` (``whole``: the tail is all of it); None when
    the tail is too short to tell."""
    kept = len(tail.rstrip())
    if kept == 0 and not whole:
        return None
    best = kept
    for token in tokens:
        if not token:
            continue
        for end in (range(kept, len(tail) + 1) if token[-1].isspace() else (kept,)):
            begin = end - len(token)
            if begin < 0 or (begin == 0 and tail.startswith(token)):
                if not whole:
                    return None
                continue
            if tail[begin:end] != token:
                continue
            first = begin
            while first > 0 and tail[first - 1].isspace():
                first -= 1
            if first == begin:
                continue  # no space before the token
            if first == 0 and not whole:
                return None
            best = min(best, first)
    return len(tail) - best


def _strip_stray(buffer: _Buffer, tokens: tuple[str, ...]) -> None:
    """Cut the space at the end of ``buffer``, and a stray token (``html``) after a space."""
    size = 64 + max((len(t) for t in tokens), default=0)
    while True:
        tail = buffer.tail(size)
        cut = _stray_cut(tail, tokens, len(tail) >= buffer.length)
        if cut is not None:
            buffer.cut(cut)
            return
        size *= 4


def _unsplice(line: str, fmt: DocumentFormat) -> tuple[str, list[tuple[str, str, int]]]:
    """Remove glossary splices from one line, left to right.

    Returns the clean line and, for each splice, (term, definition, offset of term in clean line).
    Text already cleaned is never searched again, and a join that would spell the marker anew
    ("Meaning" before a splice, "∞" after it) is joined with a no-break space, so the clean text
    never holds the marker.

    >>> _unsplice("Meaning Meaning ∞ insulin. ∞.", DocumentFormat())
    ('Meaning\xa0∞.', [('Meaning', 'insulin.', 0)])
    """
    marker = fmt.glossary_marker
    if marker not in line:  # the common case
        return line, []
    entries = []
    out, position, size = _Buffer(), 0, len(line)
    while True:
        at = line.find(marker, position)
        if at < 0:
            out.append(line[position:])
            return out.text(), entries
        out.append(line[position:at])
        _strip_stray(out, fmt.stray_tokens)
        rest = at + len(marker)
        while rest < size and line[rest].isspace():
            rest += 1
        following = line.find(marker, rest)
        end = _definition_end(line, rest, following if following >= 0 else size)
        definition = line[rest:end].strip()
        after = end
        while after < size and line[after].isspace():
            after += 1
        term = _term_before(out.last_words(9), definition)
        entries.append((term, definition, out.length - len(term)))
        last = out.tail(max(1, len(marker)))
        if after == size:
            if not last.endswith((".", "!", "?")):
                out.append(".")
            return out.text(), entries
        if line[after] in ".,;:!?)":
            joint = ""
        elif line[after].isupper() and not last.endswith((".", "!", "?")):
            joint = ". "
        else:
            joint = " "
        if marker in last[-len(marker):] + joint + line[after:after + len(marker)]:
            joint = joint.replace(" ", "\u00a0") or "\u00a0"
        out.append(joint)
        position = after


# --- holes, unmarked summaries, image alt text --------------------------------------------

_DOUBLE_SPACE = re.compile(r"(?<=\S) {2,}(?=\S)")
_FUNCTION_WORDS = frozenset({
    "a", "an", "the", "of", "and", "or", "nor", "but", "like", "with", "by", "as", "to", "in", "on",
    "at", "for", "from", "into", "onto", "via", "including", "called", "named", "such", "than",
    "that", "which", "who", "whom", "whose", "is", "are", "was", "were", "be", "per", "vs",
})
_SUMMARY_START = re.compile(r"(?<=[a-z]) (?=[A-Z][a-z])")
_PERIOD_BEFORE_LOWER = re.compile(r"\. [a-z]")
_HOLE_PERIOD = re.compile(r"(?<=\w)\. (?=[a-z])")
_TERMINAL = (".", "!", "?", ":", ";", "…")
_CAPITALISED = re.compile(r"[A-Z][a-z]")


def _mend_holes(line: str) -> tuple[str, list[tuple[str, int, str]]]:
    """Find the double spaces a cut-out splice leaves; return the mended line and the holes.

    Each hole is (kind, column in the mended line, the words around it). Where the cut splice had
    closed a sentence (a lowercase letter, the hole, then a capitalised word) the period the
    splice supplied is put back, as :func:`_unsplice` does ("run-on sentence"); any other double
    space is only reported (offsets stay those of the text as written; quotes fold whitespace).

    >>> _mend_holes("drives visceral fat  accumulation.")
    ('drives visceral fat  accumulation.', [('double space', 19, 'fat  accumulation.')])
    >>> _mend_holes("with insulin signaling  Inflammation rises.")[0]
    'with insulin signaling. Inflammation rises.'
    """
    holes: list[tuple[str, int, str]] = []
    if "  " not in line:
        return line, holes
    mended, length, last = [], 0, 0
    for match in _DOUBLE_SPACE.finditer(line):
        start, end = match.span()
        run_on = line[start - 1:start].islower() and _CAPITALISED.match(line, end) is not None
        mended.append(line[last:start])
        length += start - last
        following = end
        while following < len(line) and not line[following].isspace():
            following += 1
        context = _word_before(line, start) + match.group() + line[end:following]
        holes.append(("run-on sentence" if run_on else "double space", length, context))
        joint = ". " if run_on else match.group()
        mended.append(joint)
        length += len(joint)
        last = end
    mended.append(line[last:])
    return "".join(mended), holes


def _find_summaries(line: str) -> list[tuple[int, int]]:
    """Return the (start, end) columns of unmarked one-sentence summaries spliced into ``line``.

    >>> line = "shown to improve insulin sensitivity Tesamorelin keeps fat low in adults. by restoring it."
    >>> [line[a:b] for a, b in _find_summaries(line)]
    ['Tesamorelin keeps fat low in adults.']
    """
    found: list[tuple[int, int]] = []
    if not _PERIOD_BEFORE_LOWER.search(line):  # a summary is followed by ". " and lowercase
        return found
    end = 0  # the end of the sentence a candidate opens; candidates before it share it
    for match in _SUMMARY_START.finditer(line):
        start = match.end()
        previous = _word_before(line, match.start())
        if not previous or previous.lower() in _FUNCTION_WORDS:
            continue
        if end <= start:  # a candidate starts a word: the marks after it are judged as from any earlier start
            end = _definition_end(line, start)
        if (end < len(line) and line[end - 1] == "." and line.startswith(" ", end)
                and line[end + 1:end + 2] in _LOWERCASE and _has_words(line, start, end, 4)
                and not (found and found[-1][1] > start)):
            found.append((start, end))
    return found


_LOWERCASE = frozenset("abcdefghijklmnopqrstuvwxyz")
_WORD = re.compile(r"\S+")


def _has_words(text: str, start: int, end: int, count: int) -> bool:
    """Whether ``text[start:end]`` holds at least ``count`` words (read no further than needed)."""
    for seen, _ in enumerate(_WORD.finditer(text, start, end), start=1):
        if seen >= count:
            return True
    return False


@functools.lru_cache(maxsize=8)
def _image_patterns(fmt: DocumentFormat) -> tuple[re.Pattern, re.Pattern]:
    def words(items):
        alternatives = "|".join(re.escape(w) for w in sorted(items, key=len, reverse=True))
        # the look-ahead on first letters (same matches) lets the engine skip most positions
        firsts = "".join(sorted({re.escape(w[0]) for w in items if w}))
        head = f"(?=[{firsts}])" if firsts and all(items) else ""
        return re.compile(rf"{head}(?<![\w'’-])(?:{alternatives or '(?!)'})(?![\w'’-])", re.IGNORECASE)

    return words((*fmt.image_verbs, *fmt.image_phrases)), words(fmt.image_cues)


def _is_alt_text(line: str, fmt: DocumentFormat,
                 patterns: tuple[re.Pattern, re.Pattern] | None = None) -> bool:
    """Return whether a paragraph reads like an image's alt text (see :class:`DocumentFormat`).

    >>> _is_alt_text("A serene woman in profile gazes at the sea, symbolizing hormonal balance.",
    ...              DocumentFormat())
    True
    >>> _is_alt_text("Insulin resistance represents a breakdown in cellular communication.", DocumentFormat())
    False
    """
    text = line.strip()
    if text.startswith(fmt.image_prefixes):
        return True
    strong_pattern, cue_pattern = patterns or _image_patterns(fmt)  # passed in: no hashing per line
    strong = len(strong_pattern.findall(text))
    if not strong or "|" in text or len(text.split()) > 120:
        return False
    return 2 * strong + len(cue_pattern.findall(text)) >= fmt.image_threshold


def _is_terminated(line: str) -> bool:
    text = line.rstrip()
    return text.endswith(_TERMINAL) or (text[-1:] in "”\"')]" and text[:-1].endswith(_TERMINAL))


# --- references ---------------------------------------------------------------------------

_YEAR = r"(?:(?:[A-Z][a-z]{2,8}\.?|\d{1,2}),?\s+){0,2}(?P<year>(?:1[6-9]|20)\d{2})[a-z]?"
_REFERENCE = re.compile(
    rf"""^(?P<authors>.+?)\s*[“"](?P<title>.+?)[”"]\s*
        (?P<journal>[^,]+?),\s*
        (?:vol\.\s*(?P<volume>[^,]+?),\s*)?
        (?:no\.\s*(?P<issue>[^,]+?),\s*)?
        {_YEAR}
        (?:,\s*pp?\.\s*(?P<pages>[^,]+?))?\s*\.?\s*$""",
    re.VERBOSE,
)
# Journal 81.10 (1996): 3578-3583.   or   Journal, 81(10), (1996), 3578-83.
_NUMBERED = re.compile(
    r"""^(?P<authors>.+?)\s*[“"](?P<title>.+?)[”"]\s*
        (?P<journal>[^\d“”"]+?),?\s+(?P<volume>\d+)(?:[.(](?P<issue>\d+)\)?)?,?\s*
        \((?P<year>(?:1[6-9]|20)\d{2})\)[:,]?\s*(?P<pages>[\w–-]+)?\s*\.?\s*$""",
    re.VERBOSE,
)
# Vancouver: Bhasin S, Brito JP, et al. Title. J Clin Endocrinol Metab. 2018;103(5):1715-1744.
_VANCOUVER = re.compile(
    r"""^(?P<authors>[A-Z][^.]*?(?:\bet\ al)?)\.\s+(?P<title>[^.]+(?:\.[^.\s][^.]*)*?)\.\s+
        (?P<journal>[A-Z][^.;]*?)\.?\s+(?P<year>(?:1[6-9]|20)\d{2})[^;:.]*
        (?:;\s*(?P<volume>[\w-]+)(?:\((?P<issue>[^)]+)\))?)?(?::\s*(?P<pages>[\w–-]+))?\.?\s*$""",
    re.VERBOSE,
)
# APA: Smith, J., & Jones, K. (2010). Title. Journal, 22(7), 1-9.
_APA = re.compile(
    r"""^(?P<authors>.+?)\s*\((?P<year>(?:1[6-9]|20)\d{2})[a-z]?\)\.\s*(?P<title>.+?)[.?!]\s+
        (?P<journal>[^,\d][^,]*?),\s*(?P<volume>\d+)(?:\((?P<issue>[^)]+)\))?
        (?:,\s*(?P<pages>[\w–-]+))?\.?\s*$""",
    re.VERBOSE,
)
_DOI = re.compile(r"(?:\bdoi:\s*|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/\S+?)[.,;]?(?=\s|$)", re.IGNORECASE)
_PMID = re.compile(r"\bPMID:?\s*(\d{1,9})\b")
_PMID_TRAILER = re.compile(r"[,.]?\s*PMID:?\s*\d{1,9}\s*\.?$")
_PUBLISHER = re.compile(rf"^(?P<journal>.+?),\s*{_YEAR}\.?$")
_TRAILER = re.compile(r"[,.]?\s*(?:doi:\s*|PMID:?\s*|https?://|www\.)\S+\s*\.?$", re.IGNORECASE)
_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)]|\[\d+\])\s+")
_ANY_YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d{2}(?!\d)")
_VANCOUVER_NAME = re.compile(r"^([A-Z][\w'’-]+(?: [A-Z][\w'’-]+)*) ([A-Z]{1,3})$")


def _authors(text: str) -> tuple[tuple[str, ...], bool]:
    text = text.strip().rstrip(".,").strip()
    et_al = bool(re.search(r"\bet al\b\.?$", text))
    text = re.sub(r",?\s*\bet al\b\.?$", "", text).strip().rstrip(",")
    names = [n.strip() for n in text.split(",")]
    if names and all(_VANCOUVER_NAME.match(n) for n in names):  # Bhasin S, Brito JP
        return tuple("{}, {}".format(*_VANCOUVER_NAME.match(n).groups()) + "." for n in names), et_al
    authors = tuple(a.strip().rstrip(",") + ("." if re.search(r"\b[A-Z]$", a.strip()) else "")
                    for a in re.split(r",?\s+and\s+|;\s*|\s*&\s*", text) if a.strip())
    return authors, et_al


def _named(authors: tuple[str, ...]) -> bool:
    """Return whether a parsed author list names someone (the first author has a letter).

    >>> _named(("Doe, J.",)), _named(()), _named((".",))
    (True, False, False)
    """
    return bool(authors) and any(character.isalpha() for character in authors[0])


def parse_reference(text: str, index: int = 1, line: int = 0) -> Reference | None:
    """Parse one reference-list entry; None when it is not in a recognised form or names no author
    (a citation wrapped onto a second line leaves such a remnant: ``. “Title.” Journal ...``).

    MLA journal articles (the publisher's usual form, month before the year allowed), numbered
    journal citations (``Journal 81.10 (1996): 3578-3583``) and books
    (``Authors. Title. 13th ed. Publisher, 2016.``) are recognised; the number printed before
    the entry, a DOI (``doi:10.…`` or a doi.org link) and a PubMed id (``PMID: 123``) are kept.

    >>> ref = parse_reference('Hotamisligil, G. S. “Inflammation and metabolic disorders.” '
    ...                       'Nature, vol. 444, no. 7121, 2006, pp. 860-867.')
    >>> ref.first_author, ref.title, ref.journal, ref.volume, ref.issue, ref.year, ref.pages
    ('Hotamisligil', 'Inflammation and metabolic disorders', 'Nature', '444', '7121', 2006, '860-867')
    >>> book = parse_reference("Guyton, A. C. and Hall, J. E. Textbook of Medical Physiology. "
    ...                        "13th ed. Elsevier, 2016.")
    >>> book.kind, book.authors, book.title, book.journal, book.year
    ('book', ('Guyton, A. C.', 'Hall, J. E.'), 'Textbook of Medical Physiology', 'Elsevier', 2016)
    >>> ref = parse_reference('Doe, J. “A study.” Cell, vol. 1, no. 2, 2010, pp. 3-4. doi:10.1016/J.CELL.2010.01.001.')
    >>> ref.doi, ref.pmid, ref.pages
    ('10.1016/j.cell.2010.01.001', None, '3-4')
    >>> parse_reference('Doe, J. “A study.” Cell, vol. 1, 2010. PMID: 20123456').pmid
    '20123456'
    >>> v = parse_reference("[2] Smith J, Jones K. Kisspeptin in the brain. J Neuroendocrinol. "
    ...                     "2010;22(7):1-9. doi:10.1111/j.1365-2826.2010.x PMID: 20456606")
    >>> v.authors, v.title, v.journal, v.year, v.volume, v.issue, v.pages, v.doi, v.pmid
    (('Smith, J.', 'Jones, K.'), 'Kisspeptin in the brain', 'J Neuroendocrinol', 2010, '22', '7', '1-9', '10.1111/j.1365-2826.2010.x', '20456606')
    >>> a = parse_reference("Smith, J., & Jones, K. (2010). Kisspeptin in the brain. Journal of "
    ...                     "Neuroendocrinology, 22(7), 1-9.")
    >>> a.authors, a.year, a.title, a.journal, a.volume, a.issue, a.pages
    (('Smith, J.', 'Jones, K.'), 2010, 'Kisspeptin in the brain', 'Journal of Neuroendocrinology', '22', '7', '1-9')
    """
    found = _parse_reference(text, index, line)
    if found is None:
        return None
    printed = _PRINTED_NUMBER.match(text)
    doi, pmid = _DOI.search(text), _PMID.search(text)
    return replace(found, number=int(printed.group(1) or printed.group(2)) if printed else None,
                   doi=doi.group(1).lower() if doi else None, pmid=pmid.group(1) if pmid else None)


_PRINTED_NUMBER = re.compile(r"^\s*(?:\[(\d+)\]|(\d+)[.)])\s")


def _parse_reference(text: str, index: int, line: int) -> Reference | None:
    body = _ITEM.sub("", text).strip()
    bare = _TRAILER.sub("", _PMID_TRAILER.sub("", body).strip()).strip()
    return _parse_styles(bare, body, index, line)


def _parse_styles(bare: str, body: str, index: int, line: int) -> Reference | None:
    for pattern in (_REFERENCE, _NUMBERED):
        match = pattern.match(bare)
        if match:
            authors, et_al = _authors(match.group("authors"))
            if not _named(authors):  # ". “Title.” Journal ...": the authors are missing
                return None
            return Reference(
                index=index,
                authors=authors,
                et_al=et_al,
                title=match.group("title").strip().rstrip(".").strip(),
                journal=match.group("journal").strip(),
                volume=match.group("volume"),
                issue=match.group("issue"),
                year=int(match.group("year")),
                pages=match.group("pages"),
                line=line,
                text=body,
            )
    for pattern, kind in ((_APA, "article"), (_VANCOUVER, "article")):
        match = pattern.match(bare)
        if match and ("“" not in bare and '"' not in bare):
            authors, et_al = _authors(match.group("authors"))
            if _named(authors):
                return Reference(index, authors, et_al, match.group("title").strip(), match.group("journal").strip(),
                                 match.group("volume"), match.group("issue"), int(match.group("year")),
                                 match.group("pages"), line, body, kind=kind)
    if "“" not in bare and '"' not in bare:
        book = _parse_book(bare, body, index, line)
        if book is not None:
            return book
    return _parse_loosely(bare, body, index, line)


def _parse_loosely(bare: str, body: str, index: int, line: int) -> Reference | None:
    """Last resort for a citation in no known style: authors, title (quoted, else the second
    part), the source after it and the last year named; None without a year or authors."""
    quoted = re.search(r"[“\"](.+?)[”\"]", bare)
    if quoted:
        authors_text, title = bare[: quoted.start()], quoted.group(1)
        source = bare[quoted.end():]
    else:
        parts = re.split(r"(?<![\s,][A-Z])\.\s+", bare, maxsplit=2)
        authors_text = parts[0]
        title = parts[1] if len(parts) > 1 else ""
        source = parts[2] if len(parts) > 2 else ""
    authors, et_al = _authors(authors_text)
    year = _ANY_YEAR.search(source) or _ANY_YEAR.search(bare)
    if year is None or not _named(authors):
        return None
    journal = re.split(r",|\d", source.strip(" .,"), maxsplit=1)[0].strip(" .,:;")
    return Reference(index, authors, et_al, title.strip().rstrip(".").strip(), journal, None, None,
                     int(year.group()), None, line, body, kind="other")


def _parse_book(bare: str, body: str, index: int, line: int) -> Reference | None:
    """Parse ``Authors. Title. [Edition.] Publisher, Year.``: the authors end at the first period
    after which a title of two words or more, then a publisher and year, follow."""
    for match in re.finditer(r"\.\s+", bare):
        authors_text, rest = bare[: match.start()], bare[match.end():]
        if not re.match(r"[A-Z0-9][\w'’-]+\s", rest) or not re.search(r",|\sand\s|\bet al", authors_text):
            continue
        parts = [p.strip() for p in re.split(r"\.\s+", rest.rstrip(". ")) if p.strip()]
        published = _PUBLISHER.match(parts[-1]) if len(parts) >= 2 else None
        if published and len(parts[0].split()) >= 2:
            authors, et_al = _authors(authors_text)
            if not _named(authors):
                return None
            return Reference(index, authors, et_al, parts[0], published.group("journal").strip(),
                             None, None, int(published.group("year")), None, line, body, kind="book")
    return None


def _looks_like_reference(text: str) -> bool:
    """Return whether an unbulleted line in a reference list is a citation (it names a year)."""
    return bool(_ANY_YEAR.search(text)) and len(text.split()) >= 4


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
        and not text.endswith((".", ",", ";", ":", "”", '"', "∞"))  # cheapest tests first
        and text[0].isupper()
        and "|" not in text
        and len(text.split()) <= 16
        and not _ITEM.match(text)
    )


def _reads_as_title(line: str, after_blank: bool) -> bool:
    """A heading reads as a title: Title Case, a question, or set off by a blank line above.

    A body line that lost its final period (a splice cut at the end of a paragraph) is neither.
    """
    text = line.strip()
    if text.endswith("?") or after_blank:
        return True
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", text) if len(w) > 3]
    return not words or sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def extract_document(doc_id: str, text: str, fmt: DocumentFormat = DocumentFormat(),
                     path: str | None = None) -> Document:
    """Extract a document's clean text, sections, glossary, tables and references.

    Problems that do not stop extraction (a reference that does not parse) are collected in
    ``Document.problems`` with their line numbers; the publisher's variants (see the module
    docstring) are recorded in ``summaries``, ``holes`` and ``images``.

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
    image_patterns = _image_patterns(fmt)

    clean_lines: list[str] = []
    splices: list[tuple[int, list[tuple[str, str, int]]]] = []
    holes: list[tuple[str, int, int, str]] = []  # kind, line, column, text
    for number, raw in enumerate(lines, start=1):
        clean, found = _unsplice(raw.rstrip(), fmt)
        clean, mended = _mend_holes(clean)
        holes.extend((kind, number, column, around) for kind, column, around in mended)
        clean_lines.append(clean)
        if found:
            splices.append((number, found))

    # Classify lines. Sections: (title, kind, level, line) in order; ends are filled in afterwards.
    marks: list[tuple[str, str, str, int]] = []
    tables: list[tuple[tuple[str, ...], list[TableRow], int]] = []
    reference_lines: list[tuple[int, str]] = []
    image_lines: list[int] = []
    body_lines: list[int] = []
    current_level, in_references, seen_text = "", False, False
    number = 0
    while number < len(clean_lines):
        line = clean_lines[number]
        stripped = line.strip()
        line_no = number + 1
        following = clean_lines[number + 1] if number + 1 < len(clean_lines) else ""
        after_blank = number > 0 and not clean_lines[number - 1].strip()
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
        if key in levels:
            current_level, in_references = stripped, False
            marks.append((stripped, "level", stripped, line_no))
        elif key in reference_titles:
            in_references = True
            marks.append((stripped, "references", current_level, line_no))
        elif in_references and (_ITEM.match(stripped) or _looks_like_reference(stripped)):
            reference_lines.append((line_no, stripped))
        elif not in_references and _is_alt_text(stripped, fmt, image_patterns):
            image_lines.append(line_no)
            number += 1
            continue  # alt text neither opens a section nor counts as the first text
        elif not seen_text and _is_heading(stripped):
            current_level, in_references = stripped, False
            marks.append((stripped, "level", stripped, line_no))
        elif (_is_heading(stripped) and not in_references and following.strip()
              and _reads_as_title(stripped, after_blank)):
            marks.append((stripped, "heading", current_level, line_no))
        elif in_references and not _ITEM.match(stripped) and _is_heading(stripped):
            in_references = False
            marks.append((stripped, "heading", current_level, line_no))
        elif not in_references:
            body_lines.append(line_no)
            if not _is_terminated(stripped) and not _ITEM.match(stripped) and len(stripped.split()) >= 4:
                clean_lines[number] = line.rstrip() + "."
                last_words = " ".join(stripped.split()[-2:])
                holes.append(("unterminated paragraph", line_no, len(line.rstrip()), last_words))
        seen_text = True
        number += 1

    offsets, position = [], 0
    for clean in clean_lines:
        offsets.append(position)
        position += len(clean) + 1
    clean_text = "\n".join(clean_lines)
    end_of_text = len(clean_text)
    sections = _sections(marks, offsets, end_of_text)

    # innermost section of a line (an empty section holds its own start; on a tie the first wins)
    inner_sections = _SectionIndex((s.start, max(s.end, s.start + 1), s.id) for s in reversed(sections))

    def section_id_at(line_no: int) -> str:
        return inner_sections.at(offsets[line_no - 1]) or ""

    summaries, summary_ends = [], set()
    for line_no in body_lines:
        line = clean_lines[line_no - 1]
        for start, end in _find_summaries(line):
            base = offsets[line_no - 1]
            summaries.append(Summary(line[start:end], line_no, section_id_at(line_no), base + start, base + end))
            summary_ends.add((line_no, end - 1))
        for match in _HOLE_PERIOD.finditer(line):
            token = _word_before(line, match.start()).lower()
            if (line_no, match.start()) in summary_ends or token in _ABBREVIATIONS or len(token) == 1:
                continue
            holes.append(("period before lowercase", line_no, match.start(),
                          line[max(0, match.start() - 20): match.end() + 20].strip()))

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
        summaries=tuple(summaries),
        holes=tuple(sorted((Hole(kind, line_no, section_id_at(line_no), offsets[line_no - 1] + column, around)
                            for kind, line_no, column, around in holes), key=lambda h: (h.start, h.kind))),
        images=tuple(AltText(clean_lines[n - 1].strip(), n, section_id_at(n), offsets[n - 1],
                             offsets[n - 1] + len(clean_lines[n - 1])) for n in image_lines),
    )


def _sections(marks, offsets, end_of_text) -> list[Section]:
    """Sections from the marks (in line order): a level ends where the next level starts, any
    other section where the next mark starts. Ids are unique (``-2``, ``-3`` ... on repeats)."""
    sections, used, tried = [], set(), {}
    next_level, level_line = [None] * len(marks), None
    for position in range(len(marks) - 1, -1, -1):
        next_level[position] = level_line
        if marks[position][1] == "level":
            level_line = marks[position][3]
    for position, (title, kind, level, line_no) in enumerate(marks):
        start = offsets[line_no - 1]
        later = next_level[position] if kind == "level" else (
            marks[position + 1][3] if position + 1 < len(marks) else None)
        end = offsets[later - 1] if later is not None else end_of_text
        base = slugify(title) if kind == "level" else f"{slugify(level)}/{slugify(title)}".strip("/")
        # the suffixes tried for a repeated title go on from the last one taken: every smaller one is used
        section_id, n = (base, 2) if base not in tried else (f"{base}-{tried[base]}", tried[base] + 1)
        while section_id in used:
            section_id, n = f"{base}-{n}", n + 1
        tried[base] = n
        used.add(section_id)
        sections.append(Section(section_id, title, kind, level, line_no, start, end))
    return sections


class _SectionIndex:
    """The innermost of nested intervals at any offset, by bisection (a heading's section lies
    inside its level's): ``(start, end, value)``; the latest start wins, then the later listed."""

    def __init__(self, intervals: Iterable[tuple[int, int, object]]):
        intervals = list(intervals)
        bounds = sorted({b for start, end, _ in intervals for b in (start, end)})
        order = sorted(range(len(intervals)), key=lambda i: intervals[i][0])
        heap: list[tuple[int, int]] = []
        answers, k = [], 0
        for bound in bounds:
            while k < len(order) and intervals[order[k]][0] <= bound:
                heapq.heappush(heap, (-intervals[order[k]][0], -order[k]))
                k += 1
            while heap and intervals[-heap[0][1]][1] <= bound:  # ended: never innermost again
                heapq.heappop(heap)
            answers.append(intervals[-heap[0][1]][2] if heap else None)
        self.bounds, self.answers = bounds, answers

    def at(self, offset: int):
        """The value of the innermost interval holding ``offset``, or None."""
        i = bisect.bisect_right(self.bounds, offset) - 1
        return self.answers[i] if i >= 0 else None


# --- mentions -----------------------------------------------------------------------------

def _is_acronym(name: str) -> bool:
    return any(map(str.isupper, name[1:])) or len(name) <= 2


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
