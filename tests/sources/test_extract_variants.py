"""The publisher's page variants, each on a small document written for the test (tests/fixtures/variants)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from graph.sources.extract import DocumentFormat, extract_document, find_mentions

VARIANTS = Path(__file__).resolve().parents[1] / "fixtures" / "variants"
ROOT = Path(__file__).resolve().parents[2]


def extract(name: str):
    return extract_document(name, (VARIANTS / f"{name}.txt").read_text(encoding="utf-8"))


def folded(text: str) -> str:
    return " ".join(text.split())


def test_stray_html_token_before_the_marker_leaves_no_trace():
    doc = extract("stray-html")
    assert "html" not in doc.clean_text and "Meaning ∞" not in doc.clean_text
    assert "High insulin drives visceral fat accumulation." in doc.clean_text
    assert "Inflammation interferes with insulin signaling." in doc.clean_text
    assert [g.term for g in doc.glossary] == ["visceral fat", "insulin signaling"]
    assert doc.glossary[1].definition == "Insulin signaling describes how cells respond to insulin."


def test_infinity_as_a_dash_in_prose_and_titles_is_kept_and_splits_nothing():
    doc = extract("infinity-dash")
    assert "This suggests a dual benefit ∞ testosterone both removes inflammation" in doc.clean_text
    assert "The ratio matters ∞ a low value indicates better insulin sensitivity." in doc.clean_text
    assert [(g.term, g.line) for g in doc.glossary] == [("insulin sensitivity", 3)]
    singh, nass = doc.references
    assert singh.title == "Testosterone inhibits adipogenic differentiation ∞ a cell study"
    assert nass.title == "Effects of an oral ghrelin mimetic ∞ a randomized trial"
    assert doc.problems == ()
    assert doc.find_quote("a dual benefit ∞ testosterone both removes inflammation") is not None


def test_a_copy_with_its_splices_cut_out_reads_like_the_spliced_page():
    spliced, cut = extract("spliced"), extract("cut")
    assert cut.glossary == ()
    assert folded(cut.clean_text) == folded(spliced.clean_text)
    assert [(s.id, s.kind) for s in cut.sections] == [(s.id, s.kind) for s in spliced.sections]
    kinds = {(h.kind, h.line) for h in cut.holes}
    assert kinds == {("double space", 2), ("run-on sentence", 3), ("unterminated paragraph", 4)}
    assert "insulin signaling. Inflammation then rises." in cut.clean_text
    assert "Estrogen supports insulin sensitivity.\n" in cut.clean_text
    assert spliced.holes == ()
    # a quote curated on the spliced page is found on the cut copy too
    for quote in ("drives visceral fat accumulation, the start", "interfere with insulin signaling",
                  "Estrogen supports insulin sensitivity."):
        assert cut.find_quote(quote) is not None and spliced.find_quote(quote) is not None


def test_unmarked_one_sentence_summary_is_reported_and_kept_in_the_clean_text():
    doc = extract("unmarked-summary")
    (summary,) = doc.summaries
    assert summary.text == ("Tesamorelin generally maintains neutral insulin sensitivity while reducing "
                            "harmful visceral fat in non-HIV individuals.")
    assert summary.line == 2 and summary.section == "intermediate"
    assert doc.clean_text[summary.start:summary.end] == summary.text
    assert doc.find_quote("Tesamorelin generally maintains neutral insulin sensitivity") is not None
    # abbreviations ("e.g.", "vs.") are neither summaries nor holes
    assert [h.kind for h in doc.holes] == []


def test_the_real_document_has_exactly_its_one_unmarked_summary():
    text = (ROOT / "data/sources/hormonal-optimization-and-insulin-resistance.txt").read_text(encoding="utf-8")
    doc = extract_document("real", text)
    assert [(s.line, s.text.split()[0]) for s in doc.summaries] == [(35, "Tesamorelin")]
    assert doc.holes == () and doc.images == ()


def test_a_first_heading_other_than_fundamentals_opens_the_first_level():
    doc = extract("other-first-heading")
    assert [(s.id, s.kind, s.line) for s in doc.sections] == [
        ("understanding-metabolic-recalibration", "level", 3),
        ("understanding-metabolic-recalibration/how-hormones-shape-body-composition", "heading", 6),
        ("academic", "level", 8),
    ]
    assert doc.section_at(doc.find_quote("Insulin lowers blood sugar")[0]).id == "understanding-metabolic-recalibration"


def test_image_alt_text_is_recorded_and_never_a_heading():
    doc = extract("alt-text")
    assert [(i.line, i.text.split()[0]) for i in doc.images] == [(4, "A"), (7, "Close-up"), (10, "Image:")]
    assert [(s.title, s.kind) for s in doc.sections] == [("Fundamentals", "level"),
                                                         ("The Role of Estrogen", "heading")]
    start, _ = doc.find_quote("Visceral fat releases cytokines")
    assert doc.section_at(start).id == "fundamentals"
    image = doc.images[0]
    assert doc.clean_text[image.start:image.end] == image.text
    assert doc.holes == ()  # alt text without a final period is not a cut paragraph


def test_body_text_that_mentions_representing_is_not_alt_text():
    doc = extract_document("x", "Fundamentals\nInsulin resistance represents a breakdown in cellular "
                                "communication, representing a shift in how cells respond.\n")
    assert doc.images == ()


def test_reference_styles_are_parsed():
    doc = extract("reference-styles")
    assert doc.problems == ()
    found = [(r.kind, r.first_author, r.year, r.title.split()[0]) for r in doc.references]
    assert found == [("article", "Davis", 2016, "Testosterone"), ("book", "Guyton", 2016, "Textbook"),
                     ("article", "Wang", 1996, "Testosterone"), ("article", "Bhasin", 2018, "Testosterone"),
                     ("article", "Hotamisligil", 2006, "Inflammation")]
    davis, guyton, wang = doc.references[:3]
    assert davis.et_al and (davis.volume, davis.issue, davis.pages) == ("4", "6", "486-496")
    assert guyton.journal == "Elsevier" and guyton.authors == ("Guyton, Arthur C.", "John E. Hall")
    assert (wang.journal, wang.volume, wang.issue, wang.pages) == (
        "Journal of Clinical Endocrinology & Metabolism", "81", "10", "3578-3583")
    assert doc.references[4].pages == "860-867" and doc.references[4].doi == "10.1038/nature05485"
    bhasin = doc.references[3]  # Vancouver
    assert (bhasin.journal, bhasin.volume, bhasin.issue, bhasin.pages, bhasin.et_al) == (
        "J Clin Endocrinol Metab", "103", "5", "1715-1744", True)
    assert [s.kind for s in doc.sections] == ["level", "references", "level"]


def test_mentions_skip_nothing_in_variant_documents():
    doc = extract("alt-text")
    entities = {m.entity for m in find_mentions(doc, {"insulin": "insulin", "TNF-α": "tnf", "estrogen": "e2"})}
    assert entities == {"insulin", "tnf", "e2"}


def test_format_yaml_describes_the_default_format():
    """data/format.yaml and DocumentFormat's defaults must agree: the build reads only part of the
    file (levels, references, marker, stray tokens), ingest all of it."""
    data = yaml.safe_load((ROOT / "data/format.yaml").read_text(encoding="utf-8"))
    assert DocumentFormat.from_mapping(data) == DocumentFormat(), \
        "data/format.yaml and graph.sources.extract.DocumentFormat disagree; change both together"


@pytest.mark.parametrize("name", sorted(p.stem for p in VARIANTS.glob("*.txt")))
def test_every_variant_offsets_point_into_the_clean_text(name):
    doc = extract(name)
    for section in doc.sections:
        assert 0 <= section.start <= section.end <= len(doc.clean_text)
    for item in (*doc.summaries, *doc.images):
        assert doc.clean_text[item.start:item.end] == item.text
    for hole in doc.holes:
        assert 0 <= hole.start <= len(doc.clean_text)
