"""Part of a job run in a fresh interpreter beside the rest: how a build uses its second core.

The build's heavy stages hold the GIL (Oxigraph's bulk loader and parser, the Python passes over
``graph.nt``), so threads would take turns; a child process runs at the same time. The child is
a fresh interpreter (``python -m MODULE ARGS``), not a fork of the caller's memory (which may
hold threads, open databases or a large heap) nor a re-import of the caller's script. It
reports a failure as one line on stderr (its module's ``_main`` catches everything), which
:func:`beside` raises as :class:`~graph.errors.CacheError`; if the caller fails first, the
child is stopped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graph.errors import CacheError

__all__ = ["beside", "last_line"]


def last_line(stderr: bytes, returncode: int) -> str:
    """The line a failed child said last (its one-line error), or its exit code."""
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"the child exited with code {returncode}"


@contextmanager
def beside(module: str, *args: str, failure: str) -> Iterator[subprocess.Popen]:
    """Run ``python -m module args`` while the body of the ``with`` runs; yield the child
    (its stdout is a pipe the body may read).

    :raises CacheError: ``"{failure}: {the child's last line}"`` when the child fails.
    """
    package_root = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(filter(None, (package_root, os.environ.get("PYTHONPATH"))))
    child = subprocess.Popen([sys.executable, "-m", module, *args], env={**os.environ, "PYTHONPATH": path},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        yield child
    except BaseException:
        child.kill()
        child.communicate()
        raise
    _, err = child.communicate()
    if child.returncode:
        raise CacheError(f"{failure}: {last_line(err, child.returncode)}")
