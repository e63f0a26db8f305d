"""The endpoint load test (benchmarks/load_endpoint.py) stays working: a small bound for CI.

The full run is ``.venv/bin/python -m benchmarks.load_endpoint`` (50 clients, 2,000 requests,
at most 60 s); here 50 concurrent clients send 4 requests each, and nothing may fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_fifty_concurrent_clients_and_no_failed_request(real_project):
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.load_endpoint", "--project", str(real_project), "--clients", "50", "--requests", "200",
         "--max-seconds", "60", "--json"],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["passed"] and report["server_alive"] and report["finished_in_time"]
    assert report["sent"] == 200 and report["failed"] == 0, report["failures"]
    assert report["clients"] == 50 and report["queries_in_mix"] >= 24  # every library query, and more
    assert report["rss_growth"] < 0.20
    assert 0 < report["p50_ms"] <= report["p95_ms"] <= report["max_ms"]


def test_the_report_counts_failures(real_project):
    """A mix with a query the server refuses makes the run fail, with the reason."""
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.load_endpoint import Request, Server, run_load
    finally:
        sys.path.remove(str(ROOT))
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        server = Server(real_project, workers=1, timeout=10, log=Path(folder) / "serve.log")
        try:
            good = run_load(server.url, [Request("ask", "ASK { ?s ?p ?o }")], clients=4, total=8, max_seconds=30)
            bad = run_load(server.url, [Request("update", "DROP ALL", "POST")], clients=4, total=8,
                           max_seconds=30)
        finally:
            server.stop()
    assert (good.sent, good.failed) == (8, 0)
    assert (bad.sent, bad.failed) == (8, 8)
    assert all(failure.startswith("update: HTTP 403") for failure in bad.failures)


def test_the_attack_run_reports_ratios_against_its_own_baseline(real_project):
    """--attack: the normal clients alone, then beside slowloris and slow-reader clients; the
    report sets each figure against the baseline of the same run (a small bound for CI)."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.load_endpoint", "--project", str(real_project), "--clients", "10",
         "--requests", "60", "--max-seconds", "60", "--attack", "--slowloris", "20", "--slow-readers", "2",
         "--attack-warmup", "2", "--json"],
        capture_output=True, text=True, timeout=400, cwd=ROOT)
    report = json.loads(done.stdout)
    assert done.returncode == (0 if report["passed"] else 1), done.stderr
    assert report["server_alive"] and report["baseline"]["failed"] == 0
    assert set(report["ratios_attack_to_baseline"]) == {"success_rate", "p50_ms", "p95_ms", "requests_per_second",
                                                        "peak_rss_mb"}
    assert report["under_attack"]["sent"] > 0 and report["under_attack"]["peak_rss_mb"] > 0
    assert report["attackers"]["slowloris_connections"] >= 20 and report["attackers"]["reader_requests"] >= 2
