"""SHACL validation of the built graph (pyshacl), with a readable report on failure."""

from __future__ import annotations

from importlib import resources

from rdflib import Graph

from graph.errors import ShapeError
from graph.model.vocab import BIOLINK, RDF

__all__ = ["load_shapes", "validate_graph"]


def load_shapes() -> Graph:
    """Return the project's SHACL shapes graph (``graph/rdf/shapes.ttl``)."""
    shapes = Graph()
    shapes.parse(data=resources.files("graph.rdf").joinpath("shapes.ttl").read_text(encoding="utf-8"),
                 format="turtle")
    return shapes


def validate_graph(graph: Graph) -> None:
    """Validate ``graph`` against the shapes.

    Biolink subclass facts are not in the graph, so ``sh:class biolink:NamedThing`` is checked by
    inferring it from each ``biolink:category`` first.

    :raises ShapeError: with one line per violation (focus node, path, message).
    """
    from pyshacl import validate


    data = Graph()
    for triple in graph:
        data.add(triple)
    for node in set(graph.subjects(BIOLINK.category, None)):
        data.add((node, RDF.type, BIOLINK.NamedThing))
    conforms, report, _text = validate(data, shacl_graph=load_shapes(), inference="none",
                                       advanced=False, allow_warnings=False)
    if conforms:
        return
    from rdflib.namespace import SH

    lines = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        lines.append(f"{graph.namespace_manager.normalizeUri(focus)}: "
                     f"{graph.namespace_manager.normalizeUri(path) if path else ''} {message}".strip())
    raise ShapeError("SHACL validation failed:\n" + "\n".join(sorted(lines)))
