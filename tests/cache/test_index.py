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
