"""Turn answers into text: JSON for scripts, tables for people.

JSON is UTF-8 with sorted keys, so the same answer always prints the same bytes.
"""

from __future__ import annotations

import io
import json
import os
import sys

from graph.model.vocab import PREDICATE_LABELS
from graph.sources.quotes import table_quote

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings (PEP 563): a cold `hkg entity` skips typing's 2 ms
    from typing import Any

__all__ = ["describe_citations", "display_text", "entity_rows", "render_entity", "render_evidence", "shown_quote",
           "sign_text", "table_width", "to_fields", "to_json", "to_table"]

#: the width of output that goes to a file or a pipe (no terminal to fit)
PIPE_WIDTH = 120


def table_width() -> int:
    """Return the width to fit output to: ``$COLUMNS``, else the terminal's, else 120.

    >>> table_width() >= 20
    True
    """
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) >= 20:
        return int(columns)
    try:
        if sys.stdout is not None and sys.stdout.isatty():
            return max(20, os.get_terminal_size(sys.stdout.fileno()).columns)
    except (AttributeError, OSError, ValueError):
        pass
    return PIPE_WIDTH


def display_text(text: str | None) -> str | None:
    """Return a text from the document as people should read it: the publisher's "∞" (a colon
    in its titles and prose) shown as a colon. JSON keeps the verbatim text, which is what the
    build checks against the document.

    >>> display_text("Sleep apnea and fatigue ∞ relation to visceral obesity")
    'Sleep apnea and fatigue: relation to visceral obesity'
    >>> display_text("a dual benefit ∞ testosterone both removes"), display_text(None)
    ('a dual benefit: testosterone both removes', None)
    """
    if not text or "∞" not in text:
        return text
    import re

    return re.sub(r"\s*∞\s*", ": ", text).strip()


def shown_quote(record: dict[str, Any]) -> str:
    """Return a claim's quote as people read it: in quotation marks (:func:`display_text`), or
    for a table row, its cells beside their column headers (``table_columns``, see
    :mod:`graph.sources.quotes`) after "[table]".

    >>> shown_quote({"quote": "Estradiol | Prevents accumulation", "table_columns": ["Agent", "VAT"]})
    '[table] Agent: Estradiol · VAT: Prevents accumulation'
    >>> shown_quote({"quote": "a dual benefit ∞ testosterone"})
    '“a dual benefit: testosterone”'
    """
    quote = record.get("quote") or ""
    if record.get("table_columns"):
        return f"[table] {display_text(table_quote(quote, record['table_columns']))}"
    return f"“{display_text(quote)}”"


def to_json(value: Any) -> str:
    """Serialise an answer as stable, human-readable JSON.

    >>> to_json({"b": 1, "a": "α"})
    '{\\n  "a": "α",\\n  "b": 1\\n}'
    """
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


def to_table(title: str | None, columns: list[str], rows: list[list[Any]]) -> str:
    """Render rows as a table that fits the terminal (rich; see :func:`table_width`), without
    colour codes."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # Text, not str: rich would read "[table]" or "[b]" in the data as markup and drop it
    table = Table(title=Text(title) if title is not None else None, show_lines=False, expand=False)
    for column in columns:
        table.add_column(Text(column), overflow="fold")
    for row in rows:
        table.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
    buffer = io.StringIO()
    Console(file=buffer, width=table_width(), force_terminal=False, color_system=None).print(table)
    return buffer.getvalue().rstrip("\n")


def to_fields(title: str, rows: list[list[Any]]) -> str:
    """Render one record as people read it: its title, then each field beside its value, values
    aligned and wrapped to the width (:func:`table_width`). A lookup draws this without a table
    library: ``hkg entity`` answers in little more than Python's start-up (graph/cli/fastpath.py).

    >>> print(to_fields("insulin", [["id", "insulin"], ["synonyms", ""], ["claims in / out", "2 / 3"]]))
    insulin
      id               insulin
      synonyms
      claims in / out  2 / 3
    """
    import textwrap

    names = ["" if name is None else str(name) for name, _value in rows]
    indent = 2 + max(map(len, names), default=0) + 2
    wrap = textwrap.TextWrapper(width=max(20, table_width() - indent), break_on_hyphens=False)
    out = [title]
    for name, (_name, value) in zip(names, rows):
        lines = wrap.wrap("" if value is None else str(value)) or [""]
        out.append(f"  {name.ljust(indent - 4)}  {lines[0]}".rstrip())
        out += [" " * indent + line for line in lines[1:]]
    return "\n".join(out)


def sign_text(sign: int | str) -> str:
    """Return a sign as words.

    >>> sign_text(-1), sign_text("variable")
    ('-1 decreases', 'variable: the direction depends on context')
    """
    return {1: "+1 increases", -1: "-1 decreases", 0: "0 no effect",
            "variable": "variable: the direction depends on context"}.get(sign, str(sign))


def describe_citations(citations: list[dict[str, Any]] | None) -> str:
    """Say who ties which study to a claim: the document's own citations, then a curator's links
    with their relation, so a curator's reading is never shown as the document's citation.

    >>> describe_citations([])
    'cited by the document: none'
    >>> describe_citations([{"study": "a", "basis": "document", "relation": "supports"},
    ...                     {"study": "b", "basis": "curator", "relation": "contradicts"}])
    'cited by the document: a · linked by curator: b (contradicts)'
    """
    links = citations or []
    documented = [c["study"] + ("" if c["relation"] == "supports" else f" ({c['relation']})")
                  for c in links if c["basis"] == "document"]
    curated = [f"{c['study']} ({c['relation']})" for c in links if c["basis"] == "curator"]
    text = f"cited by the document: {', '.join(documented) or 'none'}"
    return text + (f" · linked by curator: {', '.join(curated)}" if curated else "")


def _predicate(curie: str | None) -> str | None:
    """Return an RO predicate as its label with the CURIE beside it.

    >>> _predicate("RO:0002212"), _predicate("RO:9999999"), _predicate(None)
    ('negatively regulates (RO:0002212)', 'RO:9999999', None)
    """

    label = PREDICATE_LABELS.get(curie or "")
    return f"{label} ({curie})" if label else curie


def entity_rows(record: dict[str, Any]) -> list[list[Any]]:
    """Return the (field, value) rows of ``hkg entity``'s table (shared with :mod:`graph.cli.fastpath`)."""
    source = record.get("definition_source") or {}
    rows = [
        ["id", record["id"]],
        ["label", record["label"]],
        ["category", record.get("category")],
        ["synonyms", ", ".join(record.get("synonyms") or [])],
        ["definition", record.get("definition") or ""],
        ["definition source", " / ".join(filter(None, [source.get("document"), source.get("section_title")]))],
        ["identifiers", ", ".join(record.get("xrefs") or [])],
        ["claims in / out", f"{record.get('claims_in', 0)} / {record.get('claims_out', 0)}"],
    ]
    if record.get("inverse_of"):
        rows.append(["inverse of", record["inverse_of"]])
    for key, name in (("is_a", "is a kind of"), ("member_of", "is a member of"),
                      ("has_active_ingredient", "active ingredient")):
        if record.get(key):
            rows.append([name, ", ".join(record[key])])
    narrower = record.get("narrower") or []
    if narrower:
        says = {"is_a": "a kind of it", "member_of": "a member", "has_active_ingredient": "contains it"}
        rows.append(["narrower", ", ".join(f"{n['entity']} ({says.get(n['relation'], n['relation'])})"
                                           for n in narrower)])
    return rows


def render_entity(record: dict[str, Any], fmt: str) -> str:
    """Render ``hkg entity``."""
    if fmt == "json":
        return to_json(record)
    return to_fields(record["label"], entity_rows(record))


def render_evidence(record: dict[str, Any], fmt: str) -> str:
    """Render ``hkg evidence``."""
    if fmt == "json":
        return to_json(record)
    context = ", ".join(f"{k}: {v}" for k, v in sorted((record.get("context") or {}).items()))
    rows = [
        ["statement", f"{record['subject_label']} → {record['object_label']} ({sign_text(record['sign'])})"],
        ["quote", shown_quote(record)],
        ["document", record.get("document")],
        ["section", record.get("section_title") or record.get("section")],
        ["offsets", f"{record.get('start')}–{record.get('end')}"],
        ["certainty", record.get("certainty") + (f" (hedge: {record['hedge']})" if record.get("hedge") else "")],
        ["context", context or "any"],
        ["predicate", _predicate(record.get("predicate"))],
        ["knowledge", " · ".join(filter(None, [record.get("knowledge_level"), record.get("agent_type")])).replace("_", " ")],
    ]
    studies = record.get("studies") or []
    if not any(s.get("basis") == "document" for s in studies):
        rows.append(["studies", "the document cites no study for this claim"])
    for study in studies:
        who = "cited by the document" if study.get("basis") == "document" else "linked by curator"
        why = f" — {study['rationale']}" if study.get("rationale") else ""
        rows.append([f"study ({who}, {study.get('relation')})",
                     f"{study.get('id')}: {display_text(study.get('citation') or study.get('title'))} "
                     f"[{study.get('design_label') or study.get('design')}]{why}"])
    if record.get("table_columns"):
        rows.append(["note", "a table row, each cell shown with its column header; --format json "
                             "gives the quote verbatim"])
    elif display_text(record.get("quote")) != record.get("quote"):
        rows.append(["note", "quote shown with the publisher's ∞ as a colon; --format json gives it verbatim"])
    return to_fields(f"claim {record['claim']}", rows)
