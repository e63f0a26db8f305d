"""The Python front door: open a project's build and ask it what the CLI asks.

>>> import graph
>>> kg = graph.open("tests/fixtures/built-mini")          # doctest: +SKIP
>>> [route.sign for route in kg.paths("testosterone", "HOMA-IR")]   # doctest: +SKIP
[-1]

Names or ids go in (labels, synonyms, CURIEs, Greek letters or their names, as on the command
line); typed, frozen records come out. Every record's :meth:`~Record.to_dict` is exactly the
object ``hkg ... --format json`` prints, so ``[r.to_dict() for r in kg.paths(a, b)]`` equals
``hkg paths a b --format json``. Errors are the :mod:`graph.errors` hierarchy
(:class:`~graph.errors.UnknownEntityError` with suggestions, :class:`~graph.errors.CacheError`
when nothing is built ...), never a printed message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar
from graph.cache.lookup import describe_claim, describe_entity
from graph.pathways.questions import (answer_conflicts, answer_loops, answer_neighbors, answer_paths,
                                      answer_routes)
from graph.project import Project

__all__ = [
    "Citation",
    "Conflict",
    "Entity",
    "Evidence",
    "KnowledgeGraph",
    "Loop",
    "Neighbor",
    "Node",
    "Record",
    "Route",
    "Routes",
    "SparqlAnswer",
    "Step",
    "build",
    "open",
]


# --- records ------------------------------------------------------------------------------------

class Record:
    """A frozen answer record: built from the CLI's JSON object, and back with :meth:`to_dict`.

    The fields are the JSON keys, in one place: a record refuses a key it does not declare, so the
    JSON contract and the records cannot drift apart unnoticed. ``NESTED`` names the fields that
    hold records (one, or a tuple of them).
    """

    NESTED: ClassVar[Mapping[str, type[Record]]] = {}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]):
        """Return the record of a JSON object (lists become tuples, nested objects records).

        :raises ValueError: if a key is missing or not declared.
        """
        names = [f.name for f in fields(cls)]
        extra, missing = set(data) - set(names), set(names) - set(data)
        if extra or missing:
            raise ValueError(f"{cls.__name__}: unexpected keys {sorted(extra)}, missing {sorted(missing)}")
        values = {}
        for name in names:
            value, nested = data[name], cls.NESTED.get(name)
            if nested is not None and isinstance(value, list):
                value = tuple(nested.from_dict(item) for item in value)
            elif nested is not None and value is not None:
                value = nested.from_dict(value)
            else:
                value = _frozen(value)
            values[name] = value
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object ``hkg ... --format json`` prints for this record."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


def _frozen(value):
    """JSON lists as tuples and objects as read-only mappings, all the way down: a record is
    immutable, not only its top-level fields."""
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, dict):
        return MappingProxyType({key: _frozen(item) for key, item in value.items()})
    return value


def _plain(value):
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class Node(Record):
    """An entity on a route: its id and label."""

    id: str
    label: str


@dataclass(frozen=True)
class Citation(Record):
    """A study tied to a claim: ``basis`` document (the document cites it there) or curator (a
    person linked it, ``rationale`` says why); ``relation`` supports or contradicts."""

    study: str
    basis: str
    relation: str
    rationale: str | None


@dataclass(frozen=True)
class _Claim(Record):
    """What every answer says of a claim: the statement, its quote and place, and its study links."""

    NESTED: ClassVar[Mapping[str, type[Record]]] = {"citations": Citation}

    claim: str
    subject: str
    subject_label: str
    object: str
    object_label: str
    predicate: str | None
    sign: int | str
    quote: str | None
    document: str | None
    section: str | None
    section_title: str | None
    context: Mapping[str, str]
    certainty: str
    knowledge_level: str | None
    citations: tuple[Citation, ...]
    #: a table row's column headers, one per cell the quote spans (None: not from a table)
    table_columns: tuple[str, ...] | None


@dataclass(frozen=True)
class Step(_Claim):
    """One step of a route: a claim with its quote, place and study links (``kind`` "claim"), or a
    hierarchy link taken with ``via_classes`` (``kind`` "hierarchy": no quote, its ``relation``)."""

    kind: str
    relation: str | None
    supporting_claims: tuple[str, ...]


@dataclass(frozen=True)
class Route(Record):
    """A route with its net effect (``sign``: +1, -1, 0 or "variable"), ranking score, the studies
    supporting it by basis, the entities it visits and its steps."""

    NESTED: ClassVar[Mapping[str, type[Record]]] = {"nodes": Node, "steps": Step}

    sign: int | str
    length: int
    score: float
    certainty: float
    studies: tuple[str, ...]
    support: Mapping[str, list[str]]
    nodes: tuple[Node, ...]
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Routes(Record):
    """Ranked routes and their summary, as ``hkg paths`` heads its table: how many were found
    (``at_least`` when counting stopped early), how many of each net sign, the shortest, how many
    entities sit at the open end (``open``: "source" or "target" when one end was left open)."""

    NESTED: ClassVar[Mapping[str, type[Record]]] = {"routes": Route, "source": Node, "target": Node}

    routes: tuple[Route, ...]
    total: int
    at_least: bool
    signs: Mapping[str, int]
    shortest: int | None
    ends: int | None
    open: str | None
    every: bool
    source: Node | None
    target: Node | None


@dataclass(frozen=True)
class Loop(Route):
    """A feedback loop: a route that ends where it starts, ``kind`` vicious or self-limiting."""

    kind: str | None = None


@dataclass(frozen=True)
class Conflict(Record):
    """Two claims whose effects on one measure disagree, and the contexts that may reconcile them."""

    NESTED: ClassVar[Mapping[str, type[Record]]] = {"claims": Step}

    subject: str
    subject_label: str
    object: str
    object_label: str
    inverse_object: str | None
    inverse: bool
    effects: tuple[int, ...]
    reconcile: tuple[Mapping[str, Any], ...]
    claims: tuple[Step, ...]


@dataclass(frozen=True)
class Neighbor(Record):
    """What an entity acts on (``direction`` "out") or what acts on it ("in"), with one sign."""

    NESTED: ClassVar[Mapping[str, type[Record]]] = {"neighbor": Node, "claims": Step}

    direction: str
    neighbor: Node
    subject: str
    object: str
    sign: int | str
    studies: tuple[str, ...]
    claims: tuple[Step, ...]


@dataclass(frozen=True)
class Entity(Record):
    """An entity with its names, identifiers, definition, hierarchy and claim counts."""

    id: str
    iri: str
    label: str
    category: str | None
    synonyms: tuple[str, ...]
    definition: str | None
    definition_source: Mapping[str, Any] | None
    xrefs: tuple[str, ...]
    inverse_of: str | None
    is_a: tuple[str, ...]
    member_of: tuple[str, ...]
    has_active_ingredient: tuple[str, ...]
    narrower: tuple[Mapping[str, str], ...]
    claims_in: int
    claims_out: int


@dataclass(frozen=True)
class Evidence(_Claim):
    """Everything behind a claim: the quote and its place, context, certainty and the studies tied
    to it (full records, each with its basis, relation and rationale)."""

    direction: str | None
    aspect: str | None
    start: int | None
    end: int | None
    hedge: str | None
    agent_type: str | None
    studies: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class SparqlAnswer:
    """The answer to a SPARQL query.

    ``variables`` and ``rows`` for SELECT (each row maps a variable to the value of its term, an IRI
    or a literal's lexical form, or None when unbound); ``boolean`` for ASK; ``triples`` for
    CONSTRUCT and DESCRIBE (``(subject, predicate, object)`` as N-Triples terms). :meth:`to_dict`
    gives the SPARQL 1.1 JSON results, as ``hkg sparql --format json`` prints them.
    """

    form: str
    variables: tuple[str, ...]
    rows: tuple[Mapping[str, str | None], ...]
    boolean: bool | None
    triples: tuple[tuple[str, str, str], ...]
    truncated: bool
    _result: Any = None

    def to_dict(self) -> dict[str, Any]:
        """The SPARQL 1.1 JSON results (a graph answer: a list of N-Triples triples)."""
        import json

        from graph.sparql.results import serialize_result

        if self.form in ("SELECT", "ASK"):
            return json.loads(serialize_result(self._result, "application/sparql-results+json"))
        return {"triples": [list(t) for t in self.triples]}


# --- the front door -----------------------------------------------------------------------------

def _values(context: str | Iterable[str]) -> list[str]:
    """One context value ("men") or several (["men", "long-term"])."""
    return [context] if isinstance(context, str) else list(context)


class KnowledgeGraph:
    """The current build of a project, asked in Python as ``hkg`` asks it on the command line.

    Open one with :func:`open`; close it (or use ``with``) to release the lookup index.
    """

    def __init__(self, project):
        self.project = project
        self._index = project.index()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        """Release the lookup index."""
        self._index.close()

    def __repr__(self) -> str:
        return f"KnowledgeGraph({str(self.project.root)!r})"

    def entity(self, name: str) -> Entity:
        """Return the entity a name denotes (label, synonym, id, CURIE, Greek spellings).

        :raises UnknownEntityError: with the nearest names.
        """

        return Entity.from_dict(describe_entity(self._index, name))

    def paths(self, source: str | None = None, target: str | None = None, *, sign: str | None = None,
              max_length: int = 5, context: str | Iterable[str] = (), limit: int | None = None,
              via_classes: bool = False, every: bool = False) -> list[Route]:
        """Return the ranked routes from ``source`` to ``target`` (see ``hkg paths --help``).

        With one end only, the routes out of ``source`` or into ``target``: the best for each
        entity at the open end and net sign (``every``: all), as ``hkg paths --from`` / ``--to``.
        ``sign`` is None, "up", "down" or "variable"; ``context`` values such as "men" or
        "population=men"; ``via_classes`` lets a route climb the hierarchy (such steps have
        ``kind`` "hierarchy").
        """
        if source is None or target is None:
            return list(self.routes(source, target, sign=sign, max_length=max_length, context=context,
                                    limit=limit, via_classes=via_classes, every=every).routes)
        return [Route.from_dict(r) for r in answer_paths(self._index, source, target, sign=sign,
                                                         max_length=max_length, context=_values(context),
                                                         limit=limit, via_classes=via_classes)]

    def routes(self, source: str | None = None, target: str | None = None, *, sign: str | None = None,
               max_length: int = 5, context: str | Iterable[str] = (), limit: int | None = None,
               via_classes: bool = False, every: bool = False) -> Routes:
        """Return the ranked routes with their summary: what ``hkg paths`` shows (see :meth:`paths`).

        ``limit`` keeps the best routes; the summary counts every route found.
        """
        return Routes.from_dict(answer_routes(self._index, source, target, sign=sign, max_length=max_length,
                                              context=_values(context), every=every, limit=limit,
                                              via_classes=via_classes))

    def loops(self, through: str | None = None, *, kind: str | None = None, max_length: int = 5,
              context: str | Iterable[str] = ()) -> list[Loop]:
        """Return the feedback loops (through one entity, or all), ``kind`` vicious or self-limiting."""

        return [Loop.from_dict(r) for r in answer_loops(self._index, through, kind=kind,
                                                        max_length=max_length, context=_values(context))]

    def conflicts(self, entity: str | None = None) -> list[Conflict]:
        """Return the pairs of claims that disagree (about one entity, or all)."""

        return [Conflict.from_dict(c) for c in answer_conflicts(self._index, entity)]

    def neighbors(self, entity: str, *, direction: str = "both", context: str | Iterable[str] = (),
                  sign: str | None = None) -> list[Neighbor]:
        """Return what an entity acts on ("out") and what acts on it ("in"); ``sign`` "up" or
        "down" keeps the links that raise or lower."""

        return [Neighbor.from_dict(n) for n in answer_neighbors(self._index, entity, direction=direction,
                                                                context=_values(context), sign=sign)]

    def evidence(self, claim: str) -> Evidence:
        """Return everything behind a claim.

        :raises UnknownEntityError: (kind "claim") with the nearest claim ids.
        """

        return Evidence.from_dict(describe_claim(self._index, claim))

    def sparql(self, query: str, *, timeout: float = 60.0, **params: str) -> SparqlAnswer:
        """Run SPARQL text or a library query by name; keyword arguments bind its parameters the
        way ``--param name=value`` does (an entity by any of its names, a CURIE, a literal ...).

        >>> kg.sparql("what-increases", target="insulin sensitivity").rows[0]["agent"]  # doctest: +SKIP
        'https://w3id.org/hormone-kg/entity/estrogen'
        """
        import math

        from graph.sparql.query import answer_query

        if timeout is not None and not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
            raise ValueError(f"timeout must be a number of seconds above 0, or None for no limit; not {timeout!r}")
        result, _prepared = answer_query(self.project, query, [f"{k}={v}" for k, v in params.items()],
                                         timeout=timeout)
        value = lambda term: None if term is None else term.value  # noqa: E731
        return SparqlAnswer(
            form=result.form, variables=result.variables,
            rows=tuple({name: value(term) for name, term in zip(result.variables, row)} for row in result.rows),
            boolean=result.boolean,
            triples=tuple((str(t.subject), str(t.predicate), str(t.object)) for t in result.triples),
            truncated=result.truncated, _result=result)


def open(path: str | Path = ".") -> KnowledgeGraph:  # noqa: A001 - the front door's verb
    """Open the current build of the project in ``path`` (the folder that holds ``data/``).

    :raises CacheError: if the project has not been built (``graph.build(path)`` builds it).
    """

    return KnowledgeGraph(Project.locate(path))


def build(path: str | Path = ".", *, write_exports: bool = True, whole_html: bool = False,
          allow_empty: bool = False):
    """Build the project in ``path`` as ``hkg build`` does and return its counts.

    ``whole_html`` draws the whole graph in graph.html even when it is too large for a page (by
    default such a graph's most connected part); ``allow_empty`` builds without claims, or without
    a data file the current build read.

    :raises LoadError: the data has problems (each ``file:line: message``); nothing is written.
    :raises ShapeError: the graph fails its SHACL shapes; nothing is written.
    :raises CacheError: another build is running, or writing failed (nothing is published).
    """
    from graph.pipeline.build import build as build_project  # rdflib: only to build

    return build_project(Project.locate(path), write_exports=write_exports, whole_html=whole_html,
                         allow_empty=allow_empty)
