"""The bad-input table of docs/errors.md, one test per row, through the real command line.

Each test copies the mini project *after* a good build, breaks one thing, runs ``hkg`` (the
console entry point :func:`graph.cli.commands.main`, so its last line of defence is exercised too) and
checks what a user sees and what is left on disk:

- stderr is exactly the row's message, every line starting ``error:``, and no traceback;
- the exit code is the row's (1 for bad data, 2 for a bad name, option, query or parameter);
- nothing was written: ``.hkg`` (``current`` and every build) and ``exports/`` are byte-identical
  to before, no new file appeared anywhere outside ``data/``, and no temporary file is left.

Keep docs/errors.md in step with these tests: a row there is a test here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graph.project import Project
from graph.pipeline.build import build
from graph.cli.commands import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
METFORMIN = FIXTURES / "imports" / "metformin.ttl"
#: what a temporary file of an atomic write or a build looks like
TEMPORARY = re.compile(r"^\.(?:tmp-|current-)|\.tmp$")


@pytest.fixture(scope="module")
def built_template(tmp_path_factory) -> Path:
    """The mini fixture, built once for the module (copied before each test breaks it)."""
    target = tmp_path_factory.mktemp("errors") / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    build(Project(target))
    return target


@pytest.fixture
def project(built_template, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the built mini project (its cache link and store copied as they are)."""
    monkeypatch.delenv("HKG_CACHE", raising=False)
    monkeypatch.delenv("HKG_PROJECT", raising=False)
    target = tmp_path / "mini"
    shutil.copytree(built_template, target, symlinks=True)
    assert Project(target).current_build().parent == target / ".hkg" / "builds"
    return target


def state(project: Path) -> dict[str, bytes | str]:
    """Everything under the project except ``data/``: each file's bytes, each link's target."""
    found: dict[str, bytes | str] = {}
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project).as_posix()
        if relative == "data" or relative.startswith("data/"):
            continue
        if path.is_symlink():
            found[relative] = "-> " + os.readlink(path)
        elif path.is_file():
            found[relative] = path.read_bytes()
    return found


def temporary_files(*folders: Path) -> list[str]:
    return sorted(str(p) for folder in folders if folder.exists()
                  for p in folder.rglob("*") if TEMPORARY.search(p.name))


def hkg(project: Path, *args: str, capsys) -> tuple[int, str, str]:
    """Run ``hkg --project PROJECT ARGS`` through the console entry point; (code, out, err)."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        main(["--project", str(project), *args])
    captured = capsys.readouterr()
    code = stopped.value.code
    return (0 if code is None else code), captured.out, captured.err


def check_refused(project: Path, args: list[str], expected: list[str] | str, exit_code: int, capsys,
                  *, also_unwritten: tuple[Path, ...] = ()) -> str:
    """Run a command that must fail; assert its message, exit code and that nothing was written.

    ``expected`` is the exact stderr (a list of lines), or a regular expression it must match
    as a whole. Returns stderr.
    """
    before = state(project)
    current = Project(project).current_build()
    code, out, err = hkg(project, *args, capsys=capsys)
    assert "Traceback" not in out + err
    lines = err.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), err
    if isinstance(expected, str):
        assert re.fullmatch(expected, err.rstrip("\n")), err
    else:
        assert lines == expected
    assert code == exit_code, (code, err)
    assert out == "", out  # nothing half-reported on stdout either
    assert Project(project).current_build() == current
    assert state(project) == before, "something under the project changed"
    assert temporary_files(project, *also_unwritten) == []
    for path in also_unwritten:
        assert not path.exists() or not any(path.iterdir()), f"{path} was written"
    return err


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"the fixture no longer contains {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- bad data: `hkg build` exits 1, one line per problem, the previous build stays ---------------

def test_malformed_yaml(project, capsys):
    edit(project / "data/studies.yaml", "  year: 2020", "  year: [2020")
    check_refused(project, ["build"], [
        "error: data/studies.yaml:5: malformed YAML: did not find expected ',' or ']'"], 1, capsys)


def test_claim_naming_an_unknown_entity(project, capsys):
    edit(project / "data/claims.yaml", "subject: tnf-alpha", "subject: tnf-alfa")
    check_refused(project, ["build"], [
        "error: data/claims.yaml:35: claim 'tnf-alpha-decreases-insulin-signaling': "
        "unknown subject entity 'tnf-alfa' (did you mean 'tnf-alpha'?)"], 1, capsys)


def test_duplicate_id(project, capsys):
    edit(project / "data/entities.yaml", "- id: pancreas", "- id: insulin")
    check_refused(project, ["build"], [
        "error: data/entities.yaml:14: duplicate id 'insulin' (first at line 5)"], 1, capsys)


@pytest.mark.parametrize("written, shown", [("2", "2"), ("-2", "-2"), ("0.5", "0.5"), ("up", "'up'"),
                                            ("true", "True"), ("'+1'", "'+1'")])
def test_sign_outside_plus_one_minus_one_zero(project, capsys, written, shown):
    edit(project / "data/claims.yaml", "  sign: 1\n", f"  sign: {written}\n")
    check_refused(project, ["build"], [
        f"error: data/claims.yaml:4: claim 'insulin-increases-visceral-fat': sign {shown} is not one "
        "of +1, -1, 0, variable"], 1, capsys)


def test_quote_not_in_the_document(project, capsys):
    edit(project / "data/claims.yaml", "Testosterone reduces visceral fat in men.",
         "Testosterone removes visceral fat in men.")
    check_refused(project, ["build"], [
        "error: data/claims.yaml:23: claim 'testosterone-decreases-visceral-fat': quote not found in "
        "data/sources/mini.txt: 'Testosterone removes visceral fat in men.'; closest passage: "
        "'Testosterone reduces visceral fat in men.'"], 1, capsys)


def test_source_not_utf8(project, capsys):
    (project / "data/sources/latin1.txt").write_bytes("Fundamentals\nCaf\u00e9 au lait.\n".encode("latin-1"))
    check_refused(project, ["build"], ["error: data/sources/latin1.txt:2: not UTF-8 (byte 16)"], 1, capsys)


def test_source_empty(project, capsys):
    (project / "data/sources/empty.txt").write_bytes(b"")
    (project / "data/sources/blank.txt").write_bytes(b" \n\t\r\n")
    check_refused(project, ["build"], ["error: data/sources/blank.txt: empty source document",
                                       "error: data/sources/empty.txt: empty source document"], 1, capsys)


def test_source_of_50_mb(project, capsys):
    line = ("Insulin lowers blood sugar and testosterone reduces visceral fat in men. " * 20 + "\n").encode()
    with (project / "data/sources/huge.txt").open("wb") as handle:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    size = (project / "data/sources/huge.txt").stat().st_size
    assert size >= 50 * 1024 * 1024
    check_refused(project, ["build"], [
        f"error: data/sources/huge.txt: source document is {size} bytes; the limit is 10485760"], 1, capsys)


def test_reference_that_does_not_parse(project, capsys):
    with (project / "data/sources/mini.txt").open("a", encoding="utf-8") as handle:
        handle.write("- Smith, J. Notes on hormones, undated.\n")
    check_refused(project, ["build"], [
        "error: data/sources/mini.txt:13: reference does not parse: "
        "'- Smith, J. Notes on hormones, undated.'"], 1, capsys)


@pytest.mark.parametrize("file, old, new, message", [
    ("entities.yaml", "  category: Protein\n", "  category: {}\n", "error: data/entities.yaml:7: unknown category {}"),
    ("claims.yaml", "  subject: insulin\n", "  subject: [insulin]\n",
     "error: data/claims.yaml:2: claim 'insulin-increases-visceral-fat': subject must be text, got ['insulin']"),
    ("format.yaml", None, "levels: 3\n", "error: data/format.yaml: levels must be a list of words or phrases, got 3"),
    ("xrefs.yaml", None, "entities: [CHEBI:1]\n",
     "error: data/xrefs.yaml: entities must map each id to its CURIEs, got ['CHEBI:1']"),
], ids=["category-mapping", "subject-list", "format-levels", "xrefs-list"])
def test_a_value_of_the_wrong_shape(project, capsys, file, old, new, message):
    if old is None:
        (project / "data" / file).write_text(new, encoding="utf-8")
    else:
        edit(project / "data" / file, old, new)
    check_refused(project, ["build"], [message], 1, capsys)


# --- bad names and options: exit 2 ------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["entity", "testosteron"],
    ["paths", "testosteron", "insulin sensitivity"],
    ["neighbors", "testosteron", "--format", "json"],
])
def test_unknown_cli_entity_says_did_you_mean(project, capsys, args):
    check_refused(project, args, ["error: no entity named 'testosteron' in this graph; the closest name is: testosterone"], 2, capsys)


@pytest.mark.parametrize("args, choices", [
    (["entity", "insulin", "--format", "yaml"], "'table', 'json'"),
    (["sparql", "ASK { ?s ?p ?o }", "--format", "yaml"],
     "'table', 'json', 'csv', 'tsv', 'xml', 'turtle', 'nt', 'jsonld'"),
    (["export", "--format", "yaml", "-o", "{out}"],
     "'cyjs', 'cytoscape', 'graphml', 'json-ld', 'jsonld', 'kgx-jsonl', 'kgx-tsv', 'n-triples', 'nt', "
     "'ttl', 'turtle'"),
])
def test_unknown_format(project, tmp_path, capsys, args, choices):
    out = tmp_path / "out"
    out.mkdir()
    args = [a.replace("{out}", str(out)) for a in args]
    command = args[0]
    check_refused(project, args, [
        f"error: invalid value for '--format': 'yaml' is not one of {choices} (try 'hkg {command} --help')"],
        2, capsys, also_unwritten=(out,))


@pytest.mark.parametrize("query, message", [
    ("SELECT ?s WHERE { ?s ?p }", "malformed query at line 1, column 26: expected one of LATERAL, SERVICE, [_]"),
    ('SELECT ?s WHERE {\n  ?s rdfs:label "open\n}',
     'malformed query at line 2, column 22: expected one of "\\"", "\\\\", "\\\\U", "\\\\u"'),
    ("SELECT * WHERE { ?s nope:thing ?o }",
     "malformed query at line 1, column 21: unknown prefix 'nope:' in nope:thing; declare it "
     "(PREFIX nope: <IRI>) or use one of the project's: bibo, biolink, claim, dcat, dcterms, doc, "
     "entity, fabio, hkg, infores, journal, obo, prov, rdf, rdfs, schema, skos, study, void, xsd"),
    ("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
     "updates are not allowed: the store is read-only (INSERT)"),
    # deep enough to overflow the store's parser (the process would die): refused first
    ("SELECT * WHERE " + "{" * 3000 + "}" * 3000,
     "malformed query at line 1, column 1016: nested more than 1000 deep (brackets, braces and parentheses)"),
])
def test_malformed_sparql_query(project, capsys, query, message):
    check_refused(project, ["sparql", query], ["error: " + message], 2, capsys)


def test_a_long_operator_chain_is_answered_not_a_crash(project, capsys):
    """20,001 chained `!` overflow a default thread stack inside the store's parser (the process
    died with SIGSEGV and no message); the query thread's stack is deep enough now."""
    code, out, err = hkg(project, "sparql", "ASK { FILTER(" + "!" * 20_001 + "false) }", "--format", "json",
                         capsys=capsys)
    assert (code, err) == (0, "") and json.loads(out)["boolean"] is True


@pytest.mark.parametrize("param, message", [
    ("x", "malformed parameter 'x': expected name=value"),
    ("1 bad=3", "malformed parameter '1 bad=3': '1 bad' is not a variable name (letters, digits and _ only)"),
    ('o="unterminated', "parameter ?o: malformed literal '\"unterminated' (expected \"text\", "
                        "\"text\"@lang or \"text\"^^datatype)"),
    ("o=<not an iri>", "parameter ?o: invalid IRI <not an iri> at character 4: Invalid IRI code point ' '"),
])
def test_malformed_sparql_parameter(project, capsys, param, message):
    check_refused(project, ["sparql", "SELECT ?s WHERE { ?s ?p ?o }", "--param", param],
                  ["error: " + message], 2, capsys)


# --- imports: exit 1, the file and line (or the violated shape) named ---------------------------------

def test_turtle_import_that_does_not_parse(project, capsys):
    imports = project / "data" / "imports"
    imports.mkdir()
    (imports / "broken.ttl").write_text('@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .\n'
                                        'ex:d ex:e "open\n', encoding="utf-8")
    check_refused(project, ["build"], [
        "error: data/imports/broken.ttl:3: does not parse as Turtle: newline found in string literal"], 1, capsys)


def test_turtle_import_that_fails_shacl(project, capsys):
    imports = project / "data" / "imports"
    imports.mkdir()
    (imports / "bad.ttl").write_text(METFORMIN.read_text(encoding="utf-8").replace(
        "hkg:sign 1 ;", 'hkg:sign 1 ;\n    hkg:certainty "certain" ;'), encoding="utf-8")
    check_refused(project, ["build"], re.escape(
        "error: data/imports/bad.ttl fails the SHACL shapes: "
        "<https://example.org/diabetes-kg/metformin-increases-insulin-sensitivity>: "
        "hkg:certainty a claim's certainty is one of high, medium, low"),
        1, capsys)


def test_review_accepting_what_fails_the_checks(project, tmp_path, capsys):
    """Row 16: accepted draft entries are checked as a build checks them; a failure changes nothing."""
    for name in ("ingest.yaml", "format.yaml"):
        shutil.copy(ROOT / "data" / name, project / "data" / name)
    page = tmp_path / "metformin.txt"
    page.write_text("Overview\nMetformin lowers visceral fat.\n", encoding="utf-8")
    assert hkg(project, "ingest", str(page), capsys=capsys)[0] == 0
    data = {p: p.read_bytes() for p in (project / "data").rglob("*") if p.is_file()}
    check_refused(project, ["review", "metformin", "--accept", "metformin-decreases-visceral-fat"], [
        "error: data/drafts/metformin.yaml: not accepted, nothing changed: claim "
        "'metformin-decreases-visceral-fat': unknown subject entity 'metformin' (in data/claims.yaml)"], 1, capsys)
    assert {p: p.read_bytes() for p in (project / "data").rglob("*") if p.is_file()} == data


# --- the console script itself ------------------------------------------------------------------------

def console_script() -> list[str]:
    """The installed ``hkg`` console script (whatever entry point pyproject names), else the module."""
    script = Path(sys.executable).parent / "hkg"
    return [str(script)] if script.exists() else [sys.executable, "-m", "graph.cli.commands"]


def test_console_script_prints_one_line_and_no_traceback(project):
    """The installed `hkg` in a fresh process: the path a user's shell takes."""
    edit(project / "data/claims.yaml", "subject: tnf-alpha", "subject: tnf-alfa")
    before = state(project)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("HKG_CACHE", None)
    env.pop("HKG_PROJECT", None)
    cases = [
        (["--project", str(project), "build"], {}, 1, "error: data/claims.yaml:35: "),
        (["--project", str(project), "entity", "insulin", "--format", "yaml"], {}, 2,
         "error: invalid value for '--format'"),
        (["--project", str(project), "nonsense"], {}, 2, "error: no such command 'nonsense'"),
        # the project from the environment: the shortest path of the entry point
        (["entity", "testosteron"], {"HKG_PROJECT": str(project)}, 2,
         "error: no entity named 'testosteron' in this graph; the closest name is: testosterone"),
    ]
    for args, extra, code, start in cases:
        done = subprocess.run([*console_script(), *args], capture_output=True, text=True,
                              env={**env, **extra}, cwd=ROOT, timeout=120)
        assert done.returncode == code, done.stderr
        assert done.stdout == "" and "Traceback" not in done.stderr
        assert done.stderr.count("\n") == 1 and done.stderr.startswith(start), done.stderr
    assert state(project) == before and temporary_files(project) == []
