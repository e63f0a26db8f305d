"""SPARQL answers as one value, whatever ran the query, and their serialisations.

A :class:`QueryResult` holds the answer of a SELECT (variables and rows of RDF terms), an ASK (a
boolean) or a CONSTRUCT / DESCRIBE (triples), from the embedded store or a remote endpoint alike.
Results formats (SPARQL 1.1 JSON, XML, CSV, TSV) and graph formats (Turtle, N-Triples, JSON-LD,
RDF/XML) are written by pyoxigraph's own serialisers, so the output is standard; a table renders
terms compactly for people (``entity:tnf-alpha``, ``HGNC:6081``).
"""

from __future__ import annotations

import functools
import io
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from graph.errors import AnswerTooLargeError, UnknownFormatError
from graph.model.prefixes import converter
from graph.model.vocab import prefixes
from graph.render import table_width, to_json

__all__ = [
    "CLI_FORMATS",
    "GRAPH_MEDIA_TYPES",
    "QueryResult",
    "RESULT_MEDIA_TYPES",
    "check_answer_size",
    "compact_term",
    "render_result",
    "serialize_result",
    "serialize_triples",
    "write_answer",
]

#: media type → pyoxigraph format, for SELECT and ASK answers (first: the default)
RESULT_MEDIA_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
#: media type → pyoxigraph format, for CONSTRUCT and DESCRIBE answers (first: the default)
GRAPH_MEDIA_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}
#: ``hkg sparql --format`` choices
CLI_FORMATS = ("table", "json", "csv", "tsv", "xml", "turtle", "nt", "jsonld")
_CLI_RESULT_TYPES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                     "csv": "text/csv", "tsv": "text/tab-separated-values"}
_CLI_GRAPH_TYPES = {"table": "text/turtle", "turtle": "text/turtle", "nt": "application/n-triples",
                    "json": "application/ld+json", "jsonld": "application/ld+json",
                    "xml": "application/rdf+xml"}


@dataclass(frozen=True)
class QueryResult:
    """The answer to one query.

    Attributes
    ----------
    form : str
        ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``.
    variables : tuple of str
        SELECT: the column names, in the query's order.
    rows : tuple of tuple
        SELECT: one tuple of pyoxigraph terms (None when unbound) per solution.
    boolean : bool or None
        ASK: the answer.
    triples : tuple of pyoxigraph.Triple
        CONSTRUCT / DESCRIBE: the triples.
    truncated : bool
        True when a result limit cut the answer short.
    """

    form: str
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[Any, ...] = field(default=())
    truncated: bool = False

    @property
    def kind(self) -> str:
        """``bindings`` (SELECT), ``boolean`` (ASK) or ``graph`` (CONSTRUCT, DESCRIBE)."""
        return {"SELECT": "bindings", "ASK": "boolean"}.get(self.form, "graph")

    @classmethod
    def from_pyoxigraph(cls, answer, form: str, limit: int | None = None,
                        max_bytes: int | None = None) -> "QueryResult":
        """Collect a pyoxigraph answer (solutions, boolean or triples), at most ``limit`` items.

        Parameters
        ----------
        answer : QuerySolutions, QueryBoolean or QueryTriples
            What ``Store.query`` or ``parse_query_results`` returned.
        form : str
            The query form; used for the graph forms (an iterator of triples does not say).
        limit : int, optional
            The most rows or triples to keep (default None: all); the rest sets ``truncated``.
        max_bytes : int, optional
            The most bytes the terms kept may take, written as N-Triples (default None: no
            limit); counted as the answer is read, so a larger one is never held.

        Raises
        ------
        AnswerTooLargeError
            If the answer passes ``max_bytes``.
        """
        if isinstance(answer, ox.QueryBoolean):
            return cls("ASK", boolean=bool(answer))
        if isinstance(answer, ox.QuerySolutions):
            names = tuple(v.value for v in answer.variables)
            rows, truncated = _take((tuple(solution[name] for name in names) for solution in answer), limit,
                                    max_bytes)
            return cls("SELECT", variables=names, rows=rows, truncated=truncated)
        triples, truncated = _take(iter(answer), limit, max_bytes)
        return cls(form if form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT", triples=triples,
                   truncated=truncated)

    def table(self) -> list[list[str]]:
        """Return the rows as N-Triples strings ('' when unbound), for comparisons in tests.

        Triples become [subject, predicate, object] rows, sorted; an ASK is one row.
        """
        if self.kind == "boolean":
            return [[str(self.boolean).lower()]]
        if self.kind == "graph":
            return sorted([str(t.subject), str(t.predicate), str(t.object)] for t in self.triples)
        return [["" if term is None else str(term) for term in row] for row in self.rows]


def _size(item) -> int:
    """Bytes of a row (a tuple of terms or None) or a triple, written as N-Triples."""
    if isinstance(item, tuple):
        return sum(len(str(term)) + 1 for term in item if term is not None) + 1
    return len(str(item)) + 1


def check_answer_size(size: int, max_bytes: int | None) -> None:
    """Refuse an answer of ``size`` bytes over ``max_bytes`` (None: no limit)."""

    if max_bytes is not None and size > max_bytes:
        raise AnswerTooLargeError(f"the answer is larger than the limit of {max_bytes / 2**20:g} MiB "
                                  "(--max-answer) and was stopped; narrow the query or add a LIMIT")


def _take(items, limit: int | None, max_bytes: int | None = None) -> tuple[tuple, bool]:
    taken, size = [], 0
    for item in items:
        if limit is not None and len(taken) >= limit:
            return tuple(taken), True
        if max_bytes is not None:
            size += _size(item)
            check_answer_size(size, max_bytes)
        taken.append(item)
    return tuple(taken), False


def _tsv(result: QueryResult) -> str:
    header = "\t".join("?" + name for name in result.variables)
    lines = ["\t".join("" if term is None else str(term) for term in row) for row in result.rows]
    return "\n".join([header, *lines]) + "\n"


def _solutions(result: QueryResult):
    """Rebuild pyoxigraph solutions from the rows (through lossless TSV) to use its serialisers."""
    if result.kind == "boolean":
        document = json.dumps({"head": {}, "boolean": bool(result.boolean)})
        return ox.parse_query_results(document, format=ox.QueryResultsFormat.JSON)
    if not result.variables:
        document = json.dumps({"head": {"vars": []}, "results": {"bindings": [{} for _ in result.rows]}})
        return ox.parse_query_results(document, format=ox.QueryResultsFormat.JSON)
    return ox.parse_query_results(_tsv(result), format=ox.QueryResultsFormat.TSV)


def _sorted_triples(result: QueryResult) -> list:
    return sorted(result.triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def serialize_result(result: QueryResult, media_type: str) -> bytes:
    """Write an answer in a media type of :data:`RESULT_MEDIA_TYPES` or :data:`GRAPH_MEDIA_TYPES`.

    Graph answers are written in sorted order, with the project's prefixes in Turtle.

    Raises
    ------
    UnknownFormatError
        If the media type does not fit the answer (a SELECT as Turtle, a graph as CSV).

    Examples
    --------
    >>> from pyoxigraph import NamedNode
    >>> answer = QueryResult("SELECT", ("s",), ((NamedNode("http://example.org/a"),),))
    >>> serialize_result(answer, "text/csv")
    b's\\r\\nhttp://example.org/a\\r\\n'
    """
    if result.kind == "graph":
        if media_type not in GRAPH_MEDIA_TYPES:
            raise UnknownFormatError(media_type, GRAPH_MEDIA_TYPES)
        return serialize_triples(_sorted_triples(result), media_type)
    if media_type not in RESULT_MEDIA_TYPES:
        raise UnknownFormatError(media_type, RESULT_MEDIA_TYPES)
    return _solutions(result).serialize(format=RESULT_MEDIA_TYPES[media_type])


def serialize_triples(triples, media_type: str) -> bytes:
    """Write pyoxigraph triples in a media type of :data:`GRAPH_MEDIA_TYPES`: Turtle with the
    project's prefixes, JSON-LD compacted with them in its ``@context`` (keys and nodes sorted), the
    others as pyoxigraph writes them.

    >>> from pyoxigraph import Literal, NamedNode, Triple
    >>> label = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    >>> triple = Triple(NamedNode("https://w3id.org/hormone-kg/entity/insulin"), label, Literal("insulin"))
    >>> document = json.loads(serialize_triples([triple], "application/ld+json"))
    >>> document["@context"]["entity"], document["@id"], document["rdfs:label"]
    ('https://w3id.org/hormone-kg/entity/', 'entity:insulin', 'insulin')
    """
    if media_type not in GRAPH_MEDIA_TYPES:
        raise UnknownFormatError(media_type, GRAPH_MEDIA_TYPES)
    rdf_format = GRAPH_MEDIA_TYPES[media_type]
    if rdf_format == ox.RdfFormat.JSON_LD:  # an answer is bounded: compacted in memory, for people
        return _compact_jsonld(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    prefixes = _prefixes() if rdf_format == ox.RdfFormat.TURTLE else None
    return ox.serialize(triples, format=rdf_format, prefixes=prefixes)


def _sorted_json(value):
    if isinstance(value, dict):
        return {key: _sorted_json(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        items = [_sorted_json(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))
    return value


def _compact_jsonld(ntriples: bytes) -> bytes:
    """JSON-LD of some N-Triples, compacted by rdflib with the project's prefixes as its context,
    keys and nodes sorted (the same triples always give the same bytes)."""
    from rdflib import Graph

    graph = Graph().parse(data=ntriples.decode("utf-8"), format="nt")
    document = json.loads(graph.serialize(format="json-ld", context=dict(prefixes()), auto_compact=True))
    if "@graph" in document:
        document["@graph"] = sorted((_sorted_json(node) for node in document["@graph"]),
                                    key=lambda node: node.get("@id", ""))
    context = dict(sorted(document.pop("@context", {}).items()))
    ordered = {"@context": context, **{key: document[key] for key in sorted(document)}}
    return (json.dumps(ordered, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


#: a graph answer whose triples take at most this many bytes (as N-Triples) is sorted before it
#: is written, so a small answer is the same bytes whatever order the store found it in
SORTED_BELOW = 256 * 1024


class _RowsAsTsv(io.RawIOBase):
    """Solutions read as SPARQL TSV, on demand: a lossless way into pyoxigraph's serialisers
    that holds one buffer of rows, not the answer. At most ``limit`` rows; ``truncated`` says
    whether a row was left out."""

    def __init__(self, solutions, names: list[str], limit: int | None):
        self._rows = iter(solutions)
        self._names, self._limit, self._count = names, limit, 0
        self._pending = bytearray(("\t".join("?" + name for name in names) + "\n").encode("utf-8"))
        self.truncated = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while len(self._pending) < len(buffer):
            solution = next(self._rows, None)
            if solution is None:
                break
            if self._limit is not None and self._count >= self._limit:
                self.truncated = True
                break
            self._count += 1
            terms = (solution[name] for name in self._names)
            self._pending += ("\t".join("" if term is None else str(term) for term in terms) + "\n").encode("utf-8")
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        del self._pending[:size]
        if not size:
            self._rows = iter(())  # read to the end (or the limit): nothing more is asked of the store
        return size


class _Limited:
    """At most ``limit`` items of an iterator; ``truncated`` says whether one was left out."""

    def __init__(self, items, limit: int | None):
        self._items, self._limit = items, limit
        self.truncated = False

    def __iter__(self):
        for number, item in enumerate(self._items):
            if self._limit is not None and number >= self._limit:
                self.truncated = True
                return
            yield item


def write_answer(answer, media_type: str, output, *, limit: int | None = None,
                 max_bytes: int | None = None) -> bool:
    """Write a pyoxigraph answer to ``output`` (a binary file object) as it is read from the store.

    Solutions and large graphs are never held whole: pyoxigraph's serialisers read them row by
    row and write in buffers of a few KiB, so ``output`` sees the answer as it is made (and may
    stop it, by raising, when it has seen enough bytes). A graph of at most
    :data:`SORTED_BELOW` bytes is sorted first, as :func:`serialize_result` writes it, and so is
    a JSON-LD one, whose compaction needs every triple (collected up to ``max_bytes``).

    Parameters
    ----------
    answer : QuerySolutions, QueryBoolean or QueryTriples
        What ``Store.query`` returned.
    media_type : str
        A media type of :data:`RESULT_MEDIA_TYPES` (solutions, booleans) or
        :data:`GRAPH_MEDIA_TYPES` (triples).
    output : binary file object
    limit : int, optional
        The most rows or triples written (default None: all).
    max_bytes : int, optional
        Bounds what is collected for a JSON-LD answer (default None: no bound).

    Returns
    -------
    bool
        True when ``limit`` left rows or triples out.

    Examples
    --------
    >>> store = ox.Store()
    >>> for n in range(3):
    ...     store.add(ox.Quad(ox.NamedNode(f"http://e/{n}"), ox.NamedNode("http://e/p"), ox.Literal("x")))
    >>> out = io.BytesIO()
    >>> write_answer(store.query("SELECT ?s { ?s ?p ?o } ORDER BY ?s"), "text/csv", out, limit=2)
    True
    >>> out.getvalue()
    b's\\r\\nhttp://e/0\\r\\nhttp://e/1\\r\\n'
    """
    if isinstance(answer, ox.QueryBoolean):
        output.write(serialize_result(QueryResult("ASK", boolean=bool(answer)), media_type))
        return False
    if isinstance(answer, ox.QuerySolutions):
        if media_type not in RESULT_MEDIA_TYPES:
            raise UnknownFormatError(media_type, RESULT_MEDIA_TYPES)
        names = [variable.value for variable in answer.variables]
        if not names:  # nothing to write per row but the row itself: the rows are cheap to hold
            result = QueryResult.from_pyoxigraph(answer, "SELECT", limit)
            output.write(serialize_result(result, media_type))
            return result.truncated
        rows = _RowsAsTsv(answer, names, limit)
        solutions = ox.parse_query_results(io.BufferedReader(rows, 64 * 1024), format=ox.QueryResultsFormat.TSV)
        solutions.serialize(output, format=RESULT_MEDIA_TYPES[media_type])
        return rows.truncated
    if media_type not in GRAPH_MEDIA_TYPES:
        raise UnknownFormatError(media_type, GRAPH_MEDIA_TYPES)
    triples = iter(answer)
    first, size, truncated, ended = [], 0, False, True
    for triple in triples:
        if limit is not None and len(first) >= limit:
            truncated = True
            break
        first.append(triple)
        size += _size(triple)
        if size > SORTED_BELOW:
            ended = False
            break
    if not ended and GRAPH_MEDIA_TYPES[media_type] == ox.RdfFormat.JSON_LD:
        rest, truncated = _take(triples, None if limit is None else limit - len(first),
                                None if max_bytes is None else max(0, max_bytes - size))
        first, ended = first + list(rest), True
    if ended:
        output.write(serialize_triples(sorted(first, key=lambda t: (str(t.subject), str(t.predicate),
                                                                    str(t.object))), media_type))
        return truncated
    rest = _Limited(itertools.chain(first, triples), limit)
    rdf_format = GRAPH_MEDIA_TYPES[media_type]
    ox.serialize(rest, output, format=rdf_format, prefixes=_prefixes() if rdf_format == ox.RdfFormat.TURTLE else None)
    return rest.truncated


@functools.lru_cache(maxsize=1)
def _prefixes() -> dict[str, str]:
    return prefixes()


@functools.lru_cache(maxsize=1)
def _namespaces() -> tuple[tuple[str, str], ...]:
    """(namespace, prefix) pairs, longest namespace first: the project's, then identifier ones."""

    pairs = {namespace: prefix for prefix, namespace in _prefixes().items()}
    for prefix, namespace in converter().prefix_map.items():
        pairs.setdefault(namespace, prefix)
    return tuple(sorted(pairs.items(), key=lambda item: (-len(item[0]), item[0])))


def compact_term(term) -> str:
    """Return a term as people read it: a CURIE for a known namespace, a literal's text.

    >>> from pyoxigraph import Literal, NamedNode
    >>> compact_term(NamedNode("https://w3id.org/hormone-kg/entity/tnf-alpha"))
    'entity:tnf-alpha'
    >>> compact_term(Literal("TNF-α")), compact_term(None)
    ('TNF-α', '')
    """
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for namespace, prefix in _namespaces():
            if term.value.startswith(namespace) and len(term.value) > len(namespace):
                return f"{prefix}:{term.value[len(namespace):]}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value + (f"@{term.language}" if term.language else "")
    return str(term)


def _table(title: str | None, columns: list[str], rows: list[list[str]]) -> str:
    """Rows for people, fitted to the terminal (:func:`graph.render.table_width`).

    A rich table when it fits; otherwise one numbered record per row, a field per line, so no
    IRI or claim id is folded over lines: the values every row shares are said once above
    ("every row: target = entity:insulin-sensitivity"), and empty fields are left out.

    >>> print(_table(None, ["a", "b"], [["1", "x"]]))
    ┏━━━┳━━━┓
    ┃ a ┃ b ┃
    ┡━━━╇━━━┩
    │ 1 │ x │
    └───┴───┘
    """
    import io
    import textwrap

    from rich.console import Console
    from rich.table import Table


    width = table_width()
    shared = [i for i, _ in enumerate(columns)
              if len(rows) > 1 and rows[0][i] and all(row[i] == rows[0][i] for row in rows)]
    if len(shared) == len(columns):
        shared = []
    said_once = textwrap.wrap("every row: " + "; ".join(f"{columns[i]} = {rows[0][i]}" for i in shared),
                              width=width, subsequent_indent="  ", break_long_words=False) if shared else []
    widths = [max([len(column)] + [len(row[i]) for row in rows]) for i, column in enumerate(columns) if i not in shared]
    if sum(widths) + 3 * len(widths) + 1 > width and len(columns) > 2 and rows:
        lines = ([title] if title else []) + said_once
        name_width = max(len(columns[i]) for i in range(len(columns)) if i not in shared) if \
            len(shared) < len(columns) else 0
        pad = len(f"{len(rows)}. ")
        for number, row in enumerate(rows, 1):
            lead = f"{number}. ".ljust(pad)
            for i, value in enumerate(row):
                if i in shared or not value:
                    continue
                lines += textwrap.wrap(value, width=width, initial_indent=f"{lead}{columns[i].ljust(name_width)}  ",
                                       subsequent_indent=" " * (pad + name_width + 2),
                                       break_on_hyphens=False)
                lead = " " * pad
        return "\n".join(lines)
    from rich.text import Text

    if shared:  # a value every row shares is said once, under the title
        columns = [c for i, c in enumerate(columns) if i not in shared]
        rows = [[cell for i, cell in enumerate(row) if i not in shared] for row in rows]
        said_once, title = ([title] if title else []) + said_once, None
    # Text, not str: rich would read "[b]" in a literal as markup and drop it
    table = Table(title=Text(title) if title is not None else None, title_justify="left")
    for column in columns:
        table.add_column(Text(column), overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    buffer = io.StringIO()
    Console(file=buffer, width=width, force_terminal=False, color_system=None).print(table)
    drawn = [line.rstrip() for line in buffer.getvalue().rstrip("\n").splitlines()]
    return "\n".join(said_once + drawn)


def render_result(result: QueryResult, fmt: str, title: str | None = None) -> str:
    """Render an answer for ``hkg sparql --format`` (see :data:`CLI_FORMATS`).

    ``table`` is for people (CURIEs, plain literals; a graph as Turtle); ``json`` is the SPARQL 1.1
    JSON results format with sorted keys (JSON-LD for a graph); ``csv``, ``tsv`` and ``xml`` are
    the SPARQL 1.1 formats; ``turtle``, ``nt`` and ``jsonld`` are for graphs.

    Raises
    ------
    UnknownFormatError
        If the format does not fit the answer (a SELECT as Turtle, a graph as CSV).
    """

    if result.kind == "graph":
        if fmt not in _CLI_GRAPH_TYPES:
            raise UnknownFormatError(fmt, _CLI_GRAPH_TYPES)
        data = serialize_result(result, _CLI_GRAPH_TYPES[fmt]).decode("utf-8")
        return to_json(json.loads(data)) if fmt in ("json", "jsonld") else data.rstrip("\n")
    if fmt == "table":
        if result.kind == "boolean":
            return "true" if result.boolean else "false"
        rows = [[compact_term(term) for term in row] for row in result.rows]
        text = _table(title, list(result.variables), rows)
        return text + (f"\n(first {len(rows)} results only)" if result.truncated else "")
    if fmt not in _CLI_RESULT_TYPES:
        raise UnknownFormatError(fmt, ["table", *_CLI_RESULT_TYPES])
    data = serialize_result(result, _CLI_RESULT_TYPES[fmt]).decode("utf-8")
    return to_json(json.loads(data)) if fmt == "json" else data.rstrip("\r\n")
