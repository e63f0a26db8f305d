"""The compiled route search and the adjacency file it reads agree with the search in Python.

``graph/pathways/_search.c`` is the search of :func:`graph.pathways.paths._routes` over a build's
adjacency file (:mod:`graph.cache.adjacency`). On random graphs with hubs at either end it must
find exactly the entity sequences the Python search finds, length by length; a question answered
from a build must be the same whichever search runs; and a damaged file must stop the search
with an error, never read out of bounds.
"""

from __future__ import annotations

import sqlite3
import struct
from array import array
from itertools import islice

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.cache.adjacency import MAGIC, write_adjacency
from graph.cache.index import _write_adjacency
from graph.errors import HkgError
from graph.pathways import numbered as numbered_module
from graph.pathways.numbered import _search
from graph.pathways.paths import SIGNS, _Hops, _numbered_routes, _routes, find_paths
from graph.pathways.signed import IndexedView, adjacency, build_signed_graph, make_signed_graph

NODES = "abcdefgh"
HUBS = "xy"
ENDPOINT = st.sampled_from(list(HUBS) * 4 + list(NODES))  # hubs collect most claims
CLAIMS = st.lists(st.tuples(ENDPOINT, ENDPOINT, st.sampled_from([1, -1, 0, "variable"])), min_size=1, max_size=60)


def test_the_compiled_search_is_built_by_the_install():
    # `make install` compiles it where a C compiler is (as on every machine the README sets up),
    # from this source (a build of older source has another API and is not used);
    # without one hkg still installs and the Python search answers alone
    assert _search is not None


def _adjacency_file(claims, tmp_path, isolated=("lonely",)):
    """The adjacency file of some (subject, object, sign) claims, written as a build writes it."""
    connection = sqlite3.connect(":memory:")
    connection.executescript("CREATE TABLE entities (id TEXT PRIMARY KEY);"
                             "CREATE TABLE claims (id TEXT PRIMARY KEY, subject TEXT, object TEXT, sign);")
    connection.executemany("INSERT INTO entities VALUES (?)", [(n,) for n in isolated])
    connection.executemany("INSERT INTO claims VALUES (?, ?, ?, ?)",
                           [(f"c{i}", u, v, s) for i, (u, v, s) in enumerate(claims)])
    _write_adjacency(connection)
    path = tmp_path / "index.adjacency"
    write_adjacency(connection, path)
    return path.read_bytes()


def _python_sequences(graph, start, goal, max_length):
    """The entity sequences of the Python search's routes, by length (every sign wanted)."""
    found: dict[int, set] = {}
    for route in _routes(adjacency(graph), _Hops(graph, None), start, goal, frozenset(SIGNS), max_length):
        found.setdefault(route.length, set()).add(route.nodes)
    return found


def _compiled_sequences(data, start, goal, max_length, first=1, max_partial=10**6):
    """The compiled search's sequences, by length, asked for one length after another as
    :func:`graph.pathways.paths._numbered_routes` asks; and the last ``following``."""
    found: dict[int, set] = {}
    while True:
        answer = _search.routes(data, start, goal, first, max_length, max_partial)
        if answer is None:
            return found, None
        sequences, following = answer
        lengths = {len(sequence) - 1 for sequence in sequences}
        assert len(lengths) <= 1 and all(first <= n <= max_length for n in lengths)  # one length per call
        assert (following == 0) if not sequences else following in (0, -1, *(n + 1 for n in lengths))
        for sequence in sequences:
            found.setdefault(len(sequence) - 1, set()).add(sequence)
        if following <= 0:
            return found, following
        first = following


@settings(max_examples=200, deadline=None)
@given(CLAIMS, st.sampled_from(list(HUBS) + list(NODES[:4])), st.sampled_from(list(HUBS) + list(NODES[:4])),
       st.integers(1, 6))
def test_the_compiled_search_finds_the_sequences_the_python_search_finds(tmp_path_factory, claims, start, goal,
                                                                       max_length):
    graph = make_signed_graph([{"claim": f"c{i}", "subject": u, "object": v, "sign": s}
                               for i, (u, v, s) in enumerate(claims)], [{"id": n} for n in NODES + HUBS])
    data = _adjacency_file(claims, tmp_path_factory.mktemp("adjacency"), isolated=NODES + HUBS)
    expected = _python_sequences(graph, start, goal, max_length)
    found, following = _compiled_sequences(data, start, goal, max_length)
    assert found == expected and following == 0
    if expected:  # asked from a longer length on: the longer routes only
        shortest = min(expected)
        rest, _ = _compiled_sequences(data, start, goal, max_length, first=shortest + 1)
        assert rest == {n: found for n, found in expected.items() if n > shortest}


def _questions(claims, tmp_path):
    """The networkx view of some claims, and a Numbered over their adjacency file."""
    graph = make_signed_graph([{"claim": f"c{i}", "subject": u, "object": v, "sign": s}
                               for i, (u, v, s) in enumerate(claims)])
    return graph, numbered_module.Numbered(_adjacency_file(claims, tmp_path, isolated=()))


def test_the_compiled_search_stops_where_the_limit_of_routes_is_met(tmp_path, monkeypatch):
    # a → b by two claims of opposite signs: one sequence, two routes; a limit of 2 is met at
    # length 1, so neither search looks at the longer lengths (where the partial routes exceed
    # the cap of 1 here): the compiled search, counting sequences, used to go on and refuse
    claims = [("a", "b", 1), ("a", "b", -1), ("a", "c", 1), ("c", "d", 1), ("c", "e", 1), ("d", "b", 1), ("e", "b", 1)]
    graph, compiled = _questions(claims, tmp_path)
    monkeypatch.setattr(numbered_module, "MAX_PARTIAL_ROUTES", 1)
    monkeypatch.setattr("graph.pathways.paths.MAX_PARTIAL_ROUTES", 1)
    wanted = frozenset(SIGNS)
    python = list(_routes(adjacency(graph), _Hops(graph, None), "a", "b", wanted, 3, limit=2))
    assert [(r.nodes, r.sign) for r in python] == [(("a", "b"), 1), (("a", "b"), -1)]
    assert list(_numbered_routes(compiled, _Hops(graph, None), "a", "b", wanted, 3, 2)) == python
    with pytest.raises(HkgError):  # a third route is past the cap, in both
        list(_routes(adjacency(graph), _Hops(graph, None), "a", "b", wanted, 3, limit=3))
    with pytest.raises(HkgError):
        list(_numbered_routes(compiled, _Hops(graph, None), "a", "b", wanted, 3, 3))


def test_the_compiled_search_is_lazy_without_a_limit(tmp_path):
    # every entity acts on every other: a caller that takes the first routes of a question with
    # no limit must not wait for every route of every length
    nodes = [f"n{i:02d}" for i in range(22)]
    graph, compiled = _questions([(u, v, 1) for u in nodes for v in nodes if u != v], tmp_path)
    asked = []
    routes = compiled.routes

    def counted(start, goal, first, max_length):
        asked.append(first)
        return routes(start, goal, first, max_length)

    compiled.routes = counted
    first = list(islice(_numbered_routes(compiled, _Hops(graph, None), "n00", "n01", frozenset(SIGNS), 5, None), 12))
    assert first == list(islice(_routes(adjacency(graph), _Hops(graph, None), "n00", "n01", frozenset(SIGNS), 5), 12))
    assert asked == [1, 2]  # the direct claim, then the 20 routes of 2 steps: enough


def test_the_adjacency_file_numbers_every_node_in_id_order_and_lists_its_neighbours(tmp_path):
    claims = [("b", "a", 1), ("b", "a", -1), ("a", "ç", 0), ("ç", "b", 1), ("a", "a", 1)]
    data = _adjacency_file(claims, tmp_path)
    n, e, size = struct.unpack_from("<QQQ", data, 8)
    assert data[:8] == MAGIC and (n, e) == (4, 4)  # "lonely" has no claim but is a node; pairs are distinct
    numbers = array("I", data[32:32 + 4 * (3 * (n + 1) + 2 * e)])
    assert data[-size:].decode() == "ablonelyç"  # by UTF-8 bytes, as SQLite orders text: ç after l
    assert [_search.number(data, node) for node in ("a", "b", "lonely", "ç", "c", "", "lonelyx")] == [0, 1, 2, 3, -1, -1, -1]
    assert _search.routes(data, "ç", "a", 1, 4, 100) == ([("ç", "b", "a")], 0)  # ids in and out
    with pytest.raises(KeyError, match="lonelyx"):
        _search.routes(data, "a", "lonelyx", 1, 4, 100)
    succ_offsets = numbers[n + 1:2 * (n + 1)]
    succ = numbers[2 * (n + 1):2 * (n + 1) + e]
    assert list(succ_offsets) == [0, 2, 3, 3, 4]
    assert list(succ) == [0, 3, 0, 1]  # a → a, ç; b → a; lonely → none; ç → b: each row in number order


@pytest.mark.parametrize("damage", ["magic", "truncated", "id", "offset", "neighbour", "width"])
def test_a_damaged_adjacency_file_stops_the_search_with_an_error(tmp_path, damage):
    data = bytearray(_adjacency_file([("a", "b", 1), ("b", "c", 1), ("c", "a", -1)], tmp_path))
    n, e, _size = struct.unpack_from("<QQQ", data, 8)
    succ_offsets = 32 + 4 * (n + 1)
    pred_offsets = succ_offsets + 4 * (n + 1 + e)
    if damage == "magic":
        data[0:1] = b"X"
    elif damage == "truncated":
        del data[-3:]
    elif damage == "id":  # every id ends far past the ids
        struct.pack_into(f"<{n}I", data, 32 + 4, *[10**6] * n)
    elif damage == "offset":  # every row ends far past the rows, on both sides
        for start in (succ_offsets, pred_offsets):
            struct.pack_into(f"<{n}I", data, start + 4, *[10**6] * n)
    elif damage == "neighbour":  # every neighbour is numbered past the nodes
        for start in (succ_offsets, pred_offsets):
            struct.pack_into(f"<{e}I", data, start + 4 * (n + 1), *[10**6] * e)
    else:  # a's row ends before it starts: read only for its width
        struct.pack_into("<II", data, succ_offsets, 2, 1)
    with pytest.raises(ValueError, match="adjacency file"):
        _search.routes(bytes(data), "a", "c", 1, 4, 1000)
    if damage in ("magic", "truncated", "id"):
        with pytest.raises(ValueError, match="adjacency file"):
            _search.number(bytes(data), "a")


# --- a build's questions ------------------------------------------------------------------------

def _python_view(index):
    view = IndexedView(index)
    view.numbered = None  # as a question with a context filter reads the index
    return view


def test_a_question_from_a_build_gets_the_same_routes_from_either_search(synthetic):
    whole = build_signed_graph(synthetic)
    hubs = sorted(whole, key=lambda n: -whole.degree(n))[:4]
    nodes = sorted(whole)[::7]
    answered = 0
    for source in hubs + nodes[:12]:
        for target in hubs + nodes[-12:]:
            for options in ({"max_length": 4, "limit": 50}, {"max_length": 5, "limit": 3, "sign": "down"},
                            {"max_length": 3}):
                view = IndexedView(synthetic)
                assert view.numbered is not None
                compiled = list(find_paths(view, source, target, **options))
                assert compiled == list(find_paths(_python_view(synthetic), source, target, **options))
                answered += bool(compiled)
    assert answered > 50


def test_the_compiled_search_reads_only_the_claims_of_its_routes_steps(synthetic):
    whole = build_signed_graph(synthetic)
    source, target = next((a, b) for a in sorted(whole) for b in sorted(whole)[::-1]
                          if a != b and len(list(find_paths(whole, a, b, max_length=3))) > 1)
    view = IndexedView(synthetic)
    queries = []
    synthetic._db.set_trace_callback(queries.append)
    try:
        routes = list(find_paths(view, source, target, max_length=3))
    finally:
        synthetic._db.set_trace_callback(None)
    assert routes == list(find_paths(whole, source, target, max_length=3))
    assert len(queries) == 1 and "claim_edges" in queries[0]  # no row, no width, no membership query
    assert not adjacency(view).succ and not adjacency(view).pred


def test_without_the_compiled_module_the_python_search_answers(synthetic, monkeypatch):
    whole = build_signed_graph(synthetic)
    hub = max(whole, key=whole.degree)
    expected = [list(find_paths(IndexedView(synthetic), hub, node, max_length=4)) for node in sorted(whole)[:40]]
    monkeypatch.setattr(numbered_module, "_search", None)
    view = IndexedView(synthetic)
    assert view.numbered is None
    assert [list(find_paths(view, hub, node, max_length=4)) for node in sorted(whole)[:40]] == expected
    assert any(expected)


def test_too_many_partial_routes_is_refused_by_either_search(synthetic, monkeypatch):
    whole = build_signed_graph(synthetic)
    hub = max(whole, key=whole.out_degree)
    target = max(whole, key=whole.in_degree)
    monkeypatch.setattr(numbered_module, "MAX_PARTIAL_ROUTES", 5)
    monkeypatch.setattr("graph.pathways.paths.MAX_PARTIAL_ROUTES", 5)
    for view in (IndexedView(synthetic), _python_view(synthetic), whole):
        with pytest.raises(HkgError, match="more than 5 partial routes"):
            list(find_paths(view, hub, target, max_length=5))


def test_a_signal_interrupts_a_long_compiled_search(tmp_path):
    import gc
    import signal

    nodes = [f"n{i:02d}" for i in range(40)]  # every entity acts on every other: routes explode
    data = _adjacency_file([(u, v, 1) for u in nodes for v in nodes if u != v], tmp_path, isolated=())

    class Interrupted(Exception):
        pass

    def interrupt(_signum, _frame):
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    gc.disable()  # else the handler may run in a gc callback (hypothesis installs one) and be lost
    signal.setitimer(signal.ITIMER_REAL, 0.1)
    try:
        with pytest.raises(Interrupted):  # not None: stopped long before 20 million partial routes
            _search.routes(data, "n00", "n01", 8, 8, 20_000_000)  # the routes of 8 steps: the walk to them explodes
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        gc.enable()


def test_a_damaged_adjacency_file_is_a_cache_error_for_a_question(tmp_path):
    from graph.errors import CacheError

    data = bytearray(_adjacency_file([("a", "b", 1), ("b", "c", 1)], tmp_path))
    struct.pack_into("<I", data, 32 + 4 * 5 + 4, 10**6)  # a's row ends far past the rows
    with pytest.raises(CacheError, match="run `hkg build` again"):
        numbered_module.Numbered(bytes(data)).routes("a", "c", 1, 3)
    del data[-3:]  # truncated: even membership cannot be read
    with pytest.raises(CacheError, match="run `hkg build` again"):
        "a" in numbered_module.Numbered(bytes(data))



def test_ids_utf8_cannot_hold_are_no_entity_and_bad_id_bytes_are_damage(tmp_path):
    data = bytearray(_adjacency_file([("a", "b", 1), ("b", "c", 1), ("c", "a", -1)], tmp_path))
    assert _search.number(bytes(data), "\udcff") == -1  # a lone surrogate (an undecodable argv byte)
    assert "\udcff" not in numbered_module.Numbered(bytes(data))
    with pytest.raises(KeyError):
        _search.routes(bytes(data), "a", "\udcff", 1, 4, 1000)
    with pytest.raises(TypeError):
        _search.routes(bytes(data), b"a", "c", 1, 4, 1000)
    n, e, size = struct.unpack_from("<QQQ", data, 8)
    data[len(data) - size + 1] = 0xFF  # b's id is no UTF-8: found when a route names it
    with pytest.raises(ValueError, match="damaged hkg adjacency file"):
        _search.routes(bytes(data), "a", "a", 1, 4, 1000)


def test_a_route_longer_than_a_c_int_is_asked_for_as_the_longest(synthetic):
    whole = build_signed_graph(synthetic)
    source = max(whole, key=whole.out_degree)
    target = next(iter(whole.succ[next(iter(whole.succ[source]))]))  # two steps away (or one)
    compiled = [r.nodes for r in find_paths(IndexedView(synthetic), source, target, max_length=2**40, limit=1)]
    assert compiled and compiled == [r.nodes for r in find_paths(whole, source, target, max_length=2**40, limit=1)]
