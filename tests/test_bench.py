"""The benchmark runner works at its CI size (no timing assertions: timings belong in results.md)."""

from __future__ import annotations

import json

import pytest

from benchmarks import run


def test_the_benchmark_runs_at_1000_claims_and_writes_its_table(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "PAIRS", 10)
    monkeypatch.setattr(run, "LOOKUP_RUNS", 1)
    out = tmp_path / "results.md"
    run.main(["--sizes", "1000", "--workdir", str(tmp_path / "work"), "--out", str(out), "--timeout", "2"])
    text = out.read_text(encoding="utf-8")
    assert "| claims |" in text and "| 1,000 |" in text
    for heading in ("paths p50 ms", "on disk ms", "in memory ms", "`hkg entity` ms", "claims/s", "INDRA p50 ms",
                    "`hkg paths A B` ms", "in CPU time: `hkg entity` ms", "the same in CPU time"):
        assert heading in text
    figures = json.loads((tmp_path / "work" / "figures.json").read_text())
    (size,) = figures
    assert size["build"]["ours"]["triples"] > 0 and size["floor"]["triples"] == size["build"]["ours"]["triples"]
    paths = size["paths"]
    assert paths["random"]["ours_unfinished"] == paths["connected"]["ours_unfinished"] == 0
    assert paths["connected"]["with_routes"] == paths["connected"]["pairs"] == 10  # every drawn pair has a route
    assert size["lookup"]["forbidden_imports"] == []
    assert 0 < size["lookup"]["pass_cpu_s"] and 0 < size["lookup"]["ours_cpu_s"]  # CPU of the new processes
    queries = [q for name, q in size["sparql"].items() if not name.startswith("_")]
    assert queries and all(q["rows"] == q["base_rows"] and "memory_s" in q for q in queries)
    # one stage again: its figures are replaced, the others kept
    run.main(["--sizes", "1000", "--workdir", str(tmp_path / "work"), "--out", str(out), "--stages", "sparql"])
    (again,) = json.loads((tmp_path / "work" / "figures.json").read_text())
    assert {key: again[key] for key in ("build", "paths", "lookup")} == {key: size[key] for key in ("build", "paths", "lookup")}
    assert again["sparql"] != size["sparql"]  # measured anew (times never repeat to the nanosecond)


def test_a_stage_without_its_build_says_what_to_run(tmp_path):
    with pytest.raises(SystemExit, match="no build of .*claims-1000 to measure: run the build stage first"):
        run.main(["--sizes", "1000", "--workdir", str(tmp_path), "--out", str(tmp_path / "r.md"), "--stages", "sparql"])
