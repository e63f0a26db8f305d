"""In-text citations: which references a document itself ties to a passage (graph.sources.citations)."""

from __future__ import annotations

import pytest

from graph.sources.citations import citations_by_paragraph, cited_in, find_citations
from graph.sources.extract import extract_document

REFERENCES = """References
- Ryan, A. S. “Hormone replacement therapy and insulin sensitivity.” Diabetes Care, vol. 25, no. 1, 2002, pp. 127-133.
- Kapoor, D. et al. “Testosterone replacement therapy improves insulin resistance.” Eur J Endocrinol, vol. 154, no. 6, 2006, pp. 899-906.
- Dhindsa, S. et al. “Insulin resistance and inflammation.” Diabetes Care, vol. 39, no. 1, 2016, pp. 82-91.
"""


def _doc(body: str, references: str = REFERENCES):
    return extract_document("d", "Fundamentals\n" + body + "\n" + references)


def _found(body: str, references: str = REFERENCES):
    return [(c.reference, c.style) for c in find_citations(_doc(body, references))]


@pytest.mark.parametrize("body, expected", [
    ("TRT lowers insulin resistance [2].", [(2, "numbered")]),
    ("TRT lowers it [1, 3].", [(1, "numbered"), (3, "numbered")]),
    ("TRT lowers it [1-3].", [(1, "numbered"), (2, "numbered"), (3, "numbered")]),
    ("TRT lowers it [7].", []),  # no seventh reference: not a citation
    ("TRT lowers insulin resistance.² It also lowers IL-6.¹⁻³",
     [(2, "superscript"), (1, "superscript"), (2, "superscript"), (3, "superscript")]),
    ("A BMI over 30 kg/m² is obese.", []),  # a unit, not a citation
    ("Calcium (Ca²⁺) and zinc (Zn²⁺) enter.", []),  # charges
    ("It was 1.5×10⁻³ mol, or kg·m⁻², with r² of 0.9 and E=mc².", []),  # exponents
    ("Insulin resistance rises³, as shown.", [(3, "superscript")]),
    ("Kapoor et al.\n2006 is on the next line.", []),  # a year on the next line is not this citation
    ("Kapoor et al. (2006) found it.", [(2, "author-year")]),
    ("It fell (Dhindsa et al., 2016; Ryan 2002).", [(3, "author-year"), (1, "author-year")]),
    ("Kapoor et al. (2009) found it.", []),  # wrong year
    ("Kapoorian 2006 is another name.", []),  # a longer word is not the surname
])
def test_citation_styles(body, expected):
    assert _found(body) == expected


def test_the_reference_list_itself_cites_nothing():
    assert _found("No citations here.") == []


def test_numbers_follow_the_printed_numbers_of_a_numbered_list():
    numbered = ("References\n[2] Kapoor, D. et al. “Two.” Eur J Endocrinol, vol. 1, no. 1, 2006, pp. 1-2.\n"
                "[1] Ryan, A. S. “One.” Diabetes Care, vol. 1, no. 1, 2002, pp. 1-2.\n")
    doc = _doc("Insulin falls [1].", numbered)
    (citation,) = find_citations(doc)
    reference = next(r for r in doc.references if r.index == citation.reference)
    assert reference.first_author == "Ryan"


def test_a_citation_ties_every_quote_of_its_paragraph_and_no_other():
    doc = _doc("TNF-α blocks insulin signaling. Visceral fat makes it [3].\nTestosterone builds muscle.")
    paragraphs = citations_by_paragraph(doc)
    assert cited_in(doc, paragraphs, *doc.find_quote("TNF-α blocks insulin signaling")) == {3}
    assert cited_in(doc, paragraphs, *doc.find_quote("Visceral fat makes it")) == {3}
    assert cited_in(doc, paragraphs, *doc.find_quote("Testosterone builds muscle")) == set()
