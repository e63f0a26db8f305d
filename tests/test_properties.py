"""Property-based tests (hypothesis): the extractor and name folding never break their promises."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from graph.extract import extract_document
from graph.names import fold

WORDS = st.sampled_from(["insulin", "TNF-α", "IKKβ", "fat", "the", "cells", "“locks”", "∞", "GLUT4",
                         "|", "-", "Meaning", "html", "e.g.", "(TRT)", "lowers", "Testosterone", "α"])
SENTENCE = st.lists(WORDS, min_size=1, max_size=12).map(lambda ws: " ".join(ws) + ".")
SPLICE = st.tuples(st.lists(WORDS, min_size=1, max_size=3), SENTENCE).map(
    lambda t: " ".join(t[0]) + " Meaning ∞ " + t[1])
LINE = st.lists(st.one_of(SENTENCE, SPLICE), min_size=1, max_size=4).map(" ".join)
DOCUMENT = st.lists(st.one_of(LINE, st.just(""), st.just("References"), st.just("A Heading"),
                              st.just("- Doe, J. “T.” J, vol. 1, 2020, pp. 1-2.")),
                    min_size=1, max_size=12).map(lambda lines: "Fundamentals\n" + "\n".join(lines))


@settings(max_examples=200, deadline=None)
@given(DOCUMENT)
def test_extractor_never_fails_and_removes_every_splice(text):
    doc = extract_document("d", text)
    assert "Meaning ∞" not in doc.clean_text
    assert len(doc.glossary) == text.count("Meaning ∞")
    for section in doc.sections:
        assert 0 <= section.start <= section.end <= len(doc.clean_text)


@settings(max_examples=200, deadline=None)
@given(DOCUMENT, st.data())
def test_every_passage_of_the_clean_text_is_found_where_it_is(text, data):
    doc = extract_document("d", text)
    clean = doc.clean_text
    start = data.draw(st.integers(0, max(0, len(clean) - 1)))
    end = data.draw(st.integers(start, len(clean)))
    passage = clean[start:end]
    if not passage.strip():
        return
    span = doc.find_quote(passage)
    assert span is not None
    assert " ".join(clean[span[0]:span[1]].split()) == " ".join(passage.split())


@given(st.text(max_size=30))
def test_fold_is_idempotent_and_ignores_case_and_punctuation(name):
    key = fold(name)
    assert fold(key) == key
    assert fold(name.upper()) == fold(name.lower()) or not name.isascii()
    assert fold(f"-{name} ") == key


@given(st.sampled_from(["α", "β", "γ", "κ"]), st.text(alphabet="abcdefXYZ-", max_size=8))
def test_greek_letters_fold_like_their_names(letter, stem):
    import unicodedata

    spelled = unicodedata.name(letter).split()[-1].lower()
    assert fold(stem + letter) == fold(stem + "-" + spelled)
