"""The lookup index answers from its own tables what the explorer and the search ask of it."""

from __future__ import annotations

from graph.cache.index import Index
from graph.project import Project


def test_most_connected_ranks_entities_by_their_claims(built_mini):
    index = Project(built_mini).index()
    try:
        claims = list(index.claims())
        degree = {e["id"]: sum((c["subject"] == e["id"]) + (c["object"] == e["id"]) for c in claims)
                  for e in index.entities()}
        expected = sorted((e for e in degree if degree[e]), key=lambda e: (-degree[e], e))
        assert index.most_connected(3) == expected[:3]
        assert index.most_connected(1000) == expected  # entities without claims are not among them
    finally:
        index.close()


def test_claims_among_keeps_the_claims_between_the_given_entities(built_mini):
    index: Index = Project(built_mini).index()
    try:
        claims = list(index.claims())
        some = index.most_connected(3)
        assert [c["claim"] for c in index.claims_among(some)] == sorted(
            c["claim"] for c in claims if c["subject"] in some and c["object"] in some)
        assert list(index.claims_among([])) == []
        everyone = [e["id"] for e in index.entities()]
        assert list(index.claims_among(everyone)) == claims
    finally:
        index.close()


def test_hkg_html_hubs_draws_the_most_connected_part_and_says_so(built_mini, tmp_path):
    import json
    import re

    from click.testing import CliRunner

    from graph.cli.commands import cli

    page = tmp_path / "hubs.html"
    result = CliRunner().invoke(cli, ["--project", str(built_mini), "html", "--hubs", "3", "-o", str(page)])
    assert result.exit_code == 0, result.output
    index = Project(built_mini).index()
    try:
        most = index.most_connected(3)
    finally:
        index.close()
    data = json.loads(re.search(r'"meta":(\{.*?\})', page.read_text(encoding="utf-8")).group(1))
    assert data["hubs"] == 3 and data["entities"] == len(most) and data["total_entities"] == 8
    refused = CliRunner().invoke(cli, ["--project", str(built_mini), "html", "--hubs", "3", "--focus", "insulin"])
    assert refused.exit_code == 2 and "--hubs draws the most connected part" in refused.output


def test_a_claim_gets_its_study_links_and_excerpt_from_their_own_nodes(tmp_path):
    """The writer joins a claim to its link and evidence nodes after the pass: links that tie on
    relation, basis and study keep the order of their IRIs, a link with no node is left out, and
    a claim without a supporting text takes its excerpt's."""
    from graph.cache.index import write_index_from_ntriples
    from graph.model.vocab import BIOLINK, CLAIM, DCTERMS, DOC, ENTITY, HKG, PROV, RDF, RDFS, STUDY

    claim, evidence, section = f"{CLAIM}c", f"{CLAIM}c/evidence", f"{DOC}d/section/s"
    integer = '^^<http://www.w3.org/2001/XMLSchema#integer>'
    triples = [(claim, RDF.type, f"<{BIOLINK.Association}>"), (claim, RDF.subject, f"<{ENTITY}a>"),
               (claim, RDF.object, f"<{ENTITY}b>"), (claim, PROV.wasDerivedFrom, f"<{evidence}>"),
               (evidence, PROV.value, '"from the excerpt"'), (evidence, PROV.wasQuotedFrom, f"<{DOC}d>"),
               (evidence, DCTERMS.isPartOf, f"<{section}>"), (evidence, HKG.start, f'"3"{integer}'),
               (evidence, HKG.end, f'"9"{integer}'), (section, DCTERMS.title, '"Title"')]
    for name, study, basis, rationale in (("i1", "s1", "document", "second"), ("i2", "s1", "document", "first"),
                                          ("i0", "s0", "curator", "third")):
        link = f"{claim}/{name}"
        triples += [(link, RDF.type, f"<{PROV.Influence}>"), (link, PROV.influencer, f"<{STUDY}{study}>"),
                    (link, HKG.basis, f'"{basis}"'), (link, HKG.relation, '"supports"'),
                    (link, RDFS.comment, f'"{rationale}"')]
    triples += [(claim, PROV.qualifiedInfluence, f"<{claim}/{name}>") for name in ("i0", "i1", "i2", "missing")]
    lines = sorted(f"<{s}> <{p}> {o} .\n" for s, p, o in triples)
    (tmp_path / "graph.nt").write_text("".join(lines), encoding="utf-8")
    write_index_from_ntriples(tmp_path / "graph.nt", tmp_path / "index.sqlite")
    index = Index(tmp_path / "index.sqlite")
    try:
        record = index.claim("c")
    finally:
        index.close()
    assert [(link["study"], link["basis"], link["rationale"]) for link in record["citations"]] == [
        ("s1", "document", "second"), ("s1", "document", "first"), ("s0", "curator", "third")]
    assert (record["quote"], record["document"], record["section"], record["section_title"], record["start"],
            record["end"]) == ("from the excerpt", "d", "s", "Title", 3, 9)


def test_the_claims_between_many_pairs_are_every_claim_of_each_pair_once_by_id(synthetic):
    edges = list(synthetic.claim_edges())
    pairs = sorted({(e["subject"], e["object"]) for e in edges})[:600]  # more than one statement's worth
    asked = pairs + pairs[:5] + [("no-such-entity", pairs[0][1])]  # repeated and unknown pairs too
    rows = synthetic.claim_edge_rows_between(asked)
    wanted = sorted(e["claim"] for e in edges if (e["subject"], e["object"]) in set(pairs))
    assert [row[0] for row in rows] == wanted
    by_claim = {e["claim"]: e for e in edges}
    assert all((row[1], row[2], row[3]) == (by_claim[row[0]]["subject"], by_claim[row[0]]["object"],
                                            by_claim[row[0]]["sign"]) for row in rows)
    assert synthetic.claim_edge_rows_between([]) == []
