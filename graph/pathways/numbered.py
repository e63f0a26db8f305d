"""The compiled route search over a build's adjacency file, with entity ids in and out.

:func:`graph.pathways.paths.find_paths` asks it for the entity sequences of the routes of an
:class:`graph.pathways.signed.IndexedView` (no context filter, no hierarchy steps) when hkg was
installed with a C compiler; otherwise, or for any other view, the same search runs in Python
(``graph.pathways.paths._routes``) and finds the same sequences, more slowly.
"""

from __future__ import annotations

import sys

from graph.errors import CacheError

#: the interface of the compiled module this code calls (``API`` in _search.c)
_API = 2

try:
    from graph.pathways import _search
except ImportError:  # installed without a C compiler: the Python search answers alone
    _search = None
if _search is not None and getattr(_search, "API", None) != _API:  # built from older source:
    _search = None  # reinstall (pip install -e .) to use it

__all__ = ["MAX_PARTIAL_ROUTES", "Numbered", "numbered"]

#: the most partial routes either search holds at one length (a question beyond it is refused)
MAX_PARTIAL_ROUTES = 2_000_000
#: the longest route the compiled search is asked for (its C int; any longer is the same question)
_LONGEST = 2**31 - 1


def _damaged(error: ValueError) -> CacheError:
    """A damaged adjacency file (the compiled module's ValueError) is a cache problem, said in
    one line, not an internal error."""
    return CacheError(str(error))


class Numbered:
    """A build's entities by number and the compiled search over them (one mapped file)."""

    def __init__(self, mapped):
        self._mapped = mapped

    def __contains__(self, node: object) -> bool:
        if not isinstance(node, str):
            return False
        try:
            return _search.number(self._mapped, node) >= 0
        except ValueError as error:
            raise _damaged(error) from None

    def routes(self, start: str, goal: str, first: int,
               max_length: int) -> tuple[list[tuple[str, ...]], int] | None:
        """The entity sequences of the routes from ``start`` to ``goal`` (both nodes) of the
        shortest length from ``first`` to ``max_length`` that has any, and the next length to
        ask for (0: no longer route exists; -1: more than :data:`MAX_PARTIAL_ROUTES` partial
        routes would be held at it). None when that many are passed before any route is found.

        One length per call keeps a question lazy (the caller stops when its limit is met);
        each call walks the shorter lengths again, which costs little beside the routes' claims.
        """
        max_length = min(max_length, _LONGEST)  # no simple route is longer than the entities
        try:
            return _search.routes(self._mapped, start, goal, first, max_length, MAX_PARTIAL_ROUTES)
        except ValueError as error:
            raise _damaged(error) from None


def numbered(index) -> Numbered | None:
    """The compiled search over an index's adjacency file (None without the compiled module or
    the file)."""
    if _search is None or sys.byteorder != "little":  # the file is little-endian; the C reads it as is
        return None
    mapped = index.adjacency()
    return Numbered(mapped) if mapped is not None else None
