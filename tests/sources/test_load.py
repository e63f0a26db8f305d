"""Loading curated data: every problem is reported as file:line with the bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.model.records import StudyLink
from graph.sources.load import load_records

from editing import problems, replace


def test_mini_fixture_loads(mini_project):
    kb = load_records(mini_project / "data")
    assert len(kb.entities) == 8 and len(kb.claims) == 6 and len(kb.studies) == 2
    claim = next(c for c in kb.claims if c.id == "testosterone-decreases-visceral-fat")
    assert claim.sign == -1 and claim.context.population == "men"
    # "(Doe et al., 2020)" in the quote's paragraph: the document's own citation, found by the extractor
    assert claim.citations == (StudyLink("doe-2020", "document"),)
    by_id = {c.id: c for c in kb.claims}
    assert by_id["testosterone-decreases-homa-ir"].citations == (StudyLink(
        "doe-2020", "curator", "supports", "a trial of testosterone and visceral fat (title only)"),)
    # "[2]" in the paragraph ties Roe 2019 to both claims stated there
    assert by_id["tnf-alpha-decreases-insulin-signaling"].citations == (StudyLink("roe-2019", "document"),)
    assert by_id["visceral-fat-increases-tnf-alpha"].citations == (StudyLink("roe-2019", "document"),)
    assert by_id["insulin-increases-visceral-fat"].citations == ()
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
    import graph.sources.files

    monkeypatch.setattr(graph.sources.files, "MAX_SOURCE_BYTES", 100)
    assert any("the limit is 100" in m for m in problems(mini_project))


@pytest.mark.parametrize("file, old, new, expected", [
    ("claims.yaml", "  subject: insulin\n", "  subject: [insulin]\n",
     "data/claims.yaml:2: claim 'insulin-increases-visceral-fat': subject must be text, got ['insulin']"),
    ("claims.yaml", "  aspect: abundance\n", "  aspect: [abundance]\n",
     "data/claims.yaml:5: claim 'insulin-increases-visceral-fat': aspect ['abundance'] is not allowed"),
    ("claims.yaml", "    population: men\n", "    tissue: [liver]\n",
     "data/claims.yaml:24: claim 'testosterone-decreases-visceral-fat': context tissue must be text"),
    ("claims.yaml", "  quote: High insulin drives visceral fat accumulation.\n", "  quote: [High insulin]\n",
     "data/claims.yaml:7: claim 'insulin-increases-visceral-fat': quote must be text, got ['High insulin']"),
    ("claims.yaml", "  hedge: in some studies\n", "  hedge: {in: some}\n",
     "data/claims.yaml:33: claim 'testosterone-increases-insulin-sensitivity': hedge must be text, got {'in': 'some'}"),
    ("entities.yaml", "  category: Protein\n", "  category: [Protein]\n", "data/entities.yaml:7: unknown category ['Protein']"),
    ("entities.yaml", "  category: Protein\n", "  category: {}\n", "data/entities.yaml:7: unknown category {}"),
    ("entities.yaml", "  category: Protein\n", "  category: false\n", "data/entities.yaml:7: unknown category False"),
    ("entities.yaml", "  inverse_of: insulin-sensitivity\n", "  inverse_of: {a: b}\n",
     "data/entities.yaml:4: inverse_of must be text, got {'a': 'b'}"),
    ("entities.yaml", "  keep: true\n", "  keep: [true]\n", "data/entities.yaml:17: keep must be true or false, got [True]"),
    ("studies.yaml", "  document: mini\n", "  document: [mini]\n", "data/studies.yaml:2: document must be text, got ['mini']"),
    ("studies.yaml", "  design: rct\n", "  design: [rct]\n", "data/studies.yaml:5: design must be text, got ['rct']"),
    ("designs.yaml", "  label: randomized controlled trial\n", "  label: [x]\n",
     "data/designs.yaml:2: label must be text, got ['x']"),
], ids=["claim-subject", "claim-aspect", "claim-tissue", "claim-quote", "claim-hedge", "entity-category",
        "entity-category-mapping", "entity-category-false", "entity-inverse", "entity-keep",
        "study-document", "study-design", "design-label"])
def test_a_list_or_mapping_where_text_belongs_is_one_problem_on_its_line(mini_project, file, old, new, expected):
    """Not an internal error (an unhashable value looked up), and no cascade from it."""
    replace(mini_project / "data" / file, old, new)
    found = problems(mini_project)
    assert len(found) == 1 and found[0].startswith(expected), found


@pytest.mark.parametrize("file, text, expected", [
    ("xrefs.yaml", "entities: [CHEBI:1]\n", "data/xrefs.yaml: entities must map each id to its CURIEs, got ['CHEBI:1']"),
    ("xrefs.yaml", "entities:\n  insulin: 5\n", "data/xrefs.yaml: entities: the CURIEs of 'insulin' must be a mapping"),
    ("xrefs.yaml", "entities:\n  insulin:\n    CHEBI:5931: insulin\n  5: [CHEBI:1]\n",
     "data/xrefs.yaml: entities: 5 is not an id"),
    ("xrefs.yaml", "designs: 3\n", "data/xrefs.yaml: designs must map each id to its CURIEs, got 3"),
    ("xrefs.yaml", "designs:\n  rct: OBI:0000008\n", "data/xrefs.yaml: designs: the CURIEs of 'rct' must be a mapping"),
    ("xrefs.yaml", "designs:\n  rct: [OBI:0000008, 5]\n", "data/xrefs.yaml: bad CURIE 5 for 'rct'"),
    ("xrefs.yaml", "designs:\n  rct:\n    nosuchprefix:1: x\n", "data/xrefs.yaml: unknown prefix in 'nosuchprefix:1'"),
    # the documents cannot be read without their format: its problem alone, not an "unknown
    # document" for every claim and study that names one
    ("format.yaml", "levels: 3\n", "data/format.yaml: levels must be a list of words or phrases, got 3"),
    ("format.yaml", "glossary_marker: [x]\n", "data/format.yaml: glossary_marker must be text, got ['x']"),
    ("format.yaml", "image_alt_text: [1]\n", "data/format.yaml: image_alt_text must be a mapping, got [1]"),
    ("format.yaml", "image_alt_text:\n  threshold: abc\n", "data/format.yaml: image_alt_text: threshold must be"),
    ("format.yaml", "image_alt_text:\n  verb: [x]\n", "data/format.yaml: unknown key image_alt_text: 'verb'"),
    ("format.yaml", "7: x\n", "data/format.yaml: unknown key 7; known keys: glossary_marker, image_alt_text"),
], ids=["entities-list", "entity-number", "entity-id-number", "designs-number", "design-text", "design-curie-number",
        "design-unknown-prefix", "levels-number", "marker-list", "images-list", "threshold-text",
        "images-unknown-key", "unknown-key"])
def test_a_malformed_settings_file_is_one_problem(mini_project, file, text, expected):
    (mini_project / "data" / file).write_text(text, encoding="utf-8")
    found = problems(mini_project)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_study_must_match_one_reference(mini_project):
    replace(mini_project / "data/studies.yaml", "year: 2019", "year: 2018")
    (message,) = problems(mini_project)
    assert "0 references of 'mini' match Roe 2018" in message and "Roe 2019" in message


# --- the fast YAML reader and the chunking of list files (graph.sources.files) -------------------

import gc
import random

import yaml

import graph.sources.files
from graph.sources.files import _LOADER, _chunks, _entries, _fast_entries

ROOT = Path(__file__).resolve().parents[2]
LIST_FILES = sorted(p for folder in (ROOT / "data", ROOT / "tests/fixtures/mini/data")
                    for p in folder.glob("*.yaml") if p.name not in ("dataset.yaml", "format.yaml", "ingest.yaml", "xrefs.yaml"))


def _pyyaml(text: str):
    """What PyYAML makes of a chunk: (line, data, key lines) per entry, or "refused"."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
        if not isinstance(root, yaml.SequenceNode):
            return "refused"
        refused: list = []
        items = list(_entries(root, "f", refused))
    except yaml.YAMLError:
        return "refused"
    return "refused" if refused else [(e.line, e.data, e.key_lines) for e in items]


def _fast(text: str):
    entries = _fast_entries(text, 1, "f")
    return None if entries is None else [(e.line, e.data, e.key_lines) for e in entries]


@pytest.mark.parametrize("path", LIST_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_fast_reader_reads_the_curated_files_as_pyyaml_does(path):
    text = path.read_text(encoding="utf-8")
    fast = _fast(text)
    assert fast is not None, "the curated files are written in the plain subset"
    assert repr(fast) == repr(_pyyaml(text))  # repr: 1 and True differ


TRICKY = [
    "- id: a\n  on: yes\n  n: 0x1F\n  t: 1:30\n  o: 017\n  f: 1.5\n  e: 1e3\n  z: ~\n  d: 2001-01-01\n",
    "- id: a\n  quote: wrapped over\n    two lines | with a pipe\n   and three\n  next: b\n",
    "- id: a\n  context:\n    population: men\n    on: off\n  studies:\n  - s1\n  - 2\n  - 'q'\n",
    "- id: a\n  studies:\n    - s1\n    - s2\n",
    "- id: a\n  supports:\n  - study: s\n    basis: curator\n    rationale: a long\n      wrapped one\n"
    "  - study: t\n    basis: document\n  next: b\n",
    "- id: a\n  supports:\n    - study: s\n      basis: x\n    - t\n  k: v\n",
    "- id: a\n  supports:\n  - study: s\n  basis: x\n", "- id: a\n  s:\n  - k: v\n    k: w\n",
    "- id: a\n  s:\n  - k: v\n     j: w\n", "- id: a\n  s:\n  - k:\n    j: w\n",
    "- id: a\n  s:\n  - k: 'q: x'\n    j: \"y\"\n",
    "- id: a\n  k: \"quoted: # not a comment\"\n  j: 'single'\n",
    "- id: a\n  k: \"esc\\\"aped\"\n",
    "- id: a\n  k: a: b\n", "- id: a\n  k: a #c\n", "- id: a\n  k: value:\n", "- id: a\n  k: &x v\n",
    "- id: a\n  k: *x\n", "- id: a\n  k: !tag v\n", "- id: a\n  k: [a, b]\n", "- id: a\n  k: |\n    block\n",
    "- id: a\n  k: -x\n  j: - x\n", "- id: a\n\tk: v\n", "- id: a\n  k: v \n", "- id: a\n  k: v\n\n    w\n",
    "- id: a\n  k: v\n  # c\n    w\n", "- id: a\n  k:\n  j:\n", "- id: a\n  k:\n    x:\n", "- id: a\n  k: x\r\n",
    "- just a string\n", "- id: a\n   k: v\n", "- id: a\n  k: v\n - j: w\n", "- id: a\n  k: a\u2028b\n",
    "# lead\n\n- id: a  \n", "- id: a\n  k: v\n  k: w\n", "- id: a\n  <<: v\n", "- id: a\n  k: =\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_fast_reader_agrees_or_leaves_the_chunk_to_pyyaml(text):
    fast = _fast(text)
    assert fast is None or repr(fast) == repr(_pyyaml(text))


def test_fast_reader_agrees_on_mutated_entries():
    rng = random.Random(7)
    lines = "".join(p.read_text(encoding="utf-8") for p in LIST_FILES).split("\n")
    snippets = ["- ", "  ", "    ", ": ", ":", " #", "'", '"', "\\", "-", "? ", "on", "1", "0x1", "1:3",
                "~", "[a]", "&a ", "*a", "!x ", "|", "\t", "\n", "\n  ", "\n    ", "\n  - ", "é", ",", "%"]
    accepted = 0
    for _ in range(1500):
        start = rng.randrange(len(lines))
        text = "- id: x\n" + "\n".join(lines[start:start + rng.randrange(1, 12)]) + "\n"
        for _ in range(rng.randrange(0, 3)):
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice(snippets) + text[at:]
        fast = _fast(text)
        if fast is not None:
            accepted += 1
            assert repr(fast) == repr(_pyyaml(text)), text
    assert accepted > 300


def _chunks_line_by_line(path: Path, size: int):
    """The reference: the same chunks, found one line at a time."""
    block, first_line, entries = [], 1, 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if raw.startswith((b"- ", b"-\n", b"-\r")) or raw == b"-":
                if entries >= size:
                    yield first_line, b"".join(block)
                    block, first_line, entries = [], number, 0
                entries += 1
            elif raw[:1] not in (b" ", b"#") and raw.strip():
                yield None
                return
            block.append(raw)
    if block:
        yield first_line, b"".join(block)


def test_chunks_split_as_line_by_line_reading_does(tmp_path, monkeypatch):
    rng = random.Random(3)
    pieces = [b"- id: x\n", b"  k: v\n", b"# c\n", b"\n", b"-\n", b"-", b"- ", b"\tx\n", b"\r\n", b"-x\n",
              b"---\n", b" \n", b"-\r\n", b"  - a\n", b"\xef\xbb\xbf- a\n"]
    weights = [30, 30] + [1] * (len(pieces) - 2)
    path = tmp_path / "list.yaml"
    for _ in range(300):
        path.write_bytes(b"".join(rng.choices(pieces, weights, k=rng.randrange(0, 40))))
        for block_bytes in (1, 5, 1 << 20):
            monkeypatch.setattr(graph.sources.files, "BLOCK_BYTES", block_bytes)
            for size in (1, 3):
                assert list(_chunks(path, size)) == list(_chunks_line_by_line(path, size))


def test_loading_restores_the_garbage_collector(mini_project):
    assert gc.isenabled()
    load_records(mini_project / "data")
    assert gc.isenabled()
    replace(mini_project / "data/claims.yaml", "sign: 1", "sign: 2")
    problems(mini_project)
    assert gc.isenabled()


def test_dataset_keys_of_several_types_are_each_a_problem(mini_project):
    (mini_project / "data" / "dataset.yaml").write_text("issued: 2026-11-26\nmodified: 2026-12-02\n5: x\nfoo: y\n")
    assert problems(mini_project) == ["data/dataset.yaml:3: unknown key 5; known keys: issued, modified",
                                      "data/dataset.yaml:4: unknown key 'foo'; known keys: issued, modified"]
