"""Name folding: one key for every spelling of a name.

"TNF-α", "TNF-alpha", "tnf alpha" and "Tnf-Alpha" fold to the same key, so users and curators can
write names the way the document or their keyboard does.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata

__all__ = ["ABBREVIATED", "abbreviate", "fold", "match_name", "name_keys", "nearest", "similar", "slugify"]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@functools.lru_cache(maxsize=256)
def _greek_name(char: str) -> str | None:
    name = unicodedata.name(char, "")
    for prefix in ("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER "):
        if name.startswith(prefix):
            return name[len(prefix):].split(" ")[0].lower()
    return None


#: ASCII bytes that are not [0-9a-z]: deleted from a folded key
_DROP = bytes(c for c in range(128) if not (48 <= c <= 57 or 97 <= c <= 122))
_KEEP = re.compile(r"[0-9a-z]+")
_SPELLED: dict[str, str] = {}


def _spell(char: str) -> str:
    """Return the key a non-ASCII character folds to: a Greek letter's name, else its casefold's
    ASCII letters and digits."""
    key = _SPELLED.get(char)
    if key is None:
        key = _SPELLED[char] = "".join(_KEEP.findall((_greek_name(char) or char).casefold()))
    return key


def _spell_unencodable(error: UnicodeEncodeError) -> tuple[str, int]:
    return "".join(map(_spell, error.object[error.start:error.end])), error.end


# fold runs on every line of every document: encoding to ASCII with this handler for the (few)
# other characters, then deleting bytes, is many times faster than a loop or a regex over the text
codecs.register_error("hkg-fold", _spell_unencodable)


def fold(name: str) -> str:
    """Return the lookup key of a name: case, Greek letters, spaces and punctuation folded.

    Case folding and spelling out work character by character, so ASCII characters are only
    lowercased and every other character is replaced by its key (see :func:`_spell`).

    >>> fold("TNF-α") == fold("tnf alpha") == fold("Tnf-Alpha")
    True
    >>> fold("TNF-α"), fold("IKK beta"), fold("IR-β")
    ('tnfalpha', 'ikkbeta', 'irbeta')
    """
    text = unicodedata.normalize("NFKC", name)
    return text.encode("ascii", "hkg-fold").lower().translate(None, _DROP).decode("ascii")


def slugify(text: str) -> str:
    """Return a lowercase, hyphenated identifier for a heading or title.

    >>> slugify("How Does Testosterone Restoration Improve Insulin Sensitivity?")
    'how-does-testosterone-restoration-improve-insulin-sensitivity'
    >>> slugify("IKKβ and TNF-α")
    'ikkbeta-and-tnf-alpha'
    """
    text = unicodedata.normalize("NFKC", text)
    spelled = "".join((_greek_name(c) or c) if not c.isascii() else c for c in text)
    return _NON_ALNUM.sub("-", spelled.casefold()).strip("-")


def nearest(name: str, choices, limit: int = 3) -> list[str]:
    """Return up to ``limit`` of ``choices`` closest to ``name`` (for "did you mean").

    >>> nearest("tnf-alfa", ["tnf-alpha", "il-6", "insulin"])
    ['tnf-alpha']
    """
    from rapidfuzz import fuzz, process

    choices = list(dict.fromkeys(choices))
    scored = process.extract(name, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
    return [choice for choice, _score, _index in scored]


#: Greek letters researchers abbreviate to one Latin letter (IKKb, TNFa, PPARg, NF-kB, PKCd)
ABBREVIATED = {"alpha": "a", "beta": "b", "gamma": "g", "delta": "d", "kappa": "k"}
_SPELLED_GREEK = re.compile(r"(?<![a-z])(" + "|".join(ABBREVIATED) + r")(?![a-z])", re.IGNORECASE)

#: ranks of the names of an entity: its id, label and synonyms; its identifiers; abbreviations
RANK_NAME, RANK_XREF, RANK_ABBREVIATION = 0, 1, 2


def abbreviate(name: str) -> str:
    """Return the key of a name with its Greek letters abbreviated to one Latin letter.

    A Greek letter of :data:`ABBREVIATED` (or its name spelled out as a word of its own) becomes
    its first letter, so "IKKβ", "IKK-beta" and "IKK beta" all give the key of "IKKb".

    >>> abbreviate("IKKβ"), abbreviate("TNF-alpha"), abbreviate("NF-κB"), abbreviate("PPAR gamma")
    ('ikkb', 'tnfa', 'nfkb', 'pparg')
    >>> abbreviate("diabetes") == fold("diabetes")
    True
    """
    text = unicodedata.normalize("NFKC", name)
    letters = []
    for char in text:
        greek = _greek_name(char) if not char.isascii() else None
        letters.append(ABBREVIATED.get(greek, char) if greek else char)
    return fold(_SPELLED_GREEK.sub(lambda m: ABBREVIATED[m.group(1).lower()], "".join(letters)))


def name_keys(entity_id: str, label: str, synonyms=(), xrefs=()) -> set[tuple[str, str, str, int]]:
    """Return the ``(key, name, entity, rank)`` rows by which an entity is found.

    Every name (id, label, synonym) gives its :func:`fold` key (rank 0); every identifier
    (``HGNC:11892``) its folded key (rank 1); a name with Greek letters also its
    :func:`abbreviate` key (rank 2). A lookup takes the entities of the best rank that matches,
    so an exact name always wins over an abbreviation. The CLI, the SPARQL parameters and the
    HTML search all find entities by these keys.

    >>> sorted({k for k, *_ in name_keys("tnf-alpha", "TNF-α", ["TNF-alpha"], ["HGNC:11892"])})
    ['hgnc11892', 'tnfa', 'tnfalpha']
    """
    rows = set()
    for name in (entity_id, label, *synonyms):
        key = fold(name)
        if key:
            rows.add((key, name, entity_id, RANK_NAME))
            short = abbreviate(name)
            if short and short != key:
                rows.add((short, name, entity_id, RANK_ABBREVIATION))
    for xref in xrefs:
        if fold(xref):
            rows.add((fold(xref), xref, entity_id, RANK_XREF))
    return rows


def similar(name: str, rows, limit: int = 3, cutoff: float = 80) -> list[tuple[str, str]]:
    """Return up to ``limit`` ``(entity, name)`` pairs whose names are most like ``name``.

    Names are compared by their folded keys (rapidfuzz's normalised Indel similarity, 0-100):
    a key at least ``cutoff`` similar, or one that starts with the whole query (three letters or
    more), is a candidate; each entity is named once, by its closest name. ``rows`` are
    ``(key, name, entity)`` triples (identifiers are left out: a mistyped number is no name).

    >>> rows = [("testosterone", "testosterone", "t"), ("tnfalpha", "TNF-α", "tnf"),
    ...         ("homair", "HOMA-IR", "homa"), ("gh", "GH", "gh"), ("thighs", "thighs", "th")]
    >>> similar("testosteron", rows), similar("hgh", rows), similar("metformin", rows)
    ([('t', 'testosterone')], [('gh', 'GH')], [])
    """
    from rapidfuzz import fuzz

    query = fold(name)
    if not query:
        return []
    best: dict[str, tuple[float, str, str]] = {}
    for key, label, entity in rows:
        score = fuzz.ratio(query, key)
        if score < cutoff and not (len(query) >= 3 and key.startswith(query)):
            continue
        score = max(score, cutoff)
        candidate = (-score, label.casefold(), label)
        if entity not in best or candidate < best[entity]:
            best[entity] = candidate
    ranked = sorted(best.items(), key=lambda item: (item[1], item[0]))
    return [(entity, found[2]) for entity, found in ranked[:limit]]


def match_name(db, name: str) -> list[str]:
    """Return the ids of the entities a name denotes in an index database (sorted; [] if none).

    ``db`` is an open ``sqlite3`` connection to a build's lookup index (:mod:`graph.cache.index`).
    An entity id (bare, ``entity:``-prefixed or as its IRI) denotes itself; otherwise the name's
    :func:`fold` key is looked up among the keys of :func:`name_keys`,
    and the entities of the best rank found are returned (an exact name before an identifier
    before an abbreviation). Shared by :meth:`graph.cache.index.Index.resolve` and :mod:`graph.cli.fastpath`
    (which needs it without importing anything heavier than this module).
    """
    text = name.strip()
    for candidate in (text, text.rsplit("/", 1)[-1] if "://" in text else None,
                      text.split(":", 1)[1] if text.lower().startswith("entity:") else None):
        if candidate and db.execute("SELECT 1 FROM entities WHERE id = ?", (candidate,)).fetchone():
            return [candidate]
    rows = db.execute("SELECT entity, rank FROM names WHERE key = ? ORDER BY rank, entity",
                      (fold(text),)).fetchall()
    if not rows:
        return []
    return sorted({entity for entity, rank in rows if rank == rows[0][1]})
