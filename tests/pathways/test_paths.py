"""Signed path search, feedback loops, conflicts and neighbours on small hand-built graphs."""

from __future__ import annotations

from itertools import islice

import pytest

from graph.errors import UnknownEntityError
from graph.pathways.paths import find_conflicts, find_loops, find_paths, holds_in, kind_of, neighbors
from graph.pathways.signed import adjacency, make_signed_graph


def claim(cid, subject, obj, sign, **extra):
    return {"claim": cid, "subject": subject, "object": obj, "sign": sign, **extra}


def routes(g, source, target, **options):
    return [(r.nodes, r.sign) for r in find_paths(g, source, target, **options)]


@pytest.fixture
def chain():
    """a -| b -| t (net +1), a -> t (low), a -> m -> t (cited twice), a -0- z -> t, b -| a."""
    return make_signed_graph([
        claim("a-b", "a", "b", -1, citations=["s1"]),
        claim("b-t", "b", "t", -1),
        claim("a-t", "a", "t", 1, certainty="low"),
        claim("a-m", "a", "m", 1, certainty="medium"),
        claim("m-t", "m", "t", 1, citations=["s2", "s3"]),
        claim("a-z", "a", "z", 0),
        claim("z-t", "z", "t", 1),
        claim("b-a", "b", "a", -1),
    ])


# --- find_paths ---------------------------------------------------------------------------


def test_routes_are_exact_with_net_signs_and_ranked(chain):
    assert routes(chain, "a", "t") == [
        (("a", "t"), 1),
        (("a", "m", "t"), 1),       # two cited studies beat one
        (("a", "b", "t"), 1),       # one study
        (("a", "z", "t"), 0),       # a 0 step makes the route 0
    ]


def test_route_records_support_and_score(chain):
    first, second, third, fourth = find_paths(chain, "a", "t")
    # a bare study id is a curator's link: half a study each, plus a quarter of the certainty
    assert (first.length, first.certainty, first.studies, first.score) == (1, 0.3, (), 0.075)
    assert (second.studies, second.certainty, second.score) == (("s2", "s3"), 0.6, 1.15)
    assert second.support == {"document": (), "curator": ("s2", "s3")}
    assert [h.claim for h in third.hops] == ["a-b", "b-t"] and third.score == 0.75
    assert fourth.sign == 0 and kind_of(fourth.sign) is None


def test_sign_filter_keeps_only_that_net_effect(chain):
    assert routes(chain, "a", "t", sign="down") == []
    assert routes(chain, "a", "t", sign=-1) == []
    assert [s for _n, s in routes(chain, "a", "t", sign="up")] == [1, 1, 1]
    assert routes(chain, "a", "t", sign=0) == [(("a", "z", "t"), 0)]
    assert routes(chain, "b", "t", sign="down") == [(("b", "t"), -1), (("b", "a", "t"), -1),
                                                    (("b", "a", "m", "t"), -1)]


def test_max_length_and_limit(chain):
    assert routes(chain, "a", "t", max_length=1) == [(("a", "t"), 1)]
    assert routes(chain, "a", "t", limit=2) == [(("a", "t"), 1), (("a", "m", "t"), 1)]
    assert routes(chain, "a", "t", limit=0) == []
    assert routes(chain, "b", "t", max_length=2) == [(("b", "t"), -1), (("b", "a", "t"), -1)]
    assert (("b", "a", "z", "t"), 0) in routes(chain, "b", "t", max_length=3)


def test_no_entity_is_visited_twice():
    g = make_signed_graph([claim("1", "s", "x", 1), claim("2", "x", "s", 1), claim("3", "x", "t", 1),
                           claim("4", "x", "y", 1), claim("5", "y", "x", 1)])
    assert routes(g, "s", "t") == [(("s", "x", "t"), 1)]


def test_route_stops_at_the_target_even_at_an_unwanted_sign():
    g = make_signed_graph([claim("1", "s", "t", 1), claim("2", "t", "u", -1), claim("3", "u", "t", 1)])
    assert routes(g, "s", "t", sign="down") == []


def test_parallel_claims_with_one_sign_are_one_step_best_supported_first():
    g = make_signed_graph([
        claim("p1", "a", "b", 1, certainty="medium"),
        claim("p2", "a", "b", 1, citations=["s9"]),
        claim("p3", "a", "b", 1),
        claim("n1", "a", "b", -1),
    ])
    found = list(find_paths(g, "a", "b"))
    assert [(r.sign, r.hops[0].claims) for r in found] == [(1, ("p2", "p3", "p1")), (-1, ("n1",))]
    assert found[0].hops[0].claim == "p2" and found[0].studies == ("s9",)


def test_each_sign_of_parallel_claims_gives_its_own_route():
    g = make_signed_graph([claim("up", "a", "b", 1), claim("down", "a", "b", -1), claim("b-t", "b", "t", -1)])
    assert routes(g, "a", "t") == [(("a", "b", "t"), -1), (("a", "b", "t"), 1)]
    assert routes(g, "a", "t", sign="up") == [(("a", "b", "t"), 1)]


def test_ties_are_broken_by_entity_ids_deterministically():
    g = make_signed_graph([claim(f"{x}{i}", *pair, 1) for i, x in enumerate("abcd")
                           for pair in [("s", x), (x, "t")]])
    assert routes(g, "s", "t") == [(("s", x, "t"), 1) for x in "abcd"]


@pytest.fixture
def contexts():
    return make_signed_graph([
        claim("men", "a", "b", 1, context={"population": "men"}),
        claim("b-t", "b", "t", 1),
        claim("women", "a", "c", 1, context={"population": "Women"}),
        claim("c-t", "c", "t", 1),
        claim("muscle", "a", "d", 1, context={"tissue": "muscle"}),
        claim("d-t", "d", "t", 1, context={"timescale": "long-term"}),
    ])


def test_context_filter_keeps_routes_whose_every_step_holds(contexts):
    # a claim restricted on another key (tissue, timescale) still holds in "men"
    assert routes(contexts, "a", "t", context=["men"]) == [(("a", "b", "t"), 1), (("a", "d", "t"), 1)]
    assert routes(contexts, "a", "t", context=["WOMEN"]) == [(("a", "c", "t"), 1), (("a", "d", "t"), 1)]
    assert routes(contexts, "a", "t", context=["population=men", "long-term"]) == [(("a", "b", "t"), 1),
                                                                                 (("a", "d", "t"), 1)]
    assert routes(contexts, "a", "t", context=["men", "long-term"]) == [(("a", "b", "t"), 1),
                                                                         (("a", "d", "t"), 1)]
    assert len(routes(contexts, "a", "t")) == len(routes(contexts, "a", "t", context=[])) == 3


@pytest.mark.parametrize("context, message", [
    (["mne"], "unknown context 'mne'; did you mean: men, women?"),
    (["children"], "unknown context 'children'; did you mean: men?"),
    (["populaton=men"], "unknown context key 'populaton'; did you mean: population, formulation?"),
    (["population=mne"], "unknown context 'population=mne'; did you mean: population=men, population=women?"),
])
def test_a_context_no_claim_uses_is_refused_with_did_you_mean(contexts, context, message):
    """A typo would otherwise filter on every key (`mne`) or be ignored (`populaton=`)."""
    with pytest.raises(UnknownEntityError) as caught:
        holds_in(contexts, context)
    assert str(caught.value) == message and caught.value.exit_code == 2


def test_validation_happens_at_call_time_not_at_first_next(chain):
    with pytest.raises(UnknownEntityError) as caught:
        find_paths(chain, "aa", "t")
    assert caught.value.name == "aa" and caught.value.exit_code == 2
    with pytest.raises(UnknownEntityError, match="target"):
        find_paths(chain, "a", "nowhere")
    for bad in ({"sign": "sideways"}, {"sign": 2}, {"max_length": 0}, {"max_length": "3"},
                {"limit": -1}):
        with pytest.raises(ValueError):
            find_paths(chain, "a", "t", **bad)


def test_result_is_a_lazy_generator(chain):
    found = find_paths(chain, "a", "t")
    assert iter(found) is found
    assert [r.nodes for r in islice(found, 1)] == [("a", "t")]


def test_search_prunes_states_that_cannot_reach_the_target():
    # 400 x 400 dead-end states from the source: a search without pruning would expand 160 000
    # partial routes at depth 2 and 64 million at depth 3
    dead = [claim(f"d{i}", "s", f"x{i}", 1) for i in range(400)]
    dead += [claim(f"e{i}-{j}", f"x{i}", f"y{j}", 1) for i in range(400) for j in range(0, 400, 1)
             if (i + j) % 40 == 0]
    dead += [claim(f"f{j}-{k}", f"y{j}", f"x{k}", -1) for j in range(400) for k in range(0, 400, 50)]
    g = make_signed_graph(dead + [claim("s-v", "s", "v", -1), claim("v-t", "v", "t", -1)])
    assert routes(g, "s", "t", max_length=5) == [(("s", "v", "t"), 1)]
    read = adjacency(g)  # the rows the search made: a handful, not the 800 dead-end nodes
    assert len(read.succ) + len(read.pred) < 10


def test_source_equal_to_target_gives_its_loops(chain):
    assert routes(chain, "a", "a") == [(("a", "b", "a"), 1)]


# --- find_loops ---------------------------------------------------------------------------


@pytest.fixture
def loopy():
    return make_signed_graph([
        claim("b-a", "b", "a", 1),
        claim("a-b", "a", "b", 1),
        claim("a-b-neg", "a", "b", -1, certainty="medium"),
        claim("b-c", "b", "c", -1),
        claim("c-b", "c", "b", 1),
        claim("c-d", "c", "d", 0),
        claim("d-c", "d", "c", 1),
        claim("e-e", "e", "e", 1),
        claim("c-f", "c", "f", 1),
        claim("f-g", "f", "g", 1),
        claim("g-a", "g", "a", 1),
    ])


def test_loops_each_once_in_canonical_rotation_with_kind(loopy):
    found = [(r.nodes, kind_of(r.sign)) for r in find_loops(loopy)]
    assert found == [
        (("e", "e"), "vicious"),
        (("a", "b", "a"), "vicious"),
        (("b", "c", "b"), "self-limiting"),
        (("a", "b", "a"), "self-limiting"),   # the -1 claim a -| b, less certain
        # a -> b -| c ... -> a is self-limiting with the certain claim, vicious with the other
        (("a", "b", "c", "f", "g", "a"), "self-limiting"),
        (("a", "b", "c", "f", "g", "a"), "vicious"),
    ]
    # the 0 loop c -0- d -> c is no feedback and never reported
    assert all("d" not in nodes for nodes, _kind in found)


def test_loops_kind_and_through_filters(loopy):
    vicious = find_loops(loopy, kind="vicious")
    assert all(r.sign == 1 for r in vicious) and len(vicious) == 3
    assert [r.nodes for r in find_loops(loopy, kind="self-limiting")] == [
        ("b", "c", "b"), ("a", "b", "a"), ("a", "b", "c", "f", "g", "a")]
    # through an entity: the loops that contain it, starting there
    assert [(r.nodes, r.sign) for r in find_loops(loopy, "c")] == [
        (("c", "b", "c"), -1), (("c", "f", "g", "a", "b", "c"), -1), (("c", "f", "g", "a", "b", "c"), 1)]
    assert [r.nodes for r in find_loops(loopy, "c", max_length=4)] == [("c", "b", "c")]
    assert find_loops(loopy, "d") == []


def test_loops_validate_arguments(loopy):
    with pytest.raises(UnknownEntityError):
        find_loops(loopy, "zz")
    with pytest.raises(ValueError):
        find_loops(loopy, kind="virtuous")


def test_loops_respect_context():
    g = make_signed_graph([
        claim("1", "a", "b", 1, context={"population": "men"}), claim("2", "b", "a", 1),
        claim("3", "a", "c", 1, context={"population": "women"}), claim("4", "c", "a", -1)])
    assert [r.nodes for r in find_loops(g, context=["men"])] == [("a", "b", "a")]
    assert [r.nodes for r in find_loops(g, context=["women"])] == [("a", "c", "a")]


# --- find_conflicts -----------------------------------------------------------------------


@pytest.fixture
def measures():
    entities = [{"id": "homa", "inverse_of": "sens"}, {"id": "ir", "inverse_of": "sens"}, {"id": "sens"},
                {"id": "vat"}]
    return make_signed_graph([
        claim("x-up-sens", "x", "sens", 1),
        claim("x-up-homa", "x", "homa", 1, context={"population": "men"}),
        claim("y-down-homa", "y", "homa", -1),
        claim("y-up-sens", "y", "sens", 1),
        claim("y-up-ir", "y", "ir", 1, context={"timescale": "acute"}),
        claim("z-up-vat", "z", "vat", 1, context={"formulation": "oral"}),
        claim("z-down-vat", "z", "vat", -1, context={"formulation": "transdermal"}),
        claim("z-zero-vat", "z", "vat", 0),
        claim("w-up-vat-1", "w", "vat", 1),
        claim("w-up-vat-2", "w", "vat", 1),
    ], entities)


def test_conflicts_on_same_object_and_inverse_measures(measures):
    found = {(c.claims, c.objects, c.effects) for c in find_conflicts(measures)}
    assert found == {
        # X +1 HOMA-IR vs X +1 insulin sensitivity: read on sensitivity, +1 vs -1
        (("x-up-homa", "x-up-sens"), ("homa", "sens"), (1, -1)),
        # Y -1 HOMA-IR agrees with Y +1 sensitivity; Y +1 insulin resistance (also inverse of
        # sensitivity) disagrees with both
        (("y-down-homa", "y-up-ir"), ("homa", "ir"), (-1, 1)),
        (("y-up-ir", "y-up-sens"), ("ir", "sens"), (1, -1)),
        (("z-down-vat", "z-up-vat"), ("vat", "vat"), (-1, 1)),
        (("z-down-vat", "z-zero-vat"), ("vat", "vat"), (-1, 0)),
        (("z-up-vat", "z-zero-vat"), ("vat", "vat"), (1, 0)),
    }


def test_conflicts_report_reconciling_contexts_and_are_sorted(measures):
    found = find_conflicts(measures)
    assert [c.subject for c in found] == ["x", "y", "y", "z", "z", "z"]
    first = found[0]
    assert first.inverse and first.signs == (1, 1)
    assert first.reconcile == (("population", "men", None),)
    oral = next(c for c in found if c.claims == ("z-down-vat", "z-up-vat"))
    assert not oral.inverse and oral.reconcile == (("formulation", "transdermal", "oral"),)


def test_conflicts_of_one_entity(measures):
    assert {c.subject for c in find_conflicts(measures, "z")} == {"z"}
    # insulin sensitivity, HOMA-IR and insulin resistance are one measure: each sees all three
    for entity in ("ir", "sens", "homa"):
        assert {c.claims for c in find_conflicts(measures, entity)} == {
            ("x-up-homa", "x-up-sens"), ("y-down-homa", "y-up-ir"), ("y-up-ir", "y-up-sens")}
    assert [c.claims for c in find_conflicts(measures, "x")] == [("x-up-homa", "x-up-sens")]
    assert find_conflicts(measures, "w") == []
    with pytest.raises(UnknownEntityError):
        find_conflicts(measures, "nope")


# --- neighbors ----------------------------------------------------------------------------


def test_neighbors_out_then_in_grouped_by_sign(chain):
    both = [(d, h.subject, h.object, h.sign, h.claims) for d, h in neighbors(chain, "b")]
    assert both == [("out", "b", "a", -1, ("b-a",)), ("out", "b", "t", -1, ("b-t",)),
                    ("in", "a", "b", -1, ("a-b",))]
    assert [d for d, _h in neighbors(chain, "b", direction="in")] == ["in"]
    assert [h.object for _d, h in neighbors(chain, "a", direction="out")] == ["b", "m", "t", "z"]
    assert neighbors(chain, "t", direction="out") == []
    with pytest.raises(ValueError):
        neighbors(chain, "b", direction="sideways")
    with pytest.raises(UnknownEntityError):
        neighbors(chain, "q")


# --- find_routes: one end open (issue 19) -------------------------------------------------

from graph.errors import HkgError  # noqa: E402
from graph.pathways.paths import find_routes  # noqa: E402


def open_routes(g, **options):
    return [(r.nodes, r.sign) for r in find_routes(g, **options)]


def test_routes_into_a_target_are_the_best_per_source_and_sign(chain):
    # into t: a's +1 routes are a->t (low), a-|b-|t and a->m->t: the shortest wins; its 0 route is
    # a-0-z->t. b's -1 routes are b-|t and b-|a->t, b-|a->m->t: b-|t wins; its 0 route b-|a-0-z->t.
    # Among one-step routes, m->t (two studies) ranks first, a->t (low certainty) last.
    assert open_routes(chain, target="t") == [
        (("m", "t"), 1), (("b", "t"), -1), (("z", "t"), 1), (("a", "t"), 1), (("a", "z", "t"), 0),
        (("b", "a", "z", "t"), 0)]
    assert open_routes(chain, target="t", sign="down") == [(("b", "t"), -1)]
    assert open_routes(chain, target="t", sign="up", max_length=1) == [
        (("m", "t"), 1), (("z", "t"), 1), (("a", "t"), 1)]


def test_every_route_into_a_target_equals_find_paths_from_each_source(chain):
    every = find_routes(chain, target="t", every=True)
    for source in ("a", "b", "m", "z"):
        mine = [r for r in every if r.nodes[0] == source]
        assert mine == list(find_paths(chain, source, "t")), source


def test_routes_out_of_a_source_start_there_and_never_return(chain):
    found = open_routes(chain, source="a", every=True)
    assert found and all(nodes[0] == "a" and "a" not in nodes[1:] for nodes, _ in found)
    assert open_routes(chain, source="a", sign="down", max_length=1) == [(("a", "b"), -1)]


def test_find_routes_checks_its_arguments_first(chain):
    with pytest.raises(ValueError):
        find_routes(chain)
    with pytest.raises(ValueError):
        find_routes(chain, source="a", target="t")
    with pytest.raises(UnknownEntityError):
        find_routes(chain, target="nowhere")


def test_an_open_search_that_grows_too_large_stops_with_a_clear_error(monkeypatch):
    import graph.pathways.paths

    dense = make_signed_graph([claim(f"{u}-{v}", u, v, 1) for u in "abcdef" for v in "abcdef" if u != v])
    monkeypatch.setattr(graph.pathways.paths, "MAX_OPEN_ROUTES", 50)
    with pytest.raises(HkgError, match="more than 50 routes of 3 steps: lower --max-length or add --context"):
        find_routes(dense, source="a", every=True)


def test_an_open_route_never_ends_in_a_hierarchy_step():
    g = make_signed_graph([claim("e-v", "estrogen", "vat", -1),
                           claim("is_a:estradiol:estrogen", "estradiol", "estrogen", 1, relation="is_a")])
    assert open_routes(g, source="estradiol") == [(("estradiol", "estrogen", "vat"), -1)]
    assert open_routes(g, target="estrogen") == []
    assert open_routes(g, target="vat") == [(("estrogen", "vat"), -1), (("estradiol", "estrogen", "vat"), -1)]
