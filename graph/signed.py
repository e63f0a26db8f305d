"""The signed view: a networkx multigraph with one edge per claim, read from the build cache.

Nodes are entity ids carrying ``label``, ``category`` and ``inverse_of`` (the measure an entity
moves against, e.g. HOMA-IR against insulin sensitivity). Edges run from a claim's subject to its
object, keyed by the claim id, with the attributes the pathway questions need: ``sign`` (+1, -1
or 0), ``claim``, ``context`` (a dict such as ``{"population": "men"}``; empty means "holds in
every context"), ``certainty`` ("high", "medium" or "low") and ``citations`` (a tuple of study
ids). Quotes and other evidence stay in the index and are looked up for the answers only.

The view is derived from the lookup index, which is itself derived from the RDF graph at build,
so it never parses YAML or RDF.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from .vocab import CERTAINTY_SCORE, SIGNS

__all__ = ["EDGE_KEYS", "build_signed_graph", "make_signed_graph"]

#: the attributes every edge of the signed view carries
EDGE_KEYS = ("sign", "claim", "context", "certainty", "citations")


def make_signed_graph(claims: Iterable[Mapping[str, Any]],
                      entities: Iterable[Mapping[str, Any]] = ()) -> nx.MultiDiGraph:
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

    Returns
    -------
    networkx.MultiDiGraph
        The signed view, its nodes and edges added in sorted order (so iteration is
        deterministic).

    Raises
    ------
    ValueError
        If a claim's sign is not +1, -1 or 0, or its certainty is not a known level.

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
    graph = nx.MultiDiGraph()
    for entity in sorted(entities, key=lambda e: e["id"]):
        graph.add_node(entity["id"], label=entity.get("label") or entity["id"],
                       category=entity.get("category"), inverse_of=entity.get("inverse_of"))
    for claim in sorted(claims, key=lambda c: c["claim"]):
        sign = claim["sign"]
        if sign not in SIGNS:
            raise ValueError(f"claim {claim['claim']!r}: sign {sign!r} is not one of +1, -1, 0")
        certainty = claim.get("certainty") or "high"
        if certainty not in CERTAINTY_SCORE:
            raise ValueError(f"claim {claim['claim']!r}: certainty {certainty!r} is not one of "
                             f"{', '.join(CERTAINTY_SCORE)}")
        for node in (claim["subject"], claim["object"]):
            if node not in graph:
                graph.add_node(node, label=node, category=None, inverse_of=None)
        graph.add_edge(claim["subject"], claim["object"], key=claim["claim"], sign=int(sign),
                       claim=claim["claim"], context=dict(claim.get("context") or {}),
                       certainty=certainty, citations=tuple(sorted(claim.get("citations") or ())))
    return graph


def build_signed_graph(index) -> nx.MultiDiGraph:
    """Return the signed view of a build: every entity a node, every claim an edge.

    Parameters
    ----------
    index : graph.index.Index
        The build's lookup index (``Project.index()``).

    Returns
    -------
    networkx.MultiDiGraph
        See :func:`make_signed_graph`.
    """
    return make_signed_graph(index.claims(), index.entities())
