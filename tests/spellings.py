"""The table of spellings shared by the command-line and the HTML explorer tests.

``fixtures/spellings.tsv`` lists names the way researchers write them (Greek letters, their
names or one-letter abbreviations, hyphens and spaces or none, identifiers of other databases)
with the entity each must find on the real data. ``hkg`` and the explorer's search must agree
on every row.
"""

from __future__ import annotations

from pathlib import Path

TABLE = Path(__file__).resolve().parent / "fixtures" / "spellings.tsv"


def spellings() -> list[tuple[str, str]]:
    """Return the ``(spelling, entity id)`` rows of the table."""
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            spelling, entity = line.split("\t")
            rows.append((spelling, entity))
    return rows
