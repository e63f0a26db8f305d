"""Queries in worker processes, so a time limit always holds.

pyoxigraph cannot interrupt a query once it runs, and a thread cannot be killed; a process can.
:class:`QueryWorkers` keeps a few processes, each with the store open read-only, hands each query
to an idle one and waits at most the time limit: a worker still busy then is killed and replaced,
and the caller gets :class:`~graph.errors.QueryTimeoutError`. A worker writes the answer in the
negotiated media type, capped at the result limit, so only bytes cross the pipe.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import time
from dataclasses import dataclass, field

from .errors import EndpointError, QueryTimeoutError

__all__ = ["QueryJob", "QueryReply", "QueryWorkers", "execute"]


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

    from .errors import CacheError, QueryError
    from .results import serialize_result
    from .store import open_store, run_query
    from .vocab import prefixes

    stores = {} if stores is None else stores
    try:
        if job.build_dir not in stores:
            stores.clear()  # a newer build replaced the old one: drop its handle
            stores[job.build_dir] = open_store(job.build_dir)
        result = run_query(
            stores[job.build_dir], job.query, limit=job.limit, allow_service=job.allow_service,
            prefixes=prefixes(),
            default_graph=[ox.NamedNode(iri) for iri in job.default_graph] or None,
            named_graphs=[ox.NamedNode(iri) for iri in job.named_graphs] or None)
    except QueryError as error:
        return _text(400, str(error))
    except CacheError as error:
        return _text(503, str(error))
    media_type = job.graph_type if result.kind == "graph" else job.result_type
    if media_type is None:
        return _text(406, f"no acceptable media type for a {result.form} answer")
    return QueryReply(200, media_type, serialize_result(result, media_type), result.truncated)


def _work(connection) -> None:
    """A worker's loop: receive jobs, send replies, until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    stores: dict = {}
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply = execute(job, stores)
        except Exception as error:  # a bug must not kill the worker silently
            reply = _text(500, f"internal error: {type(error).__name__}: {error}")
        try:
            connection.send(reply)
        except (OSError, ValueError):
            return


class _Worker:
    def __init__(self, context):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_work, args=(child,), daemon=True, name="hkg-query-worker")
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
        multiprocessing start method (default ``spawn``: safe with the server's threads).
    """

    def __init__(self, size: int = 2, *, start_method: str = "spawn"):
        if size < 1:
            raise ValueError(f"a pool needs at least one worker, not {size}")
        self._context = multiprocessing.get_context(start_method)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        self.size = size
        for _ in range(size):
            self._idle.put(_Worker(self._context))

    def run(self, job: QueryJob, timeout: float) -> QueryReply:
        """Run a job in an idle worker; stop it after ``timeout`` seconds.

        The time counts from the call, so time spent waiting for a free worker counts too.

        Raises
        ------
        QueryTimeoutError
            If no answer came within ``timeout`` (the worker was killed and replaced).
        EndpointError
            If the pool is closed or a worker died.
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
            raise EndpointError(f"a query worker failed: {type(error).__name__}") from None
        finally:
            if not healthy:
                worker.stop()
                worker = None if self._closed else _Worker(self._context)
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
