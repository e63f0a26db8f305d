"""The ``hkg`` entry point: answers ``hkg entity NAME`` and ``hkg paths A B`` without importing
click, rich, rdflib or networkx.

A cold lookup is dominated by imports (click ~50 ms, rich ~60 ms), not by the lookup (one SQLite
query). :func:`main` answers the plain forms ``hkg entity NAME [--format table|json]`` itself,
from the build's index with ``sqlite3`` and ``json`` only, and hands every other command line to
:func:`graph.cli.commands.main` unchanged. Its output is byte-identical to the full CLI's
(``tests/cli/test_fastpath.py`` compares them): both draw the record with the same
:func:`graph.render.render_entity`, which needs no table library; an unknown name (which needs
"did you mean"), a missing build or any error goes to the full CLI, so messages and exit codes
stay the CLI's own.

``hkg paths SOURCE TARGET`` with ``--max-length``, ``--limit``, ``--sign`` and ``--format`` (no
``--context``, no ``--via-classes``) is answered the same way: the search reads the index as it
goes (:class:`graph.pathways.signed.IndexedView`) and its modules import no RDF or graph library
(``graph.model.vocab`` makes its namespaces on first use), so a question in a new process costs the
interpreter, ``sqlite3`` and the search. Its output is what the full CLI prints (the same
:func:`graph.pathways.questions.answer_routes` and :func:`graph.cli.render_paths.render_routes`); any error
goes to the full CLI.
"""

from __future__ import annotations

import os
import sys

__all__ = ["main", "parse_paths"]


def _parse(argv: list[str]) -> tuple[str, str] | None:
    """Return (name, format) for ``entity NAME [--format F]`` command lines, else None."""
    if len(argv) < 2 or argv[0] != "entity":
        return None
    rest, fmt, name = argv[1:], "table", None
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--format" and i + 1 < len(rest) and rest[i + 1] in ("table", "json"):
            fmt, i = rest[i + 1], i + 2
        elif arg.startswith("--format=") and arg.split("=", 1)[1] in ("table", "json"):
            fmt, i = arg.split("=", 1)[1], i + 1
        elif arg.startswith("-") or name is not None:
            return None
        else:
            name, i = arg, i + 1
    return (name, fmt) if name is not None else None


_PATHS_CHOICES = {"--sign": ("up", "down", "variable"), "--format": ("table", "json")}
_PATHS_NUMBERS = ("--max-length", "--limit")


def parse_paths(argv: list[str]) -> dict | None:
    """Return the options of a plain ``paths SOURCE TARGET [options]`` command line, else None.

    Options are read as click reads them (the last of a repeated option wins; numbers as
    ``int`` reads them, at least 1); anything else (``--context``, ``--via-classes``, help, a
    bad value) is left to the full CLI.

    >>> parse_paths(["paths", "a", "b", "--max-length=3", "--sign", "up"])
    {'source': 'a', 'target': 'b', 'max_length': 3, 'limit': None, 'sign': 'up', 'format': 'table'}
    >>> parse_paths(["paths", "a", "b", "--context", "men"]) is None
    True
    """
    if not argv or argv[0] != "paths":
        return None
    found = {"--max-length": 5, "--limit": None, "--sign": None, "--format": "table"}
    names: list[str] = []
    rest, i = argv[1:], 0
    while i < len(rest):
        arg = rest[i]
        option, equals, value = arg.partition("=")
        if option in found and arg.startswith("--"):
            if not equals:
                if i + 1 >= len(rest):
                    return None
                value, i = rest[i + 1], i + 1
            if option in _PATHS_NUMBERS:
                try:
                    number = int(value)
                except ValueError:
                    return None
                if number < 1:
                    return None
                found[option] = number
            elif value in _PATHS_CHOICES[option]:
                found[option] = value
            else:
                return None
        elif arg.startswith("-"):
            return None
        else:
            names.append(arg)
        i += 1
    if len(names) != 2:
        return None
    return {"source": names[0], "target": names[1], "max_length": found["--max-length"],
            "limit": found["--limit"], "sign": found["--sign"], "format": found["--format"]}


def _answer_paths(options: dict) -> str | None:
    path = _index_path()
    if path is None:
        return None
    from pathlib import Path

    from graph.cache.index import Index
    from graph.pathways.questions import answer_routes
    from graph.cli.render_paths import render_routes

    root = os.path.realpath(os.environ.get("HKG_PROJECT") or ".")  # as Project.locate finds it
    index = Index(path, root=Path(root))
    try:
        answer = answer_routes(index, options["source"], options["target"], sign=options["sign"],
                               max_length=options["max_length"], limit=options["limit"])
        return render_routes(answer, options["format"], options["limit"])
    finally:
        index.close()


def _index_path() -> str | None:
    """The current build's index, found as :class:`graph.build.Project` finds it, or None."""
    root = os.environ.get("HKG_PROJECT") or "."
    cache = os.environ.get("HKG_CACHE") or os.path.join(root, ".hkg")
    path = os.path.realpath(os.path.join(cache, "current", "index.sqlite"))
    return path if os.path.exists(path) else None


def _answer(name: str, fmt: str) -> str | None:
    path = _index_path()
    if path is None:
        return None
    import json
    import sqlite3

    db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        entity_id = _resolve_exactly(db, name)
        if entity_id is None:
            return None
        (data,) = db.execute("SELECT data FROM entities WHERE id = ?", (entity_id,)).fetchone()
        record = json.loads(data)
        # counted at build (graph.cache.index's degrees table): a hub's count is one row, not a scan
        counted = db.execute("SELECT object, subject FROM degrees WHERE id = ?", (entity_id,)).fetchone()
        record["claims_in"], record["claims_out"] = counted or (0, 0)
    finally:
        db.close()
    from graph.render import render_entity  # json, os, textwrap: no table library

    return render_entity(record, fmt)


def _resolve_exactly(db, name: str) -> str | None:
    """:meth:`graph.cache.index.Index.resolve` without its "did you mean" branch (left to the full CLI)."""
    from graph.model.names import match_name

    found = match_name(db, name)
    return found[0] if len(found) == 1 else None


def main(argv: list[str] | None = None) -> None:
    """Console entry point: the fast lookup when it applies, else the full CLI."""
    args = sys.argv[1:] if argv is None else argv
    parsed, paths = _parse(args), parse_paths(args)
    if parsed is not None or paths is not None:
        try:
            answer = _answer(*parsed) if parsed is not None else _answer_paths(paths)
        except Exception:  # anything odd: the full CLI reports it properly
            answer = None
        if answer is not None:
            sys.stdout.write(answer + "\n")
            sys.stdout.flush()
            return
    from graph.cli.commands import main as full_main

    full_main(argv)
