"""How a quote from a document's table reads: its cells beside their column headers.

A claim drawn from a pipe table quotes part of a row, "Transdermal Estradiol | Prevents
accumulation", without the columns it spans. :func:`table_columns` finds them from the quote's
offsets in the document the build read (the same text, checked by its SHA-256): the table row
the quote starts in, and the column of each cell it spans. :func:`table_quote` pairs them for
display ("Therapeutic Agent: Transdermal Estradiol · Effect on Visceral Adipose Tissue (VAT):
Prevents accumulation"); the verbatim quote is what JSON and the build's check keep.
"""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["table_columns", "table_quote"]


@functools.lru_cache(maxsize=8)
def _tables(root: str, source: str, sha256: str):
    """The clean text's line starts and tables of a document, or None if it changed since the
    build (or cannot be read); only a table quote reads its document (and imports hashlib)."""
    import hashlib

    from graph.errors import HkgError
    from graph.sources.extract import DocumentFormat, extract_document
    from graph.sources.files import read_document, read_yaml_mapping

    base = Path(root)
    try:
        fmt = DocumentFormat.from_mapping(read_yaml_mapping(base / "data" / "format.yaml"))
        path = base / source
        document = extract_document(path.stem, read_document(path), fmt)
    except (HkgError, OSError, ValueError):
        return None
    if hashlib.sha256(document.text.encode("utf-8")).hexdigest() != sha256:
        return None
    starts = [0]
    for line in document.clean_text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    return document.clean_text, tuple(starts), document.tables


def table_columns(index, claim: dict[str, object]) -> list[str] | None:
    """Return the column headers of the table cells a claim's quote spans, or None.

    None when the quote is not from a table, or the document cannot be checked to be the one
    the build read (the index was opened without its project, or the file has changed).
    """
    quote, start, end = claim.get("quote") or "", claim.get("start"), claim.get("end")
    root = getattr(index, "root", None)
    if "|" not in quote or root is None or not isinstance(start, int) or not isinstance(end, int):
        return None
    document = index.document(claim.get("document") or "")
    if not document or not document.get("source") or not document.get("sha256"):
        return None
    found = _tables(str(root), document["source"], document["sha256"])
    if found is None:
        return None
    text, starts, tables = found
    if text[start:end] != quote:
        return None
    for table in tables:
        for row in table.rows:
            line_start, line_end = starts[row.line - 1], starts[row.line] - 1
            if not line_start <= start < end <= line_end:
                continue
            before = text[line_start:start]
            column = before.count("|") - (1 if before.lstrip().startswith("|") else 0)
            span = quote.count("|") + 1
            if column + span > len(table.header):
                return None
            return list(table.header[column:column + span])
    return None


def table_quote(quote: str, columns: list[str]) -> str:
    """Return a table quote with each cell beside its column header.

    >>> table_quote("Transdermal Estradiol | Prevents accumulation", ["Therapeutic Agent", "Effect on VAT"])
    'Therapeutic Agent: Transdermal Estradiol · Effect on VAT: Prevents accumulation'
    """
    cells = [cell.strip() for cell in quote.split("|")]
    return " · ".join(f"{header}: {cell}" for header, cell in zip(columns, cells))
