"""Honest evidence: who ties a study to a claim (document or curator), variable effects, and the
hierarchy, as a user sees them in the CLI, SPARQL and the explorer's data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.cli.commands import cli
from graph.sources.load import load_records
from editing import problems
from editing import replace as edit


def run(project, *args):
    return CliRunner().invoke(cli, ["--project", str(project), *args])


# --- study links in the curated data ----------------------------------------------------------

def test_a_document_link_the_document_does_not_make_fails_the_build(mini_project):
    edit(mini_project / "data/claims.yaml", "    basis: curator\n    rationale: a trial of testosterone and visceral fat (title only)",
         "    basis: document")
    (message,) = problems(mini_project)
    assert message.startswith("data/claims.yaml:")
    assert "'testosterone-decreases-homa-ir': basis document for study 'doe-2020'" in message
    assert "does not cite it in the quote's paragraph" in message


def test_a_curator_link_needs_a_rationale(mini_project):
    edit(mini_project / "data/claims.yaml", "    rationale: a trial of testosterone and visceral fat (title only)\n", "")
    (message,) = problems(mini_project)
    assert "a curator link needs a one-line rationale" in message and "'doe-2020'" in message


@pytest.mark.parametrize("old, new, expected", [
    ("    basis: curator\n", "    basis: author\n", "basis 'author' is not one of document, curator"),
    ("  - study: doe-2020\n    basis: curator", "  - study: doe-2021\n    basis: curator",
     "unknown study 'doe-2021' (did you mean 'doe-2020'?)"),
    ("    rationale: a trial", "    reason: a trial", "unknown key 'reason'"),
])
def test_bad_links_are_one_line_each(mini_project, old, new, expected):
    edit(mini_project / "data/claims.yaml", old, new)
    (message,) = problems(mini_project)
    assert expected in message


def test_a_cited_reference_no_study_declares_is_reported(mini_project):
    studies = mini_project / "data/studies.yaml"
    text = studies.read_text(encoding="utf-8")
    studies.write_text(text[:text.index("- id: roe-2019")], encoding="utf-8")
    edit(mini_project / "data/claims.yaml", "  supports:\n  - study: roe-2019\n    basis: document\n", "")
    messages = problems(mini_project)
    assert messages and all("cites reference 2 (Roe 2019) in the quote's paragraph, but no study" in m
                            for m in messages)


def test_contradicting_links_load_and_do_not_count_as_support(mini_project):
    edit(mini_project / "data/claims.yaml", "  quote: It has been shown in some studies",
         "  contradicts:\n  - study: roe-2019\n    basis: curator\n    rationale: a review that disagrees\n"
         "  quote: It has been shown in some studies")
    result = run(mini_project, "build")
    assert result.exit_code == 0, result.output
    result = run(mini_project, "paths", "testosterone", "insulin sensitivity", "--format", "json")
    (route,) = json.loads(result.output)
    (step,) = route["steps"]
    assert step["citations"] == [
        {"study": "doe-2020", "basis": "document", "relation": "supports", "rationale": None},
        {"study": "roe-2019", "basis": "curator", "relation": "contradicts", "rationale": "a review that disagrees"}]
    assert route["support"] == {"document": ["doe-2020"], "curator": []}
    table = run(mini_project, "paths", "testosterone", "insulin sensitivity").output
    assert "cited by the document: doe-2020 · linked by curator: roe-2019 (contradicts)" in table


# --- what the user sees on the mini fixture ---------------------------------------------------

def test_evidence_json_carries_basis_and_relation(built_mini):
    result = run(built_mini, "evidence", "testosterone-decreases-homa-ir", "--format", "json")
    record = json.loads(result.output)
    assert record["citations"] == [{"study": "doe-2020", "basis": "curator", "relation": "supports",
                                    "rationale": "a trial of testosterone and visceral fat (title only)"}]
    (study,) = record["studies"]
    assert (study["id"], study["basis"], study["relation"]) == ("doe-2020", "curator", "supports")
    table = run(built_mini, "evidence", "testosterone-decreases-homa-ir").output
    assert "linked by curator" in table and "the document cites no study for this claim" in table
    assert "cited:" not in table


def test_route_score_counts_document_citations_above_curator_links(built_mini):
    result = run(built_mini, "paths", "testosterone", "homa-ir", "--format", "json")
    (route,) = json.loads(result.output)
    assert route["support"] == {"document": [], "curator": ["doe-2020"]}
    assert route["score"] == 0.5 + 0.25  # half a study, certainty high
    documented = json.loads(run(built_mini, "paths", "visceral fat", "insulin signaling", "--format", "json").output)
    assert documented[0]["support"]["document"] == ["roe-2019"]
    assert documented[0]["score"] == 1.0 + 0.25


def test_sparql_tells_document_citations_from_curator_links(built_mini):
    query = ("SELECT ?claim ?basis ?relation WHERE { ?claim prov:qualifiedInfluence ?link . "
             "?link prov:influencer study:doe-2020 ; hkg:basis ?basis ; hkg:relation ?relation } ORDER BY ?claim")
    result = run(built_mini, "sparql", query, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = [(b["claim"]["value"].rsplit("/", 1)[-1], b["basis"]["value"], b["relation"]["value"])
            for b in json.loads(result.output)["results"]["bindings"]]
    assert rows == [("testosterone-decreases-homa-ir", "curator", "supports"),
                    ("testosterone-decreases-visceral-fat", "document", "supports"),
                    ("testosterone-increases-insulin-sensitivity", "document", "supports")]
    # biolink:publications holds only what the document cites
    publications = run(built_mini, "sparql", "SELECT ?claim WHERE { ?claim biolink:publications study:doe-2020 }",
                       "--format", "csv").output
    assert "testosterone-decreases-homa-ir" not in publications
    assert "testosterone-decreases-visceral-fat" in publications


def test_explorer_data_says_who_linked_each_study(built_mini):
    from graph.project import Project
    from graph.exports.explorer import explorer_data

    data = explorer_data(Project(built_mini).index())
    claims = {c["claim"]: c for c in data["claims"]}
    assert claims["testosterone-decreases-homa-ir"]["citations"][0]["basis"] == "curator"
    assert claims["testosterone-decreases-visceral-fat"]["citations"][0]["basis"] == "document"


# --- variable effects ---------------------------------------------------------------------------

def test_a_variable_step_makes_a_route_variable_never_up_or_down(mini_project):
    edit(mini_project / "data/claims.yaml", "  object: visceral-fat\n  sign: 1\n", "  object: visceral-fat\n  sign: variable\n")
    assert run(mini_project, "build").exit_code == 0
    routes = json.loads(run(mini_project, "paths", "insulin", "tnf-α", "--format", "json").output)
    assert [r["sign"] for r in routes] == ["variable"]
    for sign in ("up", "down"):
        assert json.loads(run(mini_project, "paths", "insulin", "tnf-α", "--sign", sign, "--format", "json").output) == []
    assert json.loads(run(mini_project, "paths", "insulin", "tnf-α", "--sign", "variable", "--format", "json").output)
    table = run(mini_project, "paths", "insulin", "tnf-α").output
    assert "net effect variable" in table
    ask = run(mini_project, "sparql", "SELECT ?s WHERE { claim:insulin-increases-visceral-fat hkg:sign ?s }",
              "--format", "csv").output
    assert ask.split() == ["s", "variable"]


def test_a_bad_sign_names_the_allowed_ones(mini_project):
    edit(mini_project / "data/claims.yaml", "  sign: 1\n", "  sign: sometimes\n")
    (message,) = problems(mini_project)
    assert "sign 'sometimes' is not one of +1, -1, 0, variable" in message


# --- hierarchy ----------------------------------------------------------------------------------

def _with_class(project: Path) -> None:
    entities = project / "data/entities.yaml"
    entities.write_text(entities.read_text(encoding="utf-8") +
                        "- id: androgens\n  label: androgens\n  category: SmallMolecule\n", encoding="utf-8")
    edit(entities, "- id: testosterone\n", "- id: testosterone\n  is_a:\n  - androgens\n")
    claims = project / "data/claims.yaml"
    edit(claims, "- id: testosterone-decreases-homa-ir\n  subject: testosterone\n",
         "- id: testosterone-decreases-homa-ir\n  subject: androgens\n")


def test_via_classes_reaches_a_claim_about_the_class_and_marks_the_step(mini_project):
    _with_class(mini_project)
    assert run(mini_project, "build").exit_code == 0
    assert json.loads(run(mini_project, "paths", "testosterone", "homa-ir", "--format", "json").output) == []
    (route,) = json.loads(run(mini_project, "paths", "testosterone", "homa-ir", "--via-classes",
                              "--format", "json").output)
    hierarchy, claim = route["steps"]
    assert (hierarchy["kind"], hierarchy["relation"], hierarchy["subject"], hierarchy["object"]) == \
        ("hierarchy", "is_a", "testosterone", "androgens")
    assert hierarchy["quote"] is None and claim["kind"] == "claim"
    table = run(mini_project, "paths", "testosterone", "homa-ir", "--via-classes").output
    assert "not a claim: testosterone is a kind of androgens" in table
    entity = json.loads(run(mini_project, "entity", "androgens", "--format", "json").output)
    assert entity["narrower"] == [{"relation": "is_a", "entity": "testosterone"}]
    assert json.loads(run(mini_project, "entity", "testosterone", "--format", "json").output)["is_a"] == ["androgens"]
    rows = run(mini_project, "sparql", "SELECT ?c WHERE { entity:testosterone biolink:subclass_of ?c }",
               "--format", "csv").output
    assert "androgens" in rows


@pytest.mark.parametrize("old, new, expected", [
    ("  - androgens\n", "  - androgen\n", "is_a names unknown entity 'androgen' (did you mean 'androgens'?)"),
    ("  - androgens\n", "  - testosterone\n", "is_a names the entity itself"),
])
def test_bad_hierarchy_links_are_reported(mini_project, old, new, expected):
    _with_class(mini_project)
    edit(mini_project / "data/entities.yaml", old, new)
    assert any(expected in m for m in problems(mini_project))


def test_a_hierarchy_cycle_is_reported(mini_project):
    _with_class(mini_project)
    edit(mini_project / "data/entities.yaml", "- id: androgens\n", "- id: androgens\n  member_of:\n  - testosterone\n")
    assert any("makes a cycle" in m for m in problems(mini_project))


# --- the real data ------------------------------------------------------------------------------

def test_the_document_cites_nothing_so_every_real_link_is_a_curators_with_a_rationale(real_project):
    from graph.sources.citations import find_citations

    kb = load_records(real_project / "data")
    assert all(find_citations(document) == () for document in kb.documents)
    links = [link for claim in kb.claims for link in claim.citations]
    assert links and all(link.basis == "curator" and link.rationale for link in links)


def test_the_links_a_reviewer_found_wrong_are_fixed(real_project):
    claims = {c.id: c for c in load_records(real_project / "data").claims}
    relation = {(cid, link.study): link.relation for cid, c in claims.items() for link in c.citations}
    for cid in ("estrogen-increases-insulin-sensitivity-some-studies", "estrogen-increases-insulin-sensitivity-table"):
        assert relation[cid, "ryan-2002"] == "contradicts"
    assert ("trt-decreases-il-6", "dhindsa-2016") not in relation
    for cid in ("testosterone-decreases-adipose-tissue-men", "testosterone-decreases-visceral-adipose-tissue-men",
                "testosterone-decreases-visceral-adipose-tissue-table"):
        assert relation[cid, "finkelstein-2013"] == "contradicts"
    # the growth-hormone-peptide table row names tesamorelin only as an example
    assert not any(c.subject == "tesamorelin" and "Growth Hormone Peptides" in c.evidence.quote for c in claims.values())


def test_estrogen_routes_say_who_linked_which_study(real_project):
    routes = json.loads(run(real_project, "paths", "estrogen", "insulin sensitivity", "--format", "json").output)
    step = routes[0]["steps"][0]
    assert step["claim"].startswith("estrogen-increases-insulin-sensitivity")
    assert {(c["study"], c["basis"], c["relation"]) for c in step["citations"]} >= {
        ("ryan-2002", "curator", "contradicts")}
    assert routes[0]["support"]["document"] == []
    table = run(real_project, "paths", "estrogen", "insulin sensitivity", "--limit", "1").output
    table = " ".join(table.split())  # lines are wrapped to the terminal
    assert "cited by the document: none · linked by curator: " in table and "ryan-2002 (contradicts)" in table


def _routes(project, source, target, *extra):
    result = run(project, "paths", source, target, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_no_cytokine_route_raises_an_insulin_action_the_document_says_it_lowers(real_project):
    """The invariant from the data: S is the inflammatory classes with everything the hierarchy
    puts under them; T the measures S is only ever said to lower (read through inverse measures),
    and what they raise by +1 claims alone. No route from S to T may have net effect +1."""
    from graph.project import Project
    from graph.pathways.signed import build_signed_graph

    index = Project(real_project).index()
    entities = {e["id"]: e for e in index.entities()}
    roots = {"inflammatory-cytokines", "inflammation"}
    sources = set(roots)
    while True:
        grown = sources | {e for e, record in entities.items() if set(record["is_a"]) & sources}
        if grown == sources:
            break
        sources = grown
    assert {"tnf-alpha", "il-6", "resistin", "inflammaging"} <= sources
    graph = build_signed_graph(index)
    inverse = {e: r["inverse_of"] for e, r in entities.items() if r.get("inverse_of")}

    def measure(node, sign):  # a claim on HOMA-IR is the opposite claim on insulin sensitivity
        return (inverse[node], -sign) if node in inverse else (node, sign)

    effects: dict[str, set] = {}
    for subject, obj, data in graph.edges(data=True):
        if subject in sources and isinstance(data["sign"], int) and data["sign"]:
            target, sign = measure(obj, data["sign"])
            effects.setdefault(target, set()).add(sign)
    lowered = {t for t, signs in effects.items() if signs == {-1}}
    targets, frontier = set(lowered), list(lowered)
    while frontier:  # what an insulin action raises by +1 claims alone is an insulin action too
        node = frontier.pop()
        for _, obj, data in graph.out_edges(node, data=True):
            if data["sign"] == 1 and obj not in targets and obj not in inverse:
                targets.add(obj)
                frontier.append(obj)
    assert {"insulin-signaling", "insulin-sensitivity", "glucose-uptake", "glut4-translocation"} <= targets
    offending = []
    for source in sorted(sources):
        for target in sorted(targets - sources):
            for route in _routes(real_project, source, target):
                if route["sign"] == 1:
                    offending.append(" → ".join(n["id"] for n in route["nodes"]))
    assert offending == []


def test_the_hierarchy_answers_questions_about_members(real_project):
    assert _routes(real_project, "anastrozole", "estrogen") == []
    (first, *_) = _routes(real_project, "anastrozole", "estrogen", "--via-classes")
    assert [n["id"] for n in first["nodes"]] == ["anastrozole", "estradiol", "estrogen"] and first["sign"] == -1
    assert first["steps"][1]["kind"] == "hierarchy" and first["steps"][1]["relation"] == "is_a"
    entity = json.loads(run(real_project, "entity", "transdermal estradiol", "--format", "json").output)
    assert entity["has_active_ingredient"] == ["estradiol"]
    gh = json.loads(run(real_project, "entity", "growth hormone peptides", "--format", "json").output)
    assert {"tesamorelin", "sermorelin", "ipamorelin", "cjc-1295"} <= {n["entity"] for n in gh["narrower"]}


def test_what_the_text_states_and_the_graph_missed(real_project):
    assert [r["sign"] for r in _routes(real_project, "andropause", "testosterone", "--max-length", "1")] == [-1]
    assert [r["sign"] for r in _routes(real_project, "anastrozole", "T:E ratio", "--max-length", "1")] == [1]
    assert [r["sign"] for r in _routes(real_project, "progesterone", "insulin sensitivity", "--max-length", "1")] == ["variable"]
    loops = json.loads(run(real_project, "loops", "--through", "hormonal decline", "--kind", "vicious",
                           "--format", "json").output)
    assert any({n["id"] for n in loop["nodes"]} >= {"hormonal-decline", "inflammaging", "metabolic-dysfunction"}
               for loop in loops)
    assert _routes(real_project, "body composition", "insulin sensitivity") == []


@pytest.mark.parametrize("new, expected", [
    ("  - study: [doe-2020]\n", "study ['doe-2020'] is not a study id"),
    ("  - study: {a: 1}\n", "study {'a': 1} is not a study id"),
    ("  - 1: x\n    foo: y\n", "(unknown key '1')"),
])
def test_malformed_links_are_one_line_not_a_crash(mini_project, new, expected):
    edit(mini_project / "data/claims.yaml", "  - study: roe-2019\n", new)
    messages = problems(mini_project)
    assert any(expected in m for m in messages), messages


def test_a_curator_link_cannot_hide_the_documents_own_citation(mini_project):
    edit(mini_project / "data/claims.yaml", "  context:\n    population: men\n",
         "  context:\n    population: men\n  contradicts:\n  - study: doe-2020\n    basis: curator\n"
         "    rationale: a curator's reading\n")
    (message,) = problems(mini_project)
    assert "cites study 'doe-2020' in the quote's paragraph; its link is the document's" in message


def test_a_members_own_claim_wins_over_its_class(real_project):
    """Tesamorelin's own claim (no effect on insulin sensitivity) is not overridden by what the
    document says of growth hormone peptide therapy as a class."""
    for route in _routes(real_project, "tesamorelin", "insulin sensitivity", "--via-classes"):
        assert [n["id"] for n in route["nodes"]][:2] != ["tesamorelin", "growth-hormone-peptide-therapy"] or \
            route["nodes"][2]["id"] != "insulin-sensitivity", route["nodes"]
    direct = _routes(real_project, "tesamorelin", "insulin sensitivity", "--via-classes", "--max-length", "1")
    assert [r["sign"] for r in direct] == [0]


def test_a_class_link_beside_a_stated_claim_is_not_a_supporting_claim(mini_project):
    entities = mini_project / "data/entities.yaml"
    edit(entities, "- id: insulin\n", "- id: insulin\n  is_a:\n  - visceral-fat\n")
    assert run(mini_project, "build").exit_code == 0
    (route,) = _routes(mini_project, "insulin", "visceral fat", "--via-classes", "--sign", "up")
    (step,) = route["steps"]
    assert step["kind"] == "claim" and step["supporting_claims"] == ["insulin-increases-visceral-fat"]


def test_a_build_from_another_version_is_refused_in_one_line(mini_project):
    import sqlite3

    from graph.project import Project

    assert run(mini_project, "build").exit_code == 0
    index = Project(mini_project).current_build() / "index.sqlite"
    index.chmod(0o644)
    with sqlite3.connect(index) as connection:
        connection.execute("DELETE FROM meta WHERE key = 'index_format'")
    result = run(mini_project, "paths", "insulin", "tnf-α")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "was made by another version of hkg; run `hkg build` again" in result.output
