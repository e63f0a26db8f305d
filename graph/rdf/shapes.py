"""SHACL validation of a graph in memory: the shapes, and the one checker every build runs."""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

from rdflib import Graph

from graph.rdf.checks import check_ntriples
from graph.rdf.triples import sorted_ntriples

__all__ = ["load_shapes", "validate_graph"]


def load_shapes() -> Graph:
    """Return the project's SHACL shapes graph (``graph/rdf/shapes.ttl``)."""
    shapes = Graph()
    shapes.parse(data=resources.files("graph.rdf").joinpath("shapes.ttl").read_text(encoding="utf-8"),
                 format="turtle")
    return shapes


def validate_graph(graph: Graph) -> None:
    """Validate ``graph`` against the shapes, with the checker every build uses at every size.

    The graph is written as sorted N-Triples and checked by :func:`graph.rdf.checks.check_ntriples`
    (Biolink subclass facts are not in the graph: ``sh:class biolink:NamedThing`` is inferred from
    each ``biolink:category``, as the checker does for a build). pyshacl, which reads the same
    shapes, is the oracle the checker is tested against (tests/rdf/test_checks.py).

    :raises ShapeError: with one line per violation (focus node, path, message).
    """
    with tempfile.TemporaryDirectory(prefix="hkg-shapes-") as folder:
        path = Path(folder) / "graph.nt"
        path.write_bytes(sorted_ntriples(graph))
        check_ntriples(path)
