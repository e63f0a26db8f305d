"""A registry of named export formats; the CLI's ``--format`` choices come from it.

Like rdflib's plugin registry: each format has a name, aliases, a file extension and a function
from the RDF graph to bytes. Every serialisation is canonical (sorted, no blank nodes, no
timestamps), so exports are byte-identical on every run and machine.

The formats: Turtle, N-Triples and JSON-LD (the RDF itself); GraphML (Cytoscape, Gephi); KGX TSV
and KGX JSON Lines (a nodes file and an edges file each, Biolink fields); Cytoscape.js JSON. A
format of several files names its ``parts`` (``hormone-kg_nodes.tsv``, ``hormone-kg_edges.tsv``);
:meth:`ExportFormat.files` returns every file of a format, and :attr:`ExportFormat.read` loads
them back (the round-trip tests use it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from graph.atomic import write_atomic
from graph.errors import UnknownFormatError
from graph.exports import kgx
from graph.exports.kgx import (EDGE_COLUMNS, NODE_COLUMNS, graph_tables, write_cytoscape, write_graphml,
                               write_jsonl, write_tsv)
from graph.model.vocab import prefixes
from graph.project import EXPORT_STEM

__all__ = ["ExportFormat", "export_build", "export_files", "export_formats", "format_names", "get_format",
           "register_format", "sorted_ntriples"]


@dataclass(frozen=True)
class ExportFormat:
    """A named serialisation of the graph: one file (``serialize``) or several (``parts``).

    ``read`` loads a format's files (file name → bytes, as :meth:`files` returns them) back into
    node and edge records (:class:`graph.exports.kgx.GraphTables`).
    """

    name: str
    extension: str
    media_type: str
    serialize: Callable[[Graph], bytes] | None
    aliases: tuple[str, ...] = field(default=())
    rdf_format: str | None = None  # rdflib parser name, for formats that are RDF
    parts: tuple[str, ...] = ()  # the files of a multi-file format, e.g. ("nodes", "edges")
    serialize_parts: Callable[[Graph], dict[str, bytes]] | None = None
    read: Callable[[Mapping[str, bytes]], object] | None = None
    description: str = ""

    def filenames(self, stem: str) -> tuple[str, ...]:
        """Return the names of the files this format writes for ``stem``.

        >>> get_format("kgx-tsv").filenames("hormone-kg")
        ('hormone-kg_nodes.tsv', 'hormone-kg_edges.tsv')
        >>> get_format("ttl").filenames("hormone-kg")
        ('hormone-kg.ttl',)
        """
        if self.parts:
            return tuple(f"{stem}_{part}.{self.extension}" for part in self.parts)
        return (f"{stem}.{self.extension}",)

    def files(self, graph: Graph, stem: str) -> dict[str, bytes]:
        """Return every file of this format for ``graph``: file name → bytes."""
        if self.parts:
            produced = self.serialize_parts(graph)
            return {name: produced[part] for name, part in zip(self.filenames(stem), self.parts)}
        return {self.filenames(stem)[0]: self.serialize(graph)}


_REGISTRY: dict[str, ExportFormat] = {}


def register_format(fmt: ExportFormat) -> None:
    """Register a format under its name and aliases."""
    for key in (fmt.name, *fmt.aliases):
        _REGISTRY[key.lower()] = fmt


def format_names() -> list[str]:
    """Return every name and alias the registry knows, sorted (the CLI's choices)."""
    return sorted(_REGISTRY)


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
    graph.errors.UnknownFormatError: unknown format 'docx'; known formats: cyjs, cytoscape, graphml, json-ld, jsonld, kgx-jsonl, kgx-tsv, n-triples, nt, ttl, turtle
    """
    try:
        return _REGISTRY[name.lower()]
    except KeyError:
        raise UnknownFormatError(name, _REGISTRY) from None


def sorted_ntriples(graph: Graph) -> bytes:
    """Return ``graph`` as N-Triples, one line per triple, sorted and without duplicates: the bytes
    of the N-Triples export and of every build's ``graph.nt`` (what the SHACL checker and the
    index writer read)."""
    lines = sorted(set(graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()))
    return ("\n".join(line for line in lines if line.strip()) + "\n").encode("utf-8")


def _turtle(graph: Graph) -> bytes:
    """Turtle as every build writes it: Oxigraph's writer over the sorted N-Triples (the same
    bytes as the streamed build's :func:`graph.pipeline.bulk.write_turtle`)."""
    import pyoxigraph as ox

    triples = ox.parse(sorted_ntriples(graph), format=ox.RdfFormat.N_TRIPLES)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=dict(sorted(prefixes().items())))


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




def _read_rdf(rdf_format: str):
    def read(files: Mapping[str, bytes]):
        (data,) = files.values()
        return graph_tables(Graph().parse(data=data.decode("utf-8"), format=rdf_format))

    return read


def _tables(graph: Graph):
    return graph_tables(graph)


def _kgx_parts(writer):
    def serialize_parts(graph: Graph) -> dict[str, bytes]:
        tables = _tables(graph)
        if writer == "tsv":
            return {"nodes": write_tsv(tables.nodes, NODE_COLUMNS), "edges": write_tsv(tables.edges, EDGE_COLUMNS)}
        return {"nodes": write_jsonl(tables.nodes), "edges": write_jsonl(tables.edges)}

    return serialize_parts


def _kgx_read(reader_name):
    def read(files: Mapping[str, bytes]):
        return kgx.read_parts(files, getattr(kgx, reader_name))

    return read


def _graphml(graph: Graph) -> bytes:
    return write_graphml(_tables(graph))


def _cytoscape(graph: Graph) -> bytes:
    return write_cytoscape(_tables(graph))


def _read_one(reader_name):
    def read(files: Mapping[str, bytes]):
        (data,) = files.values()
        return getattr(kgx, reader_name)(data)

    return read


def export_files(project, name: str) -> dict[str, bytes]:
    """Return the current build's graph in format ``name``: file name → bytes.

    The graph is read from the build cache (``hkg build`` first), so an export always matches
    what lookups, paths and SPARQL see.

    :raises UnknownFormatError: listing the known formats.
    :raises CacheError: when nothing has been built yet.
    """

    fmt = get_format(name)
    graph = Graph().parse(project.current_build() / "graph.nt", format="nt")
    return fmt.files(graph, EXPORT_STEM)


def export_build(project, name: str, directory: str | Path) -> list[Path]:
    """Write the current build's graph in format ``name`` into ``directory``; return the files.

    :raises UnknownFormatError: listing the known formats.
    :raises CacheError: when nothing has been built yet.
    """

    written = []
    for filename, content in export_files(project, name).items():
        target = Path(directory) / filename
        write_atomic(target, content)
        written.append(target)
    return written


register_format(ExportFormat("turtle", "ttl", "text/turtle", _turtle, ("ttl",), "turtle",
                             read=_read_rdf("turtle"), description="RDF Turtle"))
register_format(ExportFormat("n-triples", "nt", "application/n-triples", sorted_ntriples, ("nt",), "nt",
                             read=_read_rdf("nt"), description="RDF N-Triples, sorted"))
register_format(ExportFormat("json-ld", "jsonld", "application/ld+json", _jsonld, ("jsonld",), "json-ld",
                             read=_read_rdf("json-ld"), description="RDF JSON-LD"))
register_format(ExportFormat("graphml", "graphml", "application/graphml+xml", _graphml,
                             read=_read_one("read_graphml"),
                             description="GraphML for Cytoscape and Gephi: entities and signed claims"))
register_format(ExportFormat("kgx-tsv", "tsv", "text/tab-separated-values", None, parts=("nodes", "edges"),
                             serialize_parts=_kgx_parts("tsv"), read=_kgx_read("read_tsv"),
                             description="KGX TSV: nodes and edges files with Biolink fields"))
register_format(ExportFormat("kgx-jsonl", "jsonl", "application/x-ndjson", None, parts=("nodes", "edges"),
                             serialize_parts=_kgx_parts("jsonl"), read=_kgx_read("read_jsonl"),
                             description="KGX JSON Lines: nodes and edges files with Biolink fields"))
register_format(ExportFormat("cytoscape", "cyjs", "application/json", _cytoscape, ("cyjs",),
                             read=_read_one("read_cytoscape"), description="Cytoscape.js JSON"))
