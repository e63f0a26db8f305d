"""Property-based tests (hypothesis) of the path search: the promises every answer keeps.

On random small signed multigraphs (parallel claims, both signs and 0, self-loops, contexts):
a route's sign is the product of its steps; ``sign="up"`` keeps exactly the +1 routes; every step
is an edge of the graph (with that sign, holding in the requested context); no entity repeats in
a route; the answer is complete (every simple route within the length bound is found, compared
with a brute-force enumeration); ranked shorter first; and deterministic (the same graph built
from claims in any order gives the same answer). On the real data, through the CLI's JSON:
``--sign up`` keeps only +1 routes and every step's quote is in its document's clean text.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from graph.cli.commands import cli
from graph.pathways.paths import find_loops, find_paths, holds_in
from graph.pathways.signed import make_signed_graph
from graph.model.vocab import net_sign

NODES = "abcde"
CONTEXTS = st.sampled_from([{}, {}, {"population": "men"}, {"population": "women"},
                            {"timescale": "acute"}, {"population": "men", "timescale": "long-term"}])
CLAIM = st.tuples(st.sampled_from(NODES), st.sampled_from(NODES), st.sampled_from([1, -1, 0]),
                  CONTEXTS, st.sampled_from(["high", "medium", "low"]),
                  st.lists(st.sampled_from(["s1", "s2", "s3"]), max_size=2, unique=True))


@st.composite
def signed_graphs(draw):
    """A random signed multigraph as a list of claim records (ids c00, c01 ...)."""
    raw = draw(st.lists(CLAIM, min_size=0, max_size=18))
    return [{"claim": f"c{i:02d}", "subject": u, "object": v, "sign": sign, "context": context,
             "certainty": certainty, "citations": citations}
            for i, (u, v, sign, context, certainty, citations) in enumerate(raw)]


def graph_of(claims, order=None):
    entities = [{"id": n, "label": n.upper()} for n in NODES]
    chosen = claims if order is None else [claims[i] for i in order]
    return make_signed_graph(chosen, entities)


def describe(routes):
    """A route as plain data: nodes, and each hop's sign and claims."""
    return [(r.nodes, tuple((h.sign, h.claims) for h in r.hops)) for r in routes]


def brute_force(graph, source, target, max_length, test=None):
    """Every (nodes, signs) route from source to target by enumerating simple paths."""
    found = set()
    if source == target:
        return found
    for nodes in nx.all_simple_paths(nx.DiGraph(graph), source, target, cutoff=max_length):
        choices = []
        for u, v in itertools.pairwise(nodes):
            signs = {d["sign"] for d in graph.get_edge_data(u, v).values()
                     if test is None or test(d["context"])}
            choices.append(sorted(signs))
        for signs in itertools.product(*choices):
            found.add((tuple(nodes), signs))
    return found


@st.composite
def cases(draw):
    """A random graph and a search on it: (claims, (source, target, max_length, sign, context)).

    The source is mostly a subject of some claim and the target an object, so that most
    searches have routes to check.
    """
    claims = draw(signed_graphs())
    subjects = sorted({c["subject"] for c in claims}) or list(NODES)
    objects = sorted({c["object"] for c in claims}) or list(NODES)
    source = draw(st.one_of(st.sampled_from(subjects), st.sampled_from(NODES)))
    target = draw(st.one_of(st.sampled_from(objects), st.sampled_from(NODES)))
    return claims, (source, target, draw(st.integers(1, 5)),
                    draw(st.sampled_from([None, "up", "down", 1, -1, 0])),
                    draw(st.sampled_from(usable_contexts(claims))))


def usable_contexts(claims) -> list[tuple[str, ...]]:
    """The requested contexts of the searches whose values some claim uses (others are refused)."""
    used = {(key, str(value).casefold()) for c in claims for key, value in (c["context"] or {}).items()}
    values = {value for _key, value in used}

    def known(word: str) -> bool:
        key, sep, value = word.partition("=")
        return (key, value) in used if sep else word in values

    return [context for context in [(), ("men",), ("population=women",), ("acute", "men")]
            if all(known(word) for word in context)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_route_keeps_the_promises(case):
    claims, search = case
    source, target, max_length, sign, context = search
    graph = graph_of(claims)
    routes = list(find_paths(graph, source, target, max_length=max_length, sign=sign, context=context))
    test = holds_in(graph, context)
    wanted = {None: None, "up": 1, "down": -1}.get(sign, sign)
    for route in routes:
        assert route.sign == math.prod(hop.sign for hop in route.hops)
        assert wanted is None or route.sign == wanted
        assert 1 <= route.length <= max_length
        assert route.nodes[0] == source and route.nodes[-1] == target
        if source == target:
            assert len(set(route.nodes[:-1])) == route.length, route.nodes
        else:
            assert len(set(route.nodes)) == len(route.nodes), route.nodes
        for hop, following in itertools.zip_longest(route.hops, route.hops[1:]):
            if following is not None:
                assert hop.object == following.subject
            edges = graph.get_edge_data(hop.subject, hop.object) or {}
            parallel = sorted(k for k, d in edges.items()
                              if d["sign"] == hop.sign and (test is None or test(d["context"])))
            assert sorted(hop.claims) == parallel and parallel, (hop, edges)
    # ranked: shorter routes first
    assert [r.length for r in routes] == sorted(r.length for r in routes)
    assert len(set(describe(routes))) == len(routes), "a route is listed twice"


@settings(max_examples=300, deadline=None)
@given(cases())
def test_routes_are_complete_and_the_sign_filter_is_exact(case):
    claims, search = case
    source, target, max_length, _sign, context = search
    assume(source != target)
    graph = graph_of(claims)
    everything = list(find_paths(graph, source, target, max_length=max_length, context=context))
    found = {(r.nodes, tuple(h.sign for h in r.hops)) for r in everything}
    assert found == brute_force(graph, source, target, max_length, holds_in(graph, context))
    for word, value in (("up", 1), ("down", -1)):
        only = list(find_paths(graph, source, target, max_length=max_length, sign=word, context=context))
        assert describe(only) == describe([r for r in everything if r.sign == value])


@settings(max_examples=200, deadline=None)
@given(cases(), st.randoms(use_true_random=False), st.integers(0, 4))
def test_answers_are_deterministic(case, random, limit):
    claims, search = case
    source, target, max_length, sign, context = search
    order = list(range(len(claims)))
    random.shuffle(order)
    first = describe(find_paths(graph_of(claims), source, target, max_length=max_length, sign=sign,
                                context=context))
    again = describe(find_paths(graph_of(claims, order), source, target, max_length=max_length,
                                sign=sign, context=context))
    assert first == again
    limited = describe(find_paths(graph_of(claims), source, target, max_length=max_length, sign=sign,
                                  context=context, limit=limit))
    assert limited == first[:limit]


@settings(max_examples=200, deadline=None)
@given(signed_graphs(), st.sampled_from([None, *NODES]), st.sampled_from([None, "vicious", "self-limiting"]),
       st.integers(1, 4))
def test_loops_close_on_themselves_with_the_kind_asked(claims, through, kind, max_length):
    graph = graph_of(claims)
    loops = find_loops(graph, through, kind=kind, max_length=max_length)
    seen = set()
    for loop in loops:
        assert loop.nodes[0] == loop.nodes[-1] and len(set(loop.nodes[:-1])) == loop.length <= max_length
        assert loop.sign == math.prod(h.sign for h in loop.hops) and loop.sign in (1, -1)
        assert kind is None or loop.sign == {"vicious": 1, "self-limiting": -1}[kind]
        assert through is None or loop.nodes[0] == through
        for hop in loop.hops:
            assert all(graph.edges[hop.subject, hop.object, c]["sign"] == hop.sign for c in hop.claims)
        # the same cycle (any rotation) is listed once
        cycle = tuple((h.subject, h.sign) for h in loop.hops)
        rotation = min(cycle[i:] + cycle[:i] for i in range(len(cycle)))
        assert rotation not in seen
        seen.add(rotation)
    assert describe(loops) == describe(find_loops(graph, through, kind=kind, max_length=max_length))


# --- the real data, through the CLI ---------------------------------------------------------------

@pytest.fixture(scope="module")
def real(real_project):
    """The real project's documents (by id), and pairs of entities joined by some route."""
    from graph.project import Project
    from graph.sources.load import load_records
    from graph.pathways.signed import build_signed_graph

    documents = {d.id: d for d in load_records(real_project / "data").documents}
    index = Project(real_project).index()
    graph = build_signed_graph(index)
    index.close()
    pairs = sorted((s, t) for s in graph for t in nx.descendants(graph, s))
    return real_project, documents, pairs


def cli_json(project: Path, *args: str):
    result = CliRunner().invoke(cli, ["--project", str(project), *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_real_routes_through_the_cli_quote_their_documents(real, data):
    project, documents, pairs = real
    source, target = data.draw(st.sampled_from(pairs), label="pair")
    max_length = data.draw(st.integers(1, 4), label="max_length")
    everything = cli_json(project, "paths", source, target, "--max-length", str(max_length))
    up = cli_json(project, "paths", source, target, "--max-length", str(max_length), "--sign", "up")
    assert all(route["sign"] == 1 for route in up)
    assert up == [route for route in everything if route["sign"] == 1]
    for route in everything:
        assert route["sign"] == net_sign(step["sign"] for step in route["steps"])
        ids = [node["id"] for node in route["nodes"]]
        assert ids[0] == source and ids[-1] == target and len(set(ids)) == len(ids)
        for step in route["steps"]:
            document = documents[step["document"]]
            span = document.find_quote(step["quote"])
            assert span is not None, (step["claim"], step["quote"])
            assert " ".join(document.clean_text[span[0]:span[1]].split()) == " ".join(step["quote"].split())
