"""Name folding: one key for every spelling of a name.

"TNF-α", "TNF-alpha", "tnf alpha" and "Tnf-Alpha" fold to the same key, so users and curators can
write names the way the document or their keyboard does.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata

__all__ = ["fold", "nearest", "slugify"]

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
