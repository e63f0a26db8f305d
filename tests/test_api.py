"""The Python front door (graph.api): the same answers as the CLI's JSON, typed records, one-line
errors as exceptions, and the README's Python example run as written."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import graph
from graph.cli.commands import cli
from graph.errors import CacheError, UnknownEntityError

ROOT = Path(__file__).resolve().parent.parent


def cli_json(project, *args):
    result = CliRunner().invoke(cli, ["--project", str(project), *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def kg(real_project):
    with graph.open(real_project) as opened:
        yield opened


def test_the_package_exports_a_sorted_front_door():
    assert graph.__all__ == sorted(graph.__all__)
    for name in graph.__all__:
        assert getattr(graph, name) is not None
    assert callable(graph.build) and callable(graph.open)
    assert "open" not in graph.__all__  # `from graph import *` must not hide the built-in


@pytest.mark.parametrize("method, args, kwargs, command", [
    ("paths", ("testosterone", "insulin sensitivity"), {"max_length": 3, "limit": 5},
     ["paths", "testosterone", "insulin sensitivity", "--max-length", "3", "--limit", "5"]),
    ("paths", ("anastrozole", "estrogen"), {"via_classes": True}, ["paths", "anastrozole", "estrogen", "--via-classes"]),
    ("paths", ("TNF-α", "glucose uptake"), {"sign": "down", "context": ["men"]},
     ["paths", "TNF-α", "glucose uptake", "--sign", "down", "--context", "men"]),
    ("loops", (), {"kind": "vicious"}, ["loops", "--kind", "vicious"]),
    ("conflicts", (), {}, ["conflicts"]),
    ("neighbors", ("IL-6",), {"direction": "out"}, ["neighbors", "IL-6", "--direction", "out"]),
    ("paths", (), {"target": "testosterone", "sign": "down"}, ["paths", "--to", "testosterone", "--sign", "down"]),
    ("paths", ("HGNC:11892",), {"max_length": 2, "every": True}, ["paths", "--from", "TNFa", "--max-length", "2", "--all"]),
    ("neighbors", ("testosterone",), {"sign": "down"}, ["neighbors", "testosterone", "--sign", "down"]),
])
def test_records_are_exactly_the_cli_json(kg, real_project, method, args, kwargs, command):
    records = getattr(kg, method)(*args, **kwargs)
    assert records, "the question has answers on the real data"
    assert [r.to_dict() for r in records] == cli_json(real_project, *command)


def test_entity_and_evidence_are_the_cli_json(kg, real_project):
    entity = kg.entity("TNF-alpha")
    assert (entity.id, entity.label, entity.is_a) == ("tnf-alpha", "TNF-α", ("inflammatory-cytokines",))
    assert entity.to_dict() == cli_json(real_project, "entity", "TNF-alpha")
    evidence = kg.evidence("trt-increases-insulin-sensitivity")
    assert {c.basis for c in evidence.citations} == {"curator"}
    assert evidence.to_dict() == cli_json(real_project, "evidence", "trt-increases-insulin-sensitivity")


def test_records_are_typed_and_frozen(kg):
    route = kg.paths("testosterone", "insulin sensitivity", limit=1)[0]
    assert isinstance(route, graph.Route) and isinstance(route.steps[0], graph.Step)
    assert isinstance(route.nodes[0], graph.Node) and route.nodes[0].id == "testosterone"
    with pytest.raises(AttributeError):
        route.sign = -1  # type: ignore[misc]


def test_sparql_binds_parameters_like_the_cli(kg, real_project):
    answer = kg.sparql("what-increases", target="insulin sensitivity")
    expected = cli_json(real_project, "sparql", "what-increases", "--param", "target=insulin sensitivity")
    assert answer.to_dict() == expected
    assert answer.rows and all(row["target"].endswith("/entity/insulin-sensitivity") for row in answer.rows)
    assert kg.sparql("ASK { ?s ?p ?o }").boolean is True


def test_errors_are_exceptions_with_suggestions(kg, tmp_path):
    with pytest.raises(UnknownEntityError) as raised:
        kg.entity("testosteron")
    assert "testosterone" in str(raised.value)
    with pytest.raises(CacheError):
        graph.open(tmp_path)
    assert issubclass(UnknownEntityError, graph.HkgError)


def test_the_readme_python_example_runs_as_written(tmp_path):
    """The README's "Python" section, run in a copy of the project."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"\n\n((?:    .*\n)(?:    .*\n|\n)*)", section).group(1)
    code = "\n".join(line[4:] for line in block.splitlines())
    project = tmp_path / "project"
    shutil.copytree(ROOT / "data", project / "data")
    namespace: dict = {}
    exec(compile(code.replace('"."', repr(str(project))), "README.md", "exec"), namespace)  # noqa: S102
    routes = namespace["routes"]
    assert routes and [r.to_dict() for r in routes] == cli_json(
        project, "paths", "testosterone", "insulin sensitivity", "--max-length", "3", "--limit", "5")


def test_one_context_value_and_any_sign_spelling(kg, real_project):
    women = cli_json(real_project, "paths", "testosterone", "insulin sensitivity", "--context", "women")
    assert [r.to_dict() for r in kg.paths("testosterone", "insulin sensitivity", context="women")] == women
    up = [r.to_dict() for r in kg.paths("testosterone", "insulin sensitivity", sign="up")]
    assert [r.to_dict() for r in kg.paths("testosterone", "insulin sensitivity", sign=1)] == up
    with pytest.raises(ValueError, match="sign 'sideways' is not one of"):
        kg.paths("testosterone", "insulin sensitivity", sign="sideways")


def test_routes_carry_the_summary_the_cli_table_starts_with(kg, real_project):
    answer = kg.routes("testosterone", "insulin sensitivity", limit=2)
    assert len(answer.routes) == 2 and answer.total >= 2 and answer.source.label == "testosterone"
    assert sum(answer.signs.values()) == answer.total
    table = CliRunner().invoke(cli, ["--project", str(real_project), "paths", "testosterone",
                                     "insulin sensitivity", "--limit", "2"]).output
    assert table.startswith(f"{answer.total} routes from testosterone to insulin sensitivity: "
                            f"{answer.signs['+1']} increase, {answer.signs['-1']} decrease")
    assert [r.to_dict() for r in answer.routes] == cli_json(real_project, "paths", "testosterone",
                                                            "insulin sensitivity", "--limit", "2")


@pytest.mark.parametrize("timeout", [float("inf"), float("nan"), 0, -1, "60"])
def test_a_time_limit_must_be_seconds_above_zero(kg, timeout):
    with pytest.raises(ValueError, match="timeout must be a number of seconds above 0"):
        kg.sparql("ASK { ?s ?p ?o }", timeout=timeout)
