"""hormone-kg: a knowledge graph of hormones, molecular mechanisms and the evidence behind them.

The front door for Python (:mod:`graph.api`)::

    import graph
    graph.build(".")                       # what `hkg build` does
    kg = graph.open(".")                   # the current build of the project in "."
    kg.paths("testosterone", "insulin sensitivity", max_length=3, limit=5)

Importing the package is cheap (``hkg entity`` starts in little more than Python itself): the
front door's names are imported on first use. ``open`` is left out of ``__all__`` so that
``from graph import *`` never hides the built-in.
"""

__version__ = "0.1.0"

__all__ = [
    "Citation",
    "Conflict",
    "Entity",
    "Evidence",
    "HkgError",
    "KnowledgeGraph",
    "Loop",
    "Neighbor",
    "Node",
    "Record",
    "Route",
    "Routes",
    "SparqlAnswer",
    "Step",
    "__version__",
    "build",
]

_FRONT_DOOR = frozenset(__all__) - {"HkgError", "__version__"} | {"open"}


def __getattr__(name: str):
    """Import the front door's names on first use (PEP 562)."""
    if name in _FRONT_DOOR:
        from graph import api

        return getattr(api, name)
    if name == "HkgError":
        from graph.errors import HkgError

        return HkgError
    raise AttributeError(f"module 'graph' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _FRONT_DOOR | {"HkgError"})
