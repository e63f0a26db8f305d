"""Pathway questions on the signed view: routes, feedback loops, conflicts and neighbours.

Every function takes the signed multigraph of :mod:`graph.pathways.signed` first. Parallel claims that
join the same two entities with the same sign are one *hop* of a route (the best supported of them
is shown, the others listed), so a route is a sequence of entities and signs, not a combination
of redundant claims. A route's net effect is the product of its signs; a 0 ("no effect") step
makes it 0, a variable step (the document says the direction depends on context) makes it
variable: unknown, never neutral, and never an answer to "what raises / lowers X".

The search grows partial routes breadth first from the source, never visiting an entity twice on
one route, and keeps only those that can still reach the target within the remaining steps: the
entities near the target are found backwards, one step at a time while a step back reads fewer
claims than the next step forward, so the two ends meet in the middle and a hub at either end
costs little. Partial routes are bare entity sequences on the plain-dict :func:`adjacency
<graph.pathways.signed.adjacency>` of the view; signs are multiplied out, and hops with their evidence
made, only for complete routes. Nothing enumerates all simple paths.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graph.errors import HkgError, UnknownEntityError
from graph.model.names import nearest
from graph.model.vocab import CERTAINTY_SCORE, SIGN_ORDER, SIGNS, VARIABLE, net_sign
from graph.pathways.numbered import MAX_PARTIAL_ROUTES
from graph.pathways.signed import adjacency

if TYPE_CHECKING:  # graph.pathways.signed imports networkx, which answering needs only once a graph is built
    from graph.pathways.numbered import Numbered
    from graph.pathways.signed import Adjacency, Rows

__all__ = [
    "Conflict",
    "Hop",
    "Route",
    "check_sign",
    "find_conflicts",
    "find_loops",
    "find_paths",
    "find_routes",
    "holds_in",
    "kind_of",
    "neighbors",
]

#: loop kinds by net sign
LOOP_KINDS = {1: "vicious", -1: "self-limiting"}
#: the key of the context value -> keys map in a graph's ``__networkx_cache__``
_CONTEXT_KEYS_CACHE = "hormone_kg_context_keys"
_SIGN_WORDS = {"up": 1, "down": -1, "+1": 1, "-1": -1, "0": 0, "+": 1, "-": -1, VARIABLE: VARIABLE}
#: how much a supporting study adds to a route's score, by who linked it: the document's own
#: citation counts fully, a curator's reading half; certainty adds at most a quarter, so it only
#: orders routes with the same support
_BASIS_WEIGHT = {"document": 1.0, "curator": 0.5}
_CERTAINTY_WEIGHT = 0.25


# --- records ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hop:
    """One step of a route: every claim that ``subject`` moves ``object`` with one sign.

    ``claims`` is ordered best supported first (most supporting studies, the document's own
    citations first, then higher certainty, then id); the first is the step's claim, the rest say
    the same thing elsewhere. ``citations`` are the claims' study links, ``(study, basis,
    relation)``; ``relation`` is None for claims, or the hierarchy relation (is_a ...) of a step
    taken through a class (``via_classes``).
    """

    subject: str
    object: str
    sign: int | str
    claims: tuple[str, ...]
    citations: tuple[tuple[str, str, str], ...]
    certainty: float
    relation: str | None = None

    @property
    def claim(self) -> str:
        """The best supported claim of the hop."""
        return self.claims[0]

    @property
    def studies(self) -> tuple[str, ...]:
        """The studies linked in support of the hop, sorted."""
        return tuple(sorted({study for study, _basis, relation in self.citations if relation == "supports"}))


@dataclass(frozen=True)
class Route:
    """A route through the signed view: its hops, in order.

    >>> r = Route((Hop("a", "b", -1, ("c1",), (("s1", "curator", "supports"),), 1.0),
    ...            Hop("b", "c", -1, ("c2",), (("s2", "document", "supports"),), 0.6)))
    >>> r.nodes, r.sign, r.length, r.studies, r.certainty, r.score
    (('a', 'b', 'c'), 1, 2, ('s1', 's2'), 0.6, 1.65)
    """

    hops: tuple[Hop, ...]

    @property
    def nodes(self) -> tuple[str, ...]:
        """The entities visited, source first (a loop ends where it starts)."""
        return (self.hops[0].subject, *(hop.object for hop in self.hops))

    @property
    def length(self) -> int:
        """The number of steps."""
        return len(self.hops)

    @property
    def sign(self) -> int | str:
        """The net effect: the product of the steps' signs (0 or "variable" if a step is)."""
        return net_sign(hop.sign for hop in self.hops)

    @property
    def studies(self) -> tuple[str, ...]:
        """The distinct studies linked in support of any step, sorted."""
        return tuple(sorted({s for hop in self.hops for s in hop.studies}))

    @property
    def support(self) -> dict[str, tuple[str, ...]]:
        """The distinct supporting studies by basis: ``{"document": ..., "curator": ...}``; a
        study the document cites for one step and a curator links to another counts as document."""
        documented = {s for hop in self.hops for s, basis, rel in hop.citations
                      if rel == "supports" and basis == "document"}
        curated = {s for hop in self.hops for s, basis, rel in hop.citations
                   if rel == "supports" and basis == "curator"} - documented
        return {"document": tuple(sorted(documented)), "curator": tuple(sorted(curated))}

    @property
    def certainty(self) -> float:
        """The product of the steps' certainty scores (1.0 high, 0.6 medium, 0.3 low)."""
        return round(math.prod(hop.certainty for hop in self.hops), 6)

    @property
    def score(self) -> float:
        """How well supported the route is: 1 per supporting study the document cites, ½ per
        study a curator linked in support, plus ¼ × :attr:`certainty`. Contradicting links add
        nothing. Higher is better; among routes of one length the ranking follows it.
        """
        support = self.support
        return round(_BASIS_WEIGHT["document"] * len(support["document"])
                     + _BASIS_WEIGHT["curator"] * len(support["curator"])
                     + _CERTAINTY_WEIGHT * self.certainty, 6)

    def rank_key(self) -> tuple:
        """Sort key: shorter, then better supported, then by entity, sign and claim ids."""
        return (self.length, -self.score, self.nodes,
                tuple(SIGN_ORDER[hop.sign] for hop in self.hops), tuple(hop.claims for hop in self.hops))


@dataclass(frozen=True)
class Conflict:
    """Two claims on one subject and one measure whose effects disagree.

    ``claims`` are the two claim ids; ``objects`` their objects (the same entity, or an entity
    and its inverse measure); ``effects`` their signs read on ``objects[0]`` (a claim on the
    inverse measure has its sign flipped); ``reconcile`` maps each context key on which the two
    claims differ to their values (None: the claim holds in every such context).
    """

    subject: str
    objects: tuple[str, str]
    claims: tuple[str, str]
    signs: tuple[int, int]
    effects: tuple[int, int]
    reconcile: tuple[tuple[str, str | None, str | None], ...]

    @property
    def inverse(self) -> bool:
        """True when the claims are on an entity and its inverse measure."""
        return self.objects[0] != self.objects[1]


def kind_of(sign: int) -> str | None:
    """Return the kind of a feedback loop with a net sign (None for a 0 loop).

    >>> kind_of(1), kind_of(-1), kind_of(0)
    ('vicious', 'self-limiting', None)
    """
    return LOOP_KINDS.get(sign)


# --- edges, hops and contexts -----------------------------------------------------------


def _context_keys(graph) -> dict[str, set[str]]:
    """Map each context value (casefolded) to the keys it is used under in the graph.

    Reading every claim's context costs more than a search, so the map is kept in the graph's
    ``__networkx_cache__`` (cleared by networkx when edges are added or removed).
    """
    cache = getattr(graph, "__networkx_cache__", None)
    keys = cache.get(_CONTEXT_KEYS_CACHE) if cache is not None else None
    if keys is None:
        keys = {}
        for _u, _v, context in graph.edges(data="context"):
            for key, value in (context or {}).items():
                keys.setdefault(str(value).casefold(), set()).add(key)
        if cache is not None:
            cache[_CONTEXT_KEYS_CACHE] = keys
    return keys


def holds_in(graph, context: Iterable[str] | None) -> Callable[[Mapping[str, Any]], bool] | None:
    """Return a test for "this claim's context holds in the requested context" (None: no filter).

    A requested value is ``value`` or ``key=value``. A bare value belongs to the context keys it
    appears under anywhere in the graph (case-insensitively). A claim holds when, for every key it
    restricts that the request also names, its value is one of the requested ones; a claim
    without context holds in every context.

    A value no claim uses, a key that is not a context key, or ``key=value`` where no claim uses
    that value under that key is refused (a typo would otherwise silently change the answer).

    Raises
    ------
    UnknownEntityError
        (kind "context" or "context key") with the nearest known spellings.

    Examples
    --------
    >>> from graph.pathways.signed import make_signed_graph
    >>> g = make_signed_graph([
    ...     {"claim": "c1", "subject": "a", "object": "b", "sign": 1, "context": {"population": "men"}},
    ...     {"claim": "c2", "subject": "a", "object": "b", "sign": 1, "context": {"population": "women"}},
    ...     {"claim": "c3", "subject": "a", "object": "b", "sign": 1, "context": {"tissue": "muscle"}}])
    >>> test = holds_in(g, ["Men"])
    >>> [c for c in ("c1", "c2", "c3") if test(g.edges["a", "b", c]["context"])]
    ['c1', 'c3']
    >>> holds_in(g, []) is None
    True
    >>> holds_in(g, ["mne"])
    Traceback (most recent call last):
    ...
    graph.errors.UnknownEntityError: unknown context 'mne'; did you mean: men, women?
    """

    values = [str(v).strip() for v in context or () if str(v).strip()]
    if not values:
        return None
    from graph.model.records import CONTEXT_KEYS  # here: the schema costs a plain `hkg paths` ~15 ms of start-up

    known = _context_keys(graph)
    every_key = set(CONTEXT_KEYS) | {k for ks in known.values() for k in ks}
    wanted: dict[str, set[str]] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if sep and key.strip():
            key, folded = key.strip(), rest.strip().casefold()
            if key not in every_key:
                raise UnknownEntityError(key, nearest(key, sorted(every_key)) or sorted(every_key),
                                         kind="context key")
            if key not in known.get(folded, ()):
                used = sorted(v for v, ks in known.items() if key in ks)
                raise UnknownEntityError(value, [f"{key}={v}" for v in nearest(rest.strip(), used) or used],
                                         kind="context")
            wanted.setdefault(key, set()).add(folded)
            continue
        folded = value.casefold()
        if folded not in known:
            raise UnknownEntityError(value, nearest(value, sorted(known)) or sorted(known), kind="context")
        for key in known[folded]:
            wanted.setdefault(key, set()).add(folded)

    def test(claim_context: Mapping[str, Any]) -> bool:
        return all(str(value).casefold() in wanted[key]
                   for key, value in (claim_context or {}).items() if key in wanted)

    return test


def _support(edge: Mapping[str, Any]) -> tuple:
    weight = sum(_BASIS_WEIGHT[basis] for _s, basis, relation in edge.get("citations") or ()
                 if relation == "supports")
    return (edge.get("relation") is not None, -weight, -CERTAINTY_SCORE[edge["certainty"]], edge["claim"])


def _make_hops(subject: str, obj: str, edges: list[Mapping[str, Any]]) -> list[Hop]:
    """Group parallel claims from subject to object by sign into hops (up, none, down, variable);
    a stated claim is the hop's claim before a hierarchy link making the same step."""
    if len(edges) == 1:  # most steps: one claim (what the general case below makes of it)
        edge = edges[0]
        return [Hop(subject, obj, edge["sign"], (edge["claim"],),
                    tuple(sorted({tuple(c) for c in edge.get("citations") or ()})),
                    CERTAINTY_SCORE[edge["certainty"]], edge.get("relation"))]
    by_sign: dict[int | str, list[Mapping[str, Any]]] = {}
    for edge in edges:
        by_sign.setdefault(edge["sign"], []).append(edge)
    hops = []
    for sign in sorted(by_sign, key=SIGN_ORDER.__getitem__):
        group = sorted(by_sign[sign], key=_support)
        if group[0].get("relation") is None:  # a stated claim makes the step: no class link beside it
            group = [edge for edge in group if edge.get("relation") is None]
        hops.append(Hop(subject, obj, sign, tuple(e["claim"] for e in group),
                        tuple(sorted({tuple(c) for e in group for c in e.get("citations") or ()})),
                        max(CERTAINTY_SCORE[e["certainty"]] for e in group), group[0].get("relation")))
    return hops


class _Hops:
    """Hops between entities, made on demand: a search ranks a few routes, so only their hops
    (and the entities :func:`neighbors` lists) are built."""

    def __init__(self, graph, test: Callable[[Mapping[str, Any]], bool] | None):
        self.graph = graph
        self.test = test
        self._pairs: dict[tuple[str, str], list[Hop]] = {}

    def between(self, subject: str, obj: str) -> list[Hop]:
        """The hops from subject to object, one per sign (+1, 0, -1)."""
        found = self._pairs.get((subject, obj))
        if found is None:
            test = self.test
            between = getattr(self.graph, "claims_between", None)  # an IndexedView reads one pair
            claims = between(subject, obj) if between is not None else self.graph.succ[subject][obj]
            edges = [data for data in claims.values() if test is None or test(data.get("context") or {})]
            found = self._pairs[subject, obj] = _make_hops(subject, obj, edges)
        return found

    def prefetch(self, routes: Iterable[tuple[str, ...]]) -> None:
        """Let the view read the claims of every step of some routes at once, if it can."""
        prefetch = getattr(self.graph, "prefetch_between", None)
        if prefetch is not None:
            prefetch({pair for nodes in routes for pair in itertools.pairwise(nodes)})

    def out(self, node: str) -> list[Hop]:
        return [hop for obj in sorted(self.graph.succ[node]) for hop in self.between(node, obj)]

    def into(self, node: str) -> list[Hop]:
        return [hop for subject in sorted(self.graph.pred[node]) for hop in self.between(subject, node)]


# --- validation ---------------------------------------------------------------------------


def _check_node(graph, node: str, role: str) -> None:
    if node not in graph:
        labels = {graph.nodes[n].get("label") or n: n for n in graph}
        raise UnknownEntityError(node, nearest(str(node), sorted(set(graph) | set(labels))),
                                 kind=role)


def check_sign(sign) -> int | None:
    if sign is None:
        return None
    if isinstance(sign, str):
        if sign.strip().lower() not in _SIGN_WORDS:
            raise ValueError(f"sign {sign!r} is not one of up, down, +1, -1, 0, variable")
        return _SIGN_WORDS[sign.strip().lower()]
    if sign not in SIGNS or isinstance(sign, bool):
        raise ValueError(f"sign {sign!r} is not one of +1, -1, 0, variable")
    return int(sign)


def _check_count(value, name: str, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, not {value!r}")
    return value


# --- the search ---------------------------------------------------------------------------


class _Ball:
    """The entities that reach the goal in a few steps, found backwards one step at a time.

    ``distance[v]`` is the fewest steps from ``v`` to the goal, never through it, for every ``v``
    at most ``depth`` steps away; ``toward[v]`` lists ``v``'s successors fewer than ``depth``
    steps away, so a route that must get there can follow them instead of all of ``v``'s
    claims. ``cost`` is the number of claims the next step back reads. Once a step adds nothing,
    every entity that reaches the goal is known and ``depth`` is infinite.
    """

    def __init__(self, pred: Rows, goal: str, allowed: Callable[[str], bool] | None):
        self.pred, self.allowed = pred, allowed
        self.distance: dict[str, int] = {goal: 0}
        self.toward: dict[str, list[str]] = {}
        self.frontier = [goal]
        self.depth: float = 0
        self.cost = pred.width(goal)

    def grow(self) -> None:
        """Add the entities one more step back."""
        pred, allowed, distance, toward = self.pred, self.allowed, self.distance, self.toward
        depth = self.depth + 1
        layer = []
        pred.prefetch(self.frontier)
        for node in self.frontier:
            for before in pred[node]:
                row = toward.get(before)
                if row is None:
                    toward[before] = [node]
                else:
                    row.append(node)
                if before not in distance and (allowed is None or allowed(before)):
                    distance[before] = depth
                    layer.append(before)
        self.frontier, self.cost = layer, pred.total_width(layer)
        self.depth = depth if layer else math.inf


def _signed(hops: _Hops, nodes: tuple[str, ...], wanted: frozenset[int]) -> Iterator[Route]:
    """The routes along a sequence of entities: one per choice of hop at each step (parallel
    claims may disagree: a step has a hop per sign) whose net sign is wanted."""
    for chosen in itertools.product(*(hops.between(u, v) for u, v in itertools.pairwise(nodes))):
        if net_sign(hop.sign for hop in chosen) in wanted:
            route = Route(chosen)
            if not _overridden(route, hops):
                yield route


def _overridden(route: Route, hops: _Hops) -> bool:
    """True when a route reads a class's claim for an entity that has its own claim on the same
    object: what is stated of tesamorelin wins over what is stated of its therapy class."""
    for first, second in itertools.pairwise(route.hops):
        if first.relation is not None and second.relation is None and second.object in hops.graph.succ[first.subject] \
                and any(hop.relation is None for hop in hops.between(first.subject, second.object)):
            return True
    return False


def _routes(adj: Adjacency, hops: _Hops, start: str, goal: str, wanted: frozenset[int],
            max_length: int, allowed: Callable[[str], bool] | None = None,
            limit: int | None = None) -> Iterator[Route]:
    """Yield routes from start to goal with a wanted net sign, shortest first, ranked per length.

    ``start == goal`` yields the feedback loops through it; ``allowed`` limits the entities a
    route may pass through; ``limit`` stops after that many routes. Partial routes are entity
    sequences (signs are multiplied out only for complete ones, so parallel claims do not
    multiply the work). A backward :class:`_Ball` around the goal prunes them; before each step
    it is grown while a step back reads no more claims than the step forward would, so the
    search meets in the middle from whichever end is cheaper. A step forward follows ``toward``
    once the ball is deep enough, else every claim, keeping entities close enough to the goal
    when the ball tells, else those with any claim out.
    """
    succ = adj.succ
    widths = succ.widths
    ball = _Ball(adj.pred, goal, allowed)
    distance, toward = ball.distance, ball.toward
    paths: list[tuple[str, ...]] = [(start,)]
    for depth in range(1, max_length + 1):
        left = max_length - depth  # steps a partial route of this length may still take
        if ball.depth <= left:
            ahead = succ.total_width(nodes[-1] for nodes in paths)
            while ball.depth <= left and ball.cost <= ahead:
                ball.grow()
        complete: list[tuple[str, ...]] = []
        extended: list[tuple[str, ...]] = []
        if ball.depth <= left:  # the next step reads the claims out of every route's end
            succ.prefetch(nodes[-1] for nodes in paths)
        if ball.depth > left:  # every useful next entity is in toward (the goal too, once the
            for nodes in paths:  # ball has read what acts on it: no row of the routes' ends is read)
                for node in toward.get(nodes[-1], ()):
                    if node == goal:
                        complete.append((*nodes, node))
                    elif distance[node] <= left and node not in nodes:
                        extended.append((*nodes, node))
        elif not left:
            complete = [(*nodes, goal) for nodes in paths if goal in succ[nodes[-1]]]
        else:
            known = ball.depth == left  # an entity not in the ball is too far away
            # (the widths of the next entities are known: a row gives its neighbours' own)
            for nodes in paths:
                for node in succ[nodes[-1]]:
                    if node == goal:
                        complete.append((*nodes, node))
                    elif node in nodes or (allowed is not None and not allowed(node)):
                        continue
                    elif known:
                        if distance.get(node, left + 1) <= left:
                            extended.append((*nodes, node))
                    elif widths[node]:
                        extended.append((*nodes, node))
        ranked, limit = _ranked(complete, hops, wanted, limit)
        yield from ranked
        if limit == 0:
            return
        if len(extended) > MAX_PARTIAL_ROUTES:
            raise _too_many()
        paths = extended
        if not paths:
            return


def _ranked(complete: list[tuple[str, ...]], hops: _Hops, wanted: frozenset[int],
            limit: int | None) -> tuple[list[Route], int | None]:
    """The routes along some entity sequences of one length, ranked, the best ``limit``; and
    how many routes the limit leaves for longer lengths (None: no limit)."""
    if not complete:
        return [], limit
    # the steps' claims in one read; their signs are the hops', so no entity's row is read
    # for them (a route found through the ball's rows would read a hub's row for one step)
    hops.prefetch(complete)
    found = [route for nodes in complete for route in _signed(hops, nodes, wanted)]
    if limit is not None and limit < len(found):
        return heapq.nsmallest(limit, found, key=Route.rank_key), 0
    if len(found) > 1:  # (most questions between two ordinary entities find one route)
        found.sort(key=Route.rank_key)
    return found, None if limit is None else limit - len(found)


def _too_many() -> HkgError:
    return HkgError(f"more than {MAX_PARTIAL_ROUTES:,} partial routes of one length: "
                    "lower --max-length or add --context")


def _numbered_routes(numbered: Numbered, hops: _Hops, start: str, goal: str, wanted: frozenset[int],
                     max_length: int, limit: int | None) -> Iterator[Route]:
    """:func:`_routes` without ``allowed``, run by the compiled search: the same entity
    sequences, asked for one length at a time and ranked here the same way."""
    first = 1
    while True:
        found = numbered.routes(start, goal, first, max_length)
        if found is None:
            raise _too_many()
        complete, following = found
        ranked, limit = _ranked(complete, hops, wanted, limit)
        yield from ranked
        if limit == 0:
            return
        if following < 0:
            raise _too_many()
        if not following:
            return
        first = following


def find_paths(graph, source: str, target: str, *, max_length: int = 5, sign: int | str | None = None,
               context: Iterable[str] | None = None, limit: int | None = None) -> Iterator[Route]:
    """Return a generator of the routes from ``source`` to ``target``, best first.

    Parameters
    ----------
    graph : networkx.MultiDiGraph or graph.pathways.signed.IndexedView
        The signed view (:func:`graph.pathways.signed.build_signed_graph`), or the same view read from the
        index as the search goes.
    source, target : str
        Entity ids. ``source == target`` gives the feedback loops through it.
    max_length : int, optional
        The most steps a route may have (default 5).
    sign : {None, 1, -1, 0, "up", "down", "variable"}, optional
        Keep only routes with this net effect (default None: every sign, variable included).
    context : iterable of str, optional
        Keep only routes all of whose steps hold in this context (see :func:`holds_in`; default
        None: every route).
    limit : int, optional
        Stop after this many routes (default None: all of them).

    Yields
    ------
    Route
        Shorter routes first; among routes of one length, higher :attr:`Route.score` first (the
        document's own citations, then curator links in support, then certainty), then by entity
        ids, sign and claim ids. No entity is visited twice.

    Raises
    ------
    UnknownEntityError
        If ``source`` or ``target`` is not a node (raised by this call, before any search).
    ValueError
        If ``sign``, ``max_length`` or ``limit`` is invalid (raised by this call too).

    Examples
    --------
    >>> from itertools import islice
    >>> from graph.pathways.signed import make_signed_graph
    >>> g = make_signed_graph([
    ...     {"claim": "a-b", "subject": "a", "object": "b", "sign": -1},
    ...     {"claim": "b-c", "subject": "b", "object": "c", "sign": -1},
    ...     {"claim": "a-c", "subject": "a", "object": "c", "sign": 1, "certainty": "low"}])
    >>> [(r.nodes, r.sign) for r in find_paths(g, "a", "c")]
    [(('a', 'c'), 1), (('a', 'b', 'c'), 1)]
    >>> [r.nodes for r in islice(find_paths(g, "a", "c", sign="down"), 3)]
    []
    """
    ends = getattr(graph, "prefetch_ends", None)  # an IndexedView reads both ends in one query
    if ends is not None:
        ends(source, target)
    _check_node(graph, source, "source entity")
    _check_node(graph, target, "target entity")
    wanted_sign = check_sign(sign)
    max_length = _check_count(max_length, "max_length", 1)
    limit = _check_count(limit, "limit", 0)
    test = holds_in(graph, context)
    wanted = frozenset(SIGNS if wanted_sign is None else (wanted_sign,))
    numbered = getattr(graph, "numbered", None)  # an IndexedView's compiled search, if any

    def generate() -> Iterator[Route]:
        if limit == 0:
            return
        if numbered is not None and test is None:
            yield from _numbered_routes(numbered, _Hops(graph, None), source, target, wanted, max_length, limit)
        else:
            yield from _routes(adjacency(graph, test), _Hops(graph, test), source, target, wanted,
                               max_length, limit=limit)

    return generate()


#: the most partial routes an open-ended search (:func:`find_routes`) holds at one length
MAX_OPEN_ROUTES = 200_000


def find_routes(graph, *, source: str | None = None, target: str | None = None, max_length: int = 5,
                sign: int | str | None = None, context: Iterable[str] | None = None,
                every: bool = False) -> list[Route]:
    """Return the routes out of ``source`` or into ``target`` (one end open), best first.

    "What lowers testosterone?" is ``find_routes(g, target="testosterone", sign=-1)``: every
    entity with a route into the target whose net effect is -1, each with its best route.

    Parameters
    ----------
    graph : networkx.MultiDiGraph or graph.pathways.signed.IndexedView
        The signed view.
    source, target : str, optional
        The fixed end (an entity id): exactly one of them. The other end is any entity.
    max_length : int, optional
        The most steps a route may have (default 5).
    sign : {None, 1, -1, 0, "up", "down"}, optional
        Keep only routes with this net effect (default None: every sign).
    context : iterable of str, optional
        Keep only routes all of whose steps hold in this context (see :func:`holds_in`).
    every : bool, optional
        Every route (default False: the best route for each open end and net sign).

    Returns
    -------
    list of Route
        Ranked as :func:`find_paths` ranks them: shorter first, then better supported. No
        entity is visited twice; the fixed end is never the open one; the last step is a claim
        (a hierarchy step of a view made ``via_classes`` may come before it, never last).

    Raises
    ------
    ValueError
        If neither or both ends are given, or ``sign`` or ``max_length`` is invalid.
    UnknownEntityError
        If the fixed end is not a node.
    HkgError
        If more than :data:`MAX_OPEN_ROUTES` partial routes are held at one length (lower
        ``max_length`` or add a context).

    Examples
    --------
    >>> from graph.pathways.signed import make_signed_graph
    >>> g = make_signed_graph([
    ...     {"claim": "a-b", "subject": "a", "object": "b", "sign": -1},
    ...     {"claim": "b-c", "subject": "b", "object": "c", "sign": -1},
    ...     {"claim": "a-c", "subject": "a", "object": "c", "sign": -1, "certainty": "low"},
    ...     {"claim": "d-c", "subject": "d", "object": "c", "sign": 1}])
    >>> [(r.nodes, r.sign) for r in find_routes(g, target="c", sign="down")]
    [(('b', 'c'), -1), (('a', 'c'), -1)]
    >>> [(r.nodes, r.sign) for r in find_routes(g, target="c", every=True)]
    [(('b', 'c'), -1), (('d', 'c'), 1), (('a', 'c'), -1), (('a', 'b', 'c'), 1)]
    >>> [r.nodes for r in find_routes(g, source="a", sign=1)]
    [('a', 'b', 'c')]
    """
    if (source is None) == (target is None):
        raise ValueError("give exactly one of source and target")
    anchor = source if source is not None else target
    _check_node(graph, anchor, "source entity" if source is not None else "target entity")
    wanted_sign = check_sign(sign)
    max_length = _check_count(max_length, "max_length", 1)
    test = holds_in(graph, context)
    wanted = frozenset(SIGNS if wanted_sign is None else (wanted_sign,))


    adj, hops = adjacency(graph, test), _Hops(graph, test)
    forward = source is not None
    step = adj.succ if forward else adj.pred
    best: dict[tuple[str, int], Route] = {}
    found: list[Route] = []
    paths: list[tuple[str, ...]] = [(anchor,)]  # in the order walked: anchor first
    for depth in range(max_length):
        extended = [(*nodes, node) for nodes in paths for node in step[nodes[-1]] if node not in nodes]
        if len(extended) > MAX_OPEN_ROUTES:
            raise HkgError(f"more than {MAX_OPEN_ROUTES:,} routes of {depth + 1} steps: "
                           "lower --max-length or add --context")
        layer = []
        for nodes in extended:
            ordered = nodes if forward else nodes[::-1]
            # a route must end in a claim: "estradiol is an estrogen" is no effect on estrogen
            layer.extend(route for route in _signed(hops, ordered, wanted)
                         if route.hops[-1].relation is None)
        if every:
            found.extend(layer)
        else:
            for route in sorted(layer, key=Route.rank_key):
                end = route.nodes[-1] if forward else route.nodes[0]
                best.setdefault((end, route.sign), route)
        paths = extended
        if not paths:
            break
    return sorted(found if every else best.values(), key=Route.rank_key)


def find_loops(graph, through: str | None = None, *, kind: str | None = None, max_length: int = 5,
               context: Iterable[str] | None = None) -> list[Route]:
    """Return the feedback loops of the signed view (or those through one entity), ranked.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The signed view.
    through : str, optional
        Keep only loops through this entity id (default None: every loop).
    kind : {None, "vicious", "self-limiting"}, optional
        Keep only vicious loops (net sign +1) or self-limiting ones (-1) (default None: both).
        A loop with a 0 step is no feedback and is never returned.
    max_length : int, optional
        The most steps a loop may have (default 5).
    context : iterable of str, optional
        Keep only loops all of whose steps hold in this context (default None).

    Returns
    -------
    list of Route
        Each loop once, its nodes ending where they start: rotated to start at ``through`` when
        given, else at its smallest entity id. Shorter loops first, then better supported, then
        by ids.

    Raises
    ------
    UnknownEntityError
        If ``through`` is not a node.
    ValueError
        If ``kind`` or ``max_length`` is invalid.

    Examples
    --------
    >>> from graph.pathways.signed import make_signed_graph
    >>> g = make_signed_graph([
    ...     {"claim": "1", "subject": "b", "object": "a", "sign": 1},
    ...     {"claim": "2", "subject": "a", "object": "b", "sign": 1},
    ...     {"claim": "3", "subject": "b", "object": "c", "sign": -1},
    ...     {"claim": "4", "subject": "c", "object": "b", "sign": 1}])
    >>> [(r.nodes, kind_of(r.sign)) for r in find_loops(g)]
    [(('a', 'b', 'a'), 'vicious'), (('b', 'c', 'b'), 'self-limiting')]
    >>> [r.nodes for r in find_loops(g, "a", kind="self-limiting")]
    []
    """
    if through is not None:
        _check_node(graph, through, "entity")
    if kind is not None and kind not in LOOP_KINDS.values():
        raise ValueError(f"kind {kind!r} is not one of {', '.join(LOOP_KINDS.values())}")
    max_length = _check_count(max_length, "max_length", 1)
    wanted = frozenset(s for s, k in LOOP_KINDS.items() if kind in (None, k))

    test = holds_in(graph, context)
    adj, hops = adjacency(graph, test), _Hops(graph, test)
    if through is not None:
        loops = list(_routes(adj, hops, through, through, wanted, max_length))
    else:
        import networkx as nx

        cyclic = sorted(n for component in nx.strongly_connected_components(graph)
                        for n in component if len(component) > 1 or graph.has_edge(n, n))
        loops = []
        for node in cyclic:
            loops.extend(_routes(adj, hops, node, node, wanted, max_length, lambda n, low=node: n > low))
    return sorted(loops, key=Route.rank_key)


def _measures(graph) -> dict[str, tuple[str, int]]:
    """Map each entity to (its measure, +1 or -1): inverse measures share one measure.

    The measure is the smallest id among the entities joined by ``inverse_of`` (either way);
    an entity's orientation is -1 if it moves against that measure.
    """
    links: dict[str, set[str]] = {}
    for node, other in graph.nodes(data="inverse_of"):
        if other and other in graph:
            links.setdefault(node, set()).add(other)
            links.setdefault(other, set()).add(node)
    measure: dict[str, tuple[str, int]] = {}
    for start in sorted(links):
        if start in measure:
            continue
        orientation = {start: 1}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for other in sorted(links[node]):
                if other not in orientation:
                    orientation[other] = -orientation[node]
                    queue.append(other)
        root = min(orientation)
        for node, direction in orientation.items():
            measure[node] = (root, direction * orientation[root])
    return measure


def find_conflicts(graph, entity: str | None = None) -> list[Conflict]:
    """Return the pairs of claims whose effects on one measure disagree.

    Two claims conflict when they have the same subject and either the same object and different
    signs, or objects that are inverse measures of each other (``inverse_of``, followed either
    way and transitively) and signs that, read on one measure, differ: X +1 HOMA-IR conflicts
    with X +1 insulin sensitivity, while X -1 HOMA-IR agrees with it. A 0 claim conflicts with a
    signed one.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The signed view.
    entity : str, optional
        Keep only conflicts whose subject or either object is this entity, or whose measure is
        its measure (default None: every conflict).

    Returns
    -------
    list of Conflict
        Sorted by subject, then claim ids; within a pair the claim with the smaller id comes
        first.

    Raises
    ------
    UnknownEntityError
        If ``entity`` is not a node.

    Examples
    --------
    >>> from graph.pathways.signed import make_signed_graph
    >>> g = make_signed_graph([
    ...     {"claim": "c1", "subject": "x", "object": "sens", "sign": 1},
    ...     {"claim": "c2", "subject": "x", "object": "homa", "sign": 1, "context": {"population": "men"}},
    ...     {"claim": "c3", "subject": "x", "object": "homa", "sign": -1}],
    ...     [{"id": "homa", "inverse_of": "sens"}, {"id": "sens"}])
    >>> for c in find_conflicts(g):
    ...     print(c.claims, c.objects, c.effects, c.reconcile)
    ('c1', 'c2') ('sens', 'homa') (1, -1) (('population', None, 'men'),)
    ('c2', 'c3') ('homa', 'homa') (1, -1) (('population', 'men', None),)
    """
    if entity is not None:
        _check_node(graph, entity, "entity")
    measure = _measures(graph)

    def on_measure(node: str) -> tuple[str, int]:
        return measure.get(node, (node, 1))

    groups: dict[tuple[str, str], list[tuple[str, str, dict]]] = {}
    for subject, obj, data in graph.edges(data=True):
        if data["sign"] == VARIABLE or data.get("relation") is not None:
            continue  # "effects vary" disagrees with no direction; a class link is no claim
        groups.setdefault((subject, on_measure(obj)[0]), []).append((obj, data["claim"], data))
    conflicts = []
    for (subject, root), claims in sorted(groups.items()):
        claims.sort(key=lambda item: item[1])
        for i, (obj_a, id_a, a) in enumerate(claims):
            for obj_b, id_b, b in claims[i + 1:]:
                if entity is not None and entity not in (subject, obj_a, obj_b) and \
                        on_measure(entity)[0] != root:
                    continue
                # both signs read on obj_a: a claim on the inverse measure flips
                effect_a = a["sign"]
                effect_b = b["sign"] * on_measure(obj_b)[1] * on_measure(obj_a)[1]
                if effect_a == effect_b:
                    continue
                context_a, context_b = a.get("context") or {}, b.get("context") or {}
                reconcile = tuple((key, context_a.get(key), context_b.get(key))
                                  for key in sorted(set(context_a) | set(context_b))
                                  if context_a.get(key) != context_b.get(key))
                conflicts.append(Conflict(subject, (obj_a, obj_b), (id_a, id_b),
                                          (a["sign"], b["sign"]), (effect_a, effect_b), reconcile))
    return sorted(conflicts, key=lambda c: (c.subject, c.claims))


def neighbors(graph, entity: str, *, direction: str = "both",
              context: Iterable[str] | None = None) -> list[tuple[str, Hop]]:
    """Return what an entity acts on (``"out"``) and what acts on it (``"in"``).

    Parameters
    ----------
    graph : networkx.MultiDiGraph or graph.pathways.signed.IndexedView
        The signed view.
    entity : str
        An entity id.
    direction : {"both", "out", "in"}, optional
        Which claims to return (default "both").
    context : iterable of str, optional
        Keep only claims that hold in this context (default None).

    Returns
    -------
    list of (str, Hop)
        ``("out", hop)`` for each entity and sign the entity acts on, then ``("in", hop)`` for
        each that acts on it; each group sorted by the other entity's id, then by sign (+1, 0, -1).

    Raises
    ------
    UnknownEntityError
        If ``entity`` is not a node.
    ValueError
        If ``direction`` is not one of "both", "out", "in".

    Examples
    --------
    >>> from graph.pathways.signed import make_signed_graph
    >>> g = make_signed_graph([{"claim": "c1", "subject": "a", "object": "b", "sign": -1}])
    >>> [(d, h.subject, h.sign, h.object) for d, h in neighbors(g, "b")]
    [('in', 'a', -1, 'b')]
    """
    _check_node(graph, entity, "entity")
    if direction not in ("both", "out", "in"):
        raise ValueError(f"direction {direction!r} is not one of both, out, in")
    hops = _Hops(graph, holds_in(graph, context))
    found: list[tuple[str, Hop]] = []
    if direction in ("both", "out"):
        found.extend(("out", hop) for hop in hops.out(entity))
    if direction in ("both", "in"):
        found.extend(("in", hop) for hop in hops.into(entity))
    return found
