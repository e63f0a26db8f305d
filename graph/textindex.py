"""Fast, exact text look-ups on extracted documents, for graphs of millions of claims.

:mod:`graph.extract` defines what a quote, a section and a mention *are*
(:meth:`~graph.extract.Document.find_quote`, :meth:`~graph.extract.Document.section_at`,
:func:`~graph.extract.find_mentions`); this module answers the same questions with the same
answers, only in batches and without work that grows with (claims × document size) or
(names × document size):

- :class:`QuoteFinder` finds the first occurrence of many quotes in one pass over the document
  (a first-position table of the quotes' prefixes, then one ``str.find`` from there), and maps
  folded offsets back to clean-text offsets by bisection instead of a per-character table;
- :class:`SectionLocator` answers ``section_at`` by bisection over precomputed intervals;
- :func:`find_mentions_fast` emulates the one-big-alternation regex of ``find_mentions`` with
  a table of names by first character and length.

``tests/test_textindex.py`` checks each against the reference implementation.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping

from .extract import Document, Mention, _is_acronym, find_mentions

__all__ = ["QuoteFinder", "SectionLocator", "find_mentions_fast"]

#: quotes are located through a table of their first this-many (folded) characters
PREFIX = 16
_RUNS = re.compile(r"\s+")
_END = re.compile(r"(?![\w]|-\w)")


class QuoteFinder:
    """Find quotes in a document exactly as :meth:`Document.find_quote` does, many at once.

    Examples
    --------
    >>> from graph.extract import extract_document
    >>> doc = extract_document("d", "Fundamentals\\nInsulin  lowers\\nblood sugar.\\n")
    >>> QuoteFinder(doc).find_all(["lowers blood sugar", "absent"])
    [(22, 40), None]
    """

    def __init__(self, document: Document):
        text = document.clean_text
        self.folded_starts: list[int] = []  # folded position of each whitespace run's space
        self.run_starts: list[int] = []
        self.run_ends: list[int] = []
        pieces, last, shift = [], 0, 0
        for match in _RUNS.finditer(text):
            pieces.append(text[last:match.start()])
            self.folded_starts.append(match.start() - shift)
            self.run_starts.append(match.start())
            self.run_ends.append(match.end())
            pieces.append(" ")
            shift += match.end() - match.start() - 1
            last = match.end()
        pieces.append(text[last:])
        self.folded = "".join(pieces)

    def _original(self, at: int) -> int:
        i = bisect.bisect_right(self.folded_starts, at) - 1
        if i < 0:
            return at
        if self.folded_starts[i] == at:
            return self.run_starts[i]
        return self.run_ends[i] + (at - self.folded_starts[i] - 1)

    def find_all(self, quotes: Iterable[str]) -> list[tuple[int, int] | None]:
        """Return the (start, end) clean-text offsets of each quote (None: not in the text)."""
        needles = [" ".join(q.split()) for q in quotes]
        folded = self.folded
        wanted: dict[int, set[str]] = {}
        for needle in needles:
            if needle:
                k = min(PREFIX, len(needle))
                wanted.setdefault(k, set()).add(needle[:k])
        first: dict[str, int] = {}
        for k, prefixes in wanted.items():
            remaining = len(prefixes)
            for p in range(len(folded) - k + 1):
                gram = folded[p:p + k]
                if gram in prefixes and gram not in first:
                    first[gram] = p
                    remaining -= 1
                    if not remaining:
                        break
        spans: list[tuple[int, int] | None] = []
        for needle in needles:
            start = first.get(needle[:PREFIX]) if needle else None
            at = folded.find(needle, start) if start is not None else -1
            if at < 0:
                spans.append(None)
            else:
                spans.append((self._original(at), self._original(at + len(needle) - 1) + 1))
        return spans


class SectionLocator:
    """Answer :meth:`Document.section_at` by bisection.

    >>> from graph.extract import extract_document
    >>> doc = extract_document("d", "Fundamentals\\nInsulin lowers blood sugar.\\n")
    >>> SectionLocator(doc).section_at(15) == doc.section_at(15)
    True
    """

    def __init__(self, document: Document):
        self.document = document
        bounds = sorted({b for s in document.sections for b in (s.start, s.end)})
        self.bounds = bounds
        self.answers = [document.section_at(b) for b in bounds]

    def section_at(self, offset: int):
        """Return the innermost section containing ``offset`` (None if there is none)."""
        i = bisect.bisect_right(self.bounds, offset) - 1
        if i < 0:
            return None
        return self.answers[i]


def _case_key():
    """Return a function mapping a string to one representative per ``re.IGNORECASE`` class."""
    try:
        import _sre
        from re._casefix import _EXTRA_CASES
        tolower = _sre.unicode_tolower
    except (ImportError, AttributeError):  # another Python: the caller falls back
        return None
    translation: dict[int, str] = {}
    seen: set[str] = set()

    def key(text: str) -> str:
        new = set(text) - seen
        if new:
            for char in new:
                lower = tolower(ord(char))
                canonical = chr(min((lower, *_EXTRA_CASES.get(lower, ()))))
                if canonical != char:
                    translation[ord(char)] = canonical
            seen.update(new)
        return text.translate(translation)

    return key


def _pass(text: str, chosen: list[tuple[str, str]], sensitive: bool, key) -> list[tuple[int, int, str]]:
    """One ``finditer`` pass of find_mentions' alternation, emulated."""
    lookup = {(n if sensitive else n.casefold()): e for n, e in reversed(chosen)}
    keyed_text = text if sensitive else key(text)
    names: set[str] = set()
    lengths: dict[str, list[int]] = {}
    for name, _entity in chosen:
        k = name if sensitive else key(name)
        names.add(k)
        lengths.setdefault(k[0], []).append(len(k))
    lengths = {c: sorted(set(ls), reverse=True) for c, ls in lengths.items()}
    starters = [c for c in set(text) if (c if sensitive else key(c)) in lengths]
    if not starters:
        return []
    candidates = re.compile(r"(?<![\w-])[" + "".join(re.escape(c) for c in sorted(starters)) + "]")
    found, last_end = [], 0
    for match in candidates.finditer(text):
        p = match.start()
        if p < last_end:
            continue
        for length in lengths[keyed_text[p]]:
            q = p + length
            if q <= len(text) and keyed_text[p:q] in names and _END.match(text, q):
                matched = text[p:q]
                found.append((p, q, lookup[matched if sensitive else matched.casefold()]))
                last_end = q
                break
    return found


def find_mentions_fast(document: Document, names: Mapping[str, str] | Iterable[tuple[str, str]],
                       locator: SectionLocator | None = None) -> list[Mention]:
    """Return exactly what :func:`graph.extract.find_mentions` returns, in time linear in the text.

    >>> from graph.extract import extract_document
    >>> doc = extract_document("d", "Fundamentals\\nLow testosterone raises IL-6 and il-6-like signals.\\n")
    >>> [(m.entity, m.text) for m in find_mentions_fast(doc, {"Testosterone": "t", "IL-6": "il6"})]
    [('t', 'testosterone'), ('il6', 'IL-6')]
    """
    key = _case_key()
    if key is None:
        return find_mentions(document, names)
    pairs = sorted(dict(names.items() if isinstance(names, Mapping) else names).items(),
                   key=lambda item: (-len(item[0]), item[0]))
    text = document.clean_text
    found: list[tuple[int, int, str]] = []
    for sensitive in (True, False):
        chosen = [(n, e) for n, e in pairs if _is_acronym(n) == sensitive and n.strip()]
        if chosen:
            found.extend(_pass(text, chosen, sensitive, key))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    locator = locator or SectionLocator(document)
    mentions, last_end = [], -1
    for start, end, entity in found:
        if start < last_end:
            continue
        section = locator.section_at(start)
        mentions.append(Mention(entity, text[start:end], section.id if section else "", start, end))
        last_end = end
    return mentions
