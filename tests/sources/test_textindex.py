"""The batch text look-ups give exactly the answers of graph.sources.extract's reference functions."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from graph.sources.extract import extract_document, find_mentions
from graph.sources.load import load_records
from graph.sources.textindex import (_RUNS, MentionFinder, QuoteFinder, SectionLocator, _case_key, _fold_runs,
                                     find_mentions_fast)

ROOT = Path(__file__).resolve().parents[2]


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


def _repetitive_document():
    rng = random.Random(11)
    words = ["the", "of", "a", "the  cat", "sat\n\non", "α", "IL-6", "Insulin"]
    return extract_document("rep", "Fundamentals\n" + " ".join(rng.choice(words) for _ in range(3000)) + "\n")


@pytest.mark.parametrize("limit", [0, 1, 256])
def test_quotes_found_by_anchor_or_by_prefix_alike(monkeypatch, limit):
    """Quotes of common words only go through the prefix table: the answers do not change."""
    import graph.sources.textindex

    monkeypatch.setattr(graph.sources.textindex, "ANCHOR_LIMIT", limit)
    rng = random.Random(limit)
    for document in (_repetitive_document(), load_records(ROOT / "tests/fixtures/mini/data").documents[0]):
        text = document.clean_text
        quotes = [text[i:i + rng.randrange(1, 120)] for i in (rng.randrange(len(text)) for _ in range(300))]
        quotes += [" ".join(rng.choice(text.split()) for _ in range(rng.randrange(1, 6))) for _ in range(100)]
        quotes += [q.replace(" ", " \n\t ") for q in quotes[:40]]
        assert QuoteFinder(document).find_all(quotes) == [document.find_quote(q) for q in quotes]


def test_one_mention_finder_serves_every_document(kb):
    names = _names(kb)
    finder = MentionFinder(names)
    for document in (*kb.documents, _repetitive_document()):
        assert finder.find(document) == find_mentions(document, names)


def test_case_key_is_one_representative_per_ignorecase_class():
    import _sre
    from re._casefix import _EXTRA_CASES

    def reference(text):
        return "".join(chr(min((low := _sre.unicode_tolower(ord(c)), *_EXTRA_CASES.get(low, ())))) for c in text)

    key = _case_key()
    rng = random.Random(2)
    pool = "aAbΣσςİıKkſsµΜμ ΑΣ-ǅǄ" + "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(300))
    for _ in range(5000):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(0, 12)))
        assert key(text) == reference(text), text


def test_whitespace_runs_fold_as_the_regex_folds_them():
    """_fold_runs (split and join) is ``_RUNS.sub(" ", text)``, odd whitespace and edges included."""
    rng = random.Random(7)
    alphabet = [" ", "\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x85", "\xa0", "\u2028", "\u3000", "\u200b", "a", "β"]
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        assert _fold_runs(text) == _RUNS.sub(" ", text), repr(text)
