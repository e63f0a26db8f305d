"""Answer ``hkg sparql QUERY|FILE|NAME``: find the query, bind its parameters, run it.

QUERY is, in this order: ``-`` (read standard input), a file, the name of a library query, or the
query text itself. The answer comes from the embedded store of the current build, or from any
SPARQL 1.1 endpoint (``endpoint=URL``).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import re
import select
import signal
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from graph.errors import QueryError, QueryTimeoutError
from graph.model.vocab import prefixes
from graph.sparql.params import Parameter, Resolver, bind_parameters
from graph.sparql.remote import query_endpoint
from graph.sparql.results import QueryResult
from graph.sparql.syntax import QUERY_STACK_BYTES, check_size, explain_prefix_error

__all__ = ["MAX_QUERY_BYTES", "PreparedQuery", "answer_query", "prepare_query", "read_capped"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
#: the longest query read from standard input or a file (as ``hkg serve --max-body``'s default)
MAX_QUERY_BYTES = 1 << 20
#: how often a query's child process checks that its parent still waits for it, in seconds
PARENT_CHECK_SECONDS = 0.5


def read_capped(handle, source: str, limit: int = MAX_QUERY_BYTES) -> str:
    """Read at most ``limit`` bytes of UTF-8 text from ``handle`` (text or binary), refusing more.

    Raises
    ------
    QueryError
        If there is more (``< /dev/zero`` ends here, not in memory), or the bytes are not UTF-8.

    Examples
    --------
    >>> import io
    >>> read_capped(io.BytesIO(b"ASK {}"), "<stdin>")
    'ASK {}'
    >>> read_capped(io.BytesIO(b"x" * 11), "<stdin>", limit=10)
    Traceback (most recent call last):
    ...
    graph.errors.QueryError: <stdin>: the query is longer than 10 bytes; the limit is 10
    """
    data = getattr(handle, "buffer", handle).read(limit + 1)
    if len(data) > limit:
        raise QueryError(f"{source}: the query is longer than {limit} bytes; the limit is {limit}")
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise QueryError(f"{source}: not UTF-8 text (byte {error.start}); a query is SPARQL text") from None


@dataclass(frozen=True)
class PreparedQuery:
    """A query ready to run: its text, where it came from, and what it declares."""

    text: str
    source: str | None = None
    title: str | None = None
    parameters: tuple[Parameter, ...] = ()
    strict: bool = False  # library queries accept only the parameters they declare


def prepare_query(project, query: str, stdin=None) -> PreparedQuery:
    """Return the query that QUERY denotes: ``-`` (stdin), a file, a library name, or text.

    Raises
    ------
    UnknownEntityError
        If QUERY looks like a name (one word, no braces) but no library query has it.
    """
    from graph.sparql.library import find_query, read_query

    if query == "-":
        return PreparedQuery(read_capped(stdin or sys.stdin, "<stdin>"), "<stdin>")
    path = Path(query)
    if "\n" not in query and len(query) < 4096 and path.is_file():
        entry = read_query(path)
        return PreparedQuery(entry.text, str(path), entry.question or None, entry.parameters)
    if _NAME.match(query) and query.endswith(".rq"):
        raise QueryError(f"{query}: no such file" if not path.exists() else
                         f"{query}: not a regular file")
    if _NAME.match(query):
        entry = find_query(query, project)
        return PreparedQuery(entry.text, entry.name, entry.question or entry.name, entry.parameters, True)
    return PreparedQuery(query)


def answer_query(project, query: str, params: Iterable[str] = (), *, endpoint: str | None = None,
                 allow_service: bool = False, timeout: float = 60.0, auth: str | None = None,
                 stdin=None) -> tuple[QueryResult, PreparedQuery]:
    """Run a query from the command line's words and return its answer.

    Parameters
    ----------
    project : Project
        Whose build (store and index) answers; the index also resolves names in parameters.
    query : str
        ``-``, a file, a library query's name, or SPARQL text.
    params : iterable of str
        ``name=value`` assignments (default none).
    endpoint : str, optional
        A SPARQL 1.1 endpoint URL to ask instead of the embedded store (default None).
    allow_service : bool, optional
        Let the embedded store call SERVICE endpoints (default False).
    timeout : float, optional
        Seconds a query may run, on the embedded store or an endpoint (default 60; None: no
        limit on the embedded store).
    auth : str, optional
        ``user:password`` for the endpoint (default None).

    Returns
    -------
    (QueryResult, PreparedQuery)

    Raises
    ------
    QueryError
        A malformed query or parameter (with the position), an update, a refused SERVICE.
    UnknownEntityError
        An unknown query name or a name in a parameter that denotes nothing.
    CacheError
        No build to query (run ``hkg build``).
    QueryTimeoutError
        The query ran past ``timeout``.
    EndpointError
        The endpoint cannot be reached or fails.
    """
    prepared = prepare_query(project, query, stdin)
    bindings = bind_parameters(params, prepared.text, declared=prepared.parameters,
                               resolver=Resolver(project), strict=prepared.strict)

    if endpoint:
        return query_endpoint(endpoint, prepared.text, substitutions=bindings, prefixes=prefixes(),
                              timeout=timeout, auth=auth), prepared
    from graph.sparql.store import open_store, run_query  # pyoxigraph: only for the embedded store

    check_size(prepared.text)
    build_dir, known = project.current_build(), prefixes()  # made here: a child inherits them
    try:
        return _within(timeout, lambda: run_query(  # the store is opened where the query runs
            open_store(build_dir), prepared.text, substitutions=bindings, allow_service=allow_service,
            prefixes=known, source=prepared.source)), prepared
    except QueryError as error:
        raise explain_prefix_error(error, prepared.text, prefixes(), prepared.source) from None


def _within(timeout: float | None, function):
    """Return ``function()``, run in a child process that is killed after ``timeout`` seconds.

    pyoxigraph cannot cancel a query, and a thread cannot be stopped: a process can. The child is
    forked (it shares the parent's modules and their caches; it opens the store itself),
    evaluates ``function`` on a thread with a large stack (:data:`QUERY_STACK_BYTES`: the store's
    parser recurses once per nesting level or chained operator), watches that its parent lives
    (it exits when the parent dies, however it dies) and sends back the answer or the error. When
    the time is up the child is killed, so nothing keeps running after the call returns. Without a
    ``timeout``, or where there is no ``fork``, the query runs in this process on such a thread.
    """
    if timeout is None or not hasattr(os, "fork"):
        return _on_large_stack(function)
    receiver, sender = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(receiver)
        _answer_to(sender, function, parent)
    os.close(sender)
    try:
        data = _read_until(receiver, time.monotonic() + timeout)
        if data is None:
            raise QueryTimeoutError(f"the query ran past the time limit of {timeout:g} s and was stopped "
                                    "(--timeout raises it)")
    finally:
        os.close(receiver)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if not data:  # killed (out of memory, a signal) before it could answer
        raise QueryError(f"the query stopped without an answer ({_ended(status)})")
    try:
        outcome, value = pickle.loads(data)
    except Exception as error:  # an exception that cannot be rebuilt here
        raise QueryError(f"the query failed: {error}") from None
    if outcome == "error":
        raise value
    return value


def _read_until(fd: int, deadline: float) -> bytes | None:
    """Read ``fd`` to its end, or return None when ``deadline`` passes first."""
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"stopped by signal {os.WTERMSIG(status)}"
    return f"exit code {os.WEXITSTATUS(status)}"


def _answer_to(fd: int, function, parent: int) -> None:
    """In the child: run ``function`` while the parent lives; write ``("value", answer)`` or
    ``("error", exception)`` to ``fd`` pickled; exit without running the parent's clean-ups."""
    code = 0
    try:
        outcome: dict = {}
        thread = _large_stack_thread(function, outcome)
        while thread.is_alive():
            thread.join(PARENT_CHECK_SECONDS)
            if os.getppid() != parent:  # the parent is gone: nobody waits for this answer
                os._exit(1)
        message = ("error", outcome["error"]) if "error" in outcome else ("value", outcome["value"])
        try:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # an answer or an exception that cannot be sent
            data = pickle.dumps(("error", QueryError(f"the query failed: {message[1]!r} ({error})")))
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except BaseException:  # nothing may escape into the parent's code
        code = 1
    finally:
        os._exit(code)


def _large_stack_thread(function, outcome: dict) -> threading.Thread:
    """Start ``function`` on a daemon thread with a large stack; its result or error lands in
    ``outcome``."""

    def target() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:  # handed back to the caller's thread
            outcome["error"] = error
        finally:
            # pyoxigraph's answers must be freed by the thread that made them: collect here any
            # left in reference cycles, or the caller's collector frees them and Rust complains
            # on stderr ("PyQuerySolutions is unsendable ...")
            gc.collect()

    previous = threading.stack_size(QUERY_STACK_BYTES)
    try:
        thread = threading.Thread(target=target, name="hkg-query", daemon=True)
        thread.start()
    finally:
        threading.stack_size(previous)
    return thread


def _on_large_stack(function):
    """Return ``function()``, run on a thread with a large stack and waited for."""
    outcome: dict = {}
    _large_stack_thread(function, outcome).join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
