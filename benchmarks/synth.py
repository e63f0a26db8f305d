"""Synthetic projects in hormone-kg's own data model, for benchmarks at 10³ … 10⁶ claims.

Entities carry Biolink categories and synonyms (Greek letters and their spelled-out names);
claims are signed, quoted from a generated source document, sometimes in a context and cited by
studies from that document's reference list. Subjects and objects are drawn by preferential
attachment, so degrees are scale-free with a few large hubs, as in real knowledge graphs.

    python -m benchmarks.synth --claims 100000 --out /tmp/hkg-1e5
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

__all__ = ["write_project"]

CATEGORIES = ("SmallMolecule", "Protein", "BiologicalProcess", "AnatomicalEntity", "Cell",
              "Disease", "PhenotypicFeature", "ClinicalMeasurement", "Drug")
GREEK = (("α", "alpha"), ("β", "beta"), ("γ", "gamma"), ("κ", "kappa"))
POPULATIONS = ("men", "women", "postmenopausal women", "men on trt")
TIMESCALES = ("acute", "long-term")
VERBS = {1: "raises", -1: "lowers", 0: "leaves unchanged"}
CLAIMS_PER_DOCUMENT = 50_000  # keeps each source document well under the size limit
DESIGNS = ("rct", "cohort", "review")


def _q(text: str) -> str:
    """Quote a YAML scalar (double quotes; our generated text has no quotes or backslashes)."""
    return '"' + text + '"'


def write_project(out: Path, claims: int, seed: int = 7) -> Path:
    """Write a synthetic project with ``claims`` claims under ``out`` and return it.

    :param out: folder to create (``out/data`` receives sources and YAML)
    :param claims: number of claims
    :param seed: random seed; the same arguments always write the same bytes
    """
    rng = random.Random(seed)
    data = out / "data"
    (data / "sources").mkdir(parents=True, exist_ok=True)
    n_entities = max(10, claims // 5)
    urn = list(range(n_entities))  # preferential attachment: endpoints re-enter the urn
    edges = []
    for _ in range(claims):
        subject = rng.choice(urn)
        target = rng.choice(urn)
        if target == subject:
            target = (subject + 1) % n_entities
        urn.extend((subject, target))
        sign = rng.choices((1, -1, 0), weights=(55, 40, 5))[0]
        edges.append((subject, target, sign))

    def label(i: int) -> str:
        letter = GREEK[i % len(GREEK)][0]
        return f"Factor {i}-{letter}"

    with (data / "entities.yaml").open("w", encoding="utf-8") as handle:
        for i in sorted(range(n_entities), key=lambda i: f"e{i}"):
            letter, name = GREEK[i % len(GREEK)]
            handle.write(f"- id: e{i}\n  label: {_q(label(i))}\n  category: {CATEGORIES[i % len(CATEGORIES)]}\n"
                         f"  synonyms:\n  - {_q(f'Factor {i}-{name}')}\n  - {_q(f'F{i}{letter} protein')}\n")

    documents = (claims + CLAIMS_PER_DOCUMENT - 1) // CLAIMS_PER_DOCUMENT
    studies_per_document = max(2, CLAIMS_PER_DOCUMENT // 50)
    study_rows, claim_rows = [], []
    for d in range(documents):
        lines = ["Fundamentals", "Synthetic statements for benchmarking."]
        block = edges[d * CLAIMS_PER_DOCUMENT:(d + 1) * CLAIMS_PER_DOCUMENT]
        n_studies = min(studies_per_document, max(2, len(block) // 50))
        for j, (s, o, sign) in enumerate(block):
            number = d * CLAIMS_PER_DOCUMENT + j
            if j % 500 == 0:
                lines += ["", f"Section {j // 500}"]
            quote = f"In study {number}, {label(s)} {VERBS[sign]} {label(o)}."
            context = {}
            if rng.random() < 0.2:
                context["population"] = rng.choice(POPULATIONS)
            if rng.random() < 0.1:
                context["timescale"] = rng.choice(TIMESCALES)
            studies = sorted({rng.randrange(n_studies) for _ in range(rng.choice((0, 0, 1, 2)))})
            # most studies are cited in the text (document links, found by the extractor); every
            # fourth claim's are linked by a curator instead
            in_text = number % 4 != 0
            citation = f" [{', '.join(str(k + 1) for k in studies)}]" if studies and in_text else ""
            lines.append(quote + citation)
            cited = [] if in_text else [f"s{d}-{k}" for k in studies]
            claim_rows.append((f"c{number}", s, o, sign, f"doc{d}", quote, context, cited,
                               rng.choice(("high", "high", "medium", "low"))))
        lines += ["References"]
        for k in range(n_studies):
            lines.append(f"- Author{d}x{k}, A. et al. “Synthetic study {k} of document {d}.” "
                         f"Journal of Benchmarks, vol. {d + 1}, no. {k % 12 + 1}, {1990 + k % 30}, pp. {k}-{k + 9}.")
            study_rows.append((f"s{d}-{k}", f"doc{d}", f"Author{d}x{k}", 1990 + k % 30, DESIGNS[k % 3]))
        (data / "sources" / f"doc{d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")

    with (data / "claims.yaml").open("w", encoding="utf-8") as handle:
        for cid, s, o, sign, doc, quote, context, cited, certainty in sorted(claim_rows):
            handle.write(f"- id: {cid}\n  subject: e{s}\n  object: e{o}\n  sign: {sign}\n"
                         f"  document: {doc}\n  quote: {_q(quote)}\n  certainty: {certainty}\n")
            if context:
                handle.write("  context:\n" + "".join(f"    {k}: {v}\n" for k, v in sorted(context.items())))
            if cited:
                handle.write("  supports:\n" + "".join(
                    f"  - study: {c}\n    basis: curator\n    rationale: synthetic link\n" for c in cited))
    with (data / "studies.yaml").open("w", encoding="utf-8") as handle:
        for sid, doc, author, year, design in sorted(study_rows):
            handle.write(f"- id: {sid}\n  document: {doc}\n  first_author: {author}\n  year: {year}\n"
                         f"  design: {design}\n")
    with (data / "designs.yaml").open("w", encoding="utf-8") as handle:
        for design in sorted(DESIGNS):
            handle.write(f"- id: {design}\n  label: {design}\n")
    return out


def main() -> None:  # pragma: no cover - a command-line wrapper
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(write_project(args.out, args.claims, args.seed))


if __name__ == "__main__":  # pragma: no cover
    main()
