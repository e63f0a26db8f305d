"""The batch text look-ups give exactly the answers of graph.extract's reference functions."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from graph.extract import extract_document, find_mentions
from graph.records import load_records
from graph.textindex import QuoteFinder, SectionLocator, find_mentions_fast

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", params=["data", "tests/fixtures/mini/data"])
def kb(request):
    return load_records(ROOT / request.param)


def _names(kb):
    names = {}
    for entity in kb.entities:
        for name in (entity.label, *entity.synonyms):
            names.setdefault(name, entity.id)
    return names


def test_mentions_match_the_reference(kb):
    names = _names(kb)
    for document in kb.documents:
        assert find_mentions_fast(document, names) == find_mentions(document, names)


def _outcome(function, *args):
    try:
        return function(*args)
    except Exception as error:  # the same failure counts as the same answer
        return type(error), error.args


@pytest.mark.parametrize("text", [
    "TNF-α and tnf-alpha, IL-6-like IL-6; ΣIGMA ſtress Kelvin-K and ins.",
    # 'İ' matches 'i' under re.IGNORECASE but casefolds to 'i̇': the reference raises KeyError
    "İnsulin and insulin.",
])
def test_mentions_match_on_tricky_text(text):
    doc = extract_document("d", "Fundamentals\n" + text + "\n")
    names = {"TNF-α": "tnf", "TNF-alpha": "tnf", "IL-6": "il6", "σigma": "s", "stress": "st",
             "insulin": "ins", "k": "k", "Ins": "x"}
    assert _outcome(find_mentions_fast, doc, names) == _outcome(find_mentions, doc, names)


def test_quotes_and_sections_match_the_reference(kb):
    rng = random.Random(5)
    for document in kb.documents:
        text = document.clean_text
        quotes = [text[i:i + rng.randrange(1, 90)] for i in (rng.randrange(len(text)) for _ in range(400))]
        quotes += ["not in the text at all", "", "   ", text[:40], text[-30:]]
        assert QuoteFinder(document).find_all(quotes) == [document.find_quote(q) for q in quotes]
        locator = SectionLocator(document)
        for offset in range(0, len(text) + 2, 7):
            assert locator.section_at(offset) == document.section_at(offset)
