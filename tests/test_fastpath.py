"""`hkg entity` answered without click or rich prints exactly what the full CLI prints."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from graph.pipeline import Project
from graph.cli import cli
from graph.fastpath import _parse, render_entity_table
from graph.lookup import describe_entity
from graph.render import render_entity


@pytest.mark.parametrize("columns", ["120", "80", "60"])
def test_every_drawable_table_is_identical(real_project, columns, monkeypatch):
    monkeypatch.setenv("COLUMNS", columns)
    index = Project(real_project).index()
    drawn = 0
    for entity in index.entities():
        record = describe_entity(index, entity["id"])
        table = render_entity_table(record)
        if table is not None:
            drawn += 1
            assert table == render_entity(record, "table")
    assert drawn > {"120": 50, "80": 20, "60": 5}[columns]


@pytest.mark.parametrize("columns", ["120", "50"])
@pytest.mark.parametrize("args", [["entity", "TNF-alpha"], ["entity", "tnf-α", "--format", "json"],
                                  ["entity", "--format=json", "insulin"], ["entity", "nosuchthing"],
                                  ["entity", "insulin"], ["entity", "TNFa"]])
def test_the_fast_entry_point_prints_what_the_cli_prints(built_mini, args, columns):
    import os

    expected = CliRunner().invoke(cli, ["--project", str(built_mini), *args], env={"COLUMNS": columns})
    done = subprocess.run([sys.executable, "-c", "from graph.fastpath import main; main()", *args],
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
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "from graph.fastpath import main; main()",
                           "entity", "insulin"], cwd=built_mini, capture_output=True, text=True)
    modules = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert not {m.split(".")[0] for m in modules} & {"rdflib", "yaml", "pyoxigraph", "click", "rich", "networkx"}
