"""Leave-one-out measurement of `hkg ingest`, and its speed on a 1 MB document.

    python -m benchmarks.ingest_eval            # what `make ingest-eval` runs

For each curated document in ``data/sources/``: a new, empty project (only the rules:
``format.yaml``, ``ingest.yaml``, ``designs.yaml``) ingests it, and the drafted claims'
(subject, object, sign) are compared with the curated claims of that document in
``data/claims.yaml``. The drafted entities have ids of their own, so each is matched to a curated
entity by a name they share (label or synonym, folded) or an identifier they share (the drafted
entity's lexicon CURIEs against ``data/xrefs.yaml``); nothing else is aligned.

- precision: drafted triples that are curated triples / drafted triples;
- recall: curated triples drafted / curated triples (distinct triples, not claims).

Speed, each against a baseline of the same run (the figures are printed and written into
``docs/ingest.md`` between the ``ingest-eval`` markers):

- a 1 MB document made of the curated documents' paragraphs repeated (headings renamed so each
  copy is its own section), ingested into a copy of the project, against extracting it
  (``extract_document``);
- the same text as one 1 MB paragraph (one line), against extracting it;
- a copy of the project with a 1 MB document of thousands of headings, each over a paragraph
  holding a glossary splice, built (``hkg build``), against building the project without it.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import time
from pathlib import Path

__all__ = ["evaluate", "main", "speed", "speed_build"]

ROOT = Path(__file__).resolve().parent.parent
RULES = ("format.yaml", "ingest.yaml", "designs.yaml")
START, END = "<!-- ingest-eval:start -->", "<!-- ingest-eval:end -->"


def _empty_project(data: Path, into: Path) -> Path:
    (into / "data").mkdir(parents=True)
    for name in RULES:
        if (data / name).exists():
            shutil.copy(data / name, into / "data" / name)
    return into


def _curated_names(data: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Folded name -> curated entity id, CURIE -> curated entity id, and folded label -> id."""
    import yaml

    from graph.model.names import fold

    names, curies, labels = {}, {}, {}
    for entry in yaml.safe_load((data / "entities.yaml").read_text(encoding="utf-8")) or []:
        labels.setdefault(fold(str(entry["label"])), entry["id"])
        for name in (entry["label"], *(entry.get("synonyms") or [])):
            names.setdefault(fold(str(name)), entry["id"])
    xrefs = data / "xrefs.yaml"
    if xrefs.exists():
        for entity, mapped in ((yaml.safe_load(xrefs.read_text(encoding="utf-8")) or {}).get("entities") or {}).items():
            for curie in mapped or {}:
                curies.setdefault(str(curie), entity)
    return names, curies, labels


def evaluate(data: Path = ROOT / "data", document: str | None = None) -> dict:
    """Return the leave-one-out figures of one curated document (the first by id by default)."""
    import yaml

    from graph.curation.ingest import ingest_document
    from graph.model.names import fold

    sources = sorted((data / "sources").glob("*.txt"))
    path = next(p for p in sources if document in (None, p.stem))
    names, curies, labels = _curated_names(data)
    with tempfile.TemporaryDirectory() as folder:
        project = _empty_project(data, Path(folder) / "project")
        started = time.perf_counter()
        report = ingest_document(path, project / "data")
        seconds = time.perf_counter() - started
    aligned, strict = {}, set()
    for proposal in report.entities:
        if proposal.known:
            continue
        by_name = [names[fold(n)] for n in (proposal.label, *proposal.synonyms) if fold(n) in names]
        by_curie = [curies[c] for c, _ in proposal.identifiers if c in curies]
        if by_name or by_curie:
            aligned[proposal.id] = (by_name or by_curie)[0]
            # matched without a curated synonym: a curated label, or a shared identifier
            if aligned[proposal.id] in {labels.get(fold(n)) for n in (proposal.label, *proposal.synonyms)} | set(by_curie):
                strict.add(proposal.id)
    pairs = {}  # drafted triple -> whether both ends matched without a curated synonym
    for c in report.claims:
        triple = (aligned.get(c.subject, c.subject), aligned.get(c.object, c.object), c.sign)
        pairs[triple] = pairs.get(triple, False) or (c.subject in strict and c.object in strict)
    drafted = set(pairs)
    curated = {(c["subject"], c["object"], c["sign"])
               for c in yaml.safe_load((data / "claims.yaml").read_text(encoding="utf-8")) or []
               if c.get("document") == path.stem}
    hits = drafted & curated
    reasons: dict[str, int] = {}
    for item in report.no_claims:
        reasons[item.reason] = reasons.get(item.reason, 0) + 1
    return {
        "document": path.stem,
        "drafted": len(drafted), "curated": len(curated), "correct": len(hits),
        "strict": sum(pairs[t] for t in hits),
        "precision": len(hits) / len(drafted) if drafted else 0.0,
        "recall": len(hits) / len(curated) if curated else 0.0,
        "entities": sum(not p.known for p in report.entities),
        "aligned": len(aligned),
        "seconds": seconds,
        "wrong": sorted(drafted - curated),
        "missed": sorted(curated - drafted),
        "reasons": dict(sorted(reasons.items(), key=lambda r: -r[1])),
    }


def big_document(data: Path, size: int = 1_000_000) -> str:
    """A document of about ``size`` characters: the curated documents' body text repeated (each
    copy's headings numbered, so every copy has sections of its own), then one reference list
    (a long review cites its references once, at the end)."""
    from graph.sources.extract import DocumentFormat, extract_document
    from graph.sources.files import read_yaml_mapping

    fmt = DocumentFormat.from_mapping(read_yaml_mapping(data / "format.yaml"))
    bodies, references = [], []
    for path in sorted((data / "sources").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        document = extract_document(path.stem, text, fmt)
        listed = {r.line for r in document.references}
        heading = {s.line for s in document.sections if s.kind == "references"}
        references += [lines[n - 1] for n in sorted(listed)]
        bodies.append("\n".join(line for n, line in enumerate(lines, start=1) if n not in listed | heading))
    parts, total, n = [], 0, 0
    while total < size:
        for body in bodies:
            n += 1
            copy = re.sub(r"(?m)^(?=[A-Z][^\n]{3,80}\?$)", f"Part {n}: ", body)
            parts.append(copy)
            total += len(copy)
    return "\n".join(parts) + "\nReferences\n" + "\n".join(references) + "\n"


def one_paragraph(data: Path, size: int = 1_000_000) -> str:
    """A document of about ``size`` characters that is one paragraph: the curated documents' body
    lines (glossary splices and all) joined into one line, repeated."""
    lines = [line for path in sorted((data / "sources").glob("*.txt"))
             for line in path.read_text(encoding="utf-8").split("\n") if len(line.split()) > 12 and "|" not in line]
    parts, total = [], 0
    while total < size:
        for line in lines:
            parts.append(line)
            total += len(line) + 1
    return "Fundamentals\n" + " ".join(parts) + "\n"


def many_sections(size: int = 1_000_000) -> str:
    """A document of about ``size`` characters: thousands of headings, each over a one-line
    paragraph holding a glossary splice (a new term each time)."""
    unit = ("Marker {i}\nThe level of marker{i} Meaning ∞ Marker{i} is a signalling protein made by the "
            "liver. rises with insulin resistance.\n")
    return "Fundamentals\n" + "".join(unit.format(i=i) for i in range(size // len(unit.format(i=0))))


def _ingest_speed(data: Path, text: str, what: str) -> dict:
    from graph.sources.extract import DocumentFormat, extract_document
    from graph.curation.ingest import ingest_document
    from graph.sources.files import read_yaml_mapping

    fmt = DocumentFormat.from_mapping(read_yaml_mapping(data / "format.yaml"))
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "project"
        shutil.copytree(data, project / "data", ignore=shutil.ignore_patterns("drafts"))
        ingest_document(next((data / "sources").glob("*.txt")), project / "data")  # lexicon compiled
        path = Path(folder) / "big.txt"
        path.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        extract_document("big", text, fmt)
        baseline = time.perf_counter() - started
        started = time.perf_counter()
        report = ingest_document(path, project / "data")
        seconds = time.perf_counter() - started
    return {"what": what, "bytes": len(text.encode("utf-8")), "seconds": seconds, "baseline": baseline,
            "baseline_what": "extracting it", "claims": len(report.claims), "sections": len(report.sections),
            "glossary": len(report.glossary)}


def speed(data: Path = ROOT / "data") -> list[dict]:
    """Ingest 1 MB documents into a copy of the project (every entity and claim known, so every
    mention counted), many paragraphs and one; the baseline is extracting each."""
    return [_ingest_speed(data, big_document(data), "ingest, many paragraphs"),
            _ingest_speed(data, one_paragraph(data), "ingest, one paragraph")]


def speed_build(data: Path = ROOT / "data") -> dict:
    """Build a copy of the project with a 1 MB document of thousands of headings and glossary
    splices; the baseline is building the same copy without it."""
    from graph.pipeline.build import Project, build

    text = many_sections()
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "project"
        shutil.copytree(data, project / "data", ignore=shutil.ignore_patterns("drafts"))
        started = time.perf_counter()
        build(Project(project))
        baseline = time.perf_counter() - started
        (project / "data" / "sources" / "many-sections.txt").write_text(text, encoding="utf-8")
        started = time.perf_counter()
        result = build(Project(project))
        seconds = time.perf_counter() - started
    return {"what": "build, many headings and glossary entries", "bytes": len(text.encode("utf-8")),
            "seconds": seconds, "baseline": baseline, "baseline_what": "building the project without it",
            "claims": result.claims, "sections": text.count("\nMarker "), "glossary": text.count("Meaning ∞"),
            "triples": result.triples}


def render(figures: list[dict], fast: list[dict] | None) -> str:
    rows = ["| document | drafted | curated | correct | precision | recall | correct without a curated synonym "
            "| new entities (matched to curated) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for f in figures:
        rows.append(f"| {f['document']} | {f['drafted']} | {f['curated']} | {f['correct']} | "
                    f"{f['precision']:.0%} | {f['recall']:.0%} | {f['strict']} | {f['entities']} ({f['aligned']}) |")
    out = "\n".join(rows) + "\n"
    for f in figures:
        out += "\nSentences with a cue of change and no claim, by reason: " + ", ".join(
            f"{reason} {count}" for reason, count in f["reasons"].items()) + ".\n"
    if fast:
        out += ("\n| speed (1 MB inputs) | size | seconds | baseline of the same run | baseline s | ratio |\n"
                "| --- | ---: | ---: | --- | ---: | ---: |\n")
        for f in fast:
            what = f["what"] + (f" ({f['sections']:,} sections, {f['glossary']:,} glossary entries)"
                                if f["what"].startswith("build") else f" ({f['claims']} candidate claims)")
            out += (f"| {what} | {f['bytes'] / 1e6:.1f} MB | {f['seconds']:.1f} | {f['baseline_what']} | "
                    f"{f['baseline']:.1f} | {f['seconds'] / f['baseline']:.1f}× |\n")
    return out


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - run by `make ingest-eval`
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "ingest.md")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="list wrong and missed triples")
    args = parser.parse_args(argv)
    figures = [evaluate(args.data, p.stem) for p in sorted((args.data / "sources").glob("*.txt"))]
    fast = None if args.no_speed else [*speed(args.data), speed_build(args.data)]
    table = render(figures, fast)
    print(table)
    if args.verbose:
        for f in figures:
            print("wrong:", *f["wrong"], sep="\n  ")
            print("missed:", *f["missed"], sep="\n  ")
    doc = args.doc.read_text(encoding="utf-8")
    if START in doc and END in doc:
        from graph.atomic import write_atomic

        head, rest = doc.split(START, 1)
        write_atomic(args.doc, head + START + "\n" + table + END + rest.split(END, 1)[1])


if __name__ == "__main__":  # pragma: no cover
    main()
