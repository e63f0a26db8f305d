"""The hkg command line, through click's CliRunner: exit codes and what a user reads."""

from __future__ import annotations

import json

from click.testing import CliRunner

from graph.cli.commands import cli


def run(project, *args):
    return CliRunner().invoke(cli, ["--project", str(project), *args])


def test_build_reports_counts_and_exports(mini_project):
    result = run(mini_project, "build")
    assert result.exit_code == 0, result.output
    assert "built 8 entities, 6 claims, 2 studies from 1 document(s)" in result.output
    assert (mini_project / "exports" / "hormone-kg.ttl").exists()


def test_build_with_bad_data_is_one_line_per_problem_and_exit_1(mini_project):
    claims = mini_project / "data/claims.yaml"
    claims.write_text(claims.read_text().replace("subject: tnf-alpha", "subject: tnf-alfa"))
    result = run(mini_project, "build")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: data/claims.yaml:")
    assert not (mini_project / "exports").exists() and not (mini_project / ".hkg" / "current").exists()


def test_entity_by_greek_spelling_json(built_mini):
    for name in ("TNF-alpha", "tnf-α", "TNF α", "Tumor Necrosis Factor-alpha", "entity:tnf-alpha",
                 "https://w3id.org/hormone-kg/entity/tnf-alpha"):
        result = run(built_mini, "entity", name, "--format", "json")
        assert result.exit_code == 0, (name, result.output)
        record = json.loads(result.output)
        assert record["id"] == "tnf-alpha" and record["label"] == "TNF-α"
        assert record["synonyms"] == ["TNF-alpha", "Tumor Necrosis Factor-alpha"]
        assert (record["claims_in"], record["claims_out"]) == (1, 1)


def test_entity_table_shows_definition_and_source(built_mini):
    result = run(built_mini, "entity", "visceral fat")
    assert result.exit_code == 0
    assert "Visceral fat is fat stored around the internal organs." in result.output
    assert "Fundamentals" in result.output


def test_unknown_entity_exits_2_with_did_you_mean(built_mini):
    result = run(built_mini, "entity", "testosteron")
    assert result.exit_code == 2
    assert result.output.strip() == "error: no entity named 'testosteron' in this graph; the closest name is: testosterone"


def test_evidence_json_has_quote_place_and_studies(built_mini):
    result = run(built_mini, "evidence", "testosterone-decreases-visceral-fat", "--format", "json")
    assert result.exit_code == 0
    record = json.loads(result.output)
    assert record["quote"] == "Testosterone reduces visceral fat in men."
    assert record["section"] == "fundamentals/testosterone-and-fat"
    assert record["context"] == {"population": "men"}
    assert [s["id"] for s in record["studies"]] == ["doe-2020"]
    assert record["studies"][0]["title"] == "Testosterone and visceral fat ∞ a trial"


def test_evidence_marks_unsupported_claim(built_mini):
    result = run(built_mini, "evidence", "insulin-increases-visceral-fat")
    assert "the document cites no study for this claim" in result.output


def test_commands_before_build_say_so(mini_project):
    result = run(mini_project, "entity", "insulin")
    assert result.exit_code == 1
    assert "run `hkg build` first" in result.output


def test_console_script_never_prints_a_traceback(mini_project, capsys):
    import pytest
    from graph.cli.commands import main

    with pytest.raises(SystemExit) as caught:
        main(["--project", str(mini_project), "evidence", "nothing"])
    assert caught.value.code == 1
    assert "Traceback" not in capsys.readouterr().err


# --- small surprises (issue 19) ---------------------------------------------------------------

def test_outside_a_project_the_error_says_how_to_get_there(tmp_path):
    result = run(tmp_path, "entity", "insulin")
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: no build found in {tmp_path.resolve() / '.hkg'}; run `hkg build` first in the project "
        f"folder (there is no data/ in {tmp_path.resolve()}: cd into the project or pass --project DIR)")


def test_export_writes_into_the_projects_exports_not_the_current_folder(built_mini, tmp_path, monkeypatch):
    import shutil

    project = tmp_path / "mini"
    shutil.copytree(built_mini, project, symlinks=True)
    monkeypatch.chdir(tmp_path)
    before = (project / "exports" / "hormone-kg.ttl").read_bytes()
    result = run(project, "export", "--format", "turtle")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mini"], "nothing written into the current folder"
    assert (project / "exports" / "hormone-kg.ttl").read_bytes() == before, "the same bytes the build wrote"
    printed = CliRunner().invoke(cli, ["--project", str(project), "export", "--format", "ttl", "-o", "-"])
    assert printed.exit_code == 0 and printed.stdout_bytes == before
    refused = run(project, "export", "--format", "kgx-tsv", "-o", "-")
    assert refused.exit_code == 2
    assert refused.output.startswith("error: kgx-tsv writes 2 files (hormone-kg_nodes.tsv, hormone-kg_edges.tsv); give -o DIR")


def test_evidence_shows_the_predicate_label_and_a_readable_title(built_mini):
    table = run(built_mini, "evidence", "testosterone-decreases-visceral-fat")
    assert "negatively regulates (RO:0002212)" in table.output
    assert "Testosterone and visceral fat: a trial" in table.output and "∞" not in table.output
    record = json.loads(run(built_mini, "evidence", "testosterone-decreases-visceral-fat", "--format", "json").output)
    assert record["predicate"] == "RO:0002212"
    assert record["studies"][0]["title"] == "Testosterone and visceral fat ∞ a trial", "JSON stays verbatim"


def test_a_quote_with_the_publishers_infinity_reads_as_a_colon_and_says_so(real_project):
    table = run(real_project, "evidence", "testosterone-decreases-inflammation")
    assert "“This suggests a dual benefit: testosterone both removes" in table.output
    assert "--format json gives it verbatim" in table.output
    record = json.loads(run(real_project, "evidence", "testosterone-decreases-inflammation", "--format", "json").output)
    assert "dual benefit ∞ testosterone" in record["quote"]
    route = run(real_project, "paths", "testosterone", "inflammation", "--max-length", "1")
    assert "dual benefit: testosterone" in route.output and "∞" not in route.output


def test_make_demo_installs_once(tmp_path):
    import os
    import shutil
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for name in ("Makefile", "pyproject.toml", "graph/pathways/_search.c"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / name, tmp_path / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").touch()

    def planned() -> str:
        return subprocess.run(["make", "-n", "demo"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout

    installed = tmp_path / ".venv" / ".installed"
    assert "pip install --quiet -e ." in planned()
    installed.touch()
    assert "pip install" not in planned() and "hkg build" in planned()
    # only the compiled search changed since: installed again, so no extension of older source runs
    os.utime(tmp_path / "pyproject.toml", (1, 1))
    os.utime(installed, (2, 2))
    assert "pip install --quiet -e ." in planned()


def test_a_table_quote_reads_as_row_and_columns(real_project, tmp_path):
    import shutil

    from graph.project import Project

    index = Project(real_project).index()
    claim = next(c["claim"] for c in index.claims()
                 if c["quote"].startswith("Transdermal Estradiol | Prevents accumulation | General reduction"))
    args = ["evidence", claim]
    result = CliRunner().invoke(cli, ["--project", str(real_project), *args], env={"COLUMNS": "250"})
    assert ("[table] Therapeutic Agent: Transdermal Estradiol · Effect on Visceral Adipose Tissue (VAT): "
            "Prevents accumulation · Impact on Inflammatory Cytokines (TNF-α, IL-6): General reduction") in result.output
    assert "each cell shown with its column header" in result.output
    record = json.loads(run(real_project, *args, "--format", "json").output)
    assert record["quote"].startswith("Transdermal Estradiol | Prevents accumulation | General reduction")
    assert record["table_columns"] == ["Therapeutic Agent", "Effect on Visceral Adipose Tissue (VAT)",
                                       "Impact on Inflammatory Cytokines (TNF-α, IL-6)", "Resulting Change in HOMA-IR"]
    prose = json.loads(run(real_project, "evidence", "testosterone-decreases-inflammation", "--format", "json").output)
    assert prose["table_columns"] is None
    # a document edited since the build is not the text the offsets point into: the quote stays verbatim
    copy = tmp_path / "project"
    shutil.copytree(real_project, copy, symlinks=True)
    source = next((copy / "data" / "sources").glob("*.txt"))
    source.write_text("A new first line.\n" + source.read_text(encoding="utf-8"), encoding="utf-8")
    stale = CliRunner().invoke(cli, ["--project", str(copy), *args], env={"COLUMNS": "250"})
    assert "“Transdermal Estradiol | Prevents accumulation" in stale.output and "[table]" not in stale.output


def test_square_brackets_in_the_data_are_shown_not_read_as_markup(built_mini):
    result = run(built_mini, "sparql", 'SELECT ("[b]x[/b] [table] [1]" AS ?v) WHERE {}')
    assert result.exit_code == 0 and "│ [b]x[/b] [table] [1] │" in result.output
