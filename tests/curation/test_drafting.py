"""`hkg ingest` drafting: entities known or new, claims from sentence structure, the curator's loop.

Each clause rule is tested on a sentence of its own through the real entry point (a document
ingested into a project), and the layouts of tests/fixtures/ingest/layouts/ with their expected
(subject, object, sign) sets; the leave-one-out floor keeps the measured figures from regressing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from graph.cli.commands import cli
from graph.errors import LoadError
from graph.curation.recognise import abbreviations

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "layouts"


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    """A project with only the rules: every entity of a document is new to it."""
    (tmp_path / "p" / "data").mkdir(parents=True)
    for name in ("format.yaml", "ingest.yaml", "designs.yaml"):
        shutil.copy(ROOT / "data" / name, tmp_path / "p" / "data" / name)
    return tmp_path / "p"


def run(project, *args):
    return CliRunner().invoke(cli, ["--project", str(project), *args])


def draft(project: Path, tmp_path: Path, body: str, name: str = "page.txt") -> dict:
    page = tmp_path / name
    page.write_text(f"Overview\n{body}\n", encoding="utf-8")
    result = run(project, "ingest", str(page), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def triples(report: dict) -> set[tuple[str, str, int]]:
    return {(c["subject"], c["object"], c["sign"]) for c in report["claims"]}


@pytest.mark.parametrize("sentence, expected", [
    # the paragraph: a new agent, two verbs sharing it
    ("Metformin improves insulin secretion and lowers hyperinsulinemia.",
     {("metformin", "insulin-secretion", 1), ("metformin", "hyperinsulinemia", -1)}),
    # coordination: one verb, two affected entities
    ("Prolactin suppresses kisspeptin and leptin.", {("prolactin", "kisspeptin", -1), ("prolactin", "leptin", -1)}),
    # passive voice swaps agent and affected entity
    ("Leptin is suppressed by fasting.", {("fasting", "leptin", -1)}),
    # a reduced relative: "the X caused by Y"
    ("The hyperinsulinemia caused by obesity worsens fatigue.",
     {("obesity", "hyperinsulinemia", 1), ("hyperinsulinemia", "fatigue", 1)}),
    # negation: no claim
    ("Metformin does not raise prolactin.", set()),
    # a pronoun takes the previous sentence's subject
    ("Cortisol is a steroid. It suppresses leptin.", {("cortisol", "leptin", -1)}),
    # an introduction before the subject; the head of the object phrase ("levels of X")
    ("In older men, cortisol lowers the circulating levels of testosterone.", {("cortisol", "testosterone", -1)}),
    # a noun of change after a link verb
    ("Obesity leads to an increase in leptin.", {("obesity", "leptin", 1)}),
    # an entity that only modifies the object's head is not the object ("insulin clearance")
    ("Cortisol lowers insulin clearance.", set()),
    # an appositive between subject and verb
    ("Gonadorelin, a peptide, directly stimulates the pituitary gland.", {("gonadorelin", "pituitary-gland", 1)}),
    # an apposition is no list of agents; a possessive names what the owner has ("estrogen feedback"),
    # not the owner, and a participle after the comma is the consequence of blocking it
    ("Enclomiphene, a selective estrogen receptor modulator (SERM), blocks estrogen’s feedback, "
     "increasing luteinizing hormone output.",
     {("enclomiphene", "luteinizing-hormone", 1), ("enclomiphene", "estrogen-feedback", -1),
      ("estrogen-feedback", "luteinizing-hormone", -1)}),
    # examples ("like", "such as", "including") act and are acted on too
    ("Visceral fat is a major source of cytokines like interleukin-6 and leptin.",
     {("visceral-fat", "cytokines", 1), ("visceral-fat", "interleukin-6", 1), ("visceral-fat", "leptin", 1)}),
    # a means clause: X raises Y by lowering Z drafts X lowers Z, and Z lowers Y
    ("Exercise improves insulin secretion by reducing inflammation.",
     {("exercise", "insulin-secretion", 1), ("exercise", "inflammation", -1),
      ("inflammation", "insulin-secretion", -1)}),
    # an agent named by its lack inverts the sign
    ("Low testosterone leads to increased visceral fat.", {("testosterone", "visceral-fat", -1)}),
    # "they" stands for the list the previous sentence named, also after "are agents that"
    ("Obesity raises leptin and resistin. They are hormones that suppress insulin secretion.",
     {("obesity", "leptin", 1), ("obesity", "resistin", 1),
      ("leptin", "insulin-secretion", -1), ("resistin", "insulin-secretion", -1)}),
    # examples listed with "or" and "/" act, and so does the treatment they are examples of (a
    # name composed with a head noun: "peptide therapies")
    ("Peptide therapies, such as sermorelin or ipamorelin/tesamorelin, stimulate growth hormone.",
     {("peptide-therapies", "growth-hormone", 1), ("sermorelin", "growth-hormone", 1),
      ("ipamorelin", "growth-hormone", 1), ("tesamorelin", "growth-hormone", 1)}),
    # examples whose head names nothing act alone
    ("Several peptides, such as sermorelin or tesamorelin, stimulate growth hormone.",
     {("sermorelin", "growth-hormone", 1), ("tesamorelin", "growth-hormone", 1)}),
    # a verb whose direction depends on context drafts the sign "variable"
    ("Estrogen regulates leptin.", {("estrogen", "leptin", "variable")}),
    # "stimulates X to produce Y": the change is on Y
    ("Gonadorelin stimulates the pituitary gland to produce luteinizing hormone.",
     {("gonadorelin", "luteinizing-hormone", 1)}),
    # what a verb acts on, named by the document only: its noun phrases are entities of its own
    ("Metformin improves energy levels and fat storage.",
     {("metformin", "energy-levels", 1), ("metformin", "fat-storage", 1)}),
    # ... but not a phrase that describes ("kinase pathways (such as AMPK)", "... that")
    ("Metformin activates kinase pathways (such as AMPK) that inhibit gluconeogenesis.",
     {("metformin", "ampk", 1)}),
    # a treatment named with a head noun is an agent; "By reducing Z, T lowers Y": T lowers Z,
    # and Z raises Y; no list of agents across the introduction's comma
    ("By reducing visceral fat, testosterone therapy lowers leptin.",
     {("testosterone-therapy", "leptin", -1), ("testosterone-therapy", "visceral-fat", -1),
      ("visceral-fat", "leptin", 1)}),
    # "these hormones" as a subject, an object, or before "which": the list named before; a verb
    # takes its particle ("interfere with")
    ("Obesity raises leptin and resistin. These hormones interfere with glucose uptake.",
     {("obesity", "leptin", 1), ("obesity", "resistin", 1),
      ("leptin", "glucose-uptake", -1), ("resistin", "glucose-uptake", -1)}),
    ("Obesity raises leptin and resistin. Metformin lowers these hormones, which disrupt glucose uptake.",
     {("obesity", "leptin", 1), ("obesity", "resistin", 1), ("metformin", "leptin", -1),
      ("metformin", "resistin", -1), ("leptin", "glucose-uptake", -1), ("resistin", "glucose-uptake", -1)}),
    # "this axis": the entity last named with that head noun
    ("Kisspeptin stimulates the hypothalamic-pituitary-gonadal (HPG) axis. Prolactin suppresses the "
     "function of this axis.",
     {("kisspeptin", "hypothalamic-pituitary-gonadal", 1), ("prolactin", "hypothalamic-pituitary-gonadal", -1)}),
    # an intransitive change and what it happens with
    ("As leptin levels decline during fasting, hunger rises.", {("fasting", "leptin", -1)}),
    # a subject made of nouns of change: each named entity acts with its noun's sign
    ("The increase in leptin and reduction in ghrelin are drivers of glucose uptake.",
     {("leptin", "glucose-uptake", 1), ("ghrelin", "glucose-uptake", -1)}),
    # a term the text introduces in quotes is an entity
    ("This state, often termed “inflammaging,” is sustained by obesity.", {("obesity", "inflammaging", 1)}),
    # "... and a corresponding decrease in Y": the same agent
    ("Exercise leads to an increase in muscle mass and a corresponding decrease in visceral fat.",
     {("exercise", "muscle", 1), ("exercise", "visceral-fat", -1)}),
    # a parenthesis after the object phrase renames it; "these hormones" after "A and B have ..."
    ("Estrogen and progesterone have effects on fat. These hormones favor fat storage in the hips "
     "and thighs (subcutaneous fat).",
     {("estrogen", "subcutaneous-fat", 1), ("progesterone", "subcutaneous-fat", 1)}),
    # an adjective made from a name the document uses names it
    ("Estrogen lowers leptin. Progesterone modulates estrogenic effects.",
     {("estrogen", "leptin", -1), ("progesterone", "estrogen", "variable")}),
    # "its effects on X can vary": a variable effect of its owner
    ("Progesterone also plays a role, though its effects on insulin secretion can vary.",
     {("progesterone", "insulin-secretion", "variable")}),
    # "This state of high insulin": what the sentence before named last, not the entity after "of"
    ("Obesity causes hyperinsulinemia. This state of high insulin is a driver of visceral fat.",
     {("obesity", "hyperinsulinemia", 1), ("hyperinsulinemia", "visceral-fat", 1)}),
    # "its signaling cascade": the entity last named with that head noun
    ("Kisspeptin activates the MAPK cascade. The cell resists kisspeptin because its signaling cascade is "
     "blocked by inflammation.", {("kisspeptin", "mapk-cascade", 1), ("inflammation", "mapk-cascade", -1)}),
    # "A and subsequent B": B follows from A
    ("Fasting lowers luteinizing hormone secretion and subsequent testosterone production.",
     {("fasting", "luteinizing-hormone-secretion", -1), ("luteinizing-hormone-secretion", "testosterone", 1)}),
    # "X lowers Y. This leads to a decrease in Z": the event is Y's change, so Y acts on Z too
    ("Metformin inhibits gluconeogenesis. This leads to a decrease in blood glucose.",
     {("metformin", "gluconeogenesis", -1), ("metformin", "blood-glucose", -1), ("gluconeogenesis", "blood-glucose", 1)}),
    # "suppress X, further reducing Y": the agent reduces Y, and X's change is what changes Y
    ("Obesity raises the hypothalamic-pituitary-gonadal (HPG) axis. Inflammation can suppress the function of "
     "the HPG axis, further reducing luteinizing hormone (LH) signaling.",
     {("obesity", "hypothalamic-pituitary-gonadal", 1), ("inflammation", "hypothalamic-pituitary-gonadal", -1),
      ("inflammation", "luteinizing-hormone", -1), ("hypothalamic-pituitary-gonadal", "luteinizing-hormone", 1)}),
    # nominalisations: "A-induced B", "the reduction of A by X" (and the reduced A acts on Y inverted)
    ("Obesity-induced inflammation impairs insulin secretion.",
     {("obesity", "inflammation", 1), ("inflammation", "insulin-secretion", -1)}),
    ("The reduction of leptin by fasting lowers thyroid hormone.",
     {("fasting", "leptin", -1), ("leptin", "thyroid-hormone", 1)}),
    # a link straight to an entity raises it; not when the entity only starts a longer phrase
    ("Leptin contributes to insulin resistance in mice.", {("leptin", "insulin-resistance", 1)}),
    # a table column's gloss ("Improvement (decrease)") holds in its other cells; "driven by X": X acts too
    ("| Agent | Effect on insulin resistance |\n| --- | --- |\n| Metformin | Improvement (decrease) |\n"
     "| Exercise | Supports the improvements driven by leptin |",
     {("metformin", "insulin-resistance", -1), ("exercise", "insulin-resistance", -1),
      ("leptin", "insulin-resistance", -1)}),
    # a formulation is a name of its own
    ("Low-dose testosterone improves metabolic health.", {("low-dose-testosterone", "metabolic-health", 1)}),
    # coordination over an adjective ("and endogenous insulin production")
    ("Metformin maintains beta cell function and endogenous insulin production.",
     {("metformin", "beta-cell-function", 1), ("metformin", "insulin", 1)}),
    # a gerund of change opening the clause: its object acts, with the gerund's sign times the verb's
    ("Reducing cortisol lowers leptin.", {("cortisol", "leptin", 1)}),
    ("Restoring ghrelin levels enhances thyroid hormone.", {("ghrelin", "thyroid-hormone", 1)}),
    # covariation of two intransitive changes: "As A falls, B falls" (A raises B), after an
    # introduction too, and an arrival ("enters the blood") is a rise
    ("As leptin mass decreases, the secretion of ghrelin declines.", {("leptin", "ghrelin", 1)}),
    ("During fasting, when ghrelin enters the circulation, cortisol is released.", {("ghrelin", "cortisol", 1)}),
    ("When cortisol rises, the level of leptin decreases.", {("cortisol", "leptin", -1)}),
    # a table cell that is a sentence of its own: each part's word of change, verb or noun, with what it names
    ("| Agent | Effect on appetite |\n| --- | --- |\n"
     "| Cortisol | Complex; acute stress can induce transient hyperglycemia, but effects vary |",
     {("cortisol", "hyperglycemia", 1), ("cortisol", "appetite", "variable")}),
    # a clause of purpose: "The goal is to V X" is the previous sentence's subject's (or the owner
    # after "of"); "interrupt the cycle of A and B" acts on each
    ("Metformin is a drug for diabetes. The goal is to lower hyperglycemia and interrupt the cycle of obesity "
     "and inflammation.",
     {("metformin", "hyperglycemia", -1), ("metformin", "obesity", -1), ("metformin", "inflammation", -1)}),
    ("The goal of metformin is to lower leptin.", {("metformin", "leptin", -1)}),
    # "its efficacy in V-ing X": its owner does it
    ("Metformin is widely prescribed. Its efficacy in reducing hyperglycemia is well established.",
     {("metformin", "hyperglycemia", -1)}),
    # "This change in ..." names the change the sentence before named last, agent or not
    ("Cortisol promotes the accumulation of visceral fat. This change in body composition is a driver of "
     "insulin resistance.", {("cortisol", "visceral-fat", 1), ("visceral-fat", "insulin-resistance", 1)}),
    # "the risk of X" is X; "type 2 diabetes" in lower case is the MeSH name "Type 2 Diabetes"
    ("Obesity raises the risk of type 2 diabetes.", {("obesity", "type-2-diabetes", 1)}),
    # a verb of moving in: the place gains the mover, in either voice; examples after a comma
    ("Adipose tissue is infiltrated by immune cells, particularly macrophages.",
     {("adipose-tissue", "macrophages", 1)}),
    ("Macrophages infiltrate adipose tissue.", {("adipose-tissue", "macrophages", 1)}),
    # "deficiencies in X": the lack of X, so addressing it raises X; examples after a plain head
    ("Metformin addresses deficiencies in hormones like leptin and ghrelin.",
     {("metformin", "leptin", 1), ("metformin", "ghrelin", 1)}),
    ("Metformin reduces the loss of muscle mass.", {("metformin", "muscle", 1)}),
    # "these therapies": the entity last named with that head noun when no list was named
    ("Leptin therapies are widely used. These therapies lower ghrelin.", {("leptin-therapies", "ghrelin", -1)}),
    # a list inside an introduction is no comma that ends it
    ("By lowering leptin, ghrelin, and cortisol, metformin reduces hyperglycemia.",
     {("metformin", "leptin", -1), ("metformin", "ghrelin", -1), ("metformin", "cortisol", -1),
      ("metformin", "hyperglycemia", -1), ("leptin", "hyperglycemia", 1), ("ghrelin", "hyperglycemia", 1),
      ("cortisol", "hyperglycemia", 1)}),
    # adjectives in a row separated by commas stay in the object phrase
    ("Obesity promotes a systemic, low-grade, chronic inflammation.", {("obesity", "inflammation", 1)}),
    # a participle after a comma is a consequence of the change before it ...
    ("Cortisol suppresses leptin, raising appetite.",
     {("cortisol", "leptin", -1), ("cortisol", "appetite", 1), ("leptin", "appetite", -1)}),
    # ... but not a verb of keeping a state, and not the change of a relative clause
    ("Kisspeptin stimulates luteinizing hormone, maintaining testosterone production.",
     {("kisspeptin", "luteinizing-hormone", 1), ("kisspeptin", "testosterone", 1)}),
    ("Metformin lowers insulin resistance by shrinking visceral fat that secretes leptin, thereby reducing "
     "inflammation.",
     {("metformin", "insulin-resistance", -1), ("metformin", "visceral-fat", -1), ("visceral-fat", "insulin-resistance", 1),
      ("visceral-fat", "leptin", 1), ("metformin", "inflammation", -1)}),
    # a relative clause on an unnamed object: what is done to it, times what it does to X
    ("Metformin blocks the machinery that produces glucose.", {("metformin", "glucose", -1)}),
    # covariation followed by a participle: both changes act on its object
    ("As leptin declines, ghrelin rises, raising appetite.",
     {("leptin", "ghrelin", -1), ("ghrelin", "appetite", 1), ("leptin", "appetite", -1)}),
    # "with age" names Aging (a lexicon term), "age-related" nothing
    ("Leptin levels decline with age. Age-related obesity raises leptin.",
     {("aging", "leptin", -1), ("obesity", "leptin", 1)}),
    # what a cue acts on named by its owner, when the owner is a name; "the body’s ability" is none
    ("Clomiphene blocks estrogen’s negative feedback, raising luteinizing hormone.",
     {("clomiphene", "estrogen-negative-feedback", -1), ("clomiphene", "luteinizing-hormone", 1),
      ("estrogen-negative-feedback", "luteinizing-hormone", -1)}),
    ("Exercise improves the body’s ability to use glucose.", set()),
    # a table cell's bare head noun is the entity last named with it, and the entity whose change
    # the cell's noun names acts on it too; "(via X)" in an agent cell: the agent raises X
    ("Testosterone raises muscle strength.\n| Agent | Effect |\n| --- | --- |\n"
     "| Exercise | Long-term leptin elevation is associated with improved strength |\n"
     "| Growth hormone peptides (via IGF-1) | Increases muscle mass |",
     {("testosterone", "muscle-strength", 1), ("exercise", "muscle-strength", 1), ("leptin", "muscle-strength", 1),
      ("growth-hormone-peptides", "igf-1", 1), ("growth-hormone-peptides", "muscle", 1)}),
])
def test_clause_rules(empty, tmp_path, sentence, expected):
    assert triples(draft(empty, tmp_path, sentence)) == expected


def test_negation_hedges_and_context_are_reported(empty, tmp_path):
    report = draft(empty, tmp_path, "Metformin does not raise prolactin. In men, cortisol may acutely lower leptin.")
    assert [(n["cue"], n["reason"]) for n in report["no_claims"]] == [("raise", "negated")]
    claim = next(c for c in report["claims"] if c["subject"] == "cortisol")
    assert (claim["certainty"], claim["hedge"]) == ("medium", "may")
    assert dict(claim["context"]) == {"population": "men", "timescale": "acute"}


def test_new_entities_carry_verified_identifiers_and_abbreviations_become_synonyms(empty, tmp_path):
    report = draft(empty, tmp_path, "High sex hormone-binding globulin (SHBG) lowers free testosterone. "
                                    "SHBG binds testosterone.")
    shbg = next(e for e in report["entities"] if e["id"] == "sex-hormone-binding-globulin")
    assert shbg["synonyms"] == ["SHBG"] and shbg["origin"] == "abbreviation"
    assert ["HGNC:10839", "SHBG"] in shbg["identifiers"] and shbg["category"] == "Gene"
    testosterone = next(e for e in report["entities"] if e["id"] == "testosterone")
    assert ["CHEBI:17347", "testosterone"] in testosterone["identifiers"]
    assert testosterone["category"] == "ChemicalEntity"



def test_lexicon_names_read_as_prose_writes_them(empty, tmp_path):
    """An abbreviation MeSH spells out ("FSH (Follicle Stimulating Hormone)") names its term though
    the text never writes it out; "type 2 diabetes" in lower case is MeSH's "Type 2 Diabetes" (a
    digit alone makes no symbol); "with age" is the term Aging, "age-related" nothing."""
    report = draft(empty, tmp_path, "Gonadorelin raises FSH. Obesity raises the risk of type 2 diabetes. "
                                    "Leptin levels decline with age. Age-related obesity raises leptin.")
    assert {("gonadorelin", "fsh", 1), ("obesity", "type-2-diabetes", 1), ("aging", "leptin", -1)} <= triples(report)
    entities = {e["id"]: e for e in report["entities"]}
    assert ["MESH:D005640", "Follicle Stimulating Hormone"] in entities["fsh"]["identifiers"]
    assert ["MESH:D003924", "Diabetes Mellitus, Type 2"] in entities["type-2-diabetes"]["identifiers"]
    assert entities["aging"]["label"] == "aging" and ["MESH:D000375", "Aging"] in entities["aging"]["identifiers"]
    assert "age" not in entities and not any(c["subject"] == "aging" and c["object"] == "obesity" for c in report["claims"])


def test_abbreviations():
    assert abbreviations("Tumor Necrosis Factor-alpha (TNF-α) and the pituitary (the gland)") == [
        ("Tumor Necrosis Factor-alpha", "TNF-α", 0)]


def test_known_names_win_and_new_synonyms_are_proposed(mini_project, tmp_path):
    for name in ("ingest.yaml", "format.yaml"):
        shutil.copy(ROOT / "data" / name, mini_project / "data" / name)
    report = draft(mini_project, tmp_path, "TNF-alpha (TNFA) suppresses insulin signaling. TNFA lowers insulin sensitivity.")
    # TNF-α is known; the abbreviation the page defines is proposed as its synonym, and read as it
    assert triples(report) == {("tnf-alpha", "insulin-signaling", -1), ("tnf-alpha", "insulin-sensitivity", -1)}
    assert [(e["id"], e["synonyms"], e["known"]) for e in report["entities"] if e["known"]] == [
        ("tnf-alpha", ["TNFA"], True)]


@pytest.mark.parametrize("name, expected, entities", [
    ("kisspeptin-numbered.txt", {
        ("kisspeptin", "gonadotropin-releasing-hormone", 1),
        ("gonadotropin-releasing-hormone", "luteinizing-hormone", 1),
        ("gonadotropin-releasing-hormone", "follicle-stimulating-hormone", 1),
        ("fasting", "leptin", -1),
        ("prolactin", "kisspeptin", -1), ("prolactin", "gonadotropin-releasing-hormone", -1)},
     2),
    ("irisin-author-year.txt", {
        ("metformin", "hyperinsulinemia", -1),
        ("metformin", "insulin-resistance", -1),  # the table: "Improvement (decrease)"
        ("metformin", "body-weight", 0),  # "No change"
        ("exercise", "insulin-resistance", -1),
        # irisin is in no lexicon: the table's first column names it, so it is an entity
        ("irisin", "energy-expenditure", 1), ("irisin", "insulin-resistance", -1), ("irisin", "body-weight", -1),
        ("obesity", "irisin", -1)},
     2),
    # "•" bullets under "Works Cited" (Vancouver with a PMID, APA with a DOI), a markdown table
    # whose agents are in no lexicon, a treatment composed with a head noun, an occasion
    ("ghrelin-apa.txt", {
        ("stomach", "ghrelin", 1), ("ghrelin", "growth-hormone-secretion", 1), ("ghrelin", "food-intake", 1),
        ("somatostatin", "ghrelin", -1), ("fasting", "ghrelin", 1),
        ("gastric-bypass-therapy", "ghrelin", -1),
        ("sleep-restriction", "ghrelin", 1), ("sleep-restriction", "body-weight", 1),
        ("gastric-bypass-surgery", "ghrelin", -1), ("gastric-bypass-surgery", "body-weight", -1)},
     2),
])
def test_layout_fixtures_through_the_cli(empty, name, expected, entities):
    result = run(empty, "ingest", str(LAYOUTS / name), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert triples(report) == expected
    assert len(report["references"]) == entities and report["problems"] == []
    subjects = {s for s, _, _ in expected}
    new = {e["id"] for e in report["entities"] if not e["known"]}
    assert subjects <= new  # every agent is an entity the project did not know


def test_reference_layouts_parse_through_the_cli(empty):
    """Bulleted "•" Vancouver and APA entries under "Works Cited": authors, year, title, journal,
    volume, pages, DOI and PMID reach the draft's studies."""
    result = run(empty, "ingest", str(LAYOUTS / "ghrelin-apa.txt"), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    found = [(r["study"], r["line"], r["authors"][:2], r["year"], r["source"], r["volume"], r["pages"], r["doi"], r["pmid"])
             for r in report["references"]]
    assert found == [
        ("kojima-1999", 12, ["Kojima, M.", "Hosoda, H."], 1999, "Nature", "402", "656-660", None, "10604470"),
        ("cummings-2002", 13, ["Cummings, D. E.", "Weigle, D. S."], 2002, "New England Journal of Medicine", "346",
         "1623-1630", "10.1056/nejmoa012908", None)]  # DOIs are case-insensitive: folded
    assert report["references"][1]["title"].startswith("Plasma ghrelin levels after diet-induced weight loss")
    studies = yaml.safe_load((empty / "data/drafts/ghrelin-apa.yaml").read_text(encoding="utf-8"))["studies"]
    assert [s["id"] for s in studies] == ["kojima-1999", "cummings-2002"]
    new = {e["id"]: e for e in report["entities"] if not e["known"]}
    assert new["gastric-bypass-therapy"]["category"] == "Treatment"  # its head noun says so


def test_reference_parse_failures_are_listed_with_their_line(empty, tmp_path):
    page = tmp_path / "refs.txt"
    page.write_text("Overview\nLeptin lowers appetite.\nReferences\n* Smith, J., & Jones, K. (2010). Leptin. "
                    "Journal of Endocrinology, 22(7), 1-9.\n* garbled entry without a year\n"
                    "[3] Lee K. Leptin and fasting. Obes Rev. 2015;16:100-110. PMID: 12345678\n", encoding="utf-8")
    report = json.loads(run(empty, "ingest", str(page), "--format", "json").output)
    assert [(r["first_author"], r["year"], r["line"]) for r in report["references"]] == [("Smith", 2010, 4), ("Lee", 2015, 6)]
    assert report["problems"] == ["data/sources/refs.txt:5: reference does not parse: '* garbled entry without a year'"]


def test_in_text_citations_become_document_links(empty):
    """A study the document cites in the claim's paragraph is a link with basis document."""
    numbered = json.loads(run(empty, "ingest", str(LAYOUTS / "kisspeptin-numbered.txt"), "--format", "json").output)
    assert [(r["study"], r["title"]) for r in numbered["references"]] == [
        ("smith-2010", "Kisspeptin signalling in the brain"), ("brown-2012", "Prolactin inhibits kisspeptin neurons")]
    cited = {(c["subject"], c["object"]): c["studies"] for c in numbered["claims"]}
    assert cited[("kisspeptin", "gonadotropin-releasing-hormone")] == ["smith-2010"]
    assert cited[("prolactin", "kisspeptin")] == ["brown-2012"]
    assert cited[("fasting", "leptin")] == ["smith-2010"]  # [1] is cited in its paragraph, as the build reads it
    author_year = json.loads(run(empty, "ingest", str(LAYOUTS / "irisin-author-year.txt"), "--format", "json").output)
    cited = {(c["subject"], c["object"]): c["studies"] for c in author_year["claims"]}
    assert cited[("exercise", "insulin-resistance")] == ["bostrom-2012", "zhang-2014"]  # both in its paragraph
    draft = yaml.safe_load((empty / "data/drafts/irisin-author-year.yaml").read_text(encoding="utf-8"))
    assert next(c for c in draft["claims"] if c["subject"] == "exercise")["supports"] == [
        {"study": "bostrom-2012", "basis": "document"}, {"study": "zhang-2014", "basis": "document"}]


def test_review_accepts_edits_and_rejects_into_canonical_data(mini_project, tmp_path):
    from graph.project import Project
    from graph.pipeline.build import build

    for name in ("ingest.yaml", "format.yaml"):
        shutil.copy(ROOT / "data" / name, mini_project / "data" / name)
    report = draft(mini_project, tmp_path, "Metformin lowers visceral fat. Metformin raises TNF-α.", "metformin.txt")
    ids = sorted(c["id"] for c in report["claims"])
    assert ids == ["metformin-decreases-visceral-fat", "metformin-increases-tnf-alpha"]
    listing = run(mini_project, "review", "metformin")
    assert listing.exit_code == 0 and "Metformin lowers visceral fat." in listing.output
    # a claim whose new agent is not accepted fails the build's checks: nothing changes
    before = (mini_project / "data/claims.yaml").read_text(encoding="utf-8")
    refused = run(mini_project, "review", "metformin", "--accept", "metformin-decreases-visceral-fat")
    assert refused.exit_code == 1 and "not accepted, nothing changed" in refused.output
    assert "unknown subject entity 'metformin'" in refused.output
    assert (mini_project / "data/claims.yaml").read_text(encoding="utf-8") == before
    result = run(mini_project, "review", "metformin", "--accept", "metformin",
                 "--edit", "metformin-decreases-visceral-fat:certainty=medium",
                 "--edit", "metformin-decreases-visceral-fat:hedge=lowers",
                 "--reject", "metformin-increases-tnf-alpha")
    assert result.exit_code == 0, result.output
    claims = yaml.safe_load((mini_project / "data/claims.yaml").read_text(encoding="utf-8"))
    accepted = next(c for c in claims if c["id"] == "metformin-decreases-visceral-fat")
    assert (accepted["subject"], accepted["certainty"], accepted["document"]) == ("metformin", "medium", "metformin")
    assert "metformin-increases-tnf-alpha" not in {c["id"] for c in claims}
    from graph.curation.lint import lint_data

    assert lint_data(mini_project / "data", write=False) == []  # canonical
    left = yaml.safe_load((mini_project / "data/drafts/metformin.yaml").read_text(encoding="utf-8"))
    assert left["claims"] == [] and all(e["id"] != "metformin" for e in left["entities"])
    built = build(Project(mini_project))
    assert built.claims == 7
    with pytest.raises(LoadError, match="no entry 'nope'"):
        from graph.curation.review import apply_review

        apply_review(mini_project / "data", "metformin", accept=("nope",))


def test_leave_one_out_floor():
    """The leave-one-out figures (docs/ingest.md) stay above the floor set from the measurement."""
    from benchmarks.ingest_eval import evaluate

    figures = evaluate()  # measured: precision 88 %, recall 68 % (121 of 137 drafted, of 178 curated triples; 89 without a synonym)
    assert figures["precision"] >= 0.87 and figures["recall"] >= 0.67, figures
    assert figures["correct"] >= 121 and figures["strict"] >= 89


def test_walkthrough(tmp_path):
    """docs/ingest.md's walkthrough: a hormone the graph does not know, ingested, accepted, built,
    and a pathway question it can now answer."""
    from graph.project import Project
    from graph.pipeline.build import build

    project = tmp_path / "project"
    shutil.copytree(ROOT / "data", project / "data", ignore=shutil.ignore_patterns("drafts"))
    page = ROOT / "docs" / "examples" / "adiponectin.txt"
    report = json.loads(run(project, "ingest", str(page), "--format", "json").output)
    assert triples(report) == {("adiponectin", "inflammation", -1), ("adiponectin", "insulin-sensitivity", 1),
                               ("adipocyte", "adiponectin", 1), ("visceral-adipose-tissue", "adiponectin", -1)}
    before = run(project, "paths", "testosterone", "adiponectin")
    assert before.exit_code != 0  # unknown entity
    accepted = run(project, "review", "adiponectin", "--accept-all")
    assert accepted.exit_code == 0 and "accepted 5, rejected 0" in accepted.output, accepted.output
    xrefs = yaml.safe_load((project / "data/xrefs.yaml").read_text(encoding="utf-8"))
    assert xrefs["entities"]["adiponectin"]["CHEBI:81572"] == "adiponectin"
    build(Project(project))
    route = json.loads(run(project, "paths", "testosterone", "adiponectin", "--limit", "1", "--format", "json").output)
    assert [n["id"] for n in route[0]["nodes"]] == ["testosterone", "visceral-adipose-tissue", "adiponectin"]
    assert route[0]["sign"] == 1
