"""The query library: ``queries/*.rq``, one file per researcher question, run by name.

Each file opens with a header comment that people read and ``hkg queries`` lists::

    # Question: What increases a given entity, and which claim says so?
    # Parameters:
    #   ?target (entity) the entity that rises; leave it out to list every increase
    # Example: hkg sparql what-increases --param target="insulin sensitivity"

``Parameters:`` lists each variable a user may bind, its kind (see
:data:`graph.sparql.params.PARAMETER_KINDS`; add ``, required`` when the query needs it) and its meaning,
or says ``none``. A SELECT query must select every parameter (the store binds only selected
variables). A project's own ``queries/`` folder comes first, then the library shipped with
hormone-kg.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from graph.errors import QueryError, UnknownEntityError
from graph.model.names import nearest
from graph.sparql.params import Parameter
from graph.sparql.query import read_capped
from graph.sparql.syntax import query_form

__all__ = ["BUILTIN", "LibraryQuery", "find_query", "library_dirs", "list_queries", "read_query"]

#: the library that ships with hormone-kg (package data, so an installed hkg has it too)
BUILTIN = Path(__file__).resolve().parent / "queries"

_FIELD = re.compile(r"^#\s*(Question|Parameters|Example|Answer|Note):\s*(.*)$")
_PARAMETER = re.compile(r"^[?$]([A-Za-z_0-9]+)\s*\(\s*([a-z]+)\s*(,\s*required\s*)?\)\s*(.*)$")


@dataclass(frozen=True)
class LibraryQuery:
    """A query of the library: its name, question, parameters, example and text."""

    name: str
    path: Path
    question: str
    parameters: tuple[Parameter, ...]
    example: str
    answer: str
    text: str

    @property
    def form(self) -> str | None:
        """SELECT, ASK, CONSTRUCT or DESCRIBE."""

        return query_form(self.text)

    def record(self) -> dict:
        """Return the query as a plain record (for ``hkg queries --format json``)."""
        return {
            "name": self.name,
            "question": self.question,
            "form": self.form,
            "parameters": [{"name": p.name, "kind": p.kind, "required": p.required,
                            "description": p.description} for p in self.parameters],
            "example": self.example,
            "answer": self.answer,
            "path": str(self.path),
        }


def _parse_header(text: str, source: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    current = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            break
        match = _FIELD.match(line)
        if match:
            current = match.group(1)
            if current in fields:
                raise QueryError(f"{source}:{number}: header field {current!r} appears twice")
            fields[current] = [match.group(2).strip()] if match.group(2).strip() else []
        elif current and line[1:].strip():
            fields[current].append(line[1:].strip())
    return fields


def read_query(path: Path, name: str | None = None) -> LibraryQuery:
    """Read a ``.rq`` file and its header (a file without a header has no declared parameters).

    Raises
    ------
    QueryError
        If a declared parameter is malformed, naming ``file:line``.
    """

    path = Path(path)
    source = str(path)
    with path.open("rb") as handle:
        text = read_capped(handle, source)
    fields = _parse_header(text, source)
    parameters = []
    for entry in fields.get("Parameters", []):
        if entry.lower().rstrip(".") == "none":
            continue
        match = _PARAMETER.match(entry)
        if not match:
            raise QueryError(f"{source}: malformed parameter line {entry!r}: expected "
                             "'?name (kind[, required]) description'")
        pname, kind, required, description = match.groups()
        parameters.append(Parameter(pname, kind, bool(required), description.strip()))
    return LibraryQuery(
        name=name or path.stem,
        path=path,
        question=" ".join(fields.get("Question", [])),
        parameters=tuple(parameters),
        example=" ".join(fields.get("Example", [])),
        answer=" ".join(fields.get("Answer", [])),
        text=text,
    )


def library_dirs(project=None) -> list[Path]:
    """Return the folders searched for queries: the project's ``queries/``, then the built-in one."""
    folders = []
    if project is not None and (project.root / "queries").is_dir():
        folders.append(project.root / "queries")
    if BUILTIN.is_dir() and BUILTIN not in folders:
        folders.append(BUILTIN)
    return folders


def list_queries(project=None) -> list[LibraryQuery]:
    """Return every library query, sorted by name (a project's query hides a built-in namesake)."""
    found: dict[str, Path] = {}
    for folder in library_dirs(project):
        for path in sorted(folder.glob("*.rq")):
            found.setdefault(path.stem, path)
    return [read_query(found[name], name) for name in sorted(found)]


def find_query(name: str, project=None) -> LibraryQuery:
    """Return the library query called ``name`` (``.rq`` optional).

    Raises
    ------
    UnknownEntityError
        If there is no such query, with the nearest names.
    """

    stem = name[:-3] if name.endswith(".rq") else name
    for folder in library_dirs(project):
        path = folder / f"{stem}.rq"
        if path.is_file():
            return read_query(path, stem)
    names = sorted({p.stem for folder in library_dirs(project) for p in folder.glob("*.rq")})
    raise UnknownEntityError(name, nearest(stem, names), kind="query")
