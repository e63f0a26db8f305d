"""Part of a job run in another process beside the rest: how a build uses its second core.

The build's heavy stages hold the GIL (Oxigraph's bulk loader and parser, the Python passes over
``graph.nt``), so threads would take turns; a child process runs at the same time. The child is
a fresh interpreter (``python -m MODULE ARGS``), not a fork of the caller's memory (which may
hold threads, open databases or a large heap) nor a re-import of the caller's script. It
reports a failure as one line on stderr (its module's ``_main`` catches everything), which
:func:`beside` raises as :class:`~graph.errors.CacheError`; if the caller fails first, the
child is stopped.

:func:`forked` is the one exception: a part of a job that reads what this process has loaded
already (a build's documents and entities, which a fresh interpreter would read again) runs in
a fork, before the process holds threads or open databases.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from graph.errors import CacheError

__all__ = ["beside", "fork_available", "forked", "last_line"]


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


def fork_available() -> bool:
    """Whether this platform can fork the running process (not on Windows)."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


#: prctl's option that makes the kernel signal a process when its parent dies (linux/prctl.h)
_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """Have the kernel kill this fork when ``parent`` dies (Linux): a build killed with SIGKILL
    must not leave workers running on, writing into its staging folder and holding its lock."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before that took effect
        os._exit(1)


def _send_result(connection, parent: int, function, argument) -> None:
    import pickle
    import signal

    # Ctrl-C reaches the whole process group: it is the parent's to handle (it kills its workers),
    # never a worker's traceback; the parent blocked it around the fork, so none came before this
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _die_with(parent)
    try:
        ok, value = True, function(argument)
    except BaseException as error:  # sent back to be raised there, never printed here
        ok, value = False, error
    try:
        message = pickle.dumps((ok, value))
        if not ok:
            pickle.loads(message)  # an error that pickles but cannot be made again there
    except Exception as error:  # noqa: BLE001 - said in one line instead
        what = f"{type(value).__name__}: {value}" if not ok else f"its result does not pickle: {error}"
        message = pickle.dumps((False, RuntimeError(f"a worker process failed: {what}")))
    try:
        connection.send_bytes(message)
    except BaseException:  # noqa: BLE001 - the parent has gone: nobody to tell
        os._exit(1)
    connection.close()


@contextmanager
def forked(function: Callable, arguments: Iterable) -> Iterator[Callable[[], list]]:
    """Run ``function(argument)`` for each argument, each in a fork of this process, while the
    body of the ``with`` runs; yield ``results()``, which waits for their return values (in the
    order of ``arguments``) and raises the first error one of them raised.

    Only the return values cross back (pickled): keep them small; an error that cannot cross
    back comes as a RuntimeError naming it. If the body fails, or the ``with`` ends before
    ``results()``, the children are killed. The children ignore Ctrl-C: it is this process's.

    :raises CacheError: a child died without answering (killed, out of memory).
    """
    import multiprocessing
    import pickle
    import signal

    context = multiprocessing.get_context("fork")
    children = []
    try:
        for argument in arguments:
            receive, send = context.Pipe(duplex=False)
            child = context.Process(target=_send_result, args=(send, os.getpid(), function, argument), daemon=True)
            # SIGINT blocked across the fork: the child unblocks it once it ignores it (see _send_result)
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                child.start()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            send.close()
            children.append((child, receive))

        def results() -> list:
            values = []
            for child, receive in children:
                try:
                    ok, value = pickle.loads(receive.recv_bytes())
                except EOFError:
                    child.join()
                    raise CacheError(f"a worker process died (exit code {child.exitcode})") from None
                if not ok:
                    raise value
                values.append(value)
            return values

        yield results
    finally:
        for child, receive in children:
            if child.is_alive():
                child.kill()
            child.join()
            receive.close()
