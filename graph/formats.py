"""A registry of named export formats; the CLI's ``--format`` choices come from it.

Like rdflib's plugin registry: each format has a name, aliases, a file extension and a function
from the RDF graph to bytes. Every serialisation is canonical (sorted, no blank nodes, no
timestamps), so exports are byte-identical on every run and machine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from rdflib import Graph

from .errors import UnknownFormatError
from .vocab import prefixes

__all__ = ["ExportFormat", "export_formats", "get_format", "register_format"]


@dataclass(frozen=True)
class ExportFormat:
    """A named serialisation of the graph."""

    name: str
    extension: str
    media_type: str
    serialize: Callable[[Graph], bytes]
    aliases: tuple[str, ...] = field(default=())
    rdf_format: str | None = None  # rdflib parser name, for formats that are RDF


_REGISTRY: dict[str, ExportFormat] = {}


def register_format(fmt: ExportFormat) -> None:
    """Register a format under its name and aliases."""
    for key in (fmt.name, *fmt.aliases):
        _REGISTRY[key.lower()] = fmt


def export_formats() -> list[ExportFormat]:
    """Return every registered format once, sorted by name."""
    return sorted({f.name: f for f in _REGISTRY.values()}.values(), key=lambda f: f.name)


def get_format(name: str) -> ExportFormat:
    """Return the format registered under ``name`` or one of its aliases.

    >>> get_format("ttl").name
    'turtle'
    >>> get_format("docx")
    Traceback (most recent call last):
    ...
    graph.errors.UnknownFormatError: unknown format 'docx'; known formats: json-ld, jsonld, n-triples, nt, ttl, turtle
    """
    try:
        return _REGISTRY[name.lower()]
    except KeyError:
        raise UnknownFormatError(name, _REGISTRY) from None


def _ntriples(graph: Graph) -> bytes:
    lines = sorted(set(graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()))
    return ("\n".join(line for line in lines if line.strip()) + "\n").encode("utf-8")


def _turtle(graph: Graph) -> bytes:
    # rdflib's Turtle writer orders subjects and predicates but not every object list; going
    # through sorted N-Triples into a fresh graph fixes insertion order, which it follows.
    canonical = Graph()
    for name, namespace in prefixes().items():
        canonical.bind(name, namespace, override=True, replace=True)
    canonical.parse(data=_ntriples(graph).decode("utf-8"), format="nt")
    return canonical.serialize(format="turtle", encoding="utf-8")


def _sorted_json(value):
    if isinstance(value, dict):
        return {key: _sorted_json(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        items = [_sorted_json(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))
    return value


def _jsonld(graph: Graph) -> bytes:
    context = {name: namespace for name, namespace in prefixes().items()}
    text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    document = json.loads(text)
    if "@graph" in document:
        document["@graph"] = sorted((_sorted_json(node) for node in document["@graph"]),
                                    key=lambda node: node.get("@id", ""))
    document["@context"] = dict(sorted(document.get("@context", {}).items()))
    ordered = {"@context": document.pop("@context"), **{k: document[k] for k in sorted(document)}}
    return (json.dumps(ordered, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


register_format(ExportFormat("turtle", "ttl", "text/turtle", _turtle, ("ttl",), "turtle"))
register_format(ExportFormat("n-triples", "nt", "application/n-triples", _ntriples, ("nt",), "nt"))
register_format(ExportFormat("json-ld", "jsonld", "application/ld+json", _jsonld, ("jsonld",), "json-ld"))
