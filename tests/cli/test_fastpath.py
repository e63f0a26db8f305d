"""`hkg entity` answered without click or a table library prints exactly what the full CLI prints."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from graph.project import Project
from graph.cli.commands import cli
from graph.cli.fastpath import _parse, parse_paths


@pytest.mark.parametrize("columns", ["120", "50"])
@pytest.mark.parametrize("args", [["entity", "TNF-alpha"], ["entity", "tnf-α", "--format", "json"],
                                  ["entity", "--format=json", "insulin"], ["entity", "nosuchthing"],
                                  ["entity", "insulin"], ["entity", "TNFa"]])
def test_the_fast_entry_point_prints_what_the_cli_prints(built_mini, args, columns):
    import os

    expected = CliRunner().invoke(cli, ["--project", str(built_mini), *args], env={"COLUMNS": columns})
    done = subprocess.run([sys.executable, "-c", "from graph.cli.fastpath import main; main()", *args],
                          cwd=built_mini, capture_output=True, text=True, env={**os.environ, "COLUMNS": columns})
    assert done.returncode == expected.exit_code
    assert done.stdout == expected.stdout


def test_only_plain_entity_lookups_take_the_fast_path():
    assert _parse(["entity", "x"]) == ("x", "table")
    assert _parse(["entity", "x", "--format", "json"]) == ("x", "json")
    assert _parse(["entity", "--help"]) is None
    assert _parse(["paths", "a", "b"]) is None
    assert _parse(["entity", "a", "b"]) is None


def test_a_lookup_imports_no_parser(built_mini):
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "from graph.cli.fastpath import main; main()",
                           "entity", "insulin"], cwd=built_mini, capture_output=True, text=True)
    modules = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert not {m.split(".")[0] for m in modules} & {"rdflib", "yaml", "pyoxigraph", "click", "rich", "networkx"}
    # typing alone costs ~3.5 ms of the ~15 ms a lookup adds to Python's start-up (target: ≤ 1.5×)
    assert "typing" not in modules


PATHS_ARGS = [["paths", "testosterone", "insulin sensitivity", "--max-length", "3"],
              ["paths", "TNF-α", "insulin signaling", "--format", "json", "--max-length=4", "--limit", "5"],
              ["paths", "--sign", "down", "testosterone", "HOMA-IR", "--max-length", "3"],
              ["paths", "testosterone", "testosterone", "--max-length", "3", "--sign", "variable"],
              ["paths", "testosteron", "insulin"],  # did you mean: the full CLI answers
              ["paths", "testosterone", "insulin", "--max-length", "0"],  # a usage error: the full CLI
              ["paths", "testosterone", "insulin sensitivity", "--context", "men", "--max-length", "3"]]


@pytest.mark.parametrize("args", PATHS_ARGS)
def test_the_fast_paths_answer_is_what_the_cli_prints(real_project, args):
    expected = CliRunner().invoke(cli, ["--project", str(real_project), *args])
    done = subprocess.run([sys.executable, "-c", "from graph.cli.fastpath import main; main()", *args],
                          cwd=real_project, capture_output=True, text=True)
    assert done.returncode == expected.exit_code
    assert done.stdout == expected.stdout


def test_plain_path_questions_take_the_fast_path_and_the_rest_go_to_the_cli():
    assert parse_paths(["paths", "a", "b"]) == {"source": "a", "target": "b", "max_length": 5, "limit": None,
                                                "sign": None, "format": "table"}
    assert parse_paths(["paths", "--limit=2", "a", "--max-length", "2", "b", "--max-length", "3"])["max_length"] == 3
    for args in (["paths", "a"], ["paths", "a", "b", "c"], ["paths", "a", "b", "--via-classes"],
                 ["paths", "a", "b", "--max-length", "0"], ["paths", "a", "b", "--max-length", "x"],
                 ["paths", "a", "b", "--sign", "UP"], ["paths", "a", "b", "--limit"], ["paths", "a", "b", "-h"],
                 ["loops"], ["paths", "a", "--", "-b"]):
        assert parse_paths(args) is None, args


def test_a_path_question_imports_no_parser_and_no_graph_library(real_project):
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "from graph.cli.fastpath import main; main()",
                           "paths", "testosterone", "insulin sensitivity", "--max-length", "3"],
                          cwd=real_project, capture_output=True, text=True)
    assert done.returncode == 0 and "Route 1" in done.stdout
    modules = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert not {m.split(".")[0] for m in modules} & {"rdflib", "yaml", "pyoxigraph", "click", "rich", "networkx"}
    # nor the record schema or the prefix converter (the build's), ~15 ms and ~7 ms of start-up
    assert not modules & {"graph.model.records", "graph.model.prefixes"}


def test_the_fast_claim_counts_are_the_clis_for_every_entity_with_claims_or_none(built_mini, monkeypatch):
    import json

    from graph.cli.fastpath import _answer

    monkeypatch.setenv("HKG_PROJECT", str(built_mini))
    index = Project(built_mini).index()
    counts = set()
    for entity_id in [entity["id"] for entity in index.entities()]:
        fast = _answer(entity_id, "json")
        if fast is None:  # not an exact name: left to the full CLI
            continue
        expected = CliRunner().invoke(cli, ["--project", str(built_mini), "entity", entity_id, "--format", "json"])
        assert json.loads(fast) == json.loads(expected.stdout), entity_id
        record = json.loads(fast)
        counts.add(record["claims_in"] + record["claims_out"] > 0)
    assert counts == {True, False}  # entities with claims and entities with none were both compared
