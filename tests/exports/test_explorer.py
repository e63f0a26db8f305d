"""The HTML explorer, driven in headless Chromium with every network request blocked.

Chromium is Debian's (``.ci/system-deps`` installs it; Playwright's own browser download does not
work here). The page's Content-Security-Policy forbids ``eval``, so the tests poll with
``page.evaluate`` rather than ``wait_for_function`` (which evaluates a string).

``HKG_SCREENSHOT=docs/html-explorer.png pytest tests/exports/test_explorer.py -k whole_graph`` also saves the
screenshot of the default view the README shows.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.project import Project
from graph.pipeline.build import build
from graph.cli.commands import cli
from graph.exports.explorer import explorer_data, render_html, write_html
from graph.model.names import fold

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
MARKUP_LABELS = {
    "pancreas": "<script>window.__pwned = 1; alert(1)</script>",
    "insulin-signaling": "<b>bold</b> signaling",
}
MARKUP_SYNONYM = '<img src=x onerror="window.__pwned = 2">'


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module; skip (with the reason) only if it cannot start."""
    from playwright.sync_api import Error, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: run .ci/system-deps as root (apt-get install chromium)")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as error:
            pytest.skip(f"Chromium cannot be launched here: {str(error).splitlines()[0]}")
        yield chromium
        chromium.close()


class Explorer:
    """A loaded explorer page, with every request, console error and dialog it caused."""

    def __init__(self, browser, html: Path, viewport=(1400, 900)):
        self.url = html.resolve().as_uri()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)
        self.page.goto(self.url)
        self.wait("!!(window.hkg && window.hkg.ready())")

    def _route(self, route):
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def wait(self, expression: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.js(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression}; errors: {self.errors}")
            self.page.wait_for_timeout(50)

    def click_canvas(self, kind: str, item_id: str) -> None:
        """Click a node or an edge on the canvas, once the view has stopped moving."""
        expression = f"hkg.{kind}Point({item_id!r})"
        point, previous = self.js(expression), None
        while point != previous:
            self.page.wait_for_timeout(150)
            point, previous = self.js(expression), point
        self.page.mouse.click(point["x"], point["y"])

    def details(self) -> str:
        return self.page.text_content("#details") or ""

    def outside_requests(self) -> list[str]:
        return [url for url in self.requests if url != self.url and not url.startswith("data:")]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_page(browser):
    pages = []

    def opener(html: Path, **kwargs) -> Explorer:
        pages.append(Explorer(browser, html, **kwargs))
        return pages[-1]

    yield opener
    for page in pages:
        page.close()


@pytest.fixture(scope="module")
def mini_html(tmp_path_factory) -> Path:
    """The explorer of the mini fixture project (the build writes it to exports/graph.html)."""
    import shutil

    root = tmp_path_factory.mktemp("html") / "mini"
    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "mini", root)
    build(Project(root))
    return root / "exports" / "graph.html"


def test_whole_graph_renders_offline_with_a_node_per_entity(real_project, open_page):
    index = Project(real_project).index()
    entities, claims = len(list(index.entities())), len(list(index.claims()))
    page = open_page(real_project / "exports" / "graph.html", viewport=(1600, 1000))
    assert page.js("hkg.nodeCount()") == page.js("hkg.entityCount()") == entities
    assert page.js("hkg.edgeCount()") == claims
    assert page.js("hkg.frozen()"), "the layout should freeze once it has settled"
    assert page.errors == [] and page.dialogs == []
    assert page.outside_requests() == [], "the page must load nothing"
    if os.environ.get("HKG_SCREENSHOT"):
        page.page.wait_for_timeout(300)
        page.page.screenshot(path=os.environ["HKG_SCREENSHOT"])


def test_the_canvas_says_it_is_laying_out_until_the_layout_has_settled(real_project, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        url = (real_project / "exports" / "graph.html").resolve().as_uri()
        context.route("**/*", lambda route: route.continue_() if route.request.url == url else route.abort())
        page.goto(url, wait_until="commit")
        probe = """() => { const note = document.getElementById('loading');
            return {ready: !!(window.hkg && window.hkg.ready()), note: note ? note.textContent : null,
                    shown: !!note && getComputedStyle(note).display !== 'none',
                    inCanvas: !!note && !!note.closest('#network')}; }"""
        seen, deadline = [], time.monotonic() + 60
        while time.monotonic() < deadline:
            state = page.evaluate(probe)
            seen.append(state)
            if state["ready"]:
                break
            page.wait_for_timeout(30)
        waiting = [s for s in seen if not s["ready"] and s["note"] is not None]
        assert waiting, f"no 'laying out' note seen before the layout settled: {seen[:3]}"
        assert all(s["shown"] and s["note"].startswith("Laying out the graph…") and not s["inCanvas"]
                   for s in waiting)
        assert seen[-1]["ready"] and seen[-1]["note"] is None, "the note goes once the layout has settled"
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [(1024, 640), (1400, 900)])
def test_labels_in_the_default_view_neither_overlap_nor_are_cut_at_the_edge(real_project, open_page, viewport):
    index = Project(real_project).index()
    linked = {c["subject"] for c in index.claims()} | {c["object"] for c in index.claims()}
    page = open_page(real_project / "exports" / "graph.html", viewport=viewport)
    page.page.wait_for_timeout(300)
    pane = page.js("(() => { const r = document.getElementById('network').getBoundingClientRect();"
                   " return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; })()")
    boxes = [box for box in page.js("hkg.labelBoxes()") if box["id"] in linked]
    assert len(boxes) == len(linked)
    cut = [box["id"] for box in boxes if box["left"] < pane["left"] or box["right"] > pane["right"]
           or box["top"] < pane["top"] or box["bottom"] > pane["bottom"]]
    assert cut == [], "every linked entity's label is whole in the default view"
    overlapping = [(a["id"], b["id"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                   if min(a["right"], b["right"]) - max(a["left"], b["left"]) > 1
                   and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 1]
    assert overlapping == []


def test_page_has_no_external_reference(mini_html):
    text = mini_html.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b[^>]*\b(src|href)\s*=", text, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", text, re.I)
    assert "default-src 'none'" in text  # the CSP forbids any fetch as well


def test_search_finds_tnf_alpha_by_a_spelled_out_synonym(mini_html, open_page):
    page = open_page(mini_html)
    page.page.fill("#search", "TNF-alpha")
    result = page.page.locator('#search-results button[data-entity="tnf-alpha"]')
    assert result.text_content().strip() == "TNF-α"
    page.page.press("#search", "Enter")
    assert page.page.text_content("#details h3") == "TNF-α"
    assert page.js("hkg.selection().nodes") == ["tnf-alpha"]
    assert page.js("hkg.search('tumor necrosis factor α')") == ["tnf-alpha"]
    assert page.errors == [] and page.outside_requests() == []


def test_search_finds_every_spelling_of_the_shared_table_like_the_command_line(real_project, open_page):
    from spellings import spellings

    rows = spellings()
    page = open_page(real_project / "exports" / "graph.html")
    first_hits = page.js("names => names.map(n => hkg.search(n)[0] || null)", [s for s, _ in rows])
    assert dict(zip((s for s, _ in rows), first_hits)) == dict(rows)
    page.page.fill("#search", "HGNC:11892")
    assert "(HGNC:11892)" in page.page.text_content("#search-results")


def test_page_folds_names_like_python(mini_html, open_page):
    names = ["TNF-α", "tnf alpha", "IKKβ", "IR-β", "Wnt/β-catenin", "ΑΒΓ", "µ-opioid", "Straße",
             "café", "ς final", "ﬁbrosis", "HOMA–IR", "T:E ratio"]
    page = open_page(mini_html)
    assert page.js("names => names.map(hkg.fold)", names) == [fold(name) for name in names]


def test_clicking_an_edge_shows_its_quote_and_studies(mini_html, open_page):
    page = open_page(mini_html)
    page.click_canvas("edge", "tnf-alpha-decreases-insulin-signaling")
    assert page.js("hkg.selection().edges") == ["tnf-alpha-decreases-insulin-signaling"]
    assert page.page.text_content("#claim-quote") == "“These inflammatory molecules interfere with insulin signaling.”"
    details = page.details()
    assert "Roe, R. “Cytokines and insulin.” Review Letters, vol. 2, no. 3, 2019, pp. 10-20." in details
    assert "narrative review" in details and "mini" in details and "Fundamentals" in details
    assert page.errors == []


def test_clicking_a_node_shows_definition_and_both_directions(mini_html, open_page):
    page = open_page(mini_html)
    page.click_canvas("node", "visceral-fat")
    details = page.details()
    assert page.page.text_content("#details h3") == "visceral fat"
    assert "Visceral fat is fat stored around the internal organs." in details
    assert "What it does (1)" in details and "What acts on it (2)" in details
    page.page.click('#details button[data-claim="testosterone-decreases-visceral-fat"]')
    assert page.page.text_content("#claim-quote") == "“Testosterone reduces visceral fat in men.”"
    assert "population: men" in page.details()


def test_filters_hide_what_they_should(mini_html, open_page):
    page = open_page(mini_html)
    index = Project(mini_html.parent.parent).index()
    claims = list(index.claims())
    everything = sorted(c["claim"] for c in claims)
    assert page.js("hkg.visibleEdgeIds()") == everything

    page.page.uncheck('#sign-filter input[data-sign="-1"]')  # no "decreases" claims
    assert page.js("hkg.visibleEdgeIds()") == sorted(c["claim"] for c in claims if c["sign"] != -1)
    assert "homa-ir" not in page.js("hkg.visibleNodeIds()")  # its only claim decreases it
    assert "pancreas" in page.js("hkg.visibleNodeIds()")  # no claims: only a category hides it
    page.page.check('#sign-filter input[data-sign="-1"]')

    page.page.uncheck('#category-filter input[data-category="Protein"]')
    nodes = page.js("hkg.visibleNodeIds()")
    assert "tnf-alpha" not in nodes and "insulin" not in nodes and "testosterone" in nodes
    assert not any(c["claim"] in page.js("hkg.visibleEdgeIds()") for c in claims
                   if {c["subject"], c["object"]} & {"tnf-alpha", "insulin"})
    page.page.click("#reset-filters")
    assert page.js("hkg.visibleEdgeIds()") == everything

    page.page.select_option("#context-filter", "population=men")
    assert page.js("hkg.visibleEdgeIds()") == everything  # claims stating no population hold too
    page.page.check("#context-strict")
    assert page.js("hkg.visibleEdgeIds()") == ["testosterone-decreases-visceral-fat"]
    page.page.click("#reset-filters")

    page.page.select_option("#section-filter", "mini#fundamentals/testosterone-and-fat")
    assert page.js("hkg.visibleEdgeIds()") == sorted(
        c["claim"] for c in claims if c["section"] == "fundamentals/testosterone-and-fat")
    page.page.select_option("#section-filter", "mini#fundamentals")  # a section with its subsections
    assert page.js("hkg.visibleEdgeIds()") == everything
    assert page.errors == []


def test_studies_can_be_shown_as_nodes(mini_html, open_page):
    page = open_page(mini_html)
    assert page.js("hkg.nodeCount()") == 8
    page.page.check("#show-studies")
    assert {"study:doe-2020", "study:roe-2019"} <= set(page.js("hkg.visibleNodeIds()"))
    assert page.js("hkg.nodeCount()") == 10
    page.click_canvas("node", "study:roe-2019")
    # "[2]" in the paragraph ties Roe 2019 to both claims stated there
    assert "Cytokines and insulin" in page.details() and "Claims linked to it (2)" in page.details()
    page.page.uncheck("#show-studies")
    assert page.js("hkg.nodeCount()") == 8
    assert page.errors == []


def test_markup_in_labels_is_shown_as_text(mini_project, open_page):
    entities = mini_project / "data" / "entities.yaml"
    text = entities.read_text(encoding="utf-8")
    for entity_id, label in MARKUP_LABELS.items():
        default = {"pancreas": "label: pancreas", "insulin-signaling": "label: insulin signaling"}[entity_id]
        text = text.replace(default, f"label: '{label}'")
    text = text.replace("  - VAT\n", f"  - VAT\n  - '{MARKUP_SYNONYM}'\n")
    entities.write_text(text, encoding="utf-8")
    build(Project(mini_project))
    html = mini_project / "exports" / "graph.html"
    raw = html.read_text(encoding="utf-8")
    assert "<b>bold" not in raw and "<script>window" not in raw and "<img src=x" not in raw

    page = open_page(html)
    assert page.js("document.scripts.length") == 3  # data, vis-network, the page's own
    page.page.fill("#search", "script")
    button = page.page.locator('#search-results button[data-entity="pancreas"]')
    assert button.text_content().strip() == MARKUP_LABELS["pancreas"]
    button.click()
    assert page.page.text_content("#details h3") == MARKUP_LABELS["pancreas"]
    page.page.fill("#search", "VAT")
    page.page.press("#search", "Enter")
    assert MARKUP_SYNONYM in page.details()
    page.page.fill("#search", "bold")
    page.page.press("#search", "Enter")
    assert page.page.text_content("#details h3") == MARKUP_LABELS["insulin-signaling"]
    page.page.click('#details button[data-claim="tnf-alpha-decreases-insulin-signaling"]')
    assert MARKUP_LABELS["insulin-signaling"] in page.page.text_content("#details .statement")
    assert page.js("document.querySelectorAll('#details b, #details img, #search-results b').length") == 0
    assert page.js("window.__pwned") is None
    assert page.dialogs == [] and page.errors == [] and page.outside_requests() == []


def test_path_highlight_puts_each_steps_evidence_one_click_away(mini_html, tmp_path, open_page):
    index = Project(mini_html.parent.parent).index()
    html = write_html(index, tmp_path / "path.html", path_between=("visceral fat", "insulin signaling"))
    routes = explorer_data(index, path_between=("VAT", "insulin signaling"))["path"]["routes"]
    assert [r["nodes"] for r in routes] == [["visceral-fat", "tnf-alpha", "insulin-signaling"]]
    assert routes[0]["sign"] == -1
    page = open_page(html)
    assert page.page.is_visible("#pathway-box")
    pathway = page.page.text_content("#pathway")
    assert "visceral fat → insulin signaling" in pathway and "net effect: decreases" in pathway
    page.page.click('#pathway button[data-claim="tnf-alpha-decreases-insulin-signaling"]')
    assert page.page.text_content("#claim-quote") == "“These inflammatory molecules interfere with insulin signaling.”"
    assert "step 2 of route 1" in page.details()
    page.page.check("#path-only")
    assert page.js("hkg.visibleNodeIds()") == ["insulin-signaling", "tnf-alpha", "visceral-fat"]
    assert page.errors == []


def test_focus_keeps_the_neighbourhood(built_mini):
    index = Project(built_mini).index()
    data = explorer_data(index, focus="TNF-alpha")
    assert sorted(e["id"] for e in data["entities"]) == ["insulin-signaling", "tnf-alpha", "visceral-fat"]
    assert data["meta"]["focus"] == "tnf-alpha" and data["meta"]["depth"] == 1
    assert len(explorer_data(index, focus="tnf-α", depth=0)["entities"]) == 1
    with pytest.raises(ValueError):
        explorer_data(index, depth=2)


def test_same_graph_same_bytes(built_mini):
    index = Project(built_mini).index()
    assert render_html(index) == render_html(index)
    assert (built_mini / "exports" / "graph.html").read_text(encoding="utf-8") == render_html(index)


def run(project, *args):
    return CliRunner().invoke(cli, ["--project", str(project), *args])


def test_cli_html(built_mini, tmp_path):
    target = tmp_path / "tnf.html"
    result = run(built_mini, "html", "-o", str(target), "--focus", "TNF-alpha", "--depth", "1",
                 "--context", "men")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wrote ") and target.exists()
    result = run(built_mini, "html", "-o", str(tmp_path / "p.html"), "--path", "VAT", "insulin signaling")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args, message", [
    (["--focus", "tnf-alfa"], "no entity named 'tnf-alfa' in this graph; the closest name is: TNF-α"),
    (["--context", "mne"], "unknown context 'mne'; did you mean: men?"),
    (["--path", "VAT", "nothing-at-all"], "no entity named 'nothing-at-all' in this graph"),
])
def test_cli_html_unknown_names_exit_2(built_mini, tmp_path, args, message):
    result = run(built_mini, "html", "-o", str(tmp_path / "x.html"), *args)
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "x.html").exists()


def test_cli_html_depth_needs_focus(built_mini, tmp_path):
    result = run(built_mini, "html", "-o", str(tmp_path / "x.html"), "--depth", "2")
    assert result.exit_code == 2 and "--depth needs --focus" in result.output


MARKUP_QUOTE = ("Insulin <script>window.__pwned = 3</script> and <img src=x onerror=\"window.__pwned = 4\"> "
                "lower </script><b>sugar</b> & fat.")
MARKUP_TITLE = "Cytokines <img src=x onerror='window.__pwned = 5'> and </script><script>window.__pwned = 6</script> insulin"
MARKUP_DEFINITION = "Insulin signaling describes <iframe src=javascript:window.__pwned=7></iframe> how cells respond."
MARKUP_HEADING = "Testosterone and <u onmouseover=window.__pwned=8>Fat</u>"
MARKUP_CONTEXT = "<svg onload=window.__pwned=9>"
INJECTED = ("#details img, #details script, #details iframe, #details svg, #details b, #details u, "
            ".vis-tooltip img, .vis-tooltip script, .vis-tooltip svg, .vis-tooltip b, #pathway img")


@pytest.fixture
def markup_project(mini_project) -> Path:
    """The mini project with markup and script in a quote, a study title, a glossary definition,
    a section heading and a context value: everything the explorer shows that comes from data."""
    data = mini_project / "data"
    source = data / "sources" / "mini.txt"
    text = source.read_text(encoding="utf-8")
    for old, new in (
        ("Testosterone and Fat\n", MARKUP_HEADING + "\n"),
        ("Testosterone reduces visceral fat in men.", "Testosterone reduces visceral fat in men. " + MARKUP_QUOTE),
        ("Cytokines and insulin.", MARKUP_TITLE + "."),
        ("Insulin signaling describes how cells respond to insulin.", MARKUP_DEFINITION),
    ):
        assert old in text, old
        text = text.replace(old, new, 1)
    source.write_text(text, encoding="utf-8")
    with (data / "claims.yaml").open("a", encoding="utf-8") as claims:
        claims.write(
            "- id: insulin-decreases-insulin-signaling-markup\n  subject: insulin\n  object: insulin-signaling\n"
            f"  sign: -1\n  document: mini\n  quote: '{MARKUP_QUOTE}'\n  supports:\n  - study: roe-2019\n"
            "    basis: curator\n    rationale: a review\n"
            f"  context:\n    population: '{MARKUP_CONTEXT}'\n")
    build(Project(mini_project))
    return mini_project


def test_markup_in_quotes_titles_definitions_sections_and_contexts_is_shown_as_text(markup_project, open_page):
    html = markup_project / "exports" / "graph.html"
    raw = html.read_text(encoding="utf-8")
    for needle in ("<script>window", "<img src=x", "</script><b>", "<iframe", "<svg onload", "<u onmouseover"):
        assert needle not in raw, needle
    page = open_page(html)
    assert page.js("document.scripts.length") == 3  # data, vis-network, the page's own

    page.click_canvas("edge", "insulin-decreases-insulin-signaling-markup")
    assert page.page.text_content("#claim-quote") == f"“{MARKUP_QUOTE}”"
    details = page.details()
    assert MARKUP_TITLE in details  # the cited study's reference, as text
    assert MARKUP_HEADING in details  # the section the quote is from
    assert MARKUP_CONTEXT in details  # the claim's context

    page.click_canvas("node", "insulin-signaling")
    assert MARKUP_DEFINITION in page.details()

    page.page.check("#show-studies")
    page.click_canvas("node", "study:roe-2019")
    assert MARKUP_TITLE in page.details() and "Claims linked to it (3)" in page.details()
    point = page.js("hkg.nodePoint('study:roe-2019')")  # hover: vis-network's tooltip shows the title
    page.page.mouse.move(point["x"] + 1, point["y"] + 1)
    page.page.mouse.move(point["x"], point["y"])
    page.wait("!!document.querySelector('.vis-tooltip') && "
              "getComputedStyle(document.querySelector('.vis-tooltip')).visibility === 'visible'", timeout=20)
    assert MARKUP_TITLE in page.page.text_content(".vis-tooltip")

    page.page.select_option("#context-filter", f"population={MARKUP_CONTEXT}")
    assert "insulin-decreases-insulin-signaling-markup" in page.js("hkg.visibleEdgeIds()")
    assert page.js(f"document.querySelectorAll({INJECTED!r}).length") == 0
    assert page.js("window.__pwned") is None
    assert page.dialogs == [] and page.errors == [] and page.outside_requests() == []


def test_markup_in_a_highlighted_path_is_shown_as_text(markup_project, tmp_path, open_page):
    index = Project(markup_project).index()
    html = write_html(index, tmp_path / "path.html", path_between=("insulin", "insulin signaling"))
    page = open_page(html)
    page.page.click('#pathway button[data-claim="insulin-decreases-insulin-signaling-markup"]')
    assert page.page.text_content("#claim-quote") == f"“{MARKUP_QUOTE}”"
    assert page.js(f"document.querySelectorAll({INJECTED!r}).length") == 0
    assert page.js("window.__pwned") is None and page.dialogs == [] and page.errors == []


def test_the_explorer_shows_quotes_and_references_as_people_read_them(real_project):
    """The publisher's "∞" reads as a colon and a table row's cells stand beside their column
    headers, as on the command line; the verbatim quote is kept for checking."""
    from graph.exports.explorer import explorer_data
    from graph.project import Project

    data = explorer_data(Project(real_project).index())
    shown = {c["claim"]: c["quote_shown"] for c in data["claims"]}
    verbatim = {c["claim"]: c["quote"] for c in data["claims"]}
    assert any("∞" in quote for quote in verbatim.values())
    assert not any("∞" in quote for quote in shown.values())
    assert shown["anastrozole-decreases-visceral-adipose-tissue"].startswith(
        "[table] Therapeutic Agent: Anastrozole (in men on TRT) · Effect on Visceral Adipose Tissue (VAT): ")
    assert not any("∞" in (s.get("citation") or "") + (s.get("title") or "") for s in data["studies"].values())
