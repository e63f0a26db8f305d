"""A registry of named export formats; the CLI's ``--format`` choices come from it.

Like rdflib's plugin registry: each format has a name, aliases, a file extension and a writer.
Every export is written from a finished build, at every size by the same code and in bounded
memory: the RDF formats by Oxigraph's streaming serializers from the build's sorted N-Triples
(``graph.nt``), the table formats from the KGX records of its lookup index
(:func:`graph.exports.kgx.index_tables`, one pass for all of them). Every serialisation is
canonical (sorted input, no blank nodes, no timestamps), so exports are byte-identical on every
run and machine.

The formats: Turtle, N-Triples and JSON-LD (the RDF itself); GraphML (Cytoscape, Gephi); KGX TSV
and KGX JSON Lines (a nodes file and an edges file each, Biolink fields); Cytoscape.js JSON. A
format of several files names its ``parts`` (``hormone-kg_nodes.tsv``, ``hormone-kg_edges.tsv``);
:attr:`ExportFormat.read` loads a format's files back (the round-trip tests use it).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from graph.atomic import atomic_path
from graph.errors import UnknownFormatError
from graph.exports import kgx
from graph.exports.kgx import CytoscapeWriter, GraphmlWriter, JsonlWriter, TsvWriter, index_tables, write_tables
from graph.model.vocab import prefixes
from graph.project import EXPORT_STEM

__all__ = ["ExportFormat", "distributions", "export_build", "export_formats", "format_names", "get_format",
           "register_format", "write_exports", "write_rdf_exports", "write_table_exports"]


@dataclass(frozen=True)
class ExportFormat:
    """A named serialisation of the graph: RDF (``oxigraph``: the name of Oxigraph's
    ``RdfFormat``, written from the sorted N-Triples) or a table format (``writer``: made with one
    text stream per file of ``parts``, fed the KGX node and edge records).

    ``read`` loads a format's files (file name → bytes) back: an rdflib graph for RDF, node and
    edge records (:class:`graph.exports.kgx.GraphTables`) for the others.
    """

    name: str
    extension: str
    media_type: str
    aliases: tuple[str, ...] = field(default=())
    rdf_format: str | None = None  # rdflib parser name, for formats that are RDF
    oxigraph: str | None = None  # Oxigraph's RdfFormat member that writes it
    parts: tuple[str, ...] = ()  # the files of a multi-file format, e.g. ("nodes", "edges")
    writer: Callable[..., object] | None = None
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


#: triples handed to the serializers at a time, and batches queued ahead of the slowest one
_BATCH, _AHEAD = 20_000, 4
_END = None


def _serialize_together(nt_path: Path, outputs: list[tuple[str, Path]]) -> None:
    """Write ``nt_path`` in each of some Oxigraph formats (``(RdfFormat name, file)``), parsing it
    once: parsing is most of a serializer's time, so each serializer runs in a thread fed the
    same batches of parsed triples through a short queue (memory stays bounded)."""
    import itertools
    import queue
    import threading

    import pyoxigraph as ox

    feeds = [queue.Queue(maxsize=_AHEAD) for _ in outputs]
    failures: list[BaseException] = []

    def serialize(name: str, target: Path, feed: queue.Queue) -> None:
        ended = False

        def fed():
            nonlocal ended
            while (batch := feed.get()) is not _END:
                yield from batch
            ended = True

        try:
            ox.serialize(fed(), output=str(target), format=getattr(ox.RdfFormat, name),
                         prefixes=dict(sorted(prefixes().items())))
        except BaseException as error:  # noqa: BLE001 - re-raised by the caller
            failures.append(error)
            while not ended and feed.get() is not _END:  # drain: a dead reader never blocks the parser
                pass

    threads = [threading.Thread(target=serialize, args=(name, target, feed), daemon=True)
               for (name, target), feed in zip(outputs, feeds)]
    for thread in threads:
        thread.start()
    try:
        # lenient (a third of the parse): the file is a build's own sorted output, which the
        # store loads with every check on (a bad IRI fails the build there)
        triples = ox.parse(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES, lenient=True)
        while batch := list(itertools.islice(triples, _BATCH)):
            for feed in feeds:
                feed.put(batch)
    finally:
        for feed in feeds:
            feed.put(_END)
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]


def distributions(names: Iterable[str]) -> tuple[tuple[str, str, str], ...]:
    """(file name, media type, description) of every file a build writes to exports/ for the
    formats ``names``, graph.html included: what the dataset description lists as its
    distributions."""
    found = [(filename, fmt.media_type, fmt.description) for fmt in map(get_format, names)
             for filename in fmt.filenames(EXPORT_STEM)]
    return (*found, ("graph.html", "text/html", "HTML explorer of the graph (vis-network, works offline)"))


def write_exports(nt_path: Path, index, directory: Path, names: Iterable[str], stem: str = EXPORT_STEM) -> list[Path]:
    """Write the formats ``names`` of a build (its sorted N-Triples and its open
    :class:`graph.cache.index.Index`) into ``directory``; return the files, each written atomically.

    :raises UnknownFormatError: listing the known formats.
    """
    names = list(names)
    return sorted(write_rdf_exports(nt_path, directory, names, stem) + write_table_exports(index, directory, names, stem))


def write_rdf_exports(nt_path: Path, directory: Path, names: Iterable[str], stem: str = EXPORT_STEM) -> list[Path]:
    """Write those of the formats ``names`` that are RDF, from the sorted N-Triples alone (a
    build writes them in a child process, beside the index); return the files.

    :raises UnknownFormatError: listing the known formats.
    """
    formats = {fmt.name: fmt for fmt in map(get_format, names) if fmt.oxigraph}.values()
    targets = [Path(directory) / fmt.filenames(stem)[0] for fmt in formats]
    with ExitStack() as stack:  # every file renamed into place only when all are written
        temps = [stack.enter_context(atomic_path(target)) for target in targets]
        serialized = []
        for fmt, temp in zip(formats, temps):
            if fmt.oxigraph == "N_TRIPLES":  # graph.nt is the export: sorted, without duplicates
                shutil.copyfile(nt_path, temp)
            else:
                serialized.append((fmt.oxigraph, temp))
        if serialized:
            _serialize_together(Path(nt_path), serialized)
    return targets


def write_table_exports(index, directory: Path, names: Iterable[str], stem: str = EXPORT_STEM) -> list[Path]:
    """Write those of the formats ``names`` that are tables, from the index in one pass; return the
    files (each renamed into place only when all are written).

    :raises UnknownFormatError: listing the known formats.
    """
    tables = list({fmt.name: fmt for fmt in map(get_format, names) if fmt.writer}.values())
    written = []
    if tables:
        with ExitStack() as stack:
            writers = []
            for fmt in tables:
                targets = [Path(directory) / filename for filename in fmt.filenames(stem)]
                streams = [stack.enter_context(open(stack.enter_context(atomic_path(target)), "w",
                                                    encoding="utf-8", newline="\n")) for target in targets]
                writers.append(fmt.writer(*streams))
                written.extend(targets)
            write_tables(index_tables(index), writers)
    return written


def export_build(project, name: str, directory: str | Path) -> list[Path]:
    """Write the current build's graph in format ``name`` into ``directory``; return the files.

    The graph is read from the build cache (``hkg build`` first), so an export always matches
    what lookups, paths and SPARQL see.

    :raises UnknownFormatError: listing the known formats.
    :raises CacheError: when nothing has been built yet.
    """
    from graph.cache.index import Index

    fmt = get_format(name)
    build = project.current_build()
    index = Index(build / "index.sqlite", root=project.root)  # the same build as graph.nt
    try:
        return write_exports(build / "graph.nt", index, Path(directory), [fmt.name])
    finally:
        index.close()


def _read_rdf(rdf_format: str):
    def read(files: Mapping[str, bytes]):
        from rdflib import Graph

        (data,) = files.values()
        return Graph().parse(data=data.decode("utf-8"), format=rdf_format)

    return read


def _read_parts(reader_name):
    def read(files: Mapping[str, bytes]):
        return kgx.read_parts(files, getattr(kgx, reader_name))

    return read


def _read_one(reader_name):
    def read(files: Mapping[str, bytes]):
        (data,) = files.values()
        return getattr(kgx, reader_name)(data)

    return read


register_format(ExportFormat("turtle", "ttl", "text/turtle", ("ttl",), "turtle", "TURTLE",
                             read=_read_rdf("turtle"), description="RDF Turtle"))
register_format(ExportFormat("n-triples", "nt", "application/n-triples", ("nt",), "nt", "N_TRIPLES",
                             read=_read_rdf("nt"), description="RDF N-Triples, sorted"))
register_format(ExportFormat("json-ld", "jsonld", "application/ld+json", ("jsonld",), "json-ld", "JSON_LD",
                             read=_read_rdf("json-ld"), description="RDF JSON-LD (expanded, one node object per subject)"))
register_format(ExportFormat("graphml", "graphml", "application/graphml+xml", writer=GraphmlWriter,
                             read=_read_one("read_graphml"),
                             description="GraphML for Cytoscape and Gephi: entities and signed claims"))
register_format(ExportFormat("kgx-tsv", "tsv", "text/tab-separated-values", parts=("nodes", "edges"),
                             writer=TsvWriter, read=_read_parts("read_tsv"),
                             description="KGX TSV: nodes and edges files with Biolink fields"))
register_format(ExportFormat("kgx-jsonl", "jsonl", "application/x-ndjson", parts=("nodes", "edges"),
                             writer=JsonlWriter, read=_read_parts("read_jsonl"),
                             description="KGX JSON Lines: nodes and edges files with Biolink fields"))
register_format(ExportFormat("cytoscape", "cyjs", "application/json", ("cyjs",), writer=CytoscapeWriter,
                             read=_read_one("read_cytoscape"), description="Cytoscape.js JSON"))
