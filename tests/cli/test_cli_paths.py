"""``hkg paths``, ``loops``, ``conflicts`` and ``neighbors`` on the real data, through CliRunner."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from graph.cli.commands import cli

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
    from graph.sources.load import load_records

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
    from graph.project import Project

    index = Project(real_project).index()
    sink = next(e["id"] for e in index.entities() if index.count_claims(e["id"]) == (1, 0))
    assert run_json(real_project, "paths", sink, "testosterone") == []
    result = run(real_project, "paths", sink, "testosterone")
    assert result.exit_code == 0 and result.output.startswith("No routes from ") and "found." in result.output


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


# --- names the way researchers write them (issue 19) ----------------------------------------

from spellings import spellings  # noqa: E402


@pytest.mark.parametrize("spelling, entity", spellings())
def test_every_command_finds_an_entity_by_any_spelling_or_identifier(real_project, spelling, entity):
    record = run_json(real_project, "entity", spelling)
    assert record["id"] == entity
    around = run_json(real_project, "neighbors", spelling, "--direction", "in")
    assert all(n["object"] == entity for n in around)
    routes = run_json(real_project, "paths", "--to", spelling, "--max-length", "1")
    assert all(r["nodes"][-1]["id"] == entity for r in routes)


@pytest.mark.parametrize("name, message", [
    ("metformin", "error: no entity named 'metformin' in this graph, and no name close to it"),
    ("Metformin", "error: no entity named 'Metformin' in this graph, and no name close to it"),
    ("cortisol", "error: no entity named 'cortisol' in this graph, and no name close to it"),
    ("hgh", "error: no entity named 'hgh' in this graph; the closest name is: growth hormone (GH)"),
    ("estradoil", "error: no entity named 'estradoil' in this graph; the closest name is: estradiol"),
])
def test_an_unknown_name_says_the_graph_has_none_and_the_closest_names(real_project, name, message):
    result = run(real_project, "entity", name)
    assert result.exit_code == 2
    assert result.output.strip() == message


# --- open-ended questions: what lowers X, what X acts on (issue 19) ---------------------------

def test_what_lowers_testosterone_gives_each_source_its_best_route(real_project):
    best = run_json(real_project, "paths", "--to", "testosterone", "--sign", "down")
    assert best, "the document names things that lower testosterone through the HPG axis"
    assert all(r["sign"] == -1 and r["nodes"][-1]["id"] == "testosterone" for r in best)
    sources = [r["nodes"][0]["id"] for r in best]
    assert len(sources) == len(set(sources)), "one route per source by default"
    every = run_json(real_project, "paths", "--to", "testosterone", "--sign", "down", "--all")
    assert len(every) >= len(best) and {r["nodes"][0]["id"] for r in every} == set(sources)
    for route in best:  # each source's route is the best that `hkg paths SOURCE testosterone` finds
        source = route["nodes"][0]["id"]
        between = run_json(real_project, "paths", source, "testosterone", "--sign", "down", "--limit", "1")
        assert [n["id"] for n in between[0]["nodes"]] == [n["id"] for n in route["nodes"]]
        assert between[0]["steps"] == route["steps"]


def test_what_testosterone_acts_on_starts_every_route_there(real_project):
    routes = run_json(real_project, "paths", "--from", "CHEBI:17347", "--max-length", "2")
    assert routes and all(r["nodes"][0]["id"] == "testosterone" for r in routes)
    ends = [(r["nodes"][-1]["id"], r["sign"]) for r in routes]
    assert len(ends) == len(set(ends)), "one route per entity reached and net sign"
    direct = run_json(real_project, "neighbors", "testosterone", "--direction", "out")
    assert {n["neighbor"]["id"] for n in direct} <= {end for end, _sign in ends}


def test_paths_table_starts_with_a_summary_and_says_how_many_more(real_project):
    every = run_json(real_project, "paths", "testosterone", "insulin sensitivity")
    up = sum(r["sign"] == 1 for r in every)
    shortest = min(r["length"] for r in every)
    result = run(real_project, "paths", "testosterone", "insulin sensitivity")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert " ".join(line.strip() for line in result.output.split("\n\n")[0].splitlines()) == (
        f"{len(every)} routes from testosterone to insulin sensitivity: {up} increase, "
                        f"{len(every) - up} decrease; shortest {shortest} step{'s' if shortest > 1 else ''}")
    assert sum(line.startswith("Route ") for line in lines) == 10
    assert " ".join(line.strip() for line in result.output.split("\n\n")[-1].splitlines()) == (
        f"{len(every) - 10} more routes not shown (--limit {len(every)} shows them; "
                         "--format json lists every one)")
    shown = run(real_project, "paths", "testosterone", "insulin sensitivity", "--limit", str(len(every)))
    assert "not shown" not in shown.output


def test_open_ended_summary_names_the_entities(real_project):
    best = run_json(real_project, "paths", "--to", "testosterone", "--sign", "down")
    result = run(real_project, "paths", "--to", "testosterone", "--sign", "down")
    summary = " ".join(line.strip() for line in result.output.split("\n\n")[0].splitlines())
    assert summary.startswith(
        f"{len(best)} routes into testosterone, the best from each of {len(best)} entities "
        f"(--all for every route): 0 increase, {len(best)} decrease; shortest ")


def test_no_route_is_said_plainly_and_json_is_an_empty_list(real_project):
    result = run(real_project, "paths", "hyperinsulinemia", "testosterone", "--sign", "up")
    assert result.exit_code == 0 and result.output == "No routes from hyperinsulinemia to testosterone found.\n"
    assert run_json(real_project, "paths", "hyperinsulinemia", "testosterone", "--sign", "up") == []


@pytest.mark.parametrize("args, message", [
    (["paths", "testosterone"], "give a TARGET too, or ask with --from ENTITY or --to ENTITY alone"),
    (["paths"], "give SOURCE and TARGET, or --from ENTITY, or --to ENTITY"),
    (["paths", "testosterone", "insulin", "--to", "insulin"], "give each end once"),
    (["paths", "testosterone", "insulin", "--all"], "--all is for --from or --to alone"),
])
def test_paths_usage_errors_are_one_line(real_project, args, message):
    result = run(real_project, *args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_neighbors_sign_keeps_links_of_that_sign(real_project):
    into = run_json(real_project, "neighbors", "testosterone", "--direction", "in")
    down = run_json(real_project, "neighbors", "testosterone", "--direction", "in", "--sign", "down")
    assert down == [n for n in into if n["sign"] == -1]
    up = run_json(real_project, "neighbors", "testosterone", "--sign", "up")
    assert up and all(n["sign"] == 1 for n in up)


# --- output fits the terminal ----------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["entity", "TNF-α"],
    ["entity", "testosterone"],
    ["paths", "testosterone", "insulin sensitivity"],
    ["paths", "--to", "testosterone", "--sign", "down"],
    ["sparql", "what-increases", "--param", "target=insulin sensitivity"],
    ["sparql", "SELECT ?e ?label WHERE { ?e rdfs:label ?label } LIMIT 5"],
    ["evidence", "hpg-axis-increases-lh"],
    ["neighbors", "IKKb"],
])
def test_output_fits_an_80_column_terminal(real_project, args):
    result = CliRunner().invoke(cli, ["--project", str(real_project), *args], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    too_wide = [line for line in result.output.splitlines() if len(line) > 80]
    assert too_wide == []
    wide = CliRunner().invoke(cli, ["--project", str(real_project), *args], env={"COLUMNS": "200"})
    assert max(map(len, wide.output.splitlines())) >= max(map(len, result.output.splitlines()))


def test_sparql_table_says_shared_values_once_and_keeps_ids_whole(real_project):
    result = CliRunner().invoke(cli, ["--project", str(real_project), "sparql", "what-increases",
                                      "--param", "target=insulin sensitivity"], env={"COLUMNS": "80"})
    lines = result.output.splitlines()
    assert lines[1].startswith("every row: target = entity:insulin-sensitivity; targetLabel = insulin")
    claims = [line.split()[-1] for line in lines if " claim " in f" {line.strip()} "]
    assert "claim:estrogen-increases-insulin-sensitivity-some-studies" in claims
    assert sum("entity:insulin-sensitivity" in line for line in lines) == 1


def test_html_focus_takes_an_identifier(real_project, tmp_path):
    from graph.project import Project
    from graph.exports.explorer import explorer_data

    result = run(real_project, "html", "-o", str(tmp_path / "tnf.html"), "--focus", "UniProtKB:P01375")
    assert result.exit_code == 0, result.output
    assert explorer_data(Project(real_project).index(), focus="HGNC:11892")["meta"]["focus"] == "tnf-alpha"
    assert explorer_data(Project(real_project).index(), focus="TNFa")["meta"]["focus"] == "tnf-alpha"


def test_a_count_that_stops_at_the_cap_says_so(real_project, monkeypatch):
    import graph.pathways.questions

    monkeypatch.setattr(graph.pathways.questions, "COUNT_CAP", 5)
    result = run(real_project, "paths", "testosterone", "insulin sensitivity", "--limit", "3")
    assert result.output.startswith("5+ routes from testosterone to insulin sensitivity: ")
    assert "2+ more routes not shown" in result.output
    monkeypatch.setattr(graph.pathways.questions, "COUNT_CAP", 1000)
    every = run_json(real_project, "paths", "testosterone", "insulin sensitivity")
    assert len(every) > 5
    assert run(real_project, "paths", "testosterone", "insulin sensitivity").output.startswith(f"{len(every)} routes ")
