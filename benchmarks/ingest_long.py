"""`hkg ingest` on long inputs: one paragraph that is a single sentence, against the same words
cut into ordinary sentences and lines (the same-run baseline). Linear extraction keeps the ratio
flat as the size grows; it was quadratic (56 KB: 31 s, 112 KB: > 120 s).

    python -m benchmarks.ingest_long --sizes 65536 262144 1048576
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from .run import _child, _hkg

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
UNIT = "insulin may increase testosterone and TNF-alpha can decrease insulin sensitivity"


def document(size: int, one_sentence: bool) -> str:
    """About ``size`` bytes of text: one sentence (clauses joined by commas), or one per line."""
    count = size // (len(UNIT) + 2) + 1
    body = ", ".join([UNIT] * count) + "." if one_sentence else ".\n".join([UNIT] * count) + "."
    return "Fundamentals\n" + body + "\n"


def ingest_seconds(size: int, one_sentence: bool) -> tuple[float, int]:
    """Seconds and peak MiB of ``hkg ingest`` of the document in a copy of the project's data."""
    work = Path(tempfile.mkdtemp(prefix="hkg-ingest-bench-"))
    try:
        shutil.copytree(ROOT / "data", work / "data")
        path = work / "long.txt"
        path.write_text(document(size, one_sentence), encoding="utf-8")
        seconds, peak, _out = _child([*_hkg(), "--project", str(work), "ingest", str(path)])
        return seconds, peak
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - a benchmark
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[65536, 262144, 1048576])
    args = parser.parse_args(argv)
    print("| document | one paragraph (one sentence) | the same in lines (baseline) | ratio |")
    print("|---:|---:|---:|---:|")
    for size in args.sizes:
        long_s, long_mb = ingest_seconds(size, True)
        base_s, base_mb = ingest_seconds(size, False)
        print(f"| {size / 1024:g} KiB | {long_s:.1f} s, {long_mb} MiB | {base_s:.1f} s, {base_mb} MiB | "
              f"{long_s / base_s:.2f}× |", flush=True)


if __name__ == "__main__":  # pragma: no cover
    main()
