"""Property-based tests (hypothesis): the extractor, name folding and entity name resolution never
break their promises. (Path search: tests/pathways/test_properties_paths.py.)"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from graph.sources.extract import extract_document
from graph.model.names import fold

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


# --- entity name resolution ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def names_index(real_project):
    """The real build's index, and every (name, entity id) of its entities."""
    from graph.project import Project

    index = Project(real_project).index()
    pairs = sorted((name, e["id"]) for e in index.entities() for name in (e["label"], *e.get("synonyms", [])))
    yield real_project, index, pairs
    index.close()


def _greek_spelled(text: str) -> str:
    out = []
    for char in text:
        name = unicodedata.name(char, "")
        out.append(name.split()[-1].lower() if name.startswith("GREEK ") and "LETTER" in name else char)
    return "".join(out)


@st.composite
def respellings(draw, name: str) -> str:
    """Another way to write a name: random case, Greek letters spelled out or not, the
    separators swapped, stray spaces around it."""
    text = _greek_spelled(name) if draw(st.booleans()) else name
    text = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in text) if text.isascii() else (
        text.upper() if draw(st.booleans()) else text.lower() if draw(st.booleans()) else text)
    separator = draw(st.sampled_from(["-", " ", "", "_", " - "]))
    text = re.sub(r"[\s\-_]+", separator, text)
    return draw(st.sampled_from(["", " ", "  "])) + text + draw(st.sampled_from(["", " ", "\t"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_every_spelling_of_every_name_resolves_to_its_entity(names_index, data):
    _project, index, pairs = names_index
    name, entity_id = data.draw(st.sampled_from(pairs), label="name")
    spelled = data.draw(respellings(name), label="spelled")
    assume(fold(spelled) == fold(name))  # a respelling that changes the letters is another name
    assert index.resolve(spelled) == entity_id


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=40).filter(lambda t: "\x00" not in t and not t.startswith("-")))
def test_any_text_as_an_entity_name_is_an_answer_or_one_clean_error(names_index, text):
    from click.testing import CliRunner

    from graph.cli.commands import cli

    project, _index, _pairs = names_index
    result = CliRunner().invoke(cli, ["--project", str(project), "entity", text, "--format", "json"])
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), lines
    else:
        assert result.stderr == ""
