"""Fast, exact text look-ups on extracted documents, for graphs of millions of claims.

:mod:`graph.sources.extract` defines what a quote, a section and a mention *are*
(:meth:`~graph.sources.extract.Document.find_quote`, :meth:`~graph.sources.extract.Document.section_at`,
:func:`~graph.sources.extract.find_mentions`); this module answers the same questions with the same
answers, only in batches and without work that grows with (claims × document size) or
(names × documents):

- :class:`QuoteFinder` finds the first occurrence of many quotes at once: a quote of three words
  or more is looked for only where its rarest inner word stands in the document (an inner word
  is a whole word of the text wherever the quote occurs); other quotes go through one pass over
  the document with a table of their prefixes. Folded offsets map back to clean-text offsets by
  bisection over the (few) runs of several whitespace characters;
- :class:`SectionLocator` answers ``section_at`` by bisection over precomputed intervals;
- :class:`MentionFinder` emulates the one-big-alternation regex of ``find_mentions`` with a
  table of names by first character and length, built once for every document.

``tests/sources/test_textindex.py`` checks each against the reference implementation.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import accumulate, compress, count

from graph.sources.extract import Document, Mention, _is_acronym, find_mentions

__all__ = ["MentionFinder", "QuoteFinder", "SectionLocator", "find_mentions_fast"]

#: quotes without a usable inner word are located through a table of their first this-many characters
PREFIX = 16
#: an inner word standing more often than this in the document is no use as an anchor
ANCHOR_LIMIT = 256
_RUNS = re.compile(r"\s+")
_LONG_RUNS = re.compile(r"\s{2,}")
_END = re.compile(r"(?![\w]|-\w)")


def _fold_runs(text: str) -> str:
    """``_RUNS.sub(" ", text)``: each run of whitespace as one space, made by split and join
    (many times faster; ``\\s`` and ``str.split`` know the same whitespace)."""
    words = text.split()
    if not words:
        return " " if text else ""
    folded = " ".join(words)
    return (" " if text[0].isspace() else "") + folded + (" " if text[-1].isspace() else "")


class QuoteFinder:
    """Find quotes in a document exactly as :meth:`Document.find_quote` does, many at once.

    Examples
    --------
    >>> from graph.sources.extract import extract_document
    >>> doc = extract_document("d", "Fundamentals\\nInsulin  lowers\\nblood sugar.\\n")
    >>> QuoteFinder(doc).find_all(["lowers blood sugar", "absent", "Insulin lowers blood"])
    [(22, 40), None, (13, 34)]
    """

    def __init__(self, document: Document):
        text = document.clean_text
        self.folded = _fold_runs(text)
        # a one-character run keeps the offsets that follow it: only longer runs shift them
        self.folded_starts: list[int] = []  # folded position of each long run's space
        self.run_starts: list[int] = []
        self.run_ends: list[int] = []
        shift = 0
        for match in _LONG_RUNS.finditer(text):
            self.folded_starts.append(match.start() - shift)
            self.run_starts.append(match.start())
            self.run_ends.append(match.end())
            shift += match.end() - match.start() - 1

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
        found = self._by_anchor(needles)
        rest = [i for i, at in enumerate(found) if at is False]
        if rest:
            for i, at in zip(rest, self._by_prefix([needles[i] for i in rest])):
                found[i] = at
        return [None if at is None else (self._original(at), self._original(at + len(n) - 1) + 1)
                for n, at in zip(needles, found)]

    def _by_anchor(self, needles: list[str]) -> list[int | None | bool]:
        """Folded position of each needle of three words or more (None: absent), else False."""
        folded = self.folded
        words = folded.split(" ")
        counts = Counter(words)
        plans: list = []
        for needle in needles:
            parts = needle.split(" ")
            if len(parts) < 3:
                plans.append(None)
                continue
            anchor = min(parts[1:-1], key=counts.__getitem__)  # a Counter: 0 when absent
            if counts[anchor] > ANCHOR_LIMIT:
                plans.append(None)
                continue
            # the anchor's offset in the needle: its first whole-word place after the first word
            # (parts.index(anchor, 1); the needle's words are split by single spaces)
            plans.append((anchor, needle.find(f" {anchor} ") + 1))
        anchors = {plan[0] for plan in plans if plan}
        where: dict[str, list[int]] = {}
        for i in compress(count(), map(anchors.__contains__, words)):  # the scan runs in C
            where.setdefault(words[i], []).append(i)
        starts = array("q", accumulate(map((1).__add__, map(len, words)), initial=0))
        found: list[int | None | bool] = []
        for needle, plan in zip(needles, plans):
            if plan is None:
                found.append(False)
                continue
            anchor, offset = plan
            found.append(next((s for s in (starts[i] - offset for i in where.get(anchor, ()))
                               if s >= 0 and folded.startswith(needle, s)), None))
        return found

    def _by_prefix(self, needles: list[str]) -> list[int | None]:
        """Folded position of each needle: one pass over the text with a table of prefixes."""
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
        found: list[int | None] = []
        for needle in needles:
            start = first.get(needle[:PREFIX]) if needle else None
            at = folded.find(needle, start) if start is not None else -1
            found.append(at if at >= 0 else None)
        return found


class SectionLocator:
    """Answer :meth:`Document.section_at` by bisection.

    >>> from graph.sources.extract import extract_document
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
    # characters whose representative is their str.lower(): a text of only these is keyed by
    # str.lower, far faster than a translation (capital sigma lowers by context: never here)
    lowered: set[str] = set()

    def key(text: str) -> str:
        chars = set(text)
        if chars <= lowered:
            return text.lower()
        for char in chars - seen:
            lower = tolower(ord(char))
            canonical = chr(min((lower, *_EXTRA_CASES.get(lower, ()))))
            if canonical != char:
                translation[ord(char)] = canonical
            if canonical == char.lower() and char != "\u03a3":
                lowered.add(char)
            seen.add(char)
        return text.lower() if chars <= lowered else text.translate(translation)

    return key


class _Pass:
    """One ``finditer`` pass of find_mentions' alternation (case-sensitive or not), emulated."""

    def __init__(self, chosen: list[tuple[str, str]], sensitive: bool, key):
        self.sensitive, self.key = sensitive, key
        self.lookup: dict[str, str] = {}
        self.names: set[str] = set()
        lengths: dict[str, set[int]] = {}
        for name, entity in reversed(chosen):
            k = name if sensitive else key(name)
            folded = name if sensitive else name.casefold()
            self.lookup[k if folded == k else folded] = entity  # one string where they agree
            self.names.add(k)
            lengths.setdefault(k[0], set()).add(len(k))
        self.lengths = {c: sorted(ls, reverse=True) for c, ls in lengths.items()}

    def run(self, text: str) -> list[tuple[int, int, str]]:
        sensitive, key, lengths, names, lookup = self.sensitive, self.key, self.lengths, self.names, self.lookup
        keyed_text = text if sensitive else key(text)
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


class MentionFinder:
    """Find entity names in documents exactly as :func:`graph.sources.extract.find_mentions` does.

    The tables of names are built once and serve every document: building them costs as much
    as scanning a document, and a project has as many names as a few documents have words.

    >>> from graph.sources.extract import extract_document
    >>> doc = extract_document("d", "Fundamentals\\nLow testosterone raises IL-6 and il-6-like signals.\\n")
    >>> [(m.entity, m.text) for m in MentionFinder({"Testosterone": "t", "IL-6": "il6"}).find(doc)]
    [('t', 'testosterone'), ('il6', 'IL-6')]
    """

    def __init__(self, names: Mapping[str, str] | Iterable[tuple[str, str]]):
        names = names if isinstance(names, Mapping) else dict(names)
        self.key = _case_key()
        self.passes: list[_Pass] = []
        if self.key is None:  # another Python: find_mentions itself answers
            self.names = names
            return
        pairs = sorted(names.items(), key=lambda item: (-len(item[0]), item[0]))
        for sensitive in (True, False):
            chosen = [(n, e) for n, e in pairs if _is_acronym(n) == sensitive and n.strip()]
            if chosen:
                self.passes.append(_Pass(chosen, sensitive, self.key))

    def find(self, document: Document, locator: SectionLocator | None = None) -> list[Mention]:
        """Return exactly what ``find_mentions(document, names)`` returns, in time linear in the text."""
        if self.key is None:
            return find_mentions(document, self.names)
        text = document.clean_text
        # (start, -length, pass): sorted as find_mentions' stable sort orders its matches
        found: list[tuple[int, int, int, int, str]] = []
        for number, one in enumerate(self.passes):
            found.extend((start, start - end, number, end, entity) for start, end, entity in one.run(text))
        found.sort()
        locator = locator or SectionLocator(document)
        spellings: dict[str, str] = {}  # one string per spelling, not one per mention
        mentions, last_end = [], -1
        for start, _length, _pass, end, entity in found:
            if start < last_end:
                continue
            section = locator.section_at(start)
            spelled = text[start:end]
            mentions.append(Mention(entity, spellings.setdefault(spelled, spelled),
                                    section.id if section else "", start, end))
            last_end = end
        return mentions


def find_mentions_fast(document: Document, names: Mapping[str, str] | Iterable[tuple[str, str]],
                       locator: SectionLocator | None = None) -> list[Mention]:
    """Return exactly what :func:`graph.sources.extract.find_mentions` returns, in time linear in the text.

    For several documents, build one :class:`MentionFinder` instead.

    >>> from graph.sources.extract import extract_document
    >>> doc = extract_document("d", "Fundamentals\\nLow testosterone raises IL-6 and il-6-like signals.\\n")
    >>> [(m.entity, m.text) for m in find_mentions_fast(doc, {"Testosterone": "t", "IL-6": "il6"})]
    [('t', 'testosterone'), ('il6', 'IL-6')]
    """
    return MentionFinder(names).find(document, locator)
