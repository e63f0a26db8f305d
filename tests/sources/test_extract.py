"""The extractor on small documents written for the tests."""

from __future__ import annotations

from graph.sources.extract import extract_document, find_mentions, parse_reference

DOC = """Fundamentals
Insulin lowers blood sugar. Chronic excess drives visceral fat Meaning ∞ Visceral fat is fat stored deep in the abdomen. accumulation, a “vicious” cycle.
Estrogen supports insulin sensitivity Meaning ∞ Insulin sensitivity is how well cells respond to insulin.
TNF-α activates IKKβ, and the IR-β Meaning ∞ IR-β, or insulin receptor beta, is the signalling subunit. subunit is inhibited in turn.

A Heading Under Fundamentals
Testosterone Replacement Therapy Meaning ∞ Testosterone Replacement Therapy (TRT) is a treatment. (TRT) lowers fat.
Hormone | Effect | Note |
---|---|---|
Testosterone | Lowers VAT | Upregulates GLUT4 |
Estrogen | Prevents accumulation | Varies ∞ by route |
Intermediate
A short paragraph.
References
- Roe, R. “Cytokines ∞ a review.” Review Letters, vol. 2, 2019, pp. 10-20.
- Doe, J. and Poe, P. “Hormones.” Journal of Tests, vol. 1, no. 2, 2020, pp. 1-9.
Reflection
The end.
"""


def extract():
    return extract_document("doc", DOC)


def test_glossary_splice_mid_sentence_is_removed_from_clean_text():
    doc = extract()
    assert "drives visceral fat accumulation, a “vicious” cycle." in doc.clean_text
    assert "Meaning ∞" not in doc.clean_text
    entry = doc.glossary[0]
    assert (entry.term, entry.definition) == ("visceral fat", "Visceral fat is fat stored deep in the abdomen.")
    assert entry.line == 2


def test_glossary_splice_at_end_of_sentence_keeps_the_sentence_whole():
    doc = extract()
    assert "Estrogen supports insulin sensitivity.\n" in doc.clean_text
    assert doc.glossary[1].term == "insulin sensitivity"


def test_glossary_aliases_and_greek_terms():
    doc = extract()
    by_term = {g.term: g for g in doc.glossary}
    assert by_term["IR-β"].aliases == ("insulin receptor beta",)
    assert by_term["Testosterone Replacement Therapy"].aliases == ("TRT",)
    assert "the IR-β subunit is inhibited in turn." in doc.clean_text
    assert "Testosterone Replacement Therapy (TRT) lowers fat." in doc.clean_text


def test_sections_levels_and_headings():
    doc = extract()
    assert [(s.id, s.kind) for s in doc.sections] == [
        ("fundamentals", "level"),
        ("fundamentals/a-heading-under-fundamentals", "heading"),
        ("intermediate", "level"),
        ("intermediate/references", "references"),
        ("reflection", "level"),
    ]
    start, _ = doc.find_quote("lowers fat")
    assert doc.section_at(start).id == "fundamentals/a-heading-under-fundamentals"
    assert doc.section_at(doc.find_quote("The end.")[0]).id == "reflection"


def test_first_heading_other_than_a_known_level_starts_a_level():
    doc = extract_document("x", "Overview\nInsulin lowers blood sugar.\n")
    assert doc.sections[0].title == "Overview" and doc.sections[0].kind == "level"


def test_table_rows_are_records_traceable_to_lines():
    doc = extract()
    (table,) = doc.tables
    assert table.header == ("Hormone", "Effect", "Note")
    assert [row.line for row in table.rows] == [10, 11]
    assert table.rows[1].as_record(table.header) == {
        "Hormone": "Estrogen", "Effect": "Prevents accumulation", "Note": "Varies ∞ by route"}
    assert table.section == "fundamentals/a-heading-under-fundamentals"


def test_references_parse_with_and_without_issue_number():
    doc = extract()
    roe, doe = doc.references
    assert (roe.first_author, roe.title, roe.journal, roe.volume, roe.issue, roe.year, roe.pages) == (
        "Roe", "Cytokines ∞ a review", "Review Letters", "2", None, 2019, "10-20")
    assert doe.authors == ("Doe, J.", "Poe, P.") and doe.issue == "2" and not doe.et_al
    assert (roe.line, doe.line) == (15, 16)
    assert doc.problems == ()


def test_unparseable_reference_is_a_problem_with_its_line():
    doc = extract_document("x", "Fundamentals\nText.\nReferences\n- Just some words without a year\n")
    assert len(doc.problems) == 1 and doc.problems[0].line == 4
    assert "reference does not parse" in doc.problems[0].message


def test_stray_html_token_before_the_marker_is_dropped():
    doc = extract_document("x", "Fundamentals\nHigh insulin html Meaning ∞ Insulin is a hormone. levels harm.\n")
    assert "High insulin levels harm." in doc.clean_text
    assert doc.glossary[0].term == "insulin"


def test_find_quote_folds_whitespace_and_keeps_typographic_characters():
    doc = extract()
    span = doc.find_quote("drives visceral fat\n   accumulation, a “vicious” cycle")
    assert span is not None
    assert doc.clean_text[span[0]:span[1]] == "drives visceral fat accumulation, a “vicious” cycle"
    assert doc.find_quote("drives visceral fat accumulation, a \"vicious\" cycle") is None
    assert "visceral fat accumulation" in doc.closest_passage("drives visceral fat accumulated")


def test_mentions_by_label_and_synonym_section_by_section():
    doc = extract()
    mentions = find_mentions(doc, {"TNF-α": "tnf", "IKKβ": "ikk", "visceral fat": "vat", "VAT": "vat"})
    found = [(m.entity, m.text, m.section) for m in mentions]
    assert ("tnf", "TNF-α", "fundamentals") in found
    assert ("ikk", "IKKβ", "fundamentals") in found
    assert ("vat", "VAT", "fundamentals/a-heading-under-fundamentals") in found
    assert sum(1 for m in mentions if m.entity == "vat") == 2


def test_parse_reference_rejects_missing_year():
    assert parse_reference("Doe, J. “Title.” Journal, vol. 1, pp. 1-2.") is None


def test_fold_spells_and_folds_character_by_character():
    """fold's fast path (ASCII encoding with a handler) agrees with spelling out each character."""
    import random
    import unicodedata

    from graph.model.names import _NON_ALNUM, _greek_name, fold

    def reference(name):
        text = unicodedata.normalize("NFKC", name)
        spelled = "".join((_greek_name(c) if not c.isascii() else None) or c for c in text)
        return _NON_ALNUM.sub("", spelled.casefold())

    rng = random.Random(1)
    alphabet = "aZ 9-_αβΣςſİıßﬁ\u00a0\u0301ΐ①Ωµ\ud800" + "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(400))
    for _ in range(20000):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
        assert fold(name) == reference(name), name
