"""Coverage-guided fuzzing of the document extractor with atheris (libFuzzer for Python).

Each input's bytes are read the way ``hkg build`` reads a source document (UTF-8, here with
replacement characters instead of a refusal; line endings normalised; a BOM dropped), then
:func:`graph.sources.extract.extract_document` and :func:`graph.sources.extract.find_mentions` run on it, and
the extractor's promises are checked:

- no exception at all (a page in an unexpected shape is data, never a crash);
- no ``Meaning ∞`` glossary marker survives in the clean text;
- every offset (sections, glossary entries, summaries, holes, alt text, mentions) lies inside
  the clean text, and a summary's or a mention's offsets point at its own text;
- every problem and reference names a line of the input;
- a passage cut from the clean text is found again by ``Document.find_quote``.

Run it with ``make fuzz`` (60 s by default, ``FUZZ_SECONDS=600 make fuzz`` for longer), or
directly::

    .venv/bin/python fuzz/fuzz_extract.py -max_total_time=60 -timeout=5 .fuzz/corpus

Arguments are libFuzzer's. The first corpus folder is seeded, when empty, with slices of the
real documents (``data/sources``) and the test fixtures; new inputs that reach new code are
added to it, and a failing input is written as ``crash-*`` / ``timeout-*`` (``-artifact_prefix``
says where) to be replayed with ``python fuzz/fuzz_extract.py FILE``. Once fixed, a finding is
kept in ``fuzz/regressions/``, which tests/test_fuzz.py replays on every test run (without
atheris). docs/fuzzing.md has more.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import atheris
except ImportError:  # the checks stay importable: tests replay findings without atheris
    atheris = None

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if atheris is not None:
    with atheris.instrument_imports(include=["graph"]):
        from graph.sources.extract import DocumentFormat, extract_document, find_mentions
else:
    from graph.sources.extract import DocumentFormat, extract_document, find_mentions

#: inputs that once broke a promise (found by this fuzzer), replayed by tests/test_fuzz.py
REGRESSIONS = Path(__file__).resolve().parent / "regressions"

FORMAT = DocumentFormat()
NAMES = {"insulin": "insulin", "TNF-α": "tnf-alpha", "TNF-alpha": "tnf-alpha", "IL-6": "il-6",
         "visceral fat": "visceral-fat", "VAT": "visceral-fat", "testosterone": "testosterone",
         "Meaning": "meaning", "∞": "infinity"}
#: the largest seed slice, in characters (mutations may grow an input up to -max_len)
SEED_SIZE = 3000


def read_like_a_build(data: bytes) -> str:
    """Decode input bytes as ``graph.sources.files.read_document`` does, replacing what is not UTF-8."""
    text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def check(text: str) -> None:
    """Extract ``text`` and assert every invariant of the extractor (see the module docstring)."""
    document = extract_document("fuzz", text, FORMAT, "fuzz.txt")
    clean = document.clean_text
    size = len(clean)
    lines = max(1, len(text.split("\n")))
    assert FORMAT.glossary_marker not in clean, "the glossary marker survived in the clean text"
    for section in document.sections:
        assert 0 <= section.start <= section.end <= size, section
        assert 1 <= section.line <= lines, section
    for entry in document.glossary:
        assert 0 <= entry.start <= size and 1 <= entry.line <= lines, entry
    for item in (*document.summaries, *document.images):
        assert 0 <= item.start <= item.end <= size, item
    for summary in document.summaries:
        assert clean[summary.start:summary.end] == summary.text, summary
    for hole in document.holes:
        assert 0 <= hole.start <= size and 1 <= hole.line <= lines, hole
    for table in document.tables:
        assert 1 <= table.line <= lines and all(1 <= row.line <= lines for row in table.rows), table
    for reference in document.references:
        assert 1 <= reference.line <= lines and reference.authors and isinstance(reference.year, int), reference
    for problem in document.problems:
        assert 1 <= problem.line <= lines, problem
    for mention in find_mentions(document, NAMES):
        assert 0 <= mention.start < mention.end <= size and clean[mention.start:mention.end] == mention.text
    if clean.strip():
        middle = size // 2
        passage = clean[max(0, middle - 40): middle + 40]
        if passage.strip():
            span = document.find_quote(passage)
            assert span is not None, f"a passage of the clean text was not found: {passage!r}"
            assert " ".join(clean[span[0]:span[1]].split()) == " ".join(passage.split())
    for section in document.sections:  # section_at agrees with the sections' offsets
        found = document.section_at(section.start)
        assert found is None or found.start <= section.start < max(found.end, found.start + 1)


def test_one_input(data: bytes) -> None:
    """libFuzzer's entry point: one input, checked; any exception is a finding."""
    check(read_like_a_build(data))


def seed(folder: Path) -> int:
    """Fill an empty corpus folder with slices of the real documents and the fixtures."""
    if folder.exists() and any(folder.iterdir()):
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted((ROOT / "data" / "sources").glob("*.txt"))
    sources += sorted((ROOT / "tests" / "fixtures").rglob("*.txt"))
    count = 0
    for source in sources:
        text = source.read_text(encoding="utf-8", errors="replace")
        paragraphs, chunk = text.split("\n"), ""
        for paragraph in paragraphs:
            if chunk and len(chunk) + len(paragraph) > SEED_SIZE:
                count += 1
                (folder / f"seed-{count:04d}.txt").write_text(chunk, encoding="utf-8")
                first_heading = text.split("\n", 1)[0]
                chunk = first_heading + "\n"
            chunk += paragraph + "\n"
        if chunk.strip():
            count += 1
            (folder / f"seed-{count:04d}.txt").write_text(chunk, encoding="utf-8")
    return count


def main(argv: list[str]) -> None:
    """Seed the first corpus folder if it is empty, then hand the arguments to libFuzzer."""
    if atheris is None:
        sys.exit("atheris is not installed: `make fuzz` installs it (pip install atheris)")
    folders = [Path(a) for a in argv[1:] if not a.startswith("-") and not Path(a).is_file()]
    if folders:
        seeded = seed(folders[0])
        if seeded:
            print(f"seeded {folders[0]} with {seeded} slices of the documents and fixtures", flush=True)
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
