"""Queries in worker processes, so a time limit always holds.

pyoxigraph cannot interrupt a query once it runs, and a thread cannot be killed; a process can.
:class:`QueryWorkers` keeps a few processes, each with the store open read-only, hands each query
to an idle one and waits at most the time limit: a worker still busy then is killed and replaced,
and the caller gets :class:`~graph.errors.QueryTimeoutError`. A worker writes the answer in the
negotiated media type, capped at the result limit, so only bytes cross the pipe.

A time limit alone does not protect the machine: a cross join with ``ORDER BY`` holds every row
in memory and grows by gigabytes in seconds. Each worker therefore runs under a memory limit
(``RLIMIT_DATA``, default 2 GiB on top of what the worker holds when it starts): a query that
needs more ends its worker, which is replaced, and the caller gets
:class:`~graph.errors.QueryLimitError`. An answer is capped in bytes too (``QueryJob.max_bytes``),
counted as it is read. A worker whose server died (even by SIGKILL) exits within
:data:`PARENT_CHECK_SECONDS`, whatever query it is running.

Workers open the build's on-disk store themselves. Given stores already in memory
(``preloaded``), the pool forks its workers instead: each starts with the copy the server loaded
(shared until a query touches its pages) and a replacement is ready at once, with no reload.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import time
import warnings
from dataclasses import dataclass, field

from graph.errors import (CacheError, EndpointError, QueryError, QueryLimitError, QueryRefusedError,
                          QueryTimeoutError)
from graph.model.vocab import prefixes
from graph.sparql.syntax import QUERY_STACK_BYTES, explain_prefix_error

__all__ = ["DEFAULT_MEMORY_LIMIT", "QueryJob", "QueryReply", "QueryWorkers", "execute", "limit_memory"]

#: the memory a query worker may use, in bytes (its data segment: heap and anonymous mappings)
DEFAULT_MEMORY_LIMIT = 2 << 30
#: how often a worker checks that its server is alive (a server killed with SIGKILL cannot stop
#: its workers; ``PR_SET_PDEATHSIG`` would fire when the *thread* that started a worker ends,
#: and replacements are started by request threads)
PARENT_CHECK_SECONDS = 0.5


@dataclass(frozen=True)
class QueryJob:
    """One query for a worker: the build to read, the text, and how to answer.

    ``result_type`` / ``graph_type`` are the media types negotiated for a SELECT/ASK answer and
    for a CONSTRUCT/DESCRIBE answer (None: the client accepts none, 406).
    """

    build_dir: str
    query: str
    result_type: str | None
    graph_type: str | None
    limit: int | None = None
    allow_service: bool = False
    default_graph: tuple[str, ...] = field(default=())
    named_graphs: tuple[str, ...] = field(default=())
    max_bytes: int | None = None  # the largest answer, in bytes (None: no limit)


@dataclass(frozen=True)
class QueryReply:
    """A worker's answer: an HTTP status, a media type and the body."""

    status: int
    media_type: str
    body: bytes
    truncated: bool = False


def _text(status: int, message: str) -> QueryReply:
    return QueryReply(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))


def execute(job: QueryJob, stores: dict | None = None) -> QueryReply:
    """Run a job in this process and return the reply (errors become 4xx / 5xx replies).

    Parameters
    ----------
    job : QueryJob
    stores : dict, optional
        Open stores by build directory, reused across jobs (default None: open one for this job).
    """
    import pyoxigraph as ox

    from graph.sparql.results import check_answer_size, serialize_result
    from graph.sparql.store import open_store, run_query

    stores = {} if stores is None else stores
    try:
        if job.build_dir not in stores:
            stores.clear()  # a newer build replaced the old one: drop its handle
            stores[job.build_dir] = open_store(job.build_dir)
        result = run_query(
            stores[job.build_dir], job.query, limit=job.limit, allow_service=job.allow_service,
            prefixes=prefixes(), max_bytes=job.max_bytes,
            default_graph=[ox.NamedNode(iri) for iri in job.default_graph] or None,
            named_graphs=[ox.NamedNode(iri) for iri in job.named_graphs] or None)
    except QueryLimitError as error:
        return _text(503, str(error))
    except QueryRefusedError as error:
        return _text(403, f"this endpoint refuses the query: {error}")
    except QueryError as error:
        return _text(400, str(explain_prefix_error(error, job.query, prefixes())))
    except CacheError as error:
        return _text(503, str(error))
    media_type = job.graph_type if result.kind == "graph" else job.result_type
    if media_type is None:
        return _text(406, f"no acceptable media type for a {result.form} answer")
    body = serialize_result(result, media_type)
    try:
        check_answer_size(len(body), job.max_bytes)  # the format's own bytes on top of the terms
    except QueryLimitError as error:
        return _text(503, str(error))
    return QueryReply(200, media_type, body, result.truncated)


def limit_memory(limit: int | None) -> bool:
    """Let this process's data segment (heap and anonymous mappings) grow by at most ``limit`` bytes.

    The limit counts from what the process holds now, so a worker that inherited a store in
    memory may still use ``limit`` for its queries. Returns whether a limit was set (None, 0 or
    a platform without ``RLIMIT_DATA``: no limit). A lower limit already in place is kept.
    """
    if not limit:
        return False
    try:
        import resource

        import psutil

        limit += getattr(psutil.Process().memory_info(), "data", 0)  # Linux: VmData plus stack
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        value = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (value, hard))
    except (ImportError, AttributeError, ValueError, OSError):
        return False
    return True


def _close_inherited_files(keep: int) -> None:
    """Close every file a forked worker inherited but standard streams and ``keep``.

    A worker forked while the server runs holds copies of the server's sockets: a client's
    connection would stay open (the client waiting for its end) as long as the worker lives.
    """
    os.closerange(3, keep)
    os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))


def _work(connection, memory_limit: int | None = None, stores: dict | None = None,
          parent: int | None = None) -> None:
    """A worker process: serve jobs in a thread with a stack deep enough for any accepted query.

    ``parent`` is the server's process id, given by the server: a worker that starts after its
    server died (a spawned one takes a second or more to import) sees another parent at once.
    """
    import threading


    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    if stores:
        _close_inherited_files(connection.fileno())
    threading.stack_size(QUERY_STACK_BYTES)
    # the limit is on what queries use: the thread's stack (reserved, mostly untouched) is extra
    limit_memory(memory_limit + QUERY_STACK_BYTES if memory_limit else None)
    parent = os.getppid() if parent is None else parent
    serving = threading.Thread(target=_serve, args=(connection, memory_limit, stores), name="hkg-query",
                               daemon=True)
    serving.start()
    while os.getppid() == parent:  # a worker dies with its server, even in the middle of a query
        serving.join(PARENT_CHECK_SECONDS)
        if not serving.is_alive():
            return
    os._exit(1)


def _serve(connection, memory_limit: int | None = None, stores: dict | None = None) -> None:
    """A worker's loop: receive jobs, send replies, until the pipe closes."""
    stores = {} if stores is None else stores
    preloaded = bool(stores)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply = execute(job, stores)
        except MemoryError:
            if not preloaded:  # a preloaded copy cannot be opened again: keep it
                stores.clear()
            reply = _text(503, f"the query needed more than the memory limit of "
                               f"{(memory_limit or 0) // 2**20} MiB and was stopped")
        except Exception as error:  # a bug must not kill the worker silently
            reply = _text(500, f"internal error: {type(error).__name__}: {error}")
        try:
            connection.send(reply)
        except (OSError, ValueError):
            return


class _Worker:
    def __init__(self, context, memory_limit: int | None = None, stores: dict | None = None):
        self.connection, child = context.Pipe()
        # a forked worker inherits ``stores`` as they are; a spawned one gets none
        self.process = context.Process(target=_work, args=(child, memory_limit, stores, os.getpid()),
                                       daemon=True,
                                       name="hkg-query-worker")
        with warnings.catch_warnings():
            # Python 3.12+ warns on any fork in a process with threads; the worker only reads
            # the preloaded store, which no other thread of the server touches
            warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
            self.process.start()
        child.close()

    def stop(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


class QueryWorkers:
    """A pool of query processes with a hard time limit per query.

    Parameters
    ----------
    size : int, optional
        How many queries may run at once (default 2).
    start_method : str, optional
        multiprocessing start method (default ``spawn``: safe with the server's threads;
        ``fork`` when stores are preloaded, to share them).
    memory_limit : int, optional
        Bytes of memory each worker may use for its queries (default
        :data:`DEFAULT_MEMORY_LIMIT`, 2 GiB; None or 0: no limit).
    preloaded : mapping of str to pyoxigraph.Store, optional
        Stores already in memory by build directory (:func:`graph.sparql.store.open_store` with
        ``in_memory=True``), answered from instead of the build's on-disk store (default None).
    """

    def __init__(self, size: int = 2, *, start_method: str | None = None,
                 memory_limit: int | None = DEFAULT_MEMORY_LIMIT, preloaded: dict | None = None):
        if size < 1:
            raise ValueError(f"a pool needs at least one worker, not {size}")
        self._preloaded = dict(preloaded or {})
        self._context = multiprocessing.get_context(start_method or ("fork" if self._preloaded else "spawn"))
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        self.size = size
        self.memory_limit = memory_limit or None
        for _ in range(size):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        return _Worker(self._context, self.memory_limit, dict(self._preloaded))

    def run(self, job: QueryJob, timeout: float) -> QueryReply:
        """Run a job in an idle worker; stop it after ``timeout`` seconds.

        The time counts from the call, so time spent waiting for a free worker counts too.

        Raises
        ------
        QueryTimeoutError
            If no answer came within ``timeout`` (the worker was killed and replaced).
        QueryLimitError
            If the worker died under its memory limit (it was replaced).
        EndpointError
            If the pool is closed or a worker died otherwise.
        """
        deadline = time.monotonic() + timeout
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeoutError(f"every query worker stayed busy for {timeout:g} s") from None
        healthy = True
        try:
            if self._closed:
                raise EndpointError("the query workers are shut down")
            worker.connection.send(job)
            if worker.connection.poll(max(0.0, deadline - time.monotonic())):
                return worker.connection.recv()
            healthy = False
            raise QueryTimeoutError(f"the query ran past the time limit of {timeout:g} s and was stopped")
        except (EOFError, OSError) as error:
            healthy = False
            worker.process.join(timeout=5)
            code = worker.process.exitcode
            if self.memory_limit and code not in (None, 0):
                raise QueryLimitError(
                    f"the query stopped its worker (exit code {code}): it needed more than the "
                    f"memory limit of {self.memory_limit // 2**20} MiB, or failed otherwise") from None
            raise EndpointError(f"a query worker failed: {type(error).__name__}") from None
        finally:
            if not healthy:
                worker.stop()
                worker = None if self._closed else self._start()
            if worker is not None and self._closed:
                worker.stop()
            elif worker is not None:
                self._idle.put(worker)

    def close(self) -> None:
        """Stop every worker (idle ones now; busy ones when they are handed back)."""
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                return

    def __enter__(self) -> "QueryWorkers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
