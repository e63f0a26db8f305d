"""The error hierarchy: every failure a user can cause is an :class:`HkgError`.

The CLI turns these into one line on stderr; nothing else should reach a user.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterable, Sequence

__all__ = [
    "AnswerTooLargeError",
    "CacheError",
    "EndpointError",
    "HkgError",
    "LoadError",
    "NoPathError",
    "OutputError",
    "Problem",
    "QueryBusyError",
    "QueryError",
    "QueryLimitError",
    "QueryRefusedError",
    "QueryTimeoutError",
    "ShapeError",
    "UnknownEntityError",
    "UnknownFormatError",
]


class HkgError(Exception):
    """Base of every error hormone-kg raises on purpose."""

    #: process exit code the CLI uses for this error
    exit_code = 1


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as ``file:line``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class LoadError(HkgError):
    """The data could not be loaded; carries every problem found, not just the first.

    >>> str(LoadError([Problem("data/claims.yaml", 3, "sign 2 is not one of +1, -1, 0")]))
    'data/claims.yaml:3: sign 2 is not one of +1, -1, 0'
    """

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(sorted(set(problems)))
        super().__init__(str(self))

    def __reduce__(self):  # pickled (from a worker process) as its problems, not its text
        return type(self), (self.problems,)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ShapeError(HkgError):
    """The built graph does not conform to the SHACL shapes.

    ``report`` is a heading line ending in ``:`` and one line per violation; the message is one
    self-contained line per violation, the heading in front of each (the CLI prints each line as
    its own ``error:`` line). ``violations`` gives those lines directly.

    >>> print(ShapeError("x.ttl fails the SHACL shapes:\\nentity:a: rdfs:label needs one\\nclaim:b: hkg:sign"))
    x.ttl fails the SHACL shapes: entity:a: rdfs:label needs one
    x.ttl fails the SHACL shapes: claim:b: hkg:sign
    """

    def __init__(self, report: str, violations: Sequence[str] | None = None):
        self.report = report
        head, *rest = [line.strip() for line in report.splitlines() if line.strip()] or [""]
        if violations is not None:
            self.violations = tuple(violations)
        elif head.endswith(":") and rest:
            self.violations = tuple(f"{head} {line}" for line in rest)
        else:
            self.violations = (head, *rest)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(self.violations)


class UnknownEntityError(HkgError, LookupError):
    """A name matches no entity; ``suggestions`` holds the closest names.

    An entity that is not in the graph is said so plainly, with the closest names or none;
    other kinds (a claim, a query, a context ...) read "unknown KIND ...; did you mean".

    >>> str(UnknownEntityError("tnf-alfa", ["TNF-α", "TGF-β"]))
    "no entity named 'tnf-alfa' in this graph; the closest names are: TNF-α, TGF-β"
    >>> str(UnknownEntityError("metformin"))
    "no entity named 'metformin' in this graph, and no name close to it"
    >>> str(UnknownEntityError("what-increase", ["what-increases"], kind="query"))
    "unknown query 'what-increase'; did you mean: what-increases?"
    """

    exit_code = 2

    def __init__(self, name: str, suggestions: Sequence[str] = (), kind: str = "entity"):
        self.name = name
        self.suggestions = tuple(suggestions)
        self.kind = kind
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.kind in ("entity", "source entity", "target entity"):
            message = f"no {self.kind} named {self.name!r} in this graph"
            if not self.suggestions:
                return message + ", and no name close to it"
            closest = "the closest name is" if len(self.suggestions) == 1 else "the closest names are"
            return f"{message}; {closest}: {', '.join(self.suggestions)}"
        message = f"unknown {self.kind} {self.name!r}"
        if self.suggestions:
            message += f"; did you mean: {', '.join(self.suggestions)}?"
        return message


class NoPathError(HkgError):
    """No route joins two entities within the given limits."""


class UnknownFormatError(HkgError, ValueError):
    """A format name is not in the registry; the message lists the known ones."""

    exit_code = 2

    def __init__(self, name: str, known: Iterable[str]):
        self.name = name
        self.known = tuple(sorted(known))
        super().__init__(f"unknown format {name!r}; known formats: {', '.join(self.known)}")


class OutputError(HkgError):
    """An output path that must not be written: not a regular file, or a folder that cannot be made."""

    exit_code = 2


class QueryError(HkgError, ValueError):
    """A SPARQL query or one of its parameters is malformed."""

    exit_code = 2


class QueryRefusedError(QueryError):
    """A query a read-only store must not run: an update, or a SERVICE call that is not allowed."""


class CacheError(HkgError):
    """There is no usable build cache (run ``hkg build`` first)."""


class QueryLimitError(QueryError):
    """A query ran into a limit that protects the machine (time, memory) and was stopped."""

    exit_code = 1


class AnswerTooLargeError(QueryLimitError):
    """A query's answer passed the limit on its size in bytes and was stopped."""


class QueryTimeoutError(QueryLimitError):
    """A query ran past its time limit and was stopped."""


class QueryBusyError(QueryLimitError):
    """The endpoint sends as many large answers as it may at once; the client should try again."""


class EndpointError(HkgError):
    """A SPARQL endpoint could not be reached or answered with an error."""
