"""In-text citations: where a document itself ties a passage to an entry of its reference list.

A study link has a *basis*: ``document`` when the document cites the study for the statement, or
``curator`` when a person linked it. Only what this module finds in the text may be a document
link, so a curator's inference is never shown as the document's own citation.

Three citation styles are recognised in the body text (never in the reference list itself):

- numbered, in brackets: ``[3]``, ``[1, 4]``, ``[2-5]``;
- superscript numbers after a word or punctuation: ``resistance.¹²``, ``fat³⁻⁵`` (not a unit
  such as ``kg/m²``);
- author-year: ``Kapoor et al. (2006)``, ``(Kapoor et al., 2006)``, ``Ryan and Nicklas 2002``,
  matched against the first author and year of each reference.

A number maps to the reference printed with that number (``[3] ...``, ``3. ...``) or, in an
unnumbered list, to the entry in that position; a number no reference has is not a citation.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

from graph.sources.extract import Document, Reference

__all__ = ["Citation", "cited_in", "citations_by_paragraph", "find_citations"]

_BRACKETS = re.compile(r"\[(\d{1,3}(?:\s*[-–,]\s*\d{1,3})*)\]")
_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
# after a word of three or more characters (IL-6, resistance), or its closing punctuation; not an exponent (r², mc², m⁻²,
# 10⁻³) and not a charge (Ca²⁺): those follow a short symbol, a digit or a sign, or go on with ⁺ / ⁻
_SUPERSCRIPTS = re.compile(
    rf"(?<=[^\W_][\w-]{{2}})([.,;:)\]”’\"']?)([{_SUPERSCRIPT_DIGITS}]+(?:[,⁻–-][{_SUPERSCRIPT_DIGITS}]+)*)(?![⁺⁻])")
_TO_DIGITS = str.maketrans(_SUPERSCRIPT_DIGITS + "⁻", "0123456789-")


@dataclass(frozen=True, slots=True)
class Citation:
    """One in-text citation of one reference: where it stands in the clean text and its style."""

    reference: int  # the Reference.index it points at
    start: int
    end: int
    text: str
    style: str  # "numbered", "superscript" or "author-year"


def _numbers(text: str) -> list[int]:
    """Expand ``1, 3-5`` into [1, 3, 4, 5] (a range of more than 50 is not a citation).

    >>> _numbers("1, 3-5"), _numbers("2–2"), _numbers("1-99")
    ([1, 3, 4, 5], [2], [])
    """
    parts = text.split(",")
    if all(part.strip().isdecimal() for part in parts):  # the usual "3" or "1, 4": no range
        return [int(part) for part in parts]
    found: list[int] = []
    for part in re.split(r"\s*,\s*", text.strip()):
        bounds = [int(b) for b in re.split(r"\s*[-–]\s*", part) if b]
        if len(bounds) == 1:
            found.append(bounds[0])
        elif len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= 50:
            found.extend(range(bounds[0], bounds[1] + 1))
        else:
            return []
    return found


def _by_number(references: Iterable[Reference]) -> dict[int, int]:
    """Map each printed reference number (or, unnumbered, its position) to Reference.index."""
    mapping: dict[int, int] = {}
    for ref in references:
        mapping.setdefault(ref.number or ref.index, ref.index)
    return mapping


def _author_year(references: Iterable[Reference]) -> tuple[re.Pattern | None, dict[tuple[str, int], list[int]]]:
    """One pattern for every first author (a surname, then the year within the same line) and the
    references each (surname, year) names: the text is read once, however long the list."""
    named: dict[tuple[str, int], list[int]] = {}
    for ref in references:
        if ref.first_author and ref.year:
            named.setdefault((ref.first_author, ref.year), []).append(ref.index)
    if not named:
        return None, named
    names = "|".join(sorted({re.escape(name) for name, _ in named}, key=len, reverse=True))
    # the look-ahead on first letters (same matches) lets the engine skip most positions
    firsts = "".join(sorted({re.escape(name[0]) for name, _ in named}))
    pattern = re.compile(
        rf"(?=[{firsts}])(?<![\w-])(?P<name>{names})(?![\w-])(?:[ \t]+et[ \t]+al\.?|[ \t]+(?:and|&)[ \t]+"
        rf"(?:colleagues|[A-Z][\w'’-]+))?[ \t,]*\(?[ \t]*(?P<year>\d{{4}})[a-z]?(?!\d)\)?")
    return pattern, named


def _body_spans(document: Document) -> list[tuple[int, int]]:
    """The clean-text spans outside reference lists."""
    spans, position = [], 0
    for section in sorted((s for s in document.sections if s.kind == "references"), key=lambda s: s.start):
        if section.start > position:
            spans.append((position, section.start))
        position = max(position, section.end)
    if position < len(document.clean_text):
        spans.append((position, len(document.clean_text)))
    return spans


def find_citations(document: Document) -> tuple[Citation, ...]:
    """Return every in-text citation of a document's references, in text order.

    >>> from graph.sources.extract import extract_document
    >>> doc = extract_document("d", "Fundamentals\\nInsulin lowers glucose [2]. Kapoor et al. (2006) "
    ...     "saw it too.\\nReferences\\n- Ryan, A. “One.” Diabetes Care, vol. 1, no. 1, 2002, pp. 1-2.\\n"
    ...     "- Kapoor, D. et al. “Two.” Eur J Endocrinol, vol. 2, no. 1, 2006, pp. 3-4.\\n")
    >>> [(c.reference, c.text, c.style) for c in find_citations(doc)]
    [(2, '[2]', 'numbered'), (2, 'Kapoor et al. (2006)', 'author-year')]
    """
    found = [Citation(*c) for c in _citations(document)]
    return tuple(sorted(found, key=lambda c: (c.start, c.reference)))


def _citations(document: Document):
    """The fields of each :class:`Citation` of :func:`find_citations`, style by style: plain
    tuples, so :func:`citations_by_paragraph` makes no record of the (many) it only counts."""
    if not document.references:
        return
    numbered = _by_number(document.references)
    pattern, named = _author_year(document.references)
    text = document.clean_text
    for lo, hi in _body_spans(document):
        body = text[lo:hi]
        for match in _BRACKETS.finditer(body):
            for n in _numbers(match.group(1)):
                if n in numbered:
                    yield numbered[n], lo + match.start(), lo + match.end(), match.group(), "numbered"
        # the superscript pattern is tried at every position: skip it where no such digit stands
        for match in _SUPERSCRIPTS.finditer(body) if any(d in body for d in _SUPERSCRIPT_DIGITS) else ():
            for n in _numbers(match.group(2).translate(_TO_DIGITS)):
                if n in numbered:
                    yield numbered[n], lo + match.start(2), lo + match.end(), match.group(2), "superscript"
        for match in pattern.finditer(body) if pattern is not None else ():
            for index in named.get((match.group("name"), int(match.group("year"))), ()):
                yield index, lo + match.start(), lo + match.end(), match.group(), "author-year"


def citations_by_paragraph(document: Document) -> dict[int, frozenset[int]]:
    """Map the clean-text offset where each paragraph starts to the references cited in it.

    A paragraph is a line of the clean text (a table row is its own paragraph). Empty for a
    document without in-text citations.
    """
    text, found = document.clean_text, {}
    for reference, start, *_ in _citations(document):
        # where the line holding ``start`` begins: Document.line_start, without the bisection
        found.setdefault(text.rfind("\n", 0, max(start, 0)) + 1, set()).add(reference)
    return {start: frozenset(found[start]) for start in sorted(found)}  # in text order, as before


def cited_in(document: Document, paragraphs: dict[int, frozenset[int]], start: int, end: int) -> set[int]:
    """Return the references cited in the paragraph(s) holding the clean-text span [start, end):
    a citation in the quote's sentence or anywhere in its paragraph ties it to the quote.

    >>> from graph.sources.extract import extract_document
    >>> doc = extract_document("d", "Fundamentals\\nInsulin lowers glucose. Muscle takes it up [1].\\n"
    ...     "Fat stores it.\\nReferences\\n- Ryan, A. “One.” Diabetes Care, vol. 1, no. 1, 2002, pp. 1-2.\\n")
    >>> paragraphs = citations_by_paragraph(doc)
    >>> cited_in(doc, paragraphs, *doc.find_quote("Insulin lowers glucose")), cited_in(doc, paragraphs, *doc.find_quote("Fat"))
    ({1}, set())
    """
    if not paragraphs:
        return set()
    refs, starts = set(), document.line_starts
    # the lines from the one holding ``start`` to the last one starting before ``end``, by bisection
    first = bisect.bisect_right(starts, max(start, 0)) - 1
    last = bisect.bisect_left(starts, max(end, start + 1))
    for position in starts[first:last]:
        refs |= paragraphs.get(position, frozenset())
    return refs
