"""The query library on the real data: every question's answer, and the same answer everywhere.

Expected answers are computed independently from the lookup index (plain Python over the claim,
entity and study records), so each test checks the SPARQL against the data rather than against a
frozen copy of itself; a few facts of the source document anchor them (TRT lowers TNF-α, which
disrupts insulin signaling; Kapoor 2006 is an RCT ...).
"""

from __future__ import annotations

import shlex
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.project import Project
from graph.cli.commands import cli
from graph.sparql.library import BUILTIN, list_queries
from graph.sparql.params import Resolver, bind_parameters
from graph.model.vocab import net_sign
from graph.sparql.remote import query_endpoint
from graph.sparql.results import compact_term
from graph.sparql.query import answer_query
from graph.sparql.syntax import projected_variables, variables
from graph.sparql.store import open_store, run_query
from sparql_servers import hkg_server, oxigraph_server

LIBRARY = list_queries()
NAMES = [entry.name for entry in LIBRARY]


def local(term) -> str | None:
    """The last segment of an IRI (an entity, claim or study id), or a literal's value."""
    if term is None:
        return None
    return term.value.rsplit("/", 1)[-1] if type(term).__name__ == "NamedNode" else term.value


def example_params(entry) -> list[str]:
    words = shlex.split(entry.example)
    return [words[i + 1] for i, word in enumerate(words) if word == "--param"]


@pytest.fixture(scope="module")
def project(real_project):
    return Project(real_project)


@pytest.fixture(scope="module")
def index(project):
    return project.index()


@pytest.fixture(scope="module")
def claims(index):
    return list(index.claims())


@pytest.fixture(scope="module")
def entities(index):
    return {record["id"]: record for record in index.entities()}


def ask(project, name, **params):
    """Run a library query on the embedded store; rows as dicts of local names / values."""
    result, _ = answer_query(project, name, [f"{key}={value}" for key, value in params.items()])
    if result.kind != "bindings":
        return result
    return [dict(zip(result.variables, (local(term) for term in row))) for row in result.rows]


# --- the library itself ---------------------------------------------------------------------

def test_the_library_covers_the_researchers_questions():
    assert len(LIBRARY) >= 15
    for required in ("what-increases", "what-decreases", "claim-evidence", "unsupported-claims",
                     "claims-by-study-design", "claims-in-population", "claims-by-timescale",
                     "two-step-mechanisms", "conflicting-claims", "entities-by-category", "synonyms",
                     "quotes-from-section", "identifiers-by-source", "dataset-statistics"):
        assert required in NAMES
    assert {entry.form for entry in LIBRARY} == {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


@pytest.mark.parametrize("entry", LIBRARY, ids=NAMES)
def test_each_query_has_a_header_and_sound_parameters(entry):
    assert entry.path.parent == BUILTIN
    assert entry.question.endswith(("?", ".")), f"{entry.path}: the header needs a Question:"
    assert entry.example.startswith(f"hkg sparql {entry.name}"), f"{entry.path}: the header needs an Example:"
    assert entry.answer, f"{entry.path}: the header needs an Answer:"
    selected = projected_variables(entry.text)
    for parameter in entry.parameters:
        assert parameter.description, f"{entry.path}: ?{parameter.name} needs a description"
        assert parameter.name in variables(entry.text)
        if entry.form == "SELECT" and selected is not None:
            assert parameter.name in selected, f"{entry.path}: SELECT must select ?{parameter.name}"
    for param in example_params(entry):
        assert param.split("=", 1)[0] in {p.name for p in entry.parameters}


@pytest.mark.parametrize("entry", LIBRARY, ids=NAMES)
def test_each_header_example_runs(real_project, entry):
    words = shlex.split(entry.example)[1:]
    result = CliRunner().invoke(cli, ["--project", str(real_project), *words])
    assert result.exit_code == 0, result.output
    assert result.output.strip()


def test_hkg_queries_lists_the_library(real_project):
    result = CliRunner().invoke(cli, ["--project", str(real_project), "queries", "--format", "json"])
    assert result.exit_code == 0
    import json

    listed = json.loads(result.output)
    assert [entry["name"] for entry in listed] == NAMES
    increases = next(entry for entry in listed if entry["name"] == "what-increases")
    assert increases["parameters"] == [{"name": "target", "kind": "entity", "required": False,
                                        "description": increases["parameters"][0]["description"]}]
    table = CliRunner().invoke(cli, ["--project", str(real_project), "queries"])
    assert "what-increases" in table.output and "?target (entity)" in table.output


def test_a_required_parameter_left_out_is_exit_2(real_project):
    result = CliRunner().invoke(cli, ["--project", str(real_project), "sparql", "quotes-from-section"])
    assert result.exit_code == 2 and "needs --param section=" in result.output
    result = CliRunner().invoke(cli, ["--project", str(real_project), "sparql", "synonyms", "--param", "x=1"])
    assert result.exit_code == 2 and "has no parameter ?x" in result.output


# --- each question's answer on the real data ---------------------------------------------------

def test_what_increases(project, claims):
    rows = ask(project, "what-increases", target="insulin sensitivity")
    expected = {c["claim"] for c in claims if c["object"] == "insulin-sensitivity" and c["direction"] == "increased"}
    assert {row["claim"] for row in rows} == expected
    assert {"trt", "testosterone"} <= {row["agent"] for row in rows}
    assert {row["target"] for row in rows} == {"insulin-sensitivity"}


def test_what_decreases(project, claims):
    rows = ask(project, "what-decreases", target="insulin signaling")
    expected = {c["claim"] for c in claims if c["object"] == "insulin-signaling" and c["direction"] == "decreased"}
    assert {row["claim"] for row in rows} == expected
    assert "tnf-alpha" in {row["agent"] for row in rows}
    everything = ask(project, "what-decreases")
    assert len(everything) == sum(c["direction"] == "decreased" for c in claims)


def test_effects_of(project, claims):
    rows = ask(project, "effects-of", agent="testosterone")
    assert {row["claim"] for row in rows} == {c["claim"] for c in claims if c["subject"] == "testosterone"}
    ro = {1: {"RO_0002213", "RO_0002629"}, -1: {"RO_0002212", "RO_0002630"}, 0: {"RO_0002211"}}
    for row in rows:
        assert row["predicate"] in ro[int(row["sign"])]


def test_claim_evidence(project, index):
    claim = index.claim("trt-decreases-tnf-alpha")
    rows = ask(project, "claim-evidence", claim="trt-decreases-tnf-alpha")
    assert {(row["study"], row["basis"], row["relation"], row["rationale"]) for row in rows if row["study"]} == {
        (c["study"], c["basis"], c["relation"], c["rationale"]) for c in claim["citations"]}
    for row in rows:
        assert row["quote"] == claim["quote"]
        assert row["sectionTitle"] == claim["section_title"]
        assert (int(row["start"]), int(row["end"])) == (claim["start"], claim["end"])
        assert row["document"] == claim["document"]
    cited = ask(project, "claim-evidence", claim="testosterone-decreases-visceral-adipose-tissue-men")
    assert {(row["study"], row["year"], row["design"], row["basis"], row["relation"]) for row in cited} == {
        ("finkelstein-2013", "2013", "randomized controlled trial", "curator", "contradicts")}


def test_unsupported_claims(project, claims):
    rows = ask(project, "unsupported-claims")
    documented = {c["claim"] for c in claims for link in c["citations"]
                  if (link["basis"], link["relation"]) == ("document", "supports")}
    assert [row["claim"] for row in rows] == sorted(c["claim"] for c in claims if c["claim"] not in documented)
    assert "tnf-alpha-increases-ikk-beta" in {row["claim"] for row in rows}
    curated = {row["claim"]: int(row["curatorLinks"]) for row in rows}
    assert curated["trt-increases-insulin-sensitivity"] == 2 and curated["tnf-alpha-increases-ikk-beta"] == 0


def test_claims_by_study_design(project, claims, index):
    studies = index.studies()
    rows = ask(project, "claims-by-study-design", design="randomized controlled trial")
    expected = {(c["claim"], link["study"], link["basis"], link["relation"]) for c in claims
                for link in c["citations"] if studies[link["study"]]["design"] == "rct"}
    assert {(row["claim"], row["study"], row["basis"], row["relation"]) for row in rows} == expected
    assert {"kapoor-2006", "finkelstein-2013"} <= {row["study"] for row in rows}
    assert {row["designLabel"] for row in rows} == {"randomized controlled trial"}
    assert ask(project, "claims-by-study-design", design="rct") == rows


def test_claims_in_population(project, claims):
    rows = ask(project, "claims-in-population", population="postmenopausal women")
    expected = {c["claim"] for c in claims if c["context"].get("population") == "postmenopausal women"}
    assert {row["claim"] for row in rows} == expected
    assert "estrogen-increases-insulin-sensitivity-some-studies" in expected


def test_claims_by_timescale(project, claims):
    rows = ask(project, "claims-by-timescale", timescale="acute")
    assert {row["claim"] for row in rows} == {c["claim"] for c in claims if c["context"].get("timescale") == "acute"}
    assert "growth-hormone-increases-insulin-resistance-acute" in {row["claim"] for row in rows}
    assert ask(project, "claims-by-timescale", timescale="long-term") != rows


def test_two_step_mechanisms(project, claims):
    rows = ask(project, "two-step-mechanisms", target="insulin signaling")
    expected = Counter()
    for first in claims:
        for second in claims:
            agent, mediator, target = first["subject"], first["object"], second["object"]
            if second["subject"] == mediator and target == "insulin-signaling" and len({agent, mediator, target}) == 3:
                expected[(agent, mediator, net_sign([first["sign"], second["sign"]]))] += 1
    sign = lambda text: text if text == "variable" else int(text)  # noqa: E731
    assert {(r["agent"], r["mediator"], sign(r["netSign"])): int(r["claimPairs"]) for r in rows} == dict(expected)
    assert ("trt", "tnf-alpha", 1) in expected  # TRT lowers TNF-α, which disrupts insulin signaling


def test_upstream_of(project, claims):
    rows = ask(project, "upstream-of", target="insulin sensitivity")
    edges = {(c["subject"], c["object"]) for c in claims}
    upstream, frontier = set(), {"insulin-sensitivity"}
    while frontier:
        frontier = {s for s, o in edges if o in frontier} - upstream
        upstream |= frontier
    upstream.discard("insulin-sensitivity")
    assert {row["agent"]: row["direct"] == "true" for row in rows} == {
        agent: (agent, "insulin-sensitivity") in edges for agent in upstream}
    assert "testosterone" in upstream


def _conflicts(claims, entities):
    def read(claim):
        inverse = entities[claim["object"]].get("inverse_of")
        return (inverse, -claim["sign"]) if inverse else (claim["object"], claim["sign"])

    pairs = set()
    for first in claims:
        for second in claims:
            if first["subject"] == second["subject"] and first["claim"] < second["claim"] and \
                    "variable" not in (first["sign"], second["sign"]):
                (measure1, effect1), (measure2, effect2) = read(first), read(second)
                if measure1 == measure2 and effect1 != effect2:
                    pairs.add((first["claim"], second["claim"]))
    return pairs


def test_conflicting_claims(project, claims, entities):
    rows = ask(project, "conflicting-claims")
    assert {(row["claim1"], row["claim2"]) for row in rows} == _conflicts(claims, entities)
    assert ("growth-hormone-peptide-therapy-increases-insulin-resistance-acute",
            "growth-hormone-peptide-therapy-increases-insulin-sensitivity-long-term") in {(r["claim1"], r["claim2"]) for r in rows}


def test_entities_by_category(project, entities):
    rows = ask(project, "entities-by-category", category="protein")
    assert {row["entity"] for row in rows} == {e for e, r in entities.items() if r["category"] == "Protein"}
    assert {"tnf-alpha", "insulin"} <= {row["entity"] for row in rows}
    assert len(ask(project, "entities-by-category")) == len(entities)


def test_synonyms(project, entities):
    rows = ask(project, "synonyms", entity="TNF-alpha")
    assert {row["label"] for row in rows} == {"TNF-α"}
    assert sorted(row["synonym"] for row in rows) == sorted(entities["tnf-alpha"]["synonyms"])
    assert {"TNF-alpha", "Tumor Necrosis Factor-alpha"} <= {row["synonym"] for row in rows}


def test_quotes_from_section(project, claims):
    rows = ask(project, "quotes-from-section", section="Inflammatory HUB")
    expected = {c["claim"] for c in claims if "inflammatory hub" in (c["section_title"] or "").lower()}
    assert {row["claim"] for row in rows} == expected and expected
    assert [int(row["start"]) for row in rows] == sorted(int(row["start"]) for row in rows)
    for row in rows:
        assert row["sectionTitle"] == "Visceral Adipose Tissue as an Inflammatory Hub"


def test_identifiers_by_source(project, entities):
    result, _ = answer_query(project, "identifiers-by-source", ["namespace=HGNC"])
    mapped = {(local(row[1]), compact_term(row[3])) for row in result.rows}
    assert mapped == {(e, x) for e, r in entities.items() for x in r["xrefs"] if x.startswith("HGNC:")}
    assert ("insulin", "HGNC:6081") in mapped
    chebi = ask(project, "identifiers-by-source", namespace="chebi")
    assert ("testosterone", "CHEBI_17347") in {(row["entity"], row["identifier"]) for row in chebi}


def test_dataset_statistics(project, index, entities, claims):
    [row] = ask(project, "dataset-statistics")
    assert row["dataset"] == "dataset" and row["title"] == "hormone-kg"
    assert int(row["claims"]) == len(claims) and int(row["entities"]) == len(entities)
    assert int(row["studies"]) == len(index.studies())
    assert int(row["documents"]) == len(index.meta()["documents"])
    assert int(row["triples"]) == index.meta()["triples"]  # the whole graph, its description included


def test_category_counts(project, entities):
    rows = ask(project, "category-counts")
    assert {row["category"]: int(row["entities"]) for row in rows} == dict(Counter(r["category"] for r in entities.values()))


def test_feedback_loops(project, claims):
    rows = ask(project, "feedback-loops")
    expected = {(f["claim"], b["claim"], net_sign([f["sign"], b["sign"]])) for f in claims for b in claims
                if f["subject"] == b["object"] and f["object"] == b["subject"] and f["subject"] < f["object"]}
    sign = lambda text: text if text == "variable" else int(text)  # noqa: E731
    assert {(row["forwardClaim"], row["backwardClaim"], sign(row["loopSign"])) for row in rows} == expected
    assert ("inflammation", "insulin resistance", "1") in {(r["aLabel"], r["bLabel"], r["loopSign"]) for r in rows}


def test_hedged_claims(project, claims):
    rows = ask(project, "hedged-claims", certainty="low")
    assert {row["claim"] for row in rows} == {c["claim"] for c in claims if c["certainty"] == "low" and c["hedge"]}
    assert "in some studies" in {row["hedge"] for row in rows}


def test_does_it_affect(project):
    assert ask(project, "does-it-affect", agent="testosterone", target="insulin sensitivity").boolean is True
    assert ask(project, "does-it-affect", agent="insulin sensitivity", target="anastrozole").boolean is False


def test_entity_neighbourhood(project, claims):
    graph = ask(project, "entity-neighbourhood", entity="TNF-α")
    subjects = {local(t.subject) for t in graph.triples if t.predicate.value.endswith("/supporting_text")}
    assert subjects == {c["claim"] for c in claims if "tnf-alpha" in (c["subject"], c["object"])}
    assert any(t.predicate.value.endswith("#label") and t.object.value == "TNF-α" for t in graph.triples)


def test_describe_entity(project, entities):
    graph = ask(project, "describe-entity", entity="insulin")
    assert {local(t.subject) for t in graph.triples} == {"insulin"}
    matches = {compact_term(t.object) for t in graph.triples if t.predicate.value.endswith("#exactMatch")}
    assert matches == set(entities["insulin"]["xrefs"]) and "HGNC:6081" in matches


def test_studies(project, index, claims):
    rows = ask(project, "studies")
    linked = Counter(link["study"] for c in claims for link in c["citations"])
    assert {row["study"]: int(row["claims"]) for row in rows} == {s: linked[s] for s in index.studies()}
    assert {int(row["citedByDocument"]) for row in rows} == {0}  # the document cites no study in its text
    kapoor = next(row for row in rows if row["study"] == "kapoor-2006")
    assert kapoor["design"] == "randomized controlled trial" and kapoor["year"] == "2006"


def test_studies_about_entity(project, claims):
    rows = ask(project, "studies-about-entity", entity="testosterone")
    expected = {(c["claim"], link["study"], link["basis"], link["relation"]) for c in claims
                if "testosterone" in (c["subject"], c["object"]) for link in c["citations"]}
    assert {(row["claim"], row["study"], row["basis"], row["relation"]) for row in rows} == expected
    assert "finkelstein-2013" in {row["study"] for row in rows}


def test_every_query_has_a_test_of_its_answer():
    tested = {name.removeprefix("test_").replace("_", "-") for name in globals() if name.startswith("test_")}
    assert set(NAMES) <= tested, sorted(set(NAMES) - tested)


# --- the same answers on the embedded store, `hkg serve` and the Oxigraph server ---------------

@pytest.fixture(scope="module")
def servers(real_project, tmp_path_factory):
    """Both endpoints over the same graph: hkg serve, and Oxigraph loaded from the export."""
    folder = tmp_path_factory.mktemp("oxigraph") / "store"
    with oxigraph_server(folder, Path(real_project) / "exports" / "hormone-kg.nt") as oxigraph, \
            hkg_server(real_project) as hkg:
        yield {"hkg serve": hkg, "oxigraph": oxigraph + "/query"}


CASES = [(entry, params) for entry in LIBRARY
         for params in ([example_params(entry)] if example_params(entry) else [])
         + ([] if any(p.required for p in entry.parameters) else [[]])]


@pytest.mark.parametrize("entry, params", CASES,
                         ids=[f"{entry.name}{'-bound' if params else ''}" for entry, params in CASES])
def test_same_answers_on_every_engine(project, servers, entry, params):
    bindings = bind_parameters(params, entry.text, declared=entry.parameters, resolver=Resolver(project), strict=True)
    embedded = run_query(open_store(project.current_build()), entry.text, substitutions=bindings).table()
    assert embedded, f"{entry.name} {params}: no answer on the real data"
    for name, url in servers.items():
        remote = query_endpoint(url, entry.text, substitutions=bindings).table()
        assert remote == embedded, f"{entry.name} {params}: {name} differs"


def values_block(bindings) -> str:
    """A trailing VALUES block binding the parameters, as SPARQLWrapper users and rdflib's
    SPARQLStore (``initBindings``) send them.

    >>> import pyoxigraph as ox
    >>> values_block({"a": ox.NamedNode("http://e/x"), "b": ox.Literal('say "hi"')})
    '\\nVALUES (?a ?b) { (<http://e/x> "say \\\\"hi\\\\"") }\\n'
    """
    names = sorted(bindings)
    return (f"\nVALUES ({' '.join('?' + n for n in names)}) "
            f"{{ ({' '.join(str(bindings[n]) for n in names)}) }}\n")


BOUND_CASES = [(entry, params) for entry, params in CASES if params]


@pytest.mark.parametrize("entry, params", BOUND_CASES, ids=[entry.name for entry, _params in BOUND_CASES])
def test_same_answers_when_a_client_binds_by_a_trailing_values_block(project, servers, entry, params):
    """Every library query gives the answer hkg gives when its parameters come in a trailing
    VALUES block instead of substitutions (parameters are used in triple patterns, not only in a
    FILTER, which a trailing VALUES is joined after)."""
    bindings = bind_parameters(params, entry.text, declared=entry.parameters, resolver=Resolver(project), strict=True)
    embedded = run_query(open_store(project.current_build()), entry.text, substitutions=bindings).table()
    assert embedded
    text = entry.text.rstrip() + values_block(bindings)
    assert run_query(open_store(project.current_build()), text).table() == embedded, f"{entry.name}: embedded"
    for name, url in servers.items():
        assert query_endpoint(url, text).table() == embedded, f"{entry.name} {params}: {name} differs"


def test_the_library_ships_inside_the_package():
    # an installed hkg (not only a checkout) has every query: they are package data
    import tomllib
    from importlib import resources

    from graph.sparql.library import BUILTIN

    shipped = sorted(p.name for p in resources.files("graph.sparql").joinpath("queries").iterdir()
                     if p.name.endswith(".rq"))
    assert shipped and shipped == sorted(p.name for p in BUILTIN.glob("*.rq"))
    root = Path(__file__).resolve().parents[2]
    package_data = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "queries/*.rq" in package_data["graph.sparql"]
