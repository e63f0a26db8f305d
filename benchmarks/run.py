"""The benchmark: every figure a ratio against a baseline measured in the same run.

    python -m benchmarks.run --sizes 1000 10000 100000      # what `make bench` runs
    make bench SIZES="1000000"                              # the 10⁶ graph (long)

For each size the runner writes a synthetic project (:mod:`benchmarks.synth`), builds it with
``hkg build`` in a fresh process, then measures:

- **build**: ``hkg build`` (one pipeline at every size, every export written): wall time, claims
  per second and peak memory (max RSS of the build process tree, sampled every 50 ms, so the
  store loader and ``sort`` running beside the build count with it) against the 4 GiB target;
  its baseline is the **floor** stage: Oxigraph's bulk load of the same triples alone;
- **paths**: ``find_paths(A, B, max_length=4, limit=50)`` on the signed view, p50 / p95 over
  100 random pairs (a fifth of them with a hub as source or target; on a large sparse graph most
  have no route) and over 100 pairs drawn so that a route exists (one end random or a hub, the
  other among the nodes it reaches, or that reach it, in 4 steps), against networkx
  ``all_simple_paths(cutoff=4)`` plus the sign product of every path, ranked, top 50. Each call
  of either gets :data:`PAIR_TIMEOUT` seconds; a baseline that runs out counts as that bound
  (so its ratio is a lower bound), ours must answer every pair within it. Each pair is also
  searched as ``hkg paths`` does it, on a new :class:`graph.pathways.signed.IndexedView` (the
  compiled search over the build's mapped adjacency file, then one index query for the claims of
  the routes' steps; no networkx view made first), and must find the same routes;
- **sparql**: three queries (label lookup through synonyms, a two-step property path, an
  aggregate with ORDER BY) on the build's pyoxigraph store, on disk (as ``hkg sparql`` and
  ``hkg serve`` read it) and loaded into memory (as ``hkg serve --in-memory`` holds it), against
  rdflib's in-memory SPARQL on the same graph (parsed from the build's N-Triples; up to
  :data:`RDFLIB_MAX` claims). Loading is timed apart from the queries for both in-memory engines;
- **lookup**: ``hkg entity NAME`` in a new process against ``python -c pass`` and
  ``python -c "import graph"`` (median of :data:`LOOKUP_RUNS`), and ``-X importtime`` proof
  that a lookup imports no RDF or YAML parser; ``hkg paths A B`` the same way. The package's
  bytecode is written first (``compileall``), as an install leaves it: with
  PYTHONDONTWRITEBYTECODE set, every new process would otherwise compile hkg's modules again.
  Each is reported in wall-clock time and in CPU time (user + system of the new process).

The table is printed and written to ``benchmarks/results.md`` (with ``benchmarks/profile.md``,
the profile notes, appended). Figures are kept in ``<workdir>/figures.json``, so a later run of
one size (``make bench SIZES=1000000``) adds its rows to those of the earlier sizes, and a run of
some stages (``--stages sparql``, on the earlier build) replaces only theirs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from benchmarks.memory import tree_rss

__all__ = ["main", "run_size"]

HERE = Path(__file__).resolve().parent
PAIRS = 100
PAIR_TIMEOUT = 5.0
#: a path search is timed as the fastest of up to REPEATS calls made within REPEAT_WITHIN seconds
REPEATS, REPEAT_WITHIN = 3, 0.1
LOOKUP_RUNS = 7
RDFLIB_MAX = 100_000
FORBIDDEN_ON_LOOKUP = ("rdflib", "yaml", "pyshacl", "pyoxigraph", "networkx", "pyvis")
TARGETS = {"paths": 10.0, "sparql": 10.0, "lookup": 2.0, "memory_mib": 4096}
STAGES = ("build", "floor", "paths", "sparql", "lookup")


class _Timeout(Exception):
    pass


@contextmanager
def _deadline(seconds: float):
    def expire(_signum, _frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _timed(function, timeout: float) -> tuple[float, bool]:
    """Return (seconds, finished) of a call cut at ``timeout`` (setting the alarm, ~13 µs, is
    not timed: it is a tenth of a search from the index)."""
    try:
        with _deadline(timeout):
            start = time.perf_counter()
            function()
            seconds = time.perf_counter() - start
    except _Timeout:
        return timeout, False
    return seconds, True


def _timed_best(function, timeout: float, runs: int = REPEATS, within: float = REPEAT_WITHIN):
    """Return (seconds, finished, result) of the fastest of up to ``runs`` calls, repeated only
    while the calls so far took less than ``within`` seconds together (each cut at ``timeout``).

    The machine is shared: a call that loses the processor once takes tens of milliseconds
    more, which swamps a search of one millisecond but not one of a second. Every engine is
    timed the same way.
    """
    best, result, spent = None, None, 0.0
    for _ in range(runs):
        box = []
        seconds, finished = _timed(lambda: box.append(function()), timeout)
        if not finished:
            return timeout, False, None
        spent += seconds
        if best is None or seconds < best:
            best, result = seconds, box[0]
        if spent >= within:
            break
    return best, True, result


def _hkg() -> list[str]:
    """The ``hkg`` command: the console script when it runs the fast entry point, else the same
    entry point through the interpreter."""
    script = Path(sys.executable).with_name("hkg")
    if script.exists() and "graph.cli.fastpath" in script.read_text(errors="replace"):
        return [str(script)]
    return [sys.executable, "-c", "import sys; from graph.cli.fastpath import main; sys.exit(main())"]


def _child(args: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[float, int, str]:
    """Run a command; return (seconds, peak RSS in MiB of it and its children at once, stdout).

    The peak is sampled every 50 ms over the whole process tree, so a build's children that
    run beside it (the store loader, ``sort``) count together with it.
    """
    import threading

    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peaks, done = [0], threading.Event()

    def sample():
        while not done.wait(0.05):
            peaks[0] = max(peaks[0], tree_rss(process.pid) // (1 << 20))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - start
    if process.returncode:
        raise RuntimeError(f"{' '.join(args)} failed ({process.returncode}): {err.decode()[-2000:]}")
    return seconds, peaks[0], out.decode()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


# --- build ----------------------------------------------------------------------------------

def bench_build(project: Path, claims: int) -> dict:
    code = ("import json, resource, sys, time\nfrom graph.pipeline.build import Project, build\n"
            "t = time.perf_counter(); r = build(Project(sys.argv[1]))\n"
            "print(json.dumps({'seconds': time.perf_counter() - t, 'triples': r.triples,"
            " 'self': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,"
            " 'children': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}))")
    shutil.rmtree(project / ".hkg", ignore_errors=True)
    _seconds, peak, out = _child([sys.executable, "-c", code, str(project)])
    run = json.loads(out.strip().splitlines()[-1])
    # the build's children (sort, the store loader) run beside it: the sampled peak of the
    # whole tree, and never less than the largest single process's own maximum
    return {"ours": {"seconds": run["seconds"], "claims_per_s": claims / run["seconds"],
                     "peak_mib": max(peak, run["self"], run["children"]), "triples": run["triples"]}}


def bench_floor(project: Path) -> dict:
    """Oxigraph's bulk load of the build's own N-Triples into a new store, alone (as the build
    loads it: :func:`graph.sparql.store.load_store`, in slices, flushed and optimised): the floor a
    build of these triples cannot go under."""
    import tempfile

    from graph.project import Project

    nt = Project(project).current_build() / "graph.nt"
    with tempfile.TemporaryDirectory(dir=project) as folder:
        (Path(folder) / "graph.nt").symlink_to(nt)
        code = ("import sys, time\nfrom graph.sparql.store import load_store\n"
                "t = time.perf_counter(); load_store(sys.argv[1]); print(time.perf_counter() - t)")
        _seconds, peak, out = _child([sys.executable, "-c", code, folder])
    triples = sum(1 for _ in nt.open("rb"))
    seconds = float(out.strip().splitlines()[-1])
    return {"seconds": seconds, "triples": triples, "triples_per_s": triples / seconds, "peak_mib": peak}


# --- paths ----------------------------------------------------------------------------------

def _baseline_paths(graph, source: str, target: str, max_length: int = 4, limit: int = 50):
    """networkx all_simple_paths with a cutoff, the sign product of each, ranked, top ``limit``."""
    import networkx as nx

    routes = []
    for path in nx.all_simple_paths(graph, source, target, cutoff=max_length):
        signs = {1}
        for u, v in zip(path, path[1:]):
            signs = {s * data["sign"] for s in signs for data in graph[u][v].values()}
        routes.extend((len(path) - 1, tuple(path), sign) for sign in signs)
    routes.sort()
    return routes[:limit]


def _hubs(graph, count: int = 10) -> list[str]:
    return sorted(graph, key=lambda n: (-graph.degree(n), n))[:count]


def _pairs(graph, count: int, seed: int = 11) -> list[tuple[str, str]]:
    """Random pairs, a fifth of them with a hub at one end (most have no route on a large graph)."""
    rng = random.Random(seed)
    nodes = sorted(graph)
    hubs = _hubs(graph)
    pairs = []
    while len(pairs) < count:
        a, b = rng.choice(nodes), rng.choice(nodes)
        if len(pairs) % 5 == 0:  # a fifth with a hub at one end
            if rng.random() < 0.5:
                a = rng.choice(hubs)
            else:
                b = rng.choice(hubs)
        if a != b:
            pairs.append((a, b))
    return pairs


def _connected_pairs(graph, count: int, seed: int = 13) -> list[tuple[str, str]]:
    """Pairs with a route of at most 4 steps: a random end (a hub for a fifth of them), the other
    end drawn from what it reaches (or what reaches it) in 4 steps."""
    import networkx as nx

    rng = random.Random(seed)
    nodes = sorted(graph)
    hubs = _hubs(graph)
    pairs = []
    while len(pairs) < count:
        anchor = rng.choice(hubs if len(pairs) % 5 == 0 else nodes)
        forward = rng.random() < 0.5
        walked = graph if forward else graph.reverse(copy=False)
        steps = nx.single_source_shortest_path_length(walked, anchor, cutoff=4)
        reached = sorted(node for node in steps if node != anchor)
        if reached:
            other = rng.choice(reached)
            pairs.append((anchor, other) if forward else (other, anchor))
    return pairs


def _near_pairs(graph, count: int, seed: int = 17) -> list[tuple[str, str]]:
    """Pairs 2–4 steps apart, neither end a hub: a random source, the target drawn among what it
    reaches in 2, 3 or 4 steps and not fewer (most of these pairs have one route or a few)."""
    import networkx as nx

    rng = random.Random(seed)
    hubs = set(_hubs(graph))
    nodes = [n for n in sorted(graph) if n not in hubs]
    pairs, tries = [], 0
    while len(pairs) < count and tries < 100 * count:
        tries += 1
        anchor = rng.choice(nodes)
        steps = nx.single_source_shortest_path_length(graph, anchor, cutoff=4)
        reached = sorted(node for node, d in steps.items() if d >= 2 and node not in hubs)
        if reached:
            pairs.append((anchor, rng.choice(reached)))
    return pairs


def _indra():
    """INDRA's ``bfs_search`` and ``signed_edges_to_signed_nodes``, or None when INDRA is not
    installed. ``model_checker.py`` is loaded by file: its package imports pysb and more."""
    import importlib.util

    try:
        import indra.explanation as explanation
        from indra.explanation.pathfinding import bfs_search
    except ImportError:
        return None
    path = Path(explanation.__file__).parent / "model_checker" / "model_checker.py"
    spec = importlib.util.spec_from_file_location("_hkg_bench_indra_model_checker", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return bfs_search, module.signed_edges_to_signed_nodes


def _indra_graph(graph, convert):
    """The signed node graph INDRA searches: each +1 / -1 claim of the signed view as an edge
    with sign 0 / 1 (INDRA's policy), converted to (entity, sign) nodes. INDRA has no "no
    effect" or "variable" sign: those claims are left out (so are routes through them)."""
    import networkx as nx

    signed = nx.MultiDiGraph()
    signed.add_nodes_from(graph)
    for u, v, sign in graph.edges(data="sign"):
        if sign in (1, -1):
            signed.add_edge(u, v, sign=0 if sign == 1 else 1)
    return convert(signed)


def _indra_paths(bfs_search, nodes_graph, source: str, target: str, max_length: int = 4, limit: int = 50):
    """INDRA's signed breadth-first search from ``source``, once per end sign (it yields the
    routes ending at one sign of the end node), keeping those that end at ``target``: up to
    ``limit`` per sign, shortest first, as ``(length, nodes, sign)`` with sign +1 / -1."""
    routes = []
    if (source, 0) not in nodes_graph:
        return routes
    for end_sign in (0, 1):
        found = 0
        for path in bfs_search(nodes_graph, (source, 0), depth_limit=max_length, max_per_node=None,
                               sign=end_sign, path_limit=None):
            if path[-1][0] == target:
                routes.append((len(path) - 1, tuple(node for node, _sign in path), 1 - 2 * end_sign))
                found += 1
                if found >= limit:
                    break
    routes.sort()
    return routes[:limit]


def _agree(*answers: list[tuple[int, tuple, int]], limit: int = 50) -> bool:
    """True when the answers have the same +1/-1 routes of every length all of them list in
    full: an answer cut at ``limit`` may have left out some of its longest routes."""
    full = min((max(length for length, _n, _s in a) if len(a) >= limit else math.inf) for a in answers)
    keep = [{(nodes, sign) for length, nodes, sign in a if sign in (1, -1)
             and (length < full or full == math.inf)} for a in answers]
    return all(k == keep[0] for k in keep)


def _measure_pairs(graph, index, pairs: list[tuple[str, str]], timeout: float, indra=None) -> dict:
    """Time each engine on each pair, each call cut at ``timeout``: ours on the networkx view,
    ours on a new IndexedView (as ``hkg paths`` runs), networkx, and INDRA when given."""
    from graph.pathways.paths import find_paths
    from graph.pathways.signed import IndexedView

    times: dict[str, list[float]] = {"ours": [], "fresh": [], "base": [], "indra": []}
    unfinished = dict.fromkeys(times, 0)
    found, counts, agreed = 0, [], 0
    for a, b in pairs:
        runs = [("ours", lambda: list(find_paths(graph, a, b, max_length=4, limit=50))),
                # as `hkg paths` answers: a new view read from the index as the search goes
                ("fresh", lambda: list(find_paths(IndexedView(index), a, b, max_length=4, limit=50))),
                ("base", lambda: _baseline_paths(graph, a, b))]
        if indra is not None:
            runs.append(("indra", lambda: _indra_paths(indra[0], indra[1], a, b)))
        done, answer = {}, {}
        for name, call in runs:
            seconds, done[name], answer[name] = _timed_best(call, timeout)
            times[name].append(seconds)
            unfinished[name] += not done[name]
        routes, again = answer["ours"] or [], answer["fresh"]
        found += bool(routes)
        counts.append(len(routes))
        if done["fresh"] and again != routes:
            raise RuntimeError(f"{a} → {b}: the view read from the index found other routes")
        if all(done.values()):
            ours = [(r.length, r.nodes, r.sign) for r in routes]
            answers = [ours, answer["base"]] + ([answer["indra"]] if indra is not None else [])
            if not _agree(*answers):
                raise RuntimeError(f"{a} → {b}: the engines found different routes")
            agreed += 1
    result = {"pairs": len(pairs), "with_routes": found, "timeout_s": timeout,
              "routes_median": statistics.median(counts), "agreed": agreed}
    for name, spent in times.items():
        if spent:
            result.update({f"{name}_p50": _percentile(spent, 0.5), f"{name}_p95": _percentile(spent, 0.95),
                           f"{name}_max": max(spent), f"{name}_unfinished": unfinished[name]})
    return result


def bench_paths(project: Path, timeout: float = PAIR_TIMEOUT, count: int | None = None) -> dict:
    """Path search on random pairs (as the target asks), on pairs known to have a route (hubs
    among them), and on pairs 2–4 steps apart (mostly one route), with INDRA as a peer."""
    from graph.project import Project
    from graph.pathways.signed import build_signed_graph

    index = Project(project).index()
    start = time.perf_counter()
    graph = build_signed_graph(index)
    load = time.perf_counter() - start
    figures = {"load_s": load}
    found = _indra()
    indra = None
    if found is not None:
        start = time.perf_counter()
        indra = (found[0], _indra_graph(graph, found[1]))
        figures["indra_load_s"] = time.perf_counter() - start
    count = PAIRS if count is None else count
    for kind, pairs in (("random", _pairs(graph, count)), ("connected", _connected_pairs(graph, count)),
                        ("near", _near_pairs(graph, count))):
        figures[kind] = _measure_pairs(graph, index, pairs, timeout, indra)
    return figures


# --- SPARQL ---------------------------------------------------------------------------------

QUERIES = {
    "name lookup by its key (hkg:nameKey)": """
        SELECT DISTINCT ?entity WHERE {
          ?entity hkg:nameKey "factor12alpha" .
        }""",
    "label lookup through synonyms (FILTER scan)": """
        SELECT DISTINCT ?entity WHERE {
          ?entity rdfs:label|skos:altLabel ?name .
          FILTER (LCASE(STR(?name)) = "factor 12-alpha")
        }""",
    "two-step property path": """
        SELECT ?b (COUNT(*) AS ?routes) WHERE {
          entity:e12 biolink:affects/biolink:affects ?b .
        } GROUP BY ?b ORDER BY ?b""",
    "aggregate with ORDER BY": """
        SELECT ?subject (COUNT(?claim) AS ?claims) WHERE {
          ?claim a biolink:Association ; rdf:subject ?subject .
        } GROUP BY ?subject ORDER BY DESC(?claims) ?subject LIMIT 10""",
}


def _prologue() -> str:
    from graph.model.vocab import prefixes

    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes().items()))


def _best(function, runs: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def bench_sparql(project: Path, claims: int, rdflib_max: int | None = None) -> dict:
    from graph.project import Project
    from graph.errors import CacheError
    from graph.sparql.store import open_store

    build_dir = Project(project).current_build()
    store = open_store(build_dir)
    prologue = _prologue()
    results = {}
    start = time.perf_counter()
    try:
        in_memory = open_store(build_dir, in_memory=True)
        results["_in_memory_load_s"] = time.perf_counter() - start
    except CacheError:  # does not fit this machine
        in_memory = None
    graph = None
    if claims <= (RDFLIB_MAX if rdflib_max is None else rdflib_max):
        from rdflib import Graph

        start = time.perf_counter()
        graph = Graph().parse(build_dir / "graph.nt", format="nt")
        results["_rdflib_parse_s"] = time.perf_counter() - start
    for name, text in QUERIES.items():
        query = prologue + text
        ours, rows = _best(lambda: len(list(store.query(query))))
        entry = {"ours_s": ours, "rows": rows}
        if in_memory is not None:
            entry["memory_s"], memory_rows = _best(lambda: len(list(in_memory.query(query))))
            if memory_rows != rows:
                raise RuntimeError(f"{name}: {memory_rows} rows in memory, {rows} on disk")
        if graph is not None:
            base, base_rows = _best(lambda: len(list(graph.query(query))), runs=1)
            entry.update(base_s=base, base_rows=base_rows)
        results[name] = entry
    return results


# --- cold lookup ------------------------------------------------------------------------------

def bench_lookup(project: Path) -> dict:
    """Cold ``hkg entity NAME`` and ``hkg paths A B`` in new processes, against ``python -c pass``
    (and ``import graph``) measured in the same run; the paths search itself timed in process."""
    env = {**os.environ, "HKG_PROJECT": str(project)}
    name = "factor 12-alpha"
    _compile_package()

    _child(_hkg() + ["entity", name], cwd=project, env=env)  # warm the OS file cache
    (ours, ours_cpu), (base, _), (empty, empty_cpu) = _median_runs(
        [_hkg() + ["entity", name], [sys.executable, "-c", "import graph"], [sys.executable, "-c", "pass"]],
        project, env, LOOKUP_RUNS)
    process = subprocess.run([sys.executable, "-X", "importtime", "-c",
                              "import sys; from graph.cli.fastpath import main; main()", "entity", name],
                             cwd=project, env=env, capture_output=True, text=True)
    imported = {line.split("|")[-1].strip().split(".")[0] for line in process.stderr.splitlines()
                if line.startswith("import time:")}
    return {"ours_s": ours, "base_s": base, "pass_s": empty, "ours_cpu_s": ours_cpu, "pass_cpu_s": empty_cpu,
            "forbidden_imports": sorted(imported & set(FORBIDDEN_ON_LOOKUP)),
            **_paths_process(project, env)}


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _median_runs(commands: list[list[str]], project: Path, env: dict, runs: int) -> list[tuple[float, float]]:
    """Median wall-clock and median CPU seconds (user + system) of ``runs`` new processes of each
    command, the commands taking turns (a, b, c, a, b, c, ...) so that a quiet or a busy spell of
    the machine falls on all of them alike rather than on one.

    On a shared machine a new process's wall-clock time is mostly waiting for a processor; its
    CPU time is what it costs, and is what the ratios in CPU time compare.
    """
    walls: list[list[float]] = [[] for _ in commands]
    cpus: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for args, wall, cpu in zip(commands, walls, cpus):
            before = _children_cpu()
            wall.append(_child(args, cwd=project, env=env)[0])
            cpu.append(_children_cpu() - before)
    return [(statistics.median(wall), statistics.median(cpu)) for wall, cpu in zip(walls, cpus)]


def _compile_package() -> None:
    """Write the package's bytecode, as ``pip install`` does (and as an editable install's first
    run does, unless PYTHONDONTWRITEBYTECODE is set, as on the machine these tables were made):
    a new process then reads the compiled modules instead of compiling each from source, which
    cost ``hkg paths`` ~35 ms a process and ``hkg entity`` ~8 ms, more than the search."""
    import graph

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(graph.__file__).parent)],
                   check=True, stdout=subprocess.DEVNULL)


def _paths_process(project: Path, env: dict, count: int = 5) -> dict:
    """``hkg paths A B --max-length 4 --limit 50`` as a new process per question, on connected
    pairs (a hub among them), against ``python -c pass`` (taking turns with it, pair by pair)
    plus the same question answered in process (resolve, search from the index, evidence, text)."""
    from graph.project import Project
    from graph.pathways.questions import answer_paths
    from graph.cli.render_paths import render_paths
    from graph.pathways.signed import build_signed_graph

    index = Project(project).index()
    pairs = _connected_pairs(build_signed_graph(index), count, seed=19)
    args = ["--max-length", "4", "--limit", "50"]
    processes, searches, processes_cpu, searches_cpu, empties, empties_cpu = [], [], [], [], [], []
    for a, b in pairs:
        _child(_hkg() + ["paths", a, b, *args], cwd=project, env=env)  # warm the OS file cache
        (wall, cpu), (empty, empty_cpu) = _median_runs([_hkg() + ["paths", a, b, *args], [sys.executable, "-c", "pass"]],
                                                      project, env, LOOKUP_RUNS)
        processes.append(wall)
        processes_cpu.append(cpu)
        empties.append(empty)
        empties_cpu.append(empty_cpu)
        fresh = type(index)(index.path)
        start, start_cpu = time.perf_counter(), time.process_time()
        render_paths(answer_paths(fresh, a, b, max_length=4, limit=50), "table")
        searches.append(time.perf_counter() - start)
        searches_cpu.append(time.process_time() - start_cpu)
        fresh.close()
    process = subprocess.run([sys.executable, "-X", "importtime", "-c",
                              "import sys; from graph.cli.fastpath import main; main()", "paths", *pairs[0], *args],
                             cwd=project, env=env, capture_output=True, text=True)
    imported = {line.split("|")[-1].strip().split(".")[0] for line in process.stderr.splitlines()
                if line.startswith("import time:")}
    ratios = [(p - s) / e for p, s, e in zip(processes, searches, empties)]
    ratios_cpu = [(p - s) / e for p, s, e in zip(processes_cpu, searches_cpu, empties_cpu)]
    return {"paths_process_s": statistics.median(processes), "paths_search_s": statistics.median(searches),
            "paths_pass_s": statistics.median(empties),
            "paths_ratio_max": max(ratios), "paths_ratio_median": statistics.median(ratios),
            "paths_cpu_ratio_max": max(ratios_cpu), "paths_cpu_ratio_median": statistics.median(ratios_cpu),
            "paths_pairs": len(pairs),
            "paths_forbidden_imports": sorted(imported & (set(FORBIDDEN_ON_LOOKUP) | {"click", "rich"}))}


# --- the run ------------------------------------------------------------------------------------

def run_size(claims: int, workdir: Path, timeout: float = PAIR_TIMEOUT, stages: tuple[str, ...] = STAGES,
             pairs: int | None = None, rdflib_max: int | None = None) -> dict:
    """Generate, build and measure one size (the given stages only); return its figures.

    Without the ``build`` stage the project's earlier build is measured.
    """
    from benchmarks.synth import write_project
    from graph.project import Project
    from graph.errors import CacheError

    project = workdir / f"claims-{claims}"
    if "build" not in stages:
        try:
            Project(project).current_build()
        except CacheError:
            raise SystemExit(f"no build of {project} to measure: run the build stage first") from None
    elif not (project / "data" / "claims.yaml").exists():
        shutil.rmtree(project, ignore_errors=True)
        write_project(project, claims)
    figures = {"claims": claims}
    if "build" in stages:
        figures["build"] = bench_build(project, claims)
    if "floor" in stages:
        figures["floor"] = bench_floor(project)
    if "paths" in stages:
        figures["paths"] = bench_paths(project, timeout, pairs)
    if "sparql" in stages:
        figures["sparql"] = bench_sparql(project, claims, rdflib_max)
    if "lookup" in stages:
        figures["lookup"] = bench_lookup(project)
    return figures


def _ms(seconds: float | None, digits: int) -> str:
    return "not run" if seconds is None else f"{seconds * 1e3:.{digits}f}"


def _seconds(seconds: float | None) -> str:
    return "not run" if seconds is None else f"{seconds:.1f}"


def _ratio(base: float | None, ours: float | None) -> str:
    if not base or not ours:
        return "–"
    return f"{base / ours:.1f}×"


def _measured(all_figures: list[dict], stage: str) -> list[dict]:
    return [f for f in all_figures if stage in f]


def render(all_figures: list[dict]) -> str:
    """Return the results as Markdown tables."""
    out = ["| claims | build s | claims/s | peak MiB (process tree) | ≤ 4 GiB |", "|---:|---:|---:|---:|:---:|"]
    for f in _measured(all_figures, "build"):
        ours = f["build"]["ours"]
        out.append(f"| {f['claims']:,} | {ours['seconds']:.1f} | {ours['claims_per_s']:,.0f} | {ours['peak_mib']:,} | "
                   + ("yes |" if ours["peak_mib"] <= TARGETS["memory_mib"] else "**no** |"))
    out += ["", "| claims | triples | build s | build triples/s | Oxigraph bulk load alone s | its triples/s | "
            "build ÷ load |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for f in _measured(all_figures, "floor"):
        floor, ours = f["floor"], f.get("build", {}).get("ours")
        build_s = f"{ours['seconds']:.1f} | {floor['triples'] / ours['seconds']:,.0f}" if ours else "not run | –"
        out.append(f"| {f['claims']:,} | {floor['triples']:,} | {build_s} | {floor['seconds']:.1f} | "
                   f"{floor['triples_per_s']:,.0f} | {_ratio(ours['seconds'], floor['seconds']) if ours else '–'} |")
    kinds = ("random", "connected", "near")
    out += ["", "| claims | pairs | with a route | paths p50 ms | p95 ms | max ms | unfinished | baseline p50 ms | "
            "p95 ms | baseline unfinished | p50 speed-up | p95 speed-up |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for f in _measured(all_figures, "paths"):
        for kind in kinds:
            p = f["paths"].get(kind)
            if p is None:
                continue
            out.append(f"| {f['claims']:,} | {kind} | {p['with_routes']}/{p['pairs']} | {p['ours_p50'] * 1e3:.2f} | "
                       f"{p['ours_p95'] * 1e3:.2f} | {p['ours_max'] * 1e3:.1f} | {p['ours_unfinished']}/{p['pairs']} | "
                       f"{p['base_p50'] * 1e3:.2f} | {p['base_p95'] * 1e3:.2f} | "
                       f"{p['base_unfinished']}/{p['pairs']} (cut at {p['timeout_s']:g} s) | "
                       f"{_ratio(p['base_p50'], p['ours_p50'])} | {_ratio(p['base_p95'], p['ours_p95'])} |")
    out += ["", "| claims | pairs | routes per pair (median) | from the index as `hkg paths` reads it: p50 ms | p95 ms | "
            "max ms | networkx p50 ms | p95 ms | INDRA p50 ms | p95 ms | INDRA unfinished | vs networkx p50 | p95 | "
            "vs INDRA p50 | p95 | routes agree (all finished) |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for f in _measured(all_figures, "paths"):
        for kind in kinds:
            p = f["paths"].get(kind)
            if p is None or "fresh_p50" not in p:
                continue
            indra = "indra_p50" in p
            out.append(f"| {f['claims']:,} | {kind} | {p.get('routes_median', '–')} | {p['fresh_p50'] * 1e3:.2f} | "
                       f"{p['fresh_p95'] * 1e3:.2f} | {p['fresh_max'] * 1e3:.1f} | {p['base_p50'] * 1e3:.2f} | "
                       f"{p['base_p95'] * 1e3:.2f} | "
                       + (f"{p['indra_p50'] * 1e3:.2f} | {p['indra_p95'] * 1e3:.2f} | {p['indra_unfinished']}/{p['pairs']} | "
                          if indra else "not run | not run | – | ")
                       + f"{_ratio(p['base_p50'], p['fresh_p50'])} | {_ratio(p['base_p95'], p['fresh_p95'])} | "
                       + (f"{_ratio(p['indra_p50'], p['fresh_p50'])} | {_ratio(p['indra_p95'], p['fresh_p95'])} | "
                          if indra else "– | – | ")
                       + (f"{p['agreed']}/{p['pairs']} |" if "agreed" in p else "– |"))
    out += ["", "| claims | networkx view made in s | INDRA signed node graph made in s |", "|---:|---:|---:|"]
    for f in _measured(all_figures, "paths"):
        out.append(f"| {f['claims']:,} | {f['paths']['load_s']:.1f} | {_seconds(f['paths'].get('indra_load_s'))} |")
    out += ["", "| claims | query | rows | on disk ms | in memory ms | rdflib ms | speed-up on disk | "
            "speed-up in memory |", "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for f in _measured(all_figures, "sparql"):
        for name, q in f["sparql"].items():
            if name.startswith("_"):
                continue
            base, memory = q.get("base_s"), q.get("memory_s")
            out.append(f"| {f['claims']:,} | {name} | {q['rows']} | {q['ours_s'] * 1e3:.2f} | "
                       f"{_ms(memory, 2)} | {_ms(base, 1)} | {_ratio(base, q['ours_s'])} | {_ratio(base, memory)} |")
    out += ["", "| claims | load into memory: Oxigraph s | rdflib s |", "|---:|---:|---:|"]
    for f in _measured(all_figures, "sparql"):
        s = f["sparql"]
        out.append(f"| {f['claims']:,} | {_seconds(s.get('_in_memory_load_s'))} | {_seconds(s.get('_rdflib_parse_s'))} |")
    out += ["", "| claims | `hkg entity` ms | `python -c pass` ms | ratio (target ≤ 1.5) | `import graph` ms | ratio | "
            "in CPU time: `hkg entity` ms | `python -c pass` ms | ratio | RDF/YAML imported |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for f in _measured(all_figures, "lookup"):
        lk = f["lookup"]
        empty, cpu = lk.get("pass_s"), lk.get("ours_cpu_s")
        to_pass = f"{lk['ours_s'] / empty:.2f}" if empty else "–"
        in_cpu = (f"{cpu * 1e3:.1f} | {lk['pass_cpu_s'] * 1e3:.1f} | {cpu / lk['pass_cpu_s']:.2f}" if cpu
                  else "not run | not run | –")
        out.append(f"| {f['claims']:,} | {lk['ours_s'] * 1e3:.0f} | {_ms(empty, 0)} | {to_pass} | "
                   f"{lk['base_s'] * 1e3:.0f} | {lk['ours_s'] / lk['base_s']:.2f} | {in_cpu} | "
                   f"{', '.join(lk['forbidden_imports']) or 'none'} |")
    out += ["", "| claims | pairs | `hkg paths A B` ms (new process, median) | of which the question in process ms | "
            "`python -c pass` ms | (process − question) / pass: median | max (target ≤ 3) | the same in CPU time: "
            "median | max | heavy modules imported |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for f in _measured(all_figures, "lookup"):
        lk = f["lookup"]
        if "paths_process_s" in lk:
            in_cpu = (f"{lk['paths_cpu_ratio_median']:.2f} | {lk['paths_cpu_ratio_max']:.2f}"
                      if "paths_cpu_ratio_median" in lk else "not run | not run")
            out.append(f"| {f['claims']:,} | {lk['paths_pairs']} | {lk['paths_process_s'] * 1e3:.0f} | "
                       f"{lk['paths_search_s'] * 1e3:.0f} | {lk.get('paths_pass_s', lk['pass_s']) * 1e3:.0f} | {lk['paths_ratio_median']:.2f} | "
                       f"{lk['paths_ratio_max']:.2f} | {in_cpu} | {', '.join(lk['paths_forbidden_imports']) or 'none'} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - exercised by tests/test_bench.py
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000],
                        help="claims per graph; none: only redraw the table from earlier figures")
    parser.add_argument("--workdir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "hkg-bench")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--timeout", type=float, default=PAIR_TIMEOUT, help="seconds per path search")
    parser.add_argument("--pairs", type=int, default=None, help=f"pairs of each kind for the path searches ({PAIRS})")
    parser.add_argument("--rdflib-max", type=int, default=None,
                        help=f"the largest size whose SPARQL is also run on rdflib ({RDFLIB_MAX:,}; slow to load)")
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES),
                        help="what to measure (default all); the others keep their earlier figures")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    saved = args.workdir / "figures.json"  # sizes measured by earlier runs stay in the table
    by_size = {f["claims"]: f for f in json.loads(saved.read_text())} if saved.exists() else {}
    for size in args.sizes:
        print(f"benchmarking {size:,} claims ...", file=sys.stderr, flush=True)
        by_size[size] = {**by_size.get(size, {}), **run_size(size, args.workdir, args.timeout, tuple(args.stages),
                                                         args.pairs, args.rdflib_max)}
        saved.write_text(json.dumps([by_size[s] for s in sorted(by_size)], indent=1))
    figures = [by_size[s] for s in sorted(by_size)]
    table = render(figures)
    print(table)
    notes = HERE / "profile.md"
    header = ("# Benchmark results\n\nWritten by `make bench` (`python -m benchmarks.run`); every figure "
              "is set against a baseline measured in the same run. Sizes: "
              + ", ".join(f"{f['claims']:,}" for f in figures) + f" claims; machine: {os.cpu_count()} cores.\n\n")
    args.out.write_text(header + table + ("\n" + notes.read_text(encoding="utf-8") if notes.exists() else ""),
                        encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    main()
