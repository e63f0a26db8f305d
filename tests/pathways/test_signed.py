"""The signed view: one edge per claim, the attributes path questions need, read from the cache."""

from __future__ import annotations

import pytest

from graph.pathways.signed import EDGE_KEYS, adjacency, build_signed_graph, make_signed_graph


def claim(cid, subject, obj, sign, **extra):
    return {"claim": cid, "subject": subject, "object": obj, "sign": sign, **extra}


def test_one_edge_per_claim_keyed_by_claim_id_with_parallel_edges_kept():
    g = make_signed_graph([claim("c2", "a", "b", -1), claim("c1", "a", "b", 1), claim("c3", "b", "a", 0)])
    assert sorted(g.edges(keys=True)) == [("a", "b", "c1"), ("a", "b", "c2"), ("b", "a", "c3")]
    assert g.number_of_edges("a", "b") == 2
    assert [g.edges[e]["sign"] for e in sorted(g.edges(keys=True))] == [1, -1, 0]


def test_edges_carry_sign_claim_context_certainty_citations_with_defaults():
    g = make_signed_graph([
        claim("c1", "a", "b", 1, context={"population": "men"}, certainty="low", citations=["s2", "s1"]),
        claim("c2", "a", "b", -1),
    ])
    first, second = g.edges["a", "b", "c1"], g.edges["a", "b", "c2"]
    assert set(EDGE_KEYS) <= set(first)
    assert (first["sign"], first["claim"], first["context"], first["certainty"], first["citations"]) == (
        1, "c1", {"population": "men"}, "low", (("s1", "curator", "supports"), ("s2", "curator", "supports")))
    assert (second["context"], second["certainty"], second["citations"]) == ({}, "high", ())


def test_entities_are_nodes_with_label_and_inverse_even_without_claims():
    g = make_signed_graph([claim("c1", "x", "homa", 1)],
                          [{"id": "homa", "label": "HOMA-IR", "inverse_of": "sens"},
                           {"id": "sens", "label": "insulin sensitivity"}])
    assert g.nodes["homa"] == {"label": "HOMA-IR", "category": None, "inverse_of": "sens"}
    assert g.nodes["sens"]["label"] == "insulin sensitivity" and g.degree("sens") == 0
    assert g.nodes["x"]["label"] == "x"  # a subject no entity record names still gets a node


def test_node_and_edge_order_is_deterministic():
    claims = [claim(f"c{i}", f"n{i % 3}", f"n{(i + 1) % 3}", 1) for i in range(6)]
    one, two = make_signed_graph(claims), make_signed_graph(list(reversed(claims)))
    assert list(one.edges(keys=True)) == list(two.edges(keys=True))
    assert list(one.nodes) == list(two.nodes)


@pytest.mark.parametrize("bad", [{"sign": 2}, {"sign": 1, "certainty": "sure"}])
def test_invalid_sign_or_certainty_is_rejected_naming_the_claim(bad):
    with pytest.raises(ValueError, match="claim 'c1'"):
        make_signed_graph([{**claim("c1", "a", "b", 1), **bad}])


def test_view_of_a_build_has_every_entity_and_claim(built_mini):
    from graph.project import Project

    index = Project(built_mini).index()
    g = build_signed_graph(index)
    assert set(g.nodes) == {e["id"] for e in index.entities()}
    assert sorted(k for _u, _v, k in g.edges(keys=True)) == sorted(c["claim"] for c in index.claims())
    edge = g.edges["testosterone", "visceral-fat", "testosterone-decreases-visceral-fat"]
    assert (edge["sign"], edge["context"], edge["citations"]) == (
        -1, {"population": "men"}, (("doe-2020", "document", "supports"),))
    assert g.edges["testosterone", "insulin-sensitivity",
                   "testosterone-increases-insulin-sensitivity"]["certainty"] == "low"
    assert g.nodes["homa-ir"]["inverse_of"] == "insulin-sensitivity"


def test_the_view_of_a_build_reads_the_same_edges_as_the_full_claim_records(built_mini):
    from graph.project import Project

    index = Project(built_mini).index()
    narrow = build_signed_graph(index)
    full = make_signed_graph(index.claims(), index.entities())
    assert list(narrow.edges(keys=True, data=True)) == list(full.edges(keys=True, data=True))
    assert any(data["context"] for *_, data in narrow.edges(keys=True, data=True))
    assert any(data["citations"] for *_, data in narrow.edges(keys=True, data=True))


def test_adjacency_has_the_distinct_signs_between_two_entities_largest_first():
    g = make_signed_graph([claim("c1", "a", "b", -1), claim("c2", "a", "b", 1), claim("c3", "a", "b", 1),
                           claim("c4", "b", "a", 0, context={"population": "men"})], [{"id": "lone"}])
    adj = adjacency(g)
    assert adj.succ["a"] == {"b": (1, -1)} and adj.pred["b"] == {"a": (1, -1)}
    assert adj.succ["b"] == {"a": (0,)} and adj.succ["lone"] == {} == adj.pred["lone"]
    assert (adj.succ.width("a"), adj.pred.width("a"), adj.succ.width("lone")) == (1, 1, 0)
    women = adjacency(g, lambda context: context.get("population", "women") == "women")
    assert women.succ["b"] == {} and women.succ["a"] == {"b": (1, -1)}
    assert women.succ.width("b") == 1  # an upper bound: the filter is not applied


def test_adjacency_is_kept_until_the_graph_changes():
    g = make_signed_graph([claim("c1", "a", "b", 1)])
    first = adjacency(g)
    assert adjacency(g) is first and first.succ["a"] == {"b": (1,)}
    g.add_edge("a", "c", key="c2", sign=-1, claim="c2", context={}, certainty="high", citations=())
    assert adjacency(g) is not first and adjacency(g).succ["a"] == {"b": (1,), "c": (-1,)}


# --- the view read from the index as a search goes ----------------------------------------------

@pytest.fixture(params=["real", "synthetic"])
def index(request, real_project, synthetic):
    from graph.project import Project

    return Project(real_project).index() if request.param == "real" else synthetic


def _pairs(graph, count=150, seed=5):
    import random

    rng = random.Random(seed)
    nodes = sorted(graph)
    hubs = sorted(nodes, key=lambda n: -graph.degree(n))[:5]
    pairs = [(rng.choice(hubs + nodes), rng.choice(nodes + hubs)) for _ in range(count)]
    return pairs + [(hub, hub) for hub in hubs]  # loops through a hub


def test_the_indexed_view_answers_every_search_as_the_networkx_view(index):
    from graph.pathways.paths import find_paths, neighbors
    from graph.pathways.signed import IndexedView

    whole = build_signed_graph(index)
    lazy = IndexedView(index)
    contexts = sorted({str(v) for _u, _v, c in whole.edges(data="context") for v in c.values()})[:2]
    searched = 0
    for source, target in _pairs(whole):
        for options in ({"max_length": 4, "limit": 50}, {"max_length": 3, "sign": "down"},
                        {"max_length": 4, "limit": 5, "context": contexts}):
            expected = list(find_paths(whole, source, target, **options))
            assert list(find_paths(lazy, source, target, **options)) == expected, (source, target, options)
            searched += bool(expected)
        assert list(neighbors(lazy, source)) == list(neighbors(whole, source))
    assert searched > 30  # many of the pairs have routes: the comparison is not between empty lists
    assert [lazy.nodes[n] for n in sorted(whole)] == [whole.nodes[n] for n in sorted(whole)]
    assert list(lazy) == sorted(whole) and "no such entity" not in lazy


def test_the_indexed_view_reads_only_what_a_search_reaches(synthetic):
    from graph.pathways.paths import find_paths
    from graph.pathways.signed import IndexedView

    lazy = IndexedView(synthetic)
    lazy.numbered = None  # the search in Python, as a question with a context filter runs it
    whole = build_signed_graph(synthetic)
    source, target = next((a, b) for a, b in _pairs(whole) if a != b and list(find_paths(whole, a, b, max_length=4)))
    assert list(find_paths(lazy, source, target, max_length=4))
    signs = adjacency(lazy)  # the search reads (neighbour, sign) entries of the entities it reaches
    assert 0 < len(signs.succ) + len(signs.pred) < whole.number_of_nodes() / 2
    assert len(lazy.succ) + len(lazy.pred) == 0  # and no entity's claim records: only the routes' pairs'


def test_the_sign_rows_read_from_the_index_are_those_made_from_the_networkx_view(synthetic):
    from graph.pathways.signed import IndexedView

    whole = adjacency(build_signed_graph(synthetic))
    lazy = adjacency(IndexedView(synthetic))
    nodes = synthetic.node_ids()
    # widths read before any row, as the networkx view counts them (distinct neighbours)
    assert lazy.succ.total_width(nodes) == whole.succ.total_width(nodes) < len(list(synthetic.claim_edges()))
    assert lazy.pred.total_width(nodes) == whole.pred.total_width(nodes) and not lazy.succ and not lazy.pred
    for node in nodes:
        for mine, theirs in ((lazy.succ, whole.succ), (lazy.pred, whole.pred)):
            assert mine[node] == theirs[node], node
            assert mine.width(node) == theirs.width(node)
    # the packed rows hold pairs joined by claims of several signs, and entities with no claims
    assert any(len(signs) > 1 for node in nodes for signs in lazy.succ[node].values())
    assert any(not lazy.succ[node] for node in nodes) and any(not lazy.pred[node] for node in nodes)


def test_each_packed_row_lists_every_neighbour_once_with_the_distinct_signs_of_its_claims(index):
    from graph.model.vocab import SIGN_ORDER

    nodes = index.node_ids()
    for role, other in (("subject", "object"), ("object", "subject")):
        expected: dict[str, dict[str, set]] = {}
        for claim in index.claim_edges():
            expected.setdefault(claim[role], {}).setdefault(claim[other], set()).add(claim["sign"])
        codes = index.sign_codes()
        rows = {node: dict(zip(neighbours, map(codes.__getitem__, signs)))
                for node, neighbours, signs, _widths in index.adjacency_rows(role, nodes)}
        assert rows == {node: {o: tuple(sorted(signs, key=SIGN_ORDER.__getitem__)) for o, signs in found.items()}
                        for node, found in expected.items()}
        assert all(list(row) == sorted(row) for row in rows.values())  # neighbours in id order, as the index's


def test_each_packed_row_gives_its_neighbours_own_widths(index):
    from graph.pathways.signed import IndexedView

    whole = adjacency(build_signed_graph(index))
    nodes = index.node_ids()
    for role, rows in (("subject", whole.succ), ("object", whole.pred)):
        read = index.adjacency_rows(role, nodes)
        assert {node for node, *_ in read} == {node for node in nodes if rows[node]}
        for node, neighbours, signs, widths in read:
            assert len(neighbours) == len(signs) == len(widths) == rows.width(node)
            assert list(widths) == [rows.width(other) for other in neighbours], node
    # a view that read one hub's row knows its neighbours' widths without another query
    hub = max(nodes, key=whole.succ.width)
    lazy = adjacency(IndexedView(index))
    lazy.succ[hub]
    queries = []
    index._db.set_trace_callback(queries.append)
    try:
        assert [lazy.succ.width(other) for other in whole.succ[hub]] == [whole.succ.width(o) for o in whole.succ[hub]]
    finally:
        index._db.set_trace_callback(None)
    assert queries == [] and len(lazy.succ) == 1


def test_rows_read_in_batches_are_the_rows_read_one_by_one(synthetic):
    from graph.pathways.signed import IndexedView

    nodes = synthetic.node_ids()
    one, batched = adjacency(IndexedView(synthetic)), adjacency(IndexedView(synthetic))
    batched.succ.prefetch(nodes)
    batched.pred.prefetch(nodes[::-1])
    assert {n: batched.succ[n] for n in nodes} == {n: one.succ[n] for n in nodes}
    assert {n: batched.pred[n] for n in nodes} == {n: one.pred[n] for n in nodes}
    pairs = [(claim["subject"], claim["object"]) for claim in synthetic.claim_edges()][::3]
    pairs.append((nodes[0], nodes[0]))  # no claim joins an entity to itself here: empty
    lazy, view = IndexedView(synthetic), IndexedView(synthetic)
    view.prefetch_between(pairs)
    whole = build_signed_graph(synthetic)
    for subject, obj in pairs:
        expected = dict(whole.succ[subject].get(obj, {}))
        assert view.claims_between(subject, obj) == lazy.claims_between(subject, obj) == expected


def test_the_claims_a_search_reads_for_its_routes_steps_are_the_claim_records(index):
    # read from the build's claim_edges table (columns, not each record's JSON): every claim of
    # every (subject, object) pair, with its sign, context, certainty and citations
    from graph.pathways.signed import IndexedView

    whole = build_signed_graph(index)
    pairs = sorted({(u, v) for u, v in whole.edges()})
    view = IndexedView(index)
    view.prefetch_between(pairs)
    assert {pair: view.claims_between(*pair) for pair in pairs} == {(u, v): dict(whole.succ[u][v]) for u, v in pairs}
    edges = [data for pair in pairs for data in view.claims_between(*pair).values()]
    assert any(e["citations"] for e in edges) and any(e["context"] for e in edges)  # not only empty fields
    assert all(isinstance(c, tuple) for e in edges for c in e["citations"])


def test_membership_answered_from_the_index_keys_is_the_networkx_views(synthetic, index):
    from graph.pathways.signed import IndexedView

    for built in (synthetic, index):
        whole = build_signed_graph(built, via_classes=True)
        for lazy in (IndexedView(built), IndexedView(built, via_classes=True)):
            assert all(node in lazy for node in whole)
            misses = [node + "x" for node in list(whole)[:50]] + [node.upper() for node in list(whole)[:50]]
            assert [node for node in misses if node in lazy] == [node for node in misses if node in whole]
            assert "" not in lazy and None not in lazy


def test_a_search_from_the_index_reads_both_ends_in_one_query_and_refuses_an_unknown_one(synthetic):
    from graph.errors import UnknownEntityError
    from graph.pathways.paths import find_paths
    from graph.pathways.signed import IndexedView

    whole = build_signed_graph(synthetic)
    hub = max(whole, key=whole.out_degree)
    lonely = next(n for n in sorted(whole) if not whole.in_degree(n))
    for source, target in ((hub, lonely), (lonely, hub), (hub, hub)):
        assert synthetic.ends(source, target) == (True, True, len(whole.succ[source]), len(whole.pred[target]))
    assert synthetic.ends("e1x", hub)[:2] == (False, True) and synthetic.ends(hub, "")[:2] == (True, False)
    for source, target in (("e1x", hub), (hub, "E1")):
        with pytest.raises(UnknownEntityError) as lazy_error:
            list(find_paths(IndexedView(synthetic), source, target))
        with pytest.raises(UnknownEntityError) as whole_error:
            list(find_paths(whole, source, target))
        assert str(lazy_error.value) == str(whole_error.value)
