"""`hkg ingest`: copy a new document in, report what extraction finds, draft candidates for curation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from graph.cli.commands import cli
from graph.errors import LoadError
from graph.curation.ingest import ingest_document, inflections, load_rules

ROOT = Path(__file__).resolve().parents[2]
NEW_PAGE = Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "Cortisol and Fat.txt"


@pytest.fixture
def project(mini_project: Path) -> Path:
    """The mini project with the repository's ingest rules and page format."""
    for name in ("ingest.yaml", "format.yaml"):
        shutil.copy(ROOT / "data" / name, mini_project / "data" / name)
    return mini_project


def run(project, *args):
    return CliRunner().invoke(cli, ["--project", str(project), *args])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_ingest_copies_the_document_and_writes_a_draft(project):
    result = run(project, "ingest", str(NEW_PAGE), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["document"] == "cortisol-and-fat" and report["status"] == "new"
    assert report["written"] == ["data/sources/cortisol-and-fat.txt", "data/drafts/cortisol-and-fat.yaml"]
    assert (project / "data/sources/cortisol-and-fat.txt").read_bytes() == NEW_PAGE.read_bytes()
    assert [s["id"] for s in report["sections"]] == [
        "overview", "overview/why-adiponectin-matters", "intermediate", "intermediate/references"]


def test_report_proposes_entities_definitions_studies_and_claims(project):
    report = ingest_document(NEW_PAGE, project / "data")
    glossary = {g.term: g for g in report.glossary}
    # a new entity: the lexicons name it, so it carries their identifiers and the first one's category
    assert glossary["Adiponectin"].candidate == "adiponectin" and glossary["Adiponectin"].category == "ChemicalEntity"
    adiponectin = next(e for e in report.entities if e.id == "adiponectin")
    assert ("CHEBI:81572", "adiponectin") in adiponectin.identifiers and adiponectin.origin == "glossary"
    assert glossary["insulin signaling"].entity == "insulin-signaling"  # a definition of an existing entity
    # mini.txt defines it too, and "cortisol-and-fat" sorts first: the report says so
    assert glossary["insulin signaling"].note.startswith("replaces the definition from mini")
    assert [(r.study, r.known, r.design) for r in report.references] == [
        ("roe-2021", False, "review"), ("poe-2022", False, "rct")]
    mentions = {m.entity: m.count for m in report.mentions}
    assert mentions["visceral-fat"] >= 4 and mentions["tnf-alpha"] == 2 and "pancreas" not in mentions
    claims = {(c.subject, c.object, c.sign, c.origin) for c in report.claims}
    assert ("insulin", "visceral-fat", 1, "sentence") in claims
    assert ("tnf-alpha", "insulin-signaling", -1, "sentence") in claims
    assert ("testosterone", "visceral-fat", -1, "table") in claims
    assert ("testosterone", "homa-ir", -1, "table") in claims  # "Improvement (decrease)": the parenthesis wins
    releases = next(c for c in report.claims if c.cue == "releases")
    assert (releases.direct, releases.aspect) == (True, "secretion")
    hedged = next(c for c in report.claims if c.cue == "lower")
    assert (hedged.certainty, hedged.hedge) == ("medium", "can")
    assert [s["text"].split()[0] for s in report.summaries] == ["Tesamorelin"]
    assert [i["line"] for i in report.images] == [9]
    assert report.problems == ()


def test_draft_entries_are_in_the_curated_files_form_and_build_when_accepted(project):
    from graph.project import Project
    from graph.pipeline.build import build

    ingest_document(NEW_PAGE, project / "data")
    draft = yaml.safe_load((project / "data/drafts/cortisol-and-fat.yaml").read_text(encoding="utf-8"))
    assert draft["document"] == "cortisol-and-fat" and len(draft["sha256"]) == 64
    before = build(Project(project))  # a draft never enters the graph
    assert (before.entities, before.claims, before.studies, before.documents) == (8, 6, 2, 2)
    # a curator accepts everything: entities, studies (designs guessed) and claims pass the checks
    data = project / "data"
    for name, key in (("entities.yaml", "entities"), ("studies.yaml", "studies"), ("claims.yaml", "claims")):
        entries = yaml.safe_load((data / name).read_text(encoding="utf-8")) + draft[key]
        (data / name).write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")
    after = build(Project(project))
    assert after.entities == 8 + len(draft["entities"]) and after.studies == 4
    assert after.claims == 6 + len(draft["claims"])
    index = Project(project).index()
    claim = index.claim("tnf-alpha-decreases-insulin-signaling-2")
    assert claim["document"] == "cortisol-and-fat" and claim["section"] == "overview/why-adiponectin-matters"


def test_reingesting_an_unchanged_document_changes_nothing(project):
    first = ingest_document(NEW_PAGE, project / "data")
    before = snapshot(project / "data")
    second = run(project, "ingest", str(NEW_PAGE))
    assert second.exit_code == 0, second.output
    assert "unchanged (same content); nothing written" in second.output
    assert snapshot(project / "data") == before
    again = ingest_document(NEW_PAGE, project / "data")
    assert again.status == "unchanged" and again.written == () and again.sha256 == first.sha256
    assert again.claims == first.claims


def test_a_different_document_under_the_same_id_needs_force(project, tmp_path):
    ingest_document(NEW_PAGE, project / "data")
    changed = tmp_path / "cortisol and fat.txt"
    changed.write_text(NEW_PAGE.read_text(encoding="utf-8").replace("Chronic stress", "Acute stress"),
                       encoding="utf-8")
    result = run(project, "ingest", str(changed))
    assert result.exit_code == 1
    assert result.output.startswith("error: data/sources/cortisol-and-fat.txt: a different document")
    replaced = ingest_document(changed, project / "data", force=True)
    assert replaced.status == "updated"
    assert "Acute stress" in (project / "data/sources/cortisol-and-fat.txt").read_text(encoding="utf-8")


def test_updating_a_curated_document_reports_quotes_it_would_lose(project, tmp_path):
    page = tmp_path / "mini.txt"
    page.write_text((project / "data/sources/mini.txt").read_text(encoding="utf-8")
                    .replace("High insulin drives", "High insulin promotes"), encoding="utf-8")
    report = ingest_document(page, project / "data", force=True)
    assert report.broken_quotes == ("insulin-increases-visceral-fat",)


def test_ingest_refuses_what_is_not_a_text_document(project, tmp_path):
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\xff\xfe\x00binary")
    result = run(project, "ingest", str(binary))
    assert result.exit_code == 1 and "not UTF-8" in result.output and "Traceback" not in result.output
    assert not (project / "data/sources/scan.txt").exists()


def test_without_rules_ingest_still_reports_and_says_why_no_claims(mini_project):
    report = ingest_document(NEW_PAGE, mini_project / "data")
    assert report.claims == ()
    assert any("data/ingest.yaml: not found" in p for p in report.problems)


def test_rules_come_from_data_and_are_checked_against_biolink(project):
    rules = load_rules(project / "data")
    assert ("reduces", -1) in rules.verbs and ("upregulating", 1) in rules.verbs
    path = project / "data/ingest.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  uptake:\n", "  intake:\n"), encoding="utf-8")
    with pytest.raises(LoadError, match="'intake' is not a Biolink aspect"):
        load_rules(project / "data")


def test_a_bare_on_or_no_in_the_rules_is_one_clear_line(project):
    """YAML reads a bare `on` or `no` as a boolean, which would silently drop the word."""
    path = project / "data/ingest.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("'on'", "on"), encoding="utf-8")
    with pytest.raises(LoadError, match=r"grammar: prepositions: true is not a word; quote it"):
        load_rules(project / "data")
    result = run(project, "ingest", str(NEW_PAGE))
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "data/ingest.yaml" in result.output and "true is not a word" in result.output


def test_occasion_names_must_map_a_word_to_a_name(project):
    path = project / "data/ingest.yaml"
    text = path.read_text(encoding="utf-8").replace("occasion_names: {age: aging}", "occasion_names: [age, aging]")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError, match=r"occasion_names: \['age', 'aging'\] is not a mapping"):
        load_rules(project / "data")
    result = run(project, "ingest", str(NEW_PAGE))
    assert result.exit_code != 0 and "Traceback" not in result.output and "occasion_names" in result.output


def test_inflections():
    assert inflections("interfere") == ("interfere", "interfered", "interferes", "interfering")
    assert inflections("block") == ("block", "blocked", "blocking", "blocks")


def test_table_report_lists_every_finding(project):
    result = run(project, "ingest", str(NEW_PAGE))
    assert result.exit_code == 0, result.output
    for text in ("sections (4)", "glossary (2)", "new entity adiponectin (ChemicalEntity)",
                 "definition of insulin-signaling", "proposed roe-2021 (review)", "tables (1)",
                 "candidate claims", "unmarked summary", "image alt text"):
        assert text in result.output, text
