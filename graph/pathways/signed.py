"""The signed view: a networkx multigraph with one edge per claim, read from the build cache.

Nodes are entity ids carrying ``label``, ``category`` and ``inverse_of`` (the measure an entity
moves against, e.g. HOMA-IR against insulin sensitivity). Edges run from a claim's subject to its
object, keyed by the claim id, with the attributes the pathway questions need: ``sign`` (+1, -1,
0 or "variable"), ``claim``, ``context`` (a dict such as ``{"population": "men"}``; empty means
"holds in every context"), ``certainty`` ("high", "medium" or "low"), ``citations`` (a tuple of
``(study, basis, relation)``) and ``relation`` (None for a claim). Quotes and other evidence stay
in the index and are looked up for the answers only.

Asked ``via_classes``, the view also has an edge (sign +1, ``relation`` is_a, member_of or
has_active_ingredient) from each entity to every entity its hierarchy links name: a claim about
estrogen then reaches a question about estradiol, and the step says it was a class, not a claim.

The view is derived from the lookup index, which is itself derived from the RDF graph at build,
so it never parses YAML or RDF. :class:`IndexedView` reads the same view from the index one
entity at a time, for searches that touch a small part of a large graph.

Searches read the view through :func:`adjacency`, plain dicts of the distinct signs between two
entities: walking networkx's edge views claim by claim costs more than the search itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from graph.model.vocab import CERTAINTY_SCORE, HIERARCHY, SIGN_ORDER, SIGNS
from graph.pathways.numbered import numbered

__all__ = ["EDGE_KEYS", "HIERARCHY_PREFIX", "Adjacency", "IndexedView", "Rows", "adjacency",
           "build_signed_graph", "hierarchy_claims", "make_signed_graph"]

if TYPE_CHECKING:  # networkx is imported where a whole view is made: a search on an IndexedView needs none
    import networkx as nx

#: the attributes every edge of the signed view carries
EDGE_KEYS = ("sign", "claim", "context", "certainty", "citations", "relation")
#: how the id of a hierarchy edge starts (a claim id never does)
HIERARCHY_PREFIX = "hierarchy/"

#: the key of the unfiltered adjacency in a graph's ``__networkx_cache__``
_CACHE_KEY = "hormone_kg_adjacency"

Signs = tuple[int, ...]


def hierarchy_claims(entity: Mapping[str, Any], role: str = "subject") -> Iterator[dict[str, Any]]:
    """Yield the hierarchy edges of an entity record as claim-like records: from the entity to
    what it is a kind, member or product of (``role="subject"``), or from its narrower entities
    to it (``role="object"``, read from the record's ``narrower``).

    >>> [c["claim"] for c in hierarchy_claims({"id": "estradiol", "is_a": ["estrogen"]})]
    ['hierarchy/is_a/estradiol/estrogen']
    """
    if role == "subject":
        pairs = [(key, entity["id"], other) for key in HIERARCHY for other in entity.get(key) or ()]
    else:
        pairs = [(link["relation"], link["entity"], entity["id"]) for link in entity.get("narrower") or ()]
    for key, subject, obj in pairs:
        yield {"claim": f"{HIERARCHY_PREFIX}{key}/{subject}/{obj}", "subject": subject, "object": obj,
               "sign": 1, "certainty": "medium", "relation": key}  # a reading, not a statement


def make_signed_graph(claims: Iterable[Mapping[str, Any]],
                      entities: Iterable[Mapping[str, Any]] = (), *,
                      via_classes: bool = False) -> nx.MultiDiGraph:
    """Return the signed multigraph of some claims: one edge per claim, keyed by its id.

    Parameters
    ----------
    claims : iterable of mapping
        Claim records with ``claim``, ``subject``, ``object`` and ``sign``; ``context`` (default
        ``{}``), ``certainty`` (default ``"high"``) and ``citations`` (default none) are optional.
    entities : iterable of mapping, optional
        Entity records with ``id`` and optionally ``label``, ``category`` and ``inverse_of``.
        An entity that no claim mentions is still a node; a claim's subject or object that is
        not among them becomes a node labelled with its id.
    via_classes : bool, optional
        Add the hierarchy edges of the entities (:func:`hierarchy_claims`; default False).

    Returns
    -------
    networkx.MultiDiGraph
        The signed view, its nodes and edges added in sorted order (so iteration is
        deterministic).

    Raises
    ------
    ValueError
        If a claim's sign is not +1, -1, 0 or "variable", or its certainty is not a known level.

    Examples
    --------
    >>> g = make_signed_graph([
    ...     {"claim": "c1", "subject": "a", "object": "b", "sign": -1},
    ...     {"claim": "c2", "subject": "a", "object": "b", "sign": 1, "context": {"population": "men"}},
    ... ], [{"id": "a", "label": "A"}])
    >>> sorted(g.edges(keys=True))
    [('a', 'b', 'c1'), ('a', 'b', 'c2')]
    >>> g.nodes["a"]["label"], g.nodes["b"]["label"], g.edges["a", "b", "c2"]["context"]
    ('A', 'b', {'population': 'men'})
    """
    import networkx as nx

    graph = nx.MultiDiGraph()
    entities = sorted(entities, key=lambda e: e["id"])
    for entity in entities:
        graph.add_node(entity["id"], **_node_data(entity["id"], entity))
    claims = list(claims)
    if via_classes:
        claims.extend(c for entity in entities for c in hierarchy_claims(entity))
    for claim in sorted(claims, key=lambda c: c["claim"]):
        for node in (claim["subject"], claim["object"]):
            if node not in graph:
                graph.add_node(node, **_node_data(node, None))
        graph.add_edge(claim["subject"], claim["object"], key=claim["claim"], **_edge_data(claim))
    return graph


def _node_data(node: str, entity: Mapping[str, Any] | None) -> dict[str, Any]:
    """A node's attributes: its entity's, or its id as label for an id no entity has."""
    entity = entity or {}
    return {"label": entity.get("label") or node, "category": entity.get("category"),
            "inverse_of": entity.get("inverse_of")}


def _edge_data(claim: Mapping[str, Any]) -> dict[str, Any]:
    """An edge's attributes (:data:`EDGE_KEYS`) from a claim, its sign and certainty checked."""
    sign = claim["sign"]
    if sign not in SIGNS or isinstance(sign, bool):
        raise ValueError(f"claim {claim['claim']!r}: sign {sign!r} is not one of +1, -1, 0, variable")
    certainty = claim.get("certainty") or "high"
    if certainty not in CERTAINTY_SCORE:
        raise ValueError(f"claim {claim['claim']!r}: certainty {certainty!r} is not one of "
                         f"{', '.join(CERTAINTY_SCORE)}")
    return {"sign": sign if isinstance(sign, str) else int(sign), "claim": claim["claim"],
            "context": dict(claim.get("context") or {}), "certainty": certainty,
            "citations": tuple(sorted(_citation(c) for c in claim.get("citations") or ())),
            "relation": claim.get("relation")}


#: json.loads without its per-call checks (a route's step claims are decoded in the hundreds)
_decode = json.JSONDecoder().decode


def _edge_row(claim: str, sign, context: str | None, certainty: str | None, citations: str | None) -> dict[str, Any]:
    """:func:`_edge_data` of a claim read undecoded from the index
    (:meth:`graph.cache.index.Index.claim_edge_rows_between`), made in one step: the complete
    routes of a search read a few hundred claims."""
    if isinstance(sign, bool) or sign not in SIGNS or (certainty or "high") not in CERTAINTY_SCORE:
        return _edge_data({"claim": claim, "sign": sign, "certainty": certainty})  # raises
    return {"sign": sign if isinstance(sign, str) else int(sign), "claim": claim,
            "context": _decode(context) if context and context != "{}" else {},
            "certainty": certainty or "high",
            "citations": tuple(sorted(map(tuple, _decode(citations)))) if citations else (),
            "relation": None}


def _citation(link) -> tuple[str, str, str]:
    """A study link as ``(study, basis, relation)``; a bare study id is a curator's support."""
    if isinstance(link, str):
        return (link, "curator", "supports")
    return (link["study"], link["basis"], link["relation"])


def build_signed_graph(index, *, via_classes: bool = False) -> nx.MultiDiGraph:
    """Return the signed view of a build: every entity a node, every claim an edge.

    Parameters
    ----------
    index : graph.cache.index.Index
        The build's lookup index (``Project.index()``).
    via_classes : bool, optional
        Add the hierarchy edges (default False).

    Returns
    -------
    networkx.MultiDiGraph
        See :func:`make_signed_graph`.
    """
    return make_signed_graph(index.claim_edges(), index.entities(), via_classes=via_classes)


class _Side(dict):
    """``succ`` or ``pred`` of an :class:`IndexedView`: ``side[u]`` maps each neighbour to
    ``{claim id: edge attributes}``, as networkx's ``_succ`` / ``_pred`` do, read from the index
    the first time ``u`` is asked for."""

    def __init__(self, index, role: str, via_classes: bool = False):
        super().__init__()
        self._index, self._role, self._via_classes = index, role, via_classes
        self._other = "object" if role == "subject" else "subject"

    def __missing__(self, node: str) -> dict[str, dict[str, dict[str, Any]]]:
        row: dict[str, dict[str, dict[str, Any]]] = {}
        claims = list(self._index.claim_edges(**{self._role: node}))
        if self._via_classes:
            entity = self._index.find_entity(node)
            claims.extend(hierarchy_claims(entity, self._role) if entity else ())
        for claim in claims:
            row.setdefault(claim[self._other], {})[claim["claim"]] = _edge_data(claim)
        self[node] = row
        return row


class _Nodes(dict):
    """``nodes[n]`` of an :class:`IndexedView`: a node's attributes, read on first use."""

    def __init__(self, index):
        super().__init__()
        self._index = index

    def __missing__(self, node: str) -> dict[str, Any]:
        found = self[node] = _node_data(node, self._index.find_entity(node))
        return found


class IndexedView:
    """The signed view read from the index only where a search goes, for one question.

    Answers what :func:`graph.pathways.paths.find_paths` and :func:`graph.pathways.paths.neighbors` ask of the
    networkx view (``node in view``, ``nodes[n]``, ``succ`` / ``pred``, ``edges``)
    with the same attributes, but reads an entity's claims through the index's subject and object
    indexes when a search first reaches it. A path search touches a small part of a large graph:
    at 10⁶ claims, making the whole networkx view first takes most of a minute. Whole-graph
    questions (loops, conflicts) use :func:`build_signed_graph`.
    """

    def __init__(self, index, *, via_classes: bool = False):
        self._index, self._via_classes = index, via_classes
        #: the compiled search over the build's adjacency file, when there is one (claims only:
        #: a hierarchy step is read from the entities' records)
        self.numbered = None if via_classes else numbered(index)
        self._between: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self._succ = self.succ = _Side(index, "subject", via_classes)
        self._pred = self.pred = _Side(index, "object", via_classes)
        self.nodes = _Nodes(index)
        self._known: dict[str, bool] = {}

    @cached_property
    def __networkx_cache__(self) -> dict[str, Any]:
        """Where :func:`adjacency` finds the view's unfiltered adjacency (its rows read from the
        index), made on first use: a question the compiled search answers never reads it."""
        via_classes = self._via_classes
        return {_CACHE_KEY: Adjacency(_SignRows(self._index, "subject", self._succ if via_classes else None),
                                      _SignRows(self._index, "object", self._pred if via_classes else None))}

    def __contains__(self, node: object) -> bool:
        # an entity, or an id some claim names (hierarchy links join entities only)
        if not isinstance(node, str):
            return False
        found = self._known.get(node)
        if found is None:
            found = self._known[node] = node in self.numbered if self.numbered else self._index.has_node(node)
        return found

    def prefetch_ends(self, source: str, target: str) -> None:
        """Read in one query what a search from ``source`` to ``target`` asks first: whether
        both are nodes, and the widths it weighs the two ends by."""
        if self.numbered or not (isinstance(source, str) and isinstance(target, str)):
            return  # the compiled search needs no widths, and the file answers which are nodes
        is_source, is_target, out, into = self._index.ends(source, target)
        self._known[source], self._known[target] = is_source, is_target
        if not self._via_classes:  # else the rows add the hierarchy links, and so do the widths
            rows = self.__networkx_cache__[_CACHE_KEY]
            rows.succ.widths.setdefault(source, out)
            rows.pred.widths.setdefault(target, into)

    def __iter__(self) -> Iterator[str]:
        return iter(self._index.node_ids())

    def claims_between(self, subject: str, obj: str) -> Mapping[str, dict[str, Any]]:
        """``succ[subject][obj]`` (``{}`` if no claim joins them), read through the index's
        (subject, object) entries unless the subject's claims are read already: a route's hops
        need only their own claims, and a hub has thousands."""
        if self._via_classes or dict.__contains__(self._succ, subject):
            return self._succ[subject].get(obj, {})
        found = self._between.get((subject, obj))
        if found is None:
            found = self._between[subject, obj] = {
                claim["claim"]: _edge_data(claim) for claim in self._index.claim_edges(subject=subject, object=obj)}
        return found

    def prefetch_between(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Read the claims of some (subject, object) pairs for :meth:`claims_between`, one query
        per :data:`_BATCH` of them (the hops of a search's complete routes)."""
        if self._via_classes:
            return
        unread = list({pair for pair in pairs if pair not in self._between
                       and not dict.__contains__(self._succ, pair[0])})
        for start in range(0, len(unread), _BATCH):
            chunk = unread[start:start + _BATCH]
            found: dict[tuple[str, str], dict[str, dict[str, Any]]] = {pair: {} for pair in chunk}
            for claim, subject, obj, sign, context, certainty, citations in self._index.claim_edge_rows_between(chunk):
                found[subject, obj][claim] = _edge_row(claim, sign, context, certainty, citations)
            self._between.update(found)

    def edges(self, data: str) -> Iterator[tuple[str, str, Any]]:
        """Yield ``(subject, object, attribute)`` for every claim (reads the whole index)."""
        for claim in self._index.claim_edges():
            yield claim["subject"], claim["object"], _edge_data(claim)[data]


_ONE_SIGN = {sign: (sign,) for sign in SIGNS}


class Rows(dict):
    """One side of an :class:`Adjacency`: ``rows[u]`` maps each neighbour ``v`` of ``u`` to the
    distinct signs of the claims between them, up, none, down, variable (``{}`` if there are none).

    A row is made from the multigraph when first read (a search touches a small part of a large
    graph, and making every row up front costs more than a search); :meth:`width` answers "how
    many neighbours at most" without making it.
    """

    def __init__(self, edges: Mapping[str, Mapping[str, Mapping[Any, Mapping[str, Any]]]],
                 keep: Callable[[Mapping[str, Any]], bool] | None):
        super().__init__()
        self._edges, self._keep = edges, keep
        #: ``widths[u]`` is :meth:`width` of ``u``, as a dict lookup for the search's inner loops
        self.widths: dict[str, int] = _Widths(lambda node: len(edges[node]))

    def width(self, node: str) -> int:
        """The number of neighbours of a node, before the context filter (an upper bound)."""
        return self.widths[node]

    def total_width(self, nodes: Iterable[str]) -> int:
        """The sum of :meth:`width` over some nodes (each counted as often as it comes)."""
        return sum(map(self.widths.__getitem__, nodes))

    def prefetch(self, nodes: Iterable[str]) -> None:
        """Nothing: the rows are made from the multigraph in memory when read."""

    def prefetch_widths(self, nodes: Iterable[str]) -> None:
        """Nothing: a width is the length of a dict in memory."""

    def __missing__(self, node: str) -> dict[str, Signs]:
        keep, row = self._keep, {}
        for other, claims in self._edges[node].items():
            if keep is None and len(claims) == 1:  # most pairs: one claim
                for data in claims.values():
                    row[other] = _ONE_SIGN[data["sign"]]
                continue
            signs = {d["sign"] for d in claims.values() if keep is None or keep(d.get("context") or {})}
            if signs:
                row[other] = tuple(sorted(signs, key=SIGN_ORDER.__getitem__))
        self[node] = row
        return row


#: how many entities one counting query asks about (SQLite allows 32,766 parameters)
_BATCH = 500


class _Widths(dict):
    """Widths of nodes by id, each found by ``count`` the first time it is asked for."""

    def __init__(self, count: Callable[[str], int]):
        super().__init__()
        self._count = count

    def __missing__(self, node: str) -> int:
        found = self[node] = self._count(node)
        return found


class _SignRows(dict):
    """One side of an :class:`IndexedView`'s unfiltered :class:`Adjacency`: ``rows[u]`` as
    :class:`Rows` makes it, read from the index's packed adjacency rows
    (:meth:`graph.cache.index.Index.adjacency_rows`: one row per entity, not one per claim), so a
    search never decodes a claim's context, certainty or citations; only the hops of complete
    routes read them (through ``succ``). A row also gives each neighbour's own width, so the
    widths a search weighs its next step by are known from the rows it has read, not counted.
    With ``via_classes`` the rows are made from the full side (``full``), which adds the
    hierarchy links of each entity's record.
    """

    def __init__(self, index, role: str, full: _Side | None):
        super().__init__()
        self._index, self._role, self._full = index, role, full
        #: as :attr:`Rows.widths`: filled from the rows read, else read from the index
        self.widths: dict[str, int] = _Widths(self._count)

    def _count(self, node: str) -> int:
        if self._full is not None:
            return len(self[node])
        self.prefetch_widths((node,))
        return dict.__getitem__(self.widths, node)

    def width(self, node: str) -> int:
        """The number of neighbours of a node on this side, as :meth:`Rows.width` gives it:
        known from a row that lists the node (or its own), else read from the index without
        reading its row."""
        return self.widths[node]

    def total_width(self, nodes: Iterable[str]) -> int:
        """The sum of :meth:`width` over some nodes (each counted as often as it comes), those
        not known yet read in one query per :data:`_BATCH` of them."""
        nodes = list(nodes)
        self.prefetch_widths(nodes)
        return sum(map(self.widths.__getitem__, nodes))

    def prefetch_widths(self, nodes: Iterable[str]) -> None:
        """Read the widths of some nodes neither read nor listed in a row read yet, one query per
        :data:`_BATCH`."""
        if self._full is None:
            widths = self.widths
            unknown = list({n for n in nodes if n not in widths})
            for start in range(0, len(unknown), _BATCH):
                chunk = unknown[start:start + _BATCH]
                counted = dict(self._index.neighbour_counts(self._role, chunk))
                widths.update((node, counted.get(node, 0)) for node in chunk)

    def prefetch(self, nodes: Iterable[str]) -> None:
        """Read the rows of some nodes not read yet, one query per :data:`_BATCH` of them (a
        search reads a whole layer of nodes at once)."""
        if self._full is not None:
            return
        unread = list({node for node in nodes if not dict.__contains__(self, node)})
        for start in range(0, len(unread), _BATCH):
            self._read(unread[start:start + _BATCH])

    def _read(self, nodes: list[str]) -> None:
        codes, widths = self._index.sign_codes().__getitem__, self.widths
        for node in nodes:
            self[node], widths[node] = {}, 0
        for node, neighbours, signs, counts in self._index.adjacency_rows(self._role, nodes):
            self[node] = dict(zip(neighbours, map(codes, signs)))
            widths[node] = len(signs)
            widths.update(zip(neighbours, counts))

    def __missing__(self, node: str) -> dict[str, Signs]:
        if self._full is not None:
            row = {other: tuple(sorted({d["sign"] for d in claims.values()}, key=SIGN_ORDER.__getitem__))
                   for other, claims in self._full[node].items()}
            self[node] = row
            return row
        self._read([node])
        return dict.__getitem__(self, node)


@dataclass(frozen=True)
class Adjacency:
    """The signed view as plain dicts, for searches: ``succ[u][v]`` and ``pred[v][u]`` are the
    distinct signs of the claims from ``u`` to ``v``, up, none, down, variable (see :class:`Rows`)."""

    succ: Rows
    pred: Rows


def adjacency(graph: nx.MultiDiGraph,
              keep: Callable[[Mapping[str, Any]], bool] | None = None) -> Adjacency:
    """Return the adjacency of the signed view, or of its claims whose context passes ``keep``.

    The unfiltered adjacency is kept in ``graph.__networkx_cache__`` (its rows are reused by later
    searches), which networkx clears when nodes or edges are added or removed; changing an edge's
    attributes in place is not seen (the view is read-only once built). A filtered one is made
    per call. Rows read networkx's own dict-of-dicts (``_succ``, ``_pred``): its read-only views
    cost more than the search.

    >>> g = make_signed_graph([{"claim": "c1", "subject": "a", "object": "b", "sign": -1},
    ...                        {"claim": "c2", "subject": "a", "object": "b", "sign": 1}])
    >>> adj = adjacency(g)
    >>> adj.succ["a"], adj.pred["b"], adj.succ["b"], adj.succ.width("a")
    ({'b': (1, -1)}, {'a': (1, -1)}, {}, 1)
    >>> adjacency(g, lambda context: False).succ["a"]
    {}
    """
    if keep is not None:
        return Adjacency(Rows(graph._succ, keep), Rows(graph._pred, keep))
    cache = graph.__networkx_cache__
    found = cache.get(_CACHE_KEY)
    if found is None:
        found = cache[_CACHE_KEY] = Adjacency(Rows(graph._succ, None), Rows(graph._pred, None))
    return found
