"""The meet-in-the-middle path search agrees with a plain depth-first enumeration, hubs or not.

:func:`graph.pathways.paths.find_paths` grows a backward ball around the target while that is cheaper
than stepping forward, and follows only the claims into the ball once it is deep enough; which
of its three kinds of step it takes depends on the degrees at both ends. On random graphs with
hubs at either end, every answer (routes, their order, their hops and claims) must be exactly
the one obtained by enumerating every simple route and sorting by :meth:`Route.rank_key`.
"""

from __future__ import annotations

import itertools
import math

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.errors import UnknownEntityError
from graph.pathways.paths import Route, find_loops, find_paths, holds_in, neighbors
from graph.pathways.signed import adjacency, make_signed_graph

NODES = "abcdefgh"
HUBS = "xy"
#: hubs are drawn four times as often as other entities, so they collect most claims
ENDPOINT = st.sampled_from(list(HUBS) * 4 + list(NODES))
CONTEXTS = st.sampled_from([{}, {}, {}, {"population": "men"}, {"population": "women"},
                            {"timescale": "acute"}])
CLAIM = st.tuples(ENDPOINT, ENDPOINT, st.sampled_from([1, 1, -1, 0]), CONTEXTS,
                  st.sampled_from(["high", "medium", "low"]),
                  st.lists(st.sampled_from(["s1", "s2", "s3"]), max_size=2, unique=True))


@st.composite
def hub_graphs(draw):
    raw = draw(st.lists(CLAIM, min_size=10, max_size=60))
    return make_signed_graph(
        [{"claim": f"c{i:02d}", "subject": u, "object": v, "sign": sign, "context": context,
          "certainty": certainty, "citations": citations}
         for i, (u, v, sign, context, certainty, citations) in enumerate(raw)],
        [{"id": n} for n in NODES + HUBS])


def reference(graph, source, target, max_length, wanted, context=()):
    """Every route by depth-first enumeration of simple routes, ranked by Route.rank_key."""
    out = {}
    for node in graph:
        for _way, hop in neighbors(graph, node, direction="out", context=list(context)):
            out.setdefault(node, []).append(hop)
    found = []

    def walk(nodes, hops):
        for hop in out.get(nodes[-1], ()):
            if hop.object == target:
                if math.prod(h.sign for h in hops) * hop.sign in wanted:
                    found.append(Route((*hops, hop)))
            elif hop.object not in nodes and len(hops) + 1 < max_length:
                walk((*nodes, hop.object), (*hops, hop))

    walk((source,), ())
    return sorted(found, key=Route.rank_key)


ENDS = st.sampled_from(list(HUBS) + list(NODES[:4]))


@settings(max_examples=300, deadline=None)
@given(hub_graphs(), ENDS, ENDS, st.integers(1, 6), st.sampled_from([None, 1, -1, 0]))
def test_routes_equal_the_ranked_enumeration(graph, source, target, max_length, sign):
    wanted = {1, -1, 0} if sign is None else {sign}
    expected = reference(graph, source, target, max_length, wanted)
    assert list(find_paths(graph, source, target, max_length=max_length, sign=sign)) == expected
    # the search is repeated on the cached adjacency, and the limit cuts the same list
    assert list(find_paths(graph, source, target, max_length=max_length, sign=sign, limit=3)) == expected[:3]


@settings(max_examples=150, deadline=None)
@given(hub_graphs(), ENDS, ENDS, st.integers(1, 5),
       st.sampled_from([("men",), ("population=women",), ("acute", "men")]))
def test_routes_in_a_context_equal_the_ranked_enumeration(graph, source, target, max_length, context):
    used = {(key, str(value).casefold()) for _u, _v, c in graph.edges(data="context") for key, value in (c or {}).items()}
    known = all((w.partition("=")[0], w.partition("=")[2]) in used if "=" in w else w in {v for _k, v in used}
                for w in context)
    if not known:  # a context no claim uses is a typo to refuse, not a filter
        with pytest.raises(UnknownEntityError):
            list(find_paths(graph, source, target, max_length=max_length, context=context))
        return
    expected = reference(graph, source, target, max_length, {1, -1, 0}, context)
    assert list(find_paths(graph, source, target, max_length=max_length, context=context)) == expected


@settings(max_examples=100, deadline=None)
@given(hub_graphs(), st.integers(1, 5))
def test_loops_equal_the_enumeration_of_cycles(graph, max_length):
    expected = set()
    for cycle in nx.simple_cycles(nx.DiGraph(graph), length_bound=max_length):
        nodes = (*cycle, cycle[0])
        for signs in itertools.product(*(adjacency(graph).succ[u][v] for u, v in itertools.pairwise(nodes))):
            if math.prod(signs) != 0:
                expected.add((nodes, signs))
    found = find_loops(graph, max_length=max_length)
    assert len(found) == len(expected)
    assert all(r.nodes[0] == min(r.nodes) for r in found)
    rotated = set()
    for r in found:  # networkx starts a cycle anywhere: compare as rotations
        steps = tuple(zip(r.nodes, (h.sign for h in r.hops)))
        rotated |= {tuple(steps[i:] + steps[:i]) for i in range(len(steps))}
    for nodes, signs in expected:
        assert tuple(zip(nodes, signs)) in rotated


def test_a_hub_at_either_end_gives_the_same_routes_as_the_enumeration():
    # x reaches 40 entities, y is reached from 40 others: the ball around y is grown only when
    # stepping forward from x costs more
    claims = [{"claim": f"x{i}", "subject": "x", "object": f"n{i}", "sign": 1} for i in range(40)]
    claims += [{"claim": f"y{i}", "subject": f"m{i}", "object": "y", "sign": -1} for i in range(40)]
    claims += [{"claim": f"b{i}", "subject": f"n{i}", "object": f"m{(i * 7) % 40}", "sign": (-1) ** i}
               for i in range(0, 40, 3)]
    claims += [{"claim": "ny", "subject": "n5", "object": "y", "sign": 1},
               {"claim": "xm", "subject": "x", "object": "m3", "sign": 1}]
    graph = make_signed_graph(claims)
    for source, target in (("x", "y"), ("n0", "y"), ("x", "m21"), ("m3", "x")):
        for max_length in range(1, 6):
            assert list(find_paths(graph, source, target, max_length=max_length)) == \
                reference(graph, source, target, max_length, {1, -1, 0})


def test_answers_follow_changes_to_the_graph():
    # the adjacency and the context keys are cached on the graph until networkx sees a change
    graph = make_signed_graph([{"claim": "c1", "subject": "a", "object": "b", "sign": 1}], [{"id": "c"}])
    assert [r.nodes for r in find_paths(graph, "a", "c")] == []
    with pytest.raises(UnknownEntityError):  # "acute" known nowhere: refused
        holds_in(graph, ["acute"])
    graph.add_edge("b", "c", key="c2", sign=-1, claim="c2", context={"timescale": "acute"},
                   certainty="high", citations=())
    assert [(r.nodes, r.sign) for r in find_paths(graph, "a", "c")] == [(("a", "b", "c"), -1)]
    assert holds_in(graph, ["acute"])({"population": "women"})  # now a timescale only
