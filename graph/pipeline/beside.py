"""What a build runs in a child process beside its index: the shape checks, then the RDF exports.

Both read only the sorted ``graph.nt`` (the index is not needed), and together they are about a
third of a build's work, so they take the second core while the parent writes the index and the
table exports (the store loader is the other child). The checks come first and say their verdict
on the child's first stdout line (``ok``, or the violations as JSON) before the exports begin:
the parent waits only for that line when it needs it (a build that failed meanwhile reports the
shape violations, the likelier cause, rather than what they broke downstream).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from graph.children import beside
from graph.errors import ShapeError

__all__ = ["checks_and_rdf_exports"]

_PASSED = "ok"


@contextmanager
def checks_and_rdf_exports(nt: Path, directory: Path | None, names: Iterable[str]) -> Iterator[None]:
    """Check the shapes of ``nt`` and write its RDF formats among ``names`` into ``directory``
    (None: check only) in a child process while the body runs.

    :raises ShapeError: the graph does not conform (also when the body failed meanwhile).
    :raises CacheError: the child failed writing (one line).
    """
    args = [str(nt), str(directory or ""), *(names if directory is not None else ())]
    with beside("graph.pipeline.beside", *args, failure="the build's shape checks or RDF exports failed") as child:
        try:
            yield
        except Exception as error:  # an interrupt stops the child at once, without waiting for a verdict
            _raise_violations(child.stdout.readline())  # blocks until the checks are done
            raise error
        _raise_violations(child.stdout.readline())


def _raise_violations(verdict: bytes) -> None:
    verdict = verdict.decode("utf-8").strip()
    if verdict and verdict != _PASSED:
        found = json.loads(verdict)
        raise ShapeError(found["report"], found["violations"])


def _main(argv: list[str]) -> int:
    """``python -m graph.pipeline.beside NT DIRECTORY [FORMAT ...]``."""
    from graph.exports.registry import write_rdf_exports
    from graph.rdf.checks import check_ntriples

    nt, directory, names = Path(argv[0]), argv[1], argv[2:]
    try:
        check_ntriples(nt)
    except ShapeError as error:
        print(json.dumps({"report": error.report, "violations": list(error.violations)}), flush=True)
        return 1
    except Exception as error:  # one line for the parent, never a traceback
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(_PASSED, flush=True)
    try:
        if directory:
            write_rdf_exports(nt, Path(directory), names)
    except Exception as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
