"""Load test of ``hkg serve``: many concurrent clients on loopback, bounded in requests and time.

Starts ``hkg serve`` on a free 127.0.0.1 port against a built project, warms it up (every query
once per worker, then one burst of ``2 x --clients`` requests at full concurrency), then runs ``--clients`` threads that together send ``--requests`` requests (or
stop at ``--max-seconds``), mixing every query of the library (``graph/sparql/queries/*.rq``, each with its
header's example parameters bound, and without them where they are optional) over GET and POST,
JSON, XML, CSV and graph answers. It reports the failed requests, latency percentiles,
throughput, and the resident memory of the server (with its query workers) before and after the
measured run; it exits 1 if any request failed (an error status, a malformed answer, a reset
connection, no answer within 30 s), the server died, or its memory grew more than
``--max-growth``. ``--max-seconds`` is a safety stop: a run it cuts short says so and counts the
requests it did send.

    .venv/bin/python -m benchmarks.load_endpoint                     # the real data: 50 clients, 2000 requests
    .venv/bin/python -m benchmarks.load_endpoint --project DIR --clients 50 --requests 200 --json
    .venv/bin/python -m benchmarks.load_endpoint --attack            # the same, then again under attack

``--attack`` measures the normal clients twice in the same run, alone (the baseline) and then
beside two groups of attackers started a few seconds earlier: ``--slowloris`` connections that
send a request head a byte every ``--trickle`` seconds and never finish it (reconnecting when
dropped), and ``--slow-readers`` clients that ask for a large answer (every triple's subject
twenty times over, ~13 MB) and read it at ``--read-rate`` bytes per second, half of them reading
nothing at all (asking again when cut off, or after ``--reader-hold`` seconds). It reports, as ratios of the attacked run to the
baseline: the normal clients' success rate, latency percentiles and throughput, and the peak
resident memory of the server's process tree (sampled every 50 ms); and what the attackers saw
(connections dropped with 408, answers cut off). It exits 1 if the server died or its peak memory
under attack passed ``--max-memory-ratio`` times the baseline's.

Without ``--project`` the repository's ``data/`` is copied to a temporary folder and built
there (the repository is left as it is). Only loopback is used.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.memory import tree_rss

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

__all__ = ["LoadReport", "Request", "library_requests", "main", "run_load"]

ACCEPT = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
}


@dataclass(frozen=True)
class Request:
    """One request of the mix: a name (for the report), the query and how it is sent."""

    name: str
    query: str
    method: str = "GET"
    accept: str = ACCEPT["json"]


@dataclass
class LoadReport:
    """What a load run measured."""

    clients: int
    planned: int
    sent: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    rss_before: int = 0
    rss_after: int = 0
    finished_in_time: bool = True

    @property
    def growth(self) -> float:
        """Relative growth of the server's resident memory over the run."""
        return (self.rss_after - self.rss_before) / self.rss_before if self.rss_before else 0.0

    def percentile(self, p: float) -> float:
        """The ``p``-th percentile of request latency, in seconds (nearest rank)."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]

    def summary(self) -> dict:
        """The report as plain data (stable keys)."""
        return {
            "clients": self.clients, "planned": self.planned, "sent": self.sent, "failed": self.failed,
            "failures": self.failures[:10], "seconds": round(self.seconds, 3),
            "requests_per_second": round(self.sent / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(self.percentile(50) * 1000, 1), "p95_ms": round(self.percentile(95) * 1000, 1),
            "max_ms": round(max(self.latencies, default=0.0) * 1000, 1),
            "rss_before_mb": round(self.rss_before / 2**20, 1), "rss_after_mb": round(self.rss_after / 2**20, 1),
            "rss_growth": round(self.growth, 4), "finished_in_time": self.finished_in_time,
        }


# --- the query mix ----------------------------------------------------------------------------

def library_requests(project) -> list[Request]:
    """Every library query as a concrete request: its example's parameters bound, plus a run
    without parameters when none is required, plus a few ad-hoc forms (ASK, CONSTRUCT).

    An example whose names the project does not have (a small test project) is left out.
    """
    from graph.errors import HkgError
    from graph.sparql.library import list_queries
    from graph.sparql.params import Resolver, bind_parameters
    from graph.sparql.syntax import bind_text, query_form

    resolver = Resolver(project)
    requests: list[Request] = []
    for entry in list_queries(project):
        words = shlex.split(entry.example)
        params = [words[i + 1] for i, word in enumerate(words[:-1]) if word == "--param"]
        graph_form = query_form(entry.text) in ("CONSTRUCT", "DESCRIBE")
        variants = [params] + ([[]] if params and not any(p.required for p in entry.parameters) else [])
        for number, assignments in enumerate(variants):
            try:
                bindings = bind_parameters(assignments, entry.text, declared=entry.parameters,
                                           resolver=resolver, strict=True)
            except HkgError:  # the example names something this project does not have
                continue
            text = bind_text(entry.text, bindings)
            accept = ACCEPT["turtle" if number % 2 == 0 else "nt"] if graph_form else (
                ACCEPT["json"], ACCEPT["xml"], ACCEPT["csv"])[len(requests) % 3]
            method = "POST" if len(requests) % 2 else "GET"
            requests.append(Request(f"{entry.name}{'' if number == 0 else ' (no parameters)'}",
                                    text, method, accept))
    requests += [
        Request("ask", "ASK { entity:insulin a biolink:Protein }"),
        Request("construct", "CONSTRUCT WHERE { ?s rdfs:label ?o }", "POST", ACCEPT["nt"]),
        Request("count", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "GET", ACCEPT["csv"]),
    ]
    return requests


def send(url: str, request: Request, timeout: float) -> tuple[int, bytes]:
    """Send one request; return (status, body) whatever the status."""
    if request.method == "GET":
        http = urllib.request.Request(url + "?" + urllib.parse.urlencode({"query": request.query}),
                                      headers={"Accept": request.accept})
    else:
        http = urllib.request.Request(url, data=request.query.encode("utf-8"), method="POST",
                                      headers={"Accept": request.accept,
                                               "Content-Type": "application/sparql-query"})
    try:
        with urllib.request.urlopen(http, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def check_answer(request: Request, status: int, body: bytes) -> str | None:
    """Return why an answer is wrong, or None when it is a well-formed 200."""
    if status != 200:
        return f"{request.name}: HTTP {status}: {body[:200].decode('utf-8', 'replace').strip()}"
    if not body:
        return f"{request.name}: empty answer"
    if request.accept == ACCEPT["json"]:
        try:
            answer = json.loads(body)
        except ValueError as error:
            return f"{request.name}: the JSON answer does not parse: {error}"
        if "boolean" not in answer and "results" not in answer:
            return f"{request.name}: not a SPARQL JSON answer"
    return None


# --- the server and its memory ----------------------------------------------------------------

class Server:
    """``hkg serve --port 0`` in a subprocess; its URL, pid, and its log file."""

    def __init__(self, project: Path, workers: int, timeout: float, log: Path, options: tuple[str, ...] = ()):
        self.log_path = log
        self._log = log.open("wb")
        command = [sys.executable, "-m", "graph.cli.commands", "--project", str(project), "serve", "--host", "127.0.0.1",
                   "--port", "0", "--workers", str(workers), "--timeout", str(timeout), *options]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self._log, env=env, cwd=ROOT)
        line = self.process.stdout.readline().decode("utf-8")
        if "http://" not in line:
            self.stop()
            raise RuntimeError(f"hkg serve did not start: {line!r}; see {log}")
        self.url = line.split(" at ", 1)[1].split(" ", 1)[0]
        if not self.url.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"hkg serve is not on loopback: {self.url}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.process.stdout.close()
        self._log.close()


# --- the run -----------------------------------------------------------------------------------

def run_load(url: str, requests: list[Request], *, clients: int, total: int, max_seconds: float,
             request_timeout: float = 30.0, memory_of=None) -> LoadReport:
    """Send ``total`` requests from ``clients`` threads (round-robin over ``requests``).

    Parameters
    ----------
    url : str
        The endpoint.
    requests : list of Request
        The mix; client ``i`` starts at request ``i`` and every client walks the whole list.
    clients, total : int
        Concurrent threads, and requests in all.
    max_seconds : float
        Stop sending after this long; requests not sent by then leave ``finished_in_time`` False.
    request_timeout : float, optional
        The client's own time limit per request (default 30 s).
    memory_of : callable, optional
        Returns the server's resident memory, measured before and after (default None).
    """
    report = LoadReport(clients=clients, planned=total)
    lock = threading.Lock()
    issued = iter(range(total))
    start_gate = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(number: int) -> None:
        start_gate.wait()
        position = number
        while time.monotonic() < deadline[0]:
            with lock:
                if next(issued, None) is None:
                    return
            request = requests[position % len(requests)]
            position += 1
            began = time.monotonic()
            try:
                status, body = send(url, request, request_timeout)
                problem = check_answer(request, status, body)
            except Exception as error:  # a refused connection, a reset, a client timeout ...
                problem = f"{request.name}: {type(error).__name__}: {error}"
            elapsed = time.monotonic() - began
            with lock:
                report.sent += 1
                report.latencies.append(elapsed)
                if problem:
                    report.failed += 1
                    report.failures.append(problem)

    threads = [threading.Thread(target=client, args=(n,), daemon=True, name=f"client-{n}")
               for n in range(clients)]
    for thread in threads:
        thread.start()
    report.rss_before = memory_of() if memory_of else 0
    began = time.monotonic()
    deadline[0] = began + max_seconds
    start_gate.wait()
    for thread in threads:
        thread.join(max(0.0, deadline[0] + request_timeout + 5 - time.monotonic()))
    report.seconds = time.monotonic() - began
    report.rss_after = memory_of() if memory_of else 0
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        report.failed += stuck
        report.failures.append(f"{stuck} client(s) still waiting for an answer at the end")
    report.finished_in_time = report.sent >= total
    return report


class PeakMemory:
    """The largest resident memory of a process tree, sampled every ``interval`` seconds in a
    thread while the ``with`` block runs."""

    def __init__(self, pid: int, interval: float = 0.05):
        self._pid, self._interval = pid, interval
        self._stop = threading.Event()
        self.peak = 0

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self._pid))
            self._stop.wait(self._interval)

    def __enter__(self) -> "PeakMemory":
        self.peak = tree_rss(self._pid)
        self._thread = threading.Thread(target=self._sample, daemon=True, name="peak-memory")
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


#: a query with a large answer: every triple's subject twenty times over (~13 MB on data/)
WIDE = "SELECT ?x WHERE { ?s ?p ?o BIND(CONCAT(" + ", ".join(["STR(?s)"] * 20) + ") AS ?x) }"


@dataclass
class AttackReport:
    """What the attackers saw."""

    slowloris_connections: int = 0
    slowloris_dropped_408: int = 0
    slowloris_refused: int = 0  # 503 at once (no slot), or a connection error
    reader_requests: int = 0
    reader_cut_off: int = 0  # reset, or ended without the last chunk
    reader_completed: int = 0
    reader_bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def summary(self) -> dict:
        return {name: getattr(self, name) for name in (
            "slowloris_connections", "slowloris_dropped_408", "slowloris_refused", "reader_requests",
            "reader_cut_off", "reader_completed", "reader_bytes")}


def _address(url: str) -> tuple[str, int]:
    split = urllib.parse.urlsplit(url)
    return split.hostname, split.port


def slowloris(url: str, stop: threading.Event, trickle: float, report: AttackReport) -> None:
    """Send a request head a byte every ``trickle`` seconds, never ending it; reconnect when dropped."""
    import select
    import socket

    head = b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: x\r\n"
    while not stop.is_set():
        try:
            sock = socket.create_connection(_address(url), timeout=10)
        except OSError:
            report.add(slowloris_refused=1)
            stop.wait(trickle)
            continue
        report.add(slowloris_connections=1)
        try:
            sent = 0
            while not stop.is_set():
                byte = head[sent:sent + 1] if sent < len(head) else b"X-Slow: y\r\n"[(sent - len(head)) % 11:][:1]
                sock.sendall(byte)
                sent += 1
                if stop.wait(trickle):
                    break
                if select.select([sock], [], [], 0)[0]:  # the server answered: it dropped us
                    answer = sock.recv(4096)
                    if b" 408 " in answer[:20]:
                        report.add(slowloris_dropped_408=1)
                    else:
                        report.add(slowloris_refused=1)
                    break
        except OSError:
            report.add(slowloris_refused=1)
        finally:
            sock.close()


def slow_reader(url: str, stop: threading.Event, rate: int, report: AttackReport, hold: float) -> None:
    """Ask for a large answer and read ``rate`` bytes a second (0: nothing, for ``hold`` seconds);
    ask again when the answer ends or is cut off."""
    import socket

    query = urllib.parse.urlencode({"query": WIDE})
    while not stop.is_set():
        try:
            sock = socket.create_connection(_address(url), timeout=10)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(f"GET /sparql?{query} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n"
                         "Connection: close\r\n\r\n".encode())
        except OSError:
            stop.wait(1)
            continue
        report.add(reader_requests=1)
        tail = b""
        try:
            if rate <= 0:
                stop.wait(hold)
                continue
            while not stop.is_set():
                data = sock.recv(rate)
                if not data:
                    report.add(**({"reader_completed": 1} if tail.endswith(b"0\r\n\r\n")
                                  else {"reader_cut_off": 1}))
                    break
                report.add(reader_bytes=len(data))
                tail = (tail + data)[-16:]
                stop.wait(1.0)
        except OSError:
            report.add(reader_cut_off=1)
        finally:
            sock.close()


def start_attack(url: str, *, slowloris_clients: int, readers: int, trickle: float, rate: int,
                 hold: float) -> tuple[threading.Event, list[threading.Thread], AttackReport]:
    """Start the attackers; set the returned event to stop them."""
    stop, report = threading.Event(), AttackReport()
    threads = [threading.Thread(target=slowloris, args=(url, stop, trickle, report), daemon=True,
                                name=f"slowloris-{n}") for n in range(slowloris_clients)]
    threads += [threading.Thread(target=slow_reader, args=(url, stop, rate if n % 2 == 0 else 0, report, hold),
                                 daemon=True, name=f"slow-reader-{n}") for n in range(readers)]
    for thread in threads:
        thread.start()
    return stop, threads, report


def _ratio(attacked: float, baseline: float, digits: int = 2) -> float | None:
    return round(attacked / baseline, digits) if baseline else None


def prepare_project(project: str | None, workdir: Path) -> Path:
    """Return a built project: ``project`` (built if it has no build yet), or a copy of data/."""
    from graph.project import Project
    from graph.pipeline.build import build
    from graph.errors import CacheError

    if project is None:
        target = workdir / "project"
        shutil.copytree(ROOT / "data", target / "data")
        print(f"building a copy of {ROOT / 'data'} in {target} ...", flush=True)
    else:
        target = Path(project).resolve()
    try:
        Project(target).current_build()
    except CacheError:
        build(Project(target))
    return target


def main(argv: list[str] | None = None) -> int:
    """Run the load test from the command line; return the exit status (0: passed)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", metavar="DIR", help="a project folder (default: a built copy of data/)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent client threads (default 50)")
    parser.add_argument("--requests", type=int, default=2000, help="requests in all (default 2000)")
    parser.add_argument("--max-seconds", type=float, default=120.0,
                        help="stop sending after this long (default 120)")
    parser.add_argument("--workers", type=int, default=2, help="the server's query workers (default 2)")
    parser.add_argument("--timeout", type=float, default=30.0, help="the server's time limit per query (default 30)")
    parser.add_argument("--max-growth", type=float, default=0.20,
                        help="the largest allowed relative growth of server memory (default 0.20)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    attack = parser.add_argument_group("attack", "measure the normal clients again beside attackers")
    attack.add_argument("--attack", action="store_true", help="run the baseline, then again under attack")
    attack.add_argument("--slowloris", type=int, default=200, metavar="N",
                        help="connections trickling a request head (default 200)")
    attack.add_argument("--trickle", type=float, default=2.0, metavar="S",
                        help="seconds between a slowloris client's bytes (default 2)")
    attack.add_argument("--slow-readers", type=int, default=8, metavar="N",
                        help="clients asking for a large answer and reading it slowly or not at all (default 8)")
    attack.add_argument("--read-rate", type=int, default=1024, metavar="BYTES",
                        help="bytes a second a slow reader takes; every other one takes none (default 1024)")
    attack.add_argument("--reader-hold", type=float, default=10.0, metavar="S",
                        help="seconds a slow reader that reads nothing keeps its request open before it asks "
                             "again (default 10)")
    attack.add_argument("--attack-warmup", type=float, default=5.0, metavar="S",
                        help="seconds the attackers run before the normal clients start (default 5)")
    attack.add_argument("--max-memory-ratio", type=float, default=1.5,
                        help="the largest allowed peak memory under attack, against the baseline's (default 1.5)")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.requests < 1 or args.max_seconds <= 0:
        parser.error("--clients, --requests and --max-seconds must be positive")

    from graph.project import Project

    with tempfile.TemporaryDirectory(prefix="hkg-load-") as workdir:
        project = prepare_project(args.project, Path(workdir))
        mix = library_requests(Project(project))
        server = Server(project, args.workers, args.timeout, Path(workdir) / "serve.log")
        try:
            for _ in range(args.workers):  # warm up: every query once per worker ...
                for request in mix:
                    status, body = send(server.url, request, args.timeout + 5)
                    problem = check_answer(request, status, body)
                    if problem:
                        print(f"warm-up failed: {problem}", file=sys.stderr)
                        return 1
            rss_start = tree_rss(server.pid)
            # ... and one burst at full concurrency (thread stacks, allocator arenas), so that the
            # measured run shows growth, not the first use of the memory concurrency needs
            warm = run_load(server.url, mix, clients=args.clients, total=min(args.requests, 2 * args.clients),
                            max_seconds=args.max_seconds)
            if warm.failed:
                print(f"warm-up failed: {warm.failures[0]}", file=sys.stderr)
                return 1
            with PeakMemory(server.pid) as baseline_peak:
                report = run_load(server.url, mix, clients=args.clients, total=args.requests,
                                  max_seconds=args.max_seconds, memory_of=lambda: tree_rss(server.pid))
            attacked = attacked_peak = attackers = None
            if args.attack:
                stop, threads, attackers = start_attack(
                    server.url, slowloris_clients=args.slowloris, readers=args.slow_readers, trickle=args.trickle,
                    rate=args.read_rate, hold=args.reader_hold)
                try:
                    with PeakMemory(server.pid) as attacked_peak:
                        time.sleep(args.attack_warmup)
                        attacked = run_load(server.url, mix, clients=args.clients, total=args.requests,
                                            max_seconds=args.max_seconds)
                finally:
                    stop.set()
                    for thread in threads:
                        thread.join(args.trickle + 15)
            alive = server.process.poll() is None
        finally:
            server.stop()
            log_tail = server.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-5:]

    if args.attack:
        return _report_attack(args, report, attacked, baseline_peak.peak, attacked_peak.peak, attackers, alive,
                              len(mix), log_tail)
    summary = {**report.summary(), "server_alive": alive, "queries_in_mix": len(mix),
               "rss_start_mb": round(rss_start / 2**20, 1)}
    passed = report.failed == 0 and report.sent > 0 and alive and report.growth <= args.max_growth
    summary["passed"] = passed
    if args.json:
        print(json.dumps(summary, indent=2, sort_keys=True))
    else:
        print(f"{report.sent}/{report.planned} requests from {report.clients} clients in "
              f"{summary['seconds']} s ({summary['requests_per_second']} req/s), "
              f"{len(mix)} queries in the mix")
        print(f"failed: {report.failed}")
        print(f"latency: p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, max {summary['max_ms']} ms")
        print(f"server memory (with workers): {summary['rss_start_mb']} MiB after the sequential "
              f"warm-up, {summary['rss_before_mb']} MiB after the concurrent one, "
              f"{summary['rss_after_mb']} MiB after the run ({report.growth:+.1%})")
        for failure in report.failures[:10]:
            print(f"  failure: {failure}")
        if not report.finished_in_time:
            print(f"  stopped at the time bound of {args.max_seconds:g} s after {report.sent} of "
                  f"{report.planned} requests")
        if not alive:
            print("  the server died; its log ends: " + " | ".join(log_tail))
        print("PASSED" if passed else "FAILED")
    return 0 if passed else 1


def _success(report: LoadReport) -> float:
    return (report.sent - report.failed) / report.sent if report.sent else 0.0


def _report_attack(args, baseline: LoadReport, attacked: LoadReport, baseline_peak: int, attacked_peak: int,
                   attackers: AttackReport, alive: bool, mix: int, log_tail: list[str]) -> int:
    """Print the baseline and the attacked run side by side, with their ratios; return the exit status."""
    def figures(report: LoadReport, peak: int) -> dict:
        summary = report.summary()
        return {"sent": report.sent, "failed": report.failed, "success_rate": round(_success(report), 4),
                "p50_ms": summary["p50_ms"], "p95_ms": summary["p95_ms"], "max_ms": summary["max_ms"],
                "requests_per_second": summary["requests_per_second"], "peak_rss_mb": round(peak / 2**20, 1),
                "failures": report.failures[:5]}

    base, under = figures(baseline, baseline_peak), figures(attacked, attacked_peak)
    ratios = {key: _ratio(under[key], base[key], 3 if key == "success_rate" else 2) for key in
              ("success_rate", "p50_ms", "p95_ms", "requests_per_second", "peak_rss_mb")}
    passed = alive and ratios["peak_rss_mb"] is not None and ratios["peak_rss_mb"] <= args.max_memory_ratio
    summary = {"clients": args.clients, "requests": args.requests, "workers": args.workers, "queries_in_mix": mix,
               "slowloris": args.slowloris, "trickle_s": args.trickle, "slow_readers": args.slow_readers,
               "read_rate": args.read_rate, "baseline": base, "under_attack": under,
               "ratios_attack_to_baseline": ratios, "attackers": attackers.summary(), "server_alive": alive,
               "passed": passed}
    if args.json:
        print(json.dumps(summary, indent=2, sort_keys=True))
    else:
        print(f"{args.clients} normal clients, {args.requests} requests per run, {mix} queries in the mix; "
              f"attack: {args.slowloris} slowloris connections (a byte every {args.trickle:g} s), "
              f"{args.slow_readers} slow readers (half at {args.read_rate} B/s, half reading nothing)")
        print(f"{'':24}{'baseline':>12}{'under attack':>14}{'ratio':>8}")
        for key, label in (("success_rate", "success rate"), ("p50_ms", "latency p50 ms"),
                           ("p95_ms", "latency p95 ms"), ("requests_per_second", "requests/s"),
                           ("peak_rss_mb", "peak memory MiB")):
            print(f"{label:24}{base[key]:>12}{under[key]:>14}{ratios[key] if ratios[key] is not None else '-':>8}")
        print("attackers: " + ", ".join(f"{key} {value}" for key, value in attackers.summary().items()))
        for failure in attacked.failures[:5]:
            print(f"  failure under attack: {failure}")
        if not alive:
            print("  the server died; its log ends: " + " | ".join(log_tail))
        print("PASSED" if passed else "FAILED")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
