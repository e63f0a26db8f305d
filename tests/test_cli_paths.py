"""``hkg paths``, ``loops``, ``conflicts`` and ``neighbors`` on the real data, through CliRunner."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from graph.cli import cli

STEP_KEYS = {"claim", "subject", "object", "predicate", "sign", "quote", "document", "section",
             "context", "certainty", "citations"}


def run(project, *args):
    return CliRunner().invoke(cli, ["--project", str(project), *args])


def run_json(project, *args):
    result = run(project, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def documents(real_project):
    """The real documents as extracted (quotes are verbatim in the clean text)."""
    from graph.records import load_records

    return {document.id: document for document in load_records(real_project / "data").documents}


def check_route(route, documents):
    """A route is a chain of steps whose signs multiply to its sign, each with a real quote."""
    steps, nodes = route["steps"], route["nodes"]
    assert route["length"] == len(steps) == len(nodes) - 1 >= 1
    assert route["sign"] == math.prod(step["sign"] for step in steps)
    assert isinstance(route["score"], (int, float))
    for i, step in enumerate(steps):
        assert STEP_KEYS <= set(step)
        assert (step["subject"], step["object"]) == (nodes[i]["id"], nodes[i + 1]["id"])
        assert step["quote"] and documents[step["document"]].find_quote(step["quote"]), step["claim"]
        assert isinstance(step["citations"], list) and isinstance(step["context"], dict)
        assert step["certainty"] in ("high", "medium", "low")


def test_testosterone_improves_insulin_sensitivity_with_evidence(real_project, documents):
    routes = run_json(real_project, "paths", "testosterone", "insulin sensitivity")
    assert any(route["sign"] == 1 for route in routes)
    for route in routes:
        check_route(route, documents)
        assert route["nodes"][0]["id"] == "testosterone"
        assert route["nodes"][-1]["id"] == "insulin-sensitivity"
    lengths = [route["length"] for route in routes]
    assert lengths == sorted(lengths) and max(lengths) <= 5


def test_ranking_is_deterministic(real_project):
    first = run(real_project, "paths", "testosterone", "insulin sensitivity", "--format", "json")
    second = run(real_project, "paths", "testosterone", "insulin sensitivity", "--format", "json")
    assert first.stdout == second.stdout


def test_sign_filter(real_project):
    down = run_json(real_project, "paths", "testosterone", "insulin sensitivity", "--sign", "down")
    assert all(route["sign"] == -1 for route in down)
    up = run_json(real_project, "paths", "testosterone", "insulin sensitivity", "--sign", "up")
    assert up and all(route["sign"] == 1 for route in up)


def test_hyperinsulinemia_lowers_testosterone(real_project, documents):
    routes = run_json(real_project, "paths", "hyperinsulinemia", "testosterone")
    assert routes and routes[0]["sign"] == -1
    for route in routes:
        check_route(route, documents)


def test_limit_max_length_and_context(real_project):
    assert len(run_json(real_project, "paths", "testosterone", "insulin sensitivity", "--limit", "1")) == 1
    short = run_json(real_project, "paths", "testosterone", "insulin sensitivity", "--max-length", "1")
    assert all(route["length"] == 1 for route in short)
    for route in run_json(real_project, "paths", "testosterone", "insulin sensitivity", "--context", "Men"):
        for step in route["steps"]:
            assert step["context"].get("population", "men").lower() == "men", step["claim"]


def test_entity_names_in_any_spelling(real_project):
    for source in ("TNF-α", "tnf alpha", "TNF-alpha", "entity:tnf-alpha"):
        routes = run_json(real_project, "paths", source, "Insulin Resistance", "--max-length", "1")
        assert [r["nodes"][0]["id"] for r in routes] == ["tnf-alpha"] and routes[0]["sign"] == 1


def test_no_route_is_an_empty_list_and_exit_0(real_project):
    from graph.pipeline import Project

    index = Project(real_project).index()
    sink = next(e["id"] for e in index.entities() if index.count_claims(e["id"]) == (1, 0))
    assert run_json(real_project, "paths", sink, "testosterone") == []
    result = run(real_project, "paths", sink, "testosterone")
    assert result.exit_code == 0 and "No routes found." in result.output


def test_paths_table_numbers_routes_with_net_effect_and_evidence(real_project):
    result = run(real_project, "paths", "testosterone", "insulin sensitivity", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert "Route 1: net effect +1 increases" in result.output and "Route 2:" in result.output
    assert "—(+1)→ insulin sensitivity" in result.output
    assert "“" in result.output and "cited by the document: " in result.output


def test_loops_finds_vicious_cycles(real_project, documents):
    loops = run_json(real_project, "loops", "--kind", "vicious")
    assert loops
    for loop in loops:
        assert loop["kind"] == "vicious" and loop["sign"] == 1
        assert loop["nodes"][0] == loop["nodes"][-1]
        check_route(loop, documents)
    keys = [tuple(n["id"] for n in loop["nodes"]) + tuple(s["sign"] for s in loop["steps"]) for loop in loops]
    assert len(keys) == len(set(keys))


def test_loops_through_an_entity_and_self_limiting(real_project):
    through = run_json(real_project, "loops", "--through", "visceral fat")
    assert through and all(loop["nodes"][0]["id"] == "visceral-adipose-tissue" for loop in through)
    assert all(loop["kind"] == "self-limiting" and loop["sign"] == -1
               for loop in run_json(real_project, "loops", "--kind", "self-limiting"))
    result = run(real_project, "loops", "--kind", "vicious", "--through", "insulin resistance")
    assert result.exit_code == 0 and "Loop 1: vicious (+1)" in result.output


def test_conflicts_pair_claims_on_one_subject(real_project):
    conflicts = run_json(real_project, "conflicts")
    for conflict in conflicts:
        first, second = conflict["claims"]
        assert first["subject"] == second["subject"] == conflict["subject"]
        assert first["object"] == conflict["object"]
        assert STEP_KEYS <= set(first) and isinstance(conflict["reconcile"], list)
        assert conflict["effects"][0] != conflict["effects"][1]
    if conflicts:
        subject = conflicts[0]["subject"]
        assert all(subject in (c["subject"], c["object"], c["inverse_object"])
                   for c in run_json(real_project, "conflicts", subject))
    result = run(real_project, "conflicts")
    assert result.exit_code == 0


def test_neighbors_directions(real_project):
    out = run_json(real_project, "neighbors", "testosterone", "--direction", "out")
    assert out and all(n["direction"] == "out" and n["subject"] == "testosterone" for n in out)
    into = run_json(real_project, "neighbors", "Testosterone", "--direction", "in")
    assert into and all(n["object"] == "testosterone" for n in into)
    both = run_json(real_project, "neighbors", "testosterone")
    assert len(both) == len(out) + len(into)
    table = run(real_project, "neighbors", "testosterone")
    assert table.exit_code == 0 and "What testosterone acts on:" in table.output


@pytest.mark.parametrize("args, wrong", [
    (["paths", "testosteron", "insulin sensitivity"], "testosteron"),
    (["paths", "testosterone", "insulin sensitivty"], "insulin sensitivty"),
    (["loops", "--through", "viseral fat"], "viseral fat"),
    (["conflicts", "estradiolx"], "estradiolx"),
    (["neighbors", "tnf-alfa"], "tnf-alfa"),
])
def test_unknown_entity_exits_2_with_did_you_mean(real_project, args, wrong):
    result = run(real_project, *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: no entity named {wrong!r} in this graph; ")
    assert "the closest name" in lines[0]


@pytest.mark.parametrize("args", [
    ["paths", "testosterone", "insulin sensitivity", "--sign", "sideways"],
    ["paths", "testosterone", "insulin sensitivity", "--max-length", "0"],
    ["paths", "testosterone", "insulin sensitivity", "--limit", "0"],
    ["loops", "--kind", "virtuous"],
    ["neighbors", "testosterone", "--direction", "up"],
])
def test_bad_options_are_usage_errors(real_project, args):
    result = run(real_project, *args)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_without_a_build_is_one_line_not_a_traceback(tmp_path):
    (tmp_path / "data").mkdir()
    for args in (["paths", "a", "b"], ["loops"], ["conflicts"], ["neighbors", "a"]):
        result = run(tmp_path, *args)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert result.output.startswith("error: no build found")
