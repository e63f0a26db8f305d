"""The fuzz harness stays runnable, and what the fuzzer once found stays fixed.

fuzz/fuzz_extract.py checks the extractor's promises on one input; here its checks run (without
atheris) on every saved finding in fuzz/regressions/ and on the seed corpus it builds from the
real documents and fixtures. A short real atheris run is `make fuzz` (docs/fuzzing.md).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from graph.sources.extract import extract_document, parse_reference

HARNESS = Path(__file__).resolve().parent.parent / "fuzz" / "fuzz_extract.py"


def load_harness():
    spec = importlib.util.spec_from_file_location("fuzz_extract", HARNESS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


harness = load_harness()
FINDINGS = sorted(p for p in harness.REGRESSIONS.iterdir() if p.is_file())


@pytest.mark.parametrize("finding", FINDINGS, ids=[p.name for p in FINDINGS])
def test_saved_findings_keep_every_promise(finding):
    harness.test_one_input(finding.read_bytes())


def test_the_seed_corpus_keeps_every_promise(tmp_path):
    assert harness.seed(tmp_path / "corpus") > 5
    assert harness.seed(tmp_path / "corpus") == 0  # a corpus is seeded once
    for seed in sorted((tmp_path / "corpus").iterdir()):
        harness.test_one_input(seed.read_bytes())


def test_a_reference_that_names_no_author_does_not_parse():
    """Found by the fuzzer: a citation wrapped onto a second line left a remnant that parsed as a
    reference with no authors; now it is a located problem, like any reference that does not parse."""
    assert parse_reference(". “Title of it.” Endocrinology, vol. 294, no. 1, 2006, pp. 145-150.") is None
    assert parse_reference("et al. “Title of it.” Endocrinology 81.10 (1996): 3578-3583.") is None
    text = ("Fundamentals\nTestosterone lowers visceral fat.\nReferences\n"
            "- Singh, R. et al\n. “Testosterone inhibits adipogenic differentiation.” Endocrinology, "
            "vol. 294, no. 1, 2006, pp. 145-150.\n")
    document = extract_document("d", text, path="data/sources/d.txt")
    assert document.references == ()
    assert [str(p) for p in document.problems] == [
        "data/sources/d.txt:4: reference does not parse: '- Singh, R. et al'",
        "data/sources/d.txt:5: reference does not parse: '. “Testosterone inhibits adipogenic "
        "differentiation.” Endocrinology, vol. 294, n'"]
