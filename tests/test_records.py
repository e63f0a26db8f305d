"""Loading curated data: every problem is reported as file:line with the bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import LoadError
from graph.records import load_records


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture no longer contains {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(project: Path) -> list[str]:
    with pytest.raises(LoadError) as caught:
        load_records(project / "data")
    return [str(p) for p in caught.value.problems]


def test_mini_fixture_loads(mini_project):
    kb = load_records(mini_project / "data")
    assert len(kb.entities) == 8 and len(kb.claims) == 6 and len(kb.studies) == 2
    claim = next(c for c in kb.claims if c.id == "testosterone-decreases-visceral-fat")
    assert claim.sign == -1 and claim.context.population == "men" and claim.studies == ("doe-2020",)
    assert claim.evidence.section == "fundamentals/testosterone-and-fat"
    assert kb.documents[0].clean_text[claim.evidence.start:claim.evidence.end] == claim.evidence.quote
    vat = next(e for e in kb.entities if e.id == "visceral-fat")
    assert vat.definition == "Visceral fat is fat stored around the internal organs."
    assert vat.definition_source == ("mini", "fundamentals")
    study = next(s for s in kb.studies if s.id == "doe-2020")
    assert study.reference.title == "Testosterone and visceral fat ∞ a trial"


def test_unknown_entity_in_claim_names_line_and_nearest(mini_project):
    replace(mini_project / "data/claims.yaml", "subject: tnf-alpha", "subject: tnf-alfa")
    (message,) = problems(mini_project)
    assert message.startswith("data/claims.yaml:")
    assert "unknown subject entity 'tnf-alfa'" in message and "did you mean 'tnf-alpha'" in message
    line = int(message.split(":")[1])
    assert "tnf-alfa" in (mini_project / "data/claims.yaml").read_text().splitlines()[line - 1]


def test_changed_quote_names_claim_and_closest_passage(mini_project):
    replace(mini_project / "data/claims.yaml", "Testosterone reduces visceral fat in men.",
            "Testosterone removes visceral fat in men.")
    (message,) = problems(mini_project)
    assert "claim 'testosterone-decreases-visceral-fat': quote not found" in message
    assert "closest passage: 'Testosterone reduces visceral fat in men.'" in message


def test_duplicate_id(mini_project):
    replace(mini_project / "data/entities.yaml", "- id: pancreas", "- id: insulin")
    messages = problems(mini_project)
    assert any("duplicate id 'insulin' (first at line" in m for m in messages)


def test_sign_outside_allowed_values(mini_project):
    replace(mini_project / "data/claims.yaml", "sign: 1", "sign: 2")
    (message,) = problems(mini_project)
    assert "sign 2 is not one of +1, -1, 0" in message and message.startswith("data/claims.yaml:4:")


def test_unknown_category_suggests_nearest(mini_project):
    replace(mini_project / "data/entities.yaml", "category: SmallMolecule", "category: SmallMolecul")
    (message,) = problems(mini_project)
    assert "unknown category 'SmallMolecul'" in message and "'SmallMolecule'" in message


def test_malformed_yaml_names_line(mini_project):
    replace(mini_project / "data/studies.yaml", "  year: 2020", "  year: [2020")
    (message,) = problems(mini_project)
    assert message.startswith("data/studies.yaml:") and "malformed YAML" in message


def test_every_problem_is_reported_not_just_the_first(mini_project):
    replace(mini_project / "data/claims.yaml", "subject: tnf-alpha", "subject: tnf-alfa")
    replace(mini_project / "data/claims.yaml", "sign: 1", "sign: 7")
    assert len(problems(mini_project)) == 2


def test_synonym_naming_two_entities_is_refused(mini_project):
    replace(mini_project / "data/entities.yaml", "  - VAT", "  - VAT\n  - TNF alpha")
    (message,) = problems(mini_project)
    assert "also names 'tnf-alpha'" in message


@pytest.mark.parametrize("content, expected", [
    (b"", "empty source document"),
    (b"Fundamentals\n\xff\xfe bad bytes\n", "not UTF-8"),
])
def test_bad_source_documents(mini_project, content, expected):
    (mini_project / "data/sources/bad.txt").write_bytes(content)
    assert any(expected in m and "data/sources/bad.txt" in m for m in problems(mini_project))


def test_oversized_source_document(mini_project, monkeypatch):
    import graph.sources

    monkeypatch.setattr(graph.sources, "MAX_SOURCE_BYTES", 100)
    assert any("the limit is 100" in m for m in problems(mini_project))


def test_study_must_match_one_reference(mini_project):
    replace(mini_project / "data/studies.yaml", "year: 2019", "year: 2018")
    (message,) = problems(mini_project)
    assert "0 references of 'mini' match Roe 2018" in message and "Roe 2019" in message
