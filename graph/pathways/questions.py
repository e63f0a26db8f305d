"""Pathway questions answered from a build: resolve names, search the signed view, attach evidence.

Each ``answer_*`` function takes the build's :class:`~graph.cache.index.Index`, accepts entity names the
way users write them (label, synonym, id, CURIE, Greek letters or their names) and returns plain
JSON-ready data: the shapes ``hkg paths``, ``loops``, ``conflicts`` and ``neighbors`` print.
Every step is a claim in the stable shape of :func:`graph.cache.lookup.step_of` plus labels, the section
title and ``supporting_claims`` (every claim that makes the same step, best supported first).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graph.cache.lookup import STEP_KEYS, step_of
from graph.model.vocab import VARIABLE
from graph.pathways.paths import (Hop, Route, check_sign, find_conflicts, find_loops, find_paths,
                                  find_routes, kind_of, neighbors)
from graph.pathways.signed import IndexedView, build_signed_graph
from graph.sources.quotes import table_columns

__all__ = ["COUNT_CAP", "answer_conflicts", "answer_loops", "answer_neighbors", "answer_paths",
           "answer_routes"]

#: routes between two fixed ends counted for a summary before the count says "at least"
COUNT_CAP = 1000

class _Evidence:
    """Claims, labels and the signed view of one index, each read once per answer.

    Questions about routes from one entity (paths, neighbours) read the view from the index as
    the search goes (:class:`~graph.pathways.signed.IndexedView`); whole-graph questions (loops, conflicts)
    build the networkx view first.
    """

    def __init__(self, index, *, whole: bool, via_classes: bool = False):
        self.index = index
        self.graph = (build_signed_graph(index, via_classes=via_classes) if whole
                      else IndexedView(index, via_classes=via_classes))
        self._claims: dict[str, dict[str, Any]] = {}

    def label(self, entity_id: str) -> str:
        return self.graph.nodes[entity_id].get("label") or entity_id

    def node(self, entity_id: str) -> dict[str, str]:
        return {"id": entity_id, "label": self.label(entity_id)}

    def claim(self, claim_id: str) -> dict[str, Any]:
        if claim_id not in self._claims:
            self._claims[claim_id] = self.index.claim(claim_id)
        return self._claims[claim_id]

    def step(self, claim_id: str, supporting: Iterable[str] = ()) -> dict[str, Any]:
        claim = self.claim(claim_id)
        step = step_of(claim)
        step["kind"], step["relation"] = "claim", None
        step["citations"] = list(step.get("citations") or [])
        step["context"] = dict(step.get("context") or {})
        step["section_title"] = claim.get("section_title")
        step["subject_label"] = self.label(claim["subject"])
        step["object_label"] = self.label(claim["object"])
        step["supporting_claims"] = list(supporting) or [claim_id]
        step["table_columns"] = table_columns(self.index, claim)
        return step

    def hop(self, hop: Hop) -> dict[str, Any]:
        if hop.relation is None:
            return self.step(hop.claim, hop.claims)
        # a step through the hierarchy: no claim, no quote; what it is said in so many words
        return {**{key: None for key in STEP_KEYS}, "kind": "hierarchy", "relation": hop.relation,
                "claim": hop.claim, "subject": hop.subject, "object": hop.object, "sign": hop.sign,
                "citations": [], "context": {}, "certainty": "medium", "section_title": None,
                "subject_label": self.label(hop.subject), "object_label": self.label(hop.object),
                "supporting_claims": [hop.claim], "table_columns": None}

    def route(self, route: Route) -> dict[str, Any]:
        support = route.support
        return {
            "sign": route.sign,
            "length": route.length,
            "score": route.score,
            "certainty": route.certainty,
            "studies": list(route.studies),
            "support": {basis: list(studies) for basis, studies in support.items()},
            "nodes": [self.node(n) for n in route.nodes],
            "steps": [self.hop(hop) for hop in route.hops],
        }


def answer_paths(index, source: str, target: str, *, sign: str | None = None, max_length: int = 5,
                 context: Iterable[str] = (), limit: int | None = None,
                 via_classes: bool = False) -> list[dict[str, Any]]:
    """Return the ranked routes from ``source`` to ``target``, every step with its evidence.

    Parameters
    ----------
    index : graph.cache.index.Index
        The build's lookup index.
    source, target : str
        Entity names (resolved with :meth:`graph.cache.index.Index.resolve`).
    sign : {None, "up", "down", "variable", 1, -1, 0}, optional
        Keep only routes with this net effect (default None: all); anything else is a ValueError.
    max_length : int, optional
        The most steps a route may have (default 5).
    context : iterable of str, optional
        Keep only routes all of whose steps hold in this context (default: all).
    limit : int, optional
        Return at most this many routes (default None: all).
    via_classes : bool, optional
        Let routes climb the hierarchy: from an entity to what it is a kind, member or product
        of, so a claim about estrogen answers a question about estradiol. Such a step has
        ``kind`` "hierarchy" and its ``relation``; it is no claim (default False).

    Returns
    -------
    list of dict
        ``{sign, length, score, certainty, studies, support: {document, curator}, nodes: [{id,
        label}], steps: [...]}``, best first (see :func:`graph.pathways.paths.find_paths`); each step has
        ``kind`` "claim" (with ``citations``: ``{study, basis, relation, rationale}``) or
        "hierarchy".

    Raises
    ------
    UnknownEntityError
        If a name denotes no entity (with the nearest names).
    """
    source_id, target_id = index.resolve(source), index.resolve(target)
    evidence = _Evidence(index, whole=False, via_classes=via_classes)
    routes = find_paths(evidence.graph, source_id, target_id, max_length=max_length,
                        sign=sign, context=list(context), limit=limit)
    return [evidence.route(route) for route in routes]


def answer_routes(index, source: str | None = None, target: str | None = None, *,
                  sign: str | None = None, max_length: int = 5, context: Iterable[str] = (),
                  every: bool = False, limit: int | None = None,
                  via_classes: bool = False) -> dict[str, Any]:
    """Return ranked routes with a summary: between two entities, out of one, or into one.

    With both ``source`` and ``target``, the routes between them (as :func:`answer_paths`, at
    most :data:`COUNT_CAP` counted); with one end only, the routes out of it or into it, the
    best one for each entity at the open end and net sign (``every``: all of them; see
    :func:`graph.pathways.paths.find_routes`). ``via_classes`` lets routes climb the hierarchy (see
    :func:`answer_paths`).

    Returns
    -------
    dict
        ``routes`` (the first ``limit`` routes, shaped as :func:`answer_paths` gives them),
        ``total`` (how many routes were found), ``at_least`` (True when counting stopped at
        :data:`COUNT_CAP`), ``signs`` (``{"+1": n, "-1": n, "0": n, "variable": n}`` over all found),
        ``shortest`` (steps of the shortest, None when there is none), ``ends`` (distinct
        entities at the open end; None with two fixed ends), ``open`` ("source", "target" or
        None), ``every`` and the resolved ``source`` and ``target`` (``{id, label}`` or None).

    Raises
    ------
    UnknownEntityError
        If a name denotes no entity (with the closest names).
    """
    source_id = index.resolve(source) if source is not None else None
    target_id = index.resolve(target) if target is not None else None
    evidence = _Evidence(index, whole=False, via_classes=via_classes)
    wanted = sign  # checked by the search: up, down, variable, +1, -1, 0
    at_least = False
    if source_id is not None and target_id is not None:
        routes = list(find_paths(evidence.graph, source_id, target_id, max_length=max_length,
                                 sign=wanted, context=list(context), limit=COUNT_CAP + 1))
        at_least = len(routes) > COUNT_CAP
        routes = routes[:COUNT_CAP]
        opened, ends = None, None
    else:
        routes = find_routes(evidence.graph, source=source_id, target=target_id, max_length=max_length,
                             sign=wanted, context=list(context), every=every)
        opened = "target" if source_id is not None else "source"
        ends = len({r.nodes[-1] if opened == "target" else r.nodes[0] for r in routes})
    shown = routes if limit is None else routes[:limit]
    return {
        "routes": [evidence.route(route) for route in shown],
        "total": len(routes),
        "at_least": at_least,
        "signs": {label: sum(1 for r in routes if r.sign == value)
                  for label, value in (("+1", 1), ("-1", -1), ("0", 0), ("variable", VARIABLE))},
        "shortest": min((r.length for r in routes), default=None),
        "ends": ends,
        "open": opened,
        "every": every,
        "source": evidence.node(source_id) if source_id is not None else None,
        "target": evidence.node(target_id) if target_id is not None else None,
    }


def answer_loops(index, through: str | None = None, *, kind: str | None = None,
                 max_length: int = 5, context: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Return the feedback loops (through one entity, or all), every step with its evidence.

    Returns
    -------
    list of dict
        ``{sign, kind, length, score, certainty, studies, nodes, steps}`` with ``kind``
        "vicious" (net +1) or "self-limiting" (net -1); ``nodes`` ends where it starts.

    Raises
    ------
    UnknownEntityError
        If ``through`` denotes no entity.
    """
    through_id = index.resolve(through) if through is not None else None
    evidence = _Evidence(index, whole=True)
    loops = find_loops(evidence.graph, through_id, kind=kind, max_length=max_length,
                       context=list(context))
    return [{"kind": kind_of(loop.sign), **evidence.route(loop)} for loop in loops]


def answer_conflicts(index, entity: str | None = None) -> list[dict[str, Any]]:
    """Return the pairs of claims that disagree, with the contexts that may reconcile them.

    Returns
    -------
    list of dict
        ``{subject, object, inverse_object, inverse, effects, reconcile, claims: [step, step]}``:
        ``object`` is the first claim's object, ``inverse_object`` the second claim's object when
        it is the inverse measure (else None); ``effects`` both signs read on ``object``;
        ``reconcile`` lists ``{key, contexts: [first, second]}`` for each context key on which
        the claims differ (None: holds in every such context). An empty ``reconcile`` means
        nothing in the data tells the two claims apart.

    Raises
    ------
    UnknownEntityError
        If ``entity`` denotes no entity.
    """
    entity_id = index.resolve(entity) if entity is not None else None
    evidence = _Evidence(index, whole=True)
    answers = []
    for conflict in find_conflicts(evidence.graph, entity_id):
        answers.append({
            "subject": conflict.subject,
            "subject_label": evidence.label(conflict.subject),
            "object": conflict.objects[0],
            "object_label": evidence.label(conflict.objects[0]),
            "inverse_object": conflict.objects[1] if conflict.inverse else None,
            "inverse": conflict.inverse,
            "effects": list(conflict.effects),
            "reconcile": [{"key": key, "contexts": [first, second]}
                          for key, first, second in conflict.reconcile],
            "claims": [evidence.step(c) for c in conflict.claims],
        })
    return answers


def answer_neighbors(index, entity: str, *, direction: str = "both", context: Iterable[str] = (),
                     sign: str | None = None) -> list[dict[str, Any]]:
    """Return what an entity acts on and what acts on it, grouped by neighbour and sign.

    Returns
    -------
    list of dict
        ``{direction, neighbor: {id, label}, subject, object, sign, claims: [steps]}``: first
        ``"out"`` (the entity acts on the neighbour), then ``"in"``; the claims best supported
        first. With ``sign`` ("up" or "down"), only the links that raise or lower.

    Raises
    ------
    UnknownEntityError
        If ``entity`` denotes no entity.
    """
    entity_id = index.resolve(entity)
    evidence = _Evidence(index, whole=False)
    answers = []
    for way, hop in neighbors(evidence.graph, entity_id, direction=direction, context=list(context)):
        if sign is not None and hop.sign != check_sign(sign):
            continue
        other = hop.object if way == "out" else hop.subject
        answers.append({
            "direction": way,
            "neighbor": evidence.node(other),
            "subject": hop.subject,
            "object": hop.object,
            "sign": hop.sign,
            "studies": list(hop.studies),
            "claims": [evidence.step(c) for c in hop.claims],
        })
    return answers
