"""The child that checks the shapes and writes the RDF exports while the build writes its index."""

from __future__ import annotations

import pytest

from graph.errors import CacheError, ShapeError
from graph.pipeline.beside import checks_and_rdf_exports

ENTITY = "<https://w3id.org/hormone-kg/entity/a>"
CATEGORY = "<https://w3id.org/biolink/vocab/category> <https://w3id.org/biolink/vocab/SmallMolecule> .\n"
LABEL = '<http://www.w3.org/2000/01/rdf-schema#label> "a" .\n'


@pytest.fixture
def conforming(tmp_path):
    nt = tmp_path / "graph.nt"
    nt.write_text(f"{ENTITY} {CATEGORY}{ENTITY} {LABEL}")
    return nt


@pytest.fixture
def violating(tmp_path):
    nt = tmp_path / "graph.nt"
    nt.write_text(f"{ENTITY} {CATEGORY}")  # an entity without its label
    return nt


def test_the_rdf_exports_are_written_beside_the_body(conforming, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with checks_and_rdf_exports(conforming, out, ["turtle", "kgx-tsv", "n-triples"]):
        pass  # the table formats are the parent's
    assert sorted(p.name for p in out.iterdir()) == ["hormone-kg.nt", "hormone-kg.ttl"]
    assert (out / "hormone-kg.nt").read_bytes() == conforming.read_bytes()
    assert '"a"' in (out / "hormone-kg.ttl").read_text()


def test_a_violation_is_the_shape_error_with_its_lines(violating):
    with pytest.raises(ShapeError) as caught:
        with checks_and_rdf_exports(violating, None, ["turtle"]):
            pass
    assert caught.value.violations == ("SHACL validation failed: entity:a: rdfs:label an entity needs exactly "
                                       "one rdfs:label",)


def test_a_violation_outranks_what_it_broke_in_the_body(violating):
    with pytest.raises(ShapeError, match="needs exactly one rdfs:label") as caught:
        with checks_and_rdf_exports(violating, None, []):
            raise KeyError("the index writer tripped on the malformed graph")
    assert isinstance(caught.value.__context__, KeyError)


def test_the_body_fails_alone_when_the_graph_conforms(conforming):
    with pytest.raises(KeyError, match="the body's own"):
        with checks_and_rdf_exports(conforming, None, []):
            raise KeyError("the body's own")


def test_a_failed_export_is_one_line(conforming, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(CacheError, match=r"^the build's shape checks or RDF exports failed: \w+Error: [^\n]*$"):
        with checks_and_rdf_exports(conforming, tmp_path / "a-file", ["turtle"]):
            pass


def test_an_interrupt_stops_the_child_without_asking_its_verdict(violating):
    # were the verdict asked, the shape error would replace the interrupt (after the checks ran)
    with pytest.raises(KeyboardInterrupt):
        with checks_and_rdf_exports(violating, None, []):
            raise KeyboardInterrupt
