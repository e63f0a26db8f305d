"""Queries in worker processes, so a time limit always holds.

pyoxigraph cannot interrupt a query once it runs, and a thread cannot be killed; a process can.
:class:`QueryWorkers` keeps a few processes, each with the store open read-only, hands each query
to an idle one and waits at most the time limit: a worker still busy then is killed and replaced,
and the caller gets :class:`~graph.errors.QueryTimeoutError`. A worker writes the answer in the
negotiated media type, capped at the result limit, so only bytes cross the pipe: an answer of up
to :data:`WHOLE_BYTES` in one message, a larger one in messages of :data:`CHUNK_BYTES` as the
store yields it (:meth:`QueryWorkers.stream`), so neither the worker nor the server ever holds a
large answer whole. The worker waits (its pipe full) while the server's client is slow to read,
and stops when the server cancels the answer.

A time limit alone does not protect the machine: a cross join with ``ORDER BY`` holds every row
in memory and grows by gigabytes in seconds. Each worker therefore runs under a memory limit
(``RLIMIT_DATA``, default 2 GiB on top of what the worker holds when it starts): a query that
needs more ends its worker, which is replaced, and the caller gets
:class:`~graph.errors.QueryLimitError`. An answer is capped in bytes too (``QueryJob.max_bytes``),
counted as it is written. A worker whose server died (even by SIGKILL) exits within
:data:`PARENT_CHECK_SECONDS`, whatever query it is running.

Workers open the build's on-disk store themselves. Given stores already in memory
(``preloaded``), the pool forks its workers instead: each starts with the copy the server loaded
(shared until a query touches its pages) and a replacement is ready at once, with no reload.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import queue
import signal
import threading
import time
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from graph.errors import (CacheError, EndpointError, QueryBusyError, QueryError, QueryLimitError, QueryRefusedError,
                          QueryTimeoutError)
from graph.model.vocab import prefixes
from graph.sparql.syntax import QUERY_STACK_BYTES, explain_prefix_error

__all__ = ["CHUNK_BYTES", "DEFAULT_MEMORY_LIMIT", "WHOLE_BYTES", "AnswerStream", "QueryJob", "QueryReply",
           "QueryWorkers", "execute", "limit_memory"]

#: the memory a query worker may use, in bytes (its data segment: heap and anonymous mappings)
DEFAULT_MEMORY_LIMIT = 2 << 30
#: how often a worker checks that its server is alive (a server killed with SIGKILL cannot stop
#: its workers; ``PR_SET_PDEATHSIG`` would fire when the *thread* that started a worker ends,
#: and replacements are started by request threads)
PARENT_CHECK_SECONDS = 0.5
#: an answer of at most this many bytes is sent in one message (and by the server with its length);
#: a ``max_bytes`` up to this size is therefore never passed once an answer has begun
WHOLE_BYTES = 1 << 20
#: a larger answer crosses the pipe (and goes to the client) in pieces of this many bytes
CHUNK_BYTES = 64 * 1024
#: seconds a worker has to stop a cancelled answer before it is killed
CANCEL_SECONDS = 2.0


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
    gzip: bool = False  # compress a streamed answer (a whole one is compressed by the server)


@dataclass(frozen=True)
class QueryReply:
    """A worker's answer: an HTTP status, a media type and the body."""

    status: int
    media_type: str
    body: bytes
    truncated: bool = False


def _text(status: int, message: str) -> QueryReply:
    return QueryReply(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))


class _Cancelled(Exception):
    """The server asked the worker to stop sending an answer (its client left or was too slow)."""


class _Answer(io.RawIOBase):
    """Where a worker writes an answer: kept whole up to :data:`WHOLE_BYTES`, then sent on in
    pieces (``("head", status, media type, encoding)``, ``("data", bytes)`` ..., ``("end",
    truncated)``), counted against ``max_bytes`` as it is written. ``send`` takes each message;
    ``cancelled`` says whether the server asked to stop.
    """

    def __init__(self, send, job: QueryJob, cancelled=lambda: False):
        self._send, self._job, self._cancelled = send, job, cancelled
        self._buffer = bytearray()
        self._total = 0
        self._compressor = None
        self.status, self.media_type = 200, None
        self.started = False  # a head was sent: what follows is a stream

    def writable(self) -> bool:
        return True

    def open(self, status: int, media_type: str) -> None:
        self.status, self.media_type = status, media_type

    def write(self, data) -> int:
        size = len(data)
        self._total += size
        if self._job.max_bytes is not None and self._total > self._job.max_bytes:
            from graph.sparql.results import check_answer_size

            check_answer_size(self._total, self._job.max_bytes)
        self._buffer += data
        if not self.started and len(self._buffer) > WHOLE_BYTES:
            self.started = True
            if self._job.gzip:
                self._compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # a gzip member
            self._send(("head", self.status, self.media_type, "gzip" if self._compressor else None))
        if self.started:
            while len(self._buffer) >= CHUNK_BYTES:
                piece = bytes(self._buffer[:CHUNK_BYTES])
                del self._buffer[:CHUNK_BYTES]
                self._piece(piece)
        return size

    def _piece(self, data: bytes, last: bool = False) -> None:
        if self._cancelled():
            raise _Cancelled()
        if self._compressor is not None:
            data = self._compressor.compress(data) + (self._compressor.flush() if last else b"")
        if data:
            self._send(("data", data))

    def reply(self, reply: QueryReply) -> None:
        """Send a whole reply (an error, or an answer that fits in one message)."""
        self._send(("whole", reply))

    def finish(self, truncated: bool) -> None:
        """The answer is complete."""
        if not self.started:
            self.reply(QueryReply(self.status, self.media_type, bytes(self._buffer), truncated))
            return
        self._piece(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._send(("end", truncated))

    def fail(self, status: int, message: str) -> None:
        """The answer could not be made: a reply before it started, a ``fail`` message after."""
        if self.started:
            self._send(("fail", status, message))
        else:
            self.reply(_text(status, message))


def _answer(job: QueryJob, stores: dict, out: _Answer) -> None:
    """Run a job and write its answer (or an error reply) to ``out``."""
    import pyoxigraph as ox

    from graph.sparql.results import write_answer
    from graph.sparql.syntax import check_size
    from graph.sparql.store import check_query, open_store, syntax_error

    options = {"prefixes": prefixes()}
    if job.default_graph:
        options["default_graph"] = [ox.NamedNode(iri) for iri in job.default_graph]
    if job.named_graphs:
        options["named_graphs"] = [ox.NamedNode(iri) for iri in job.named_graphs]
    try:
        if job.build_dir not in stores:
            stores.clear()  # a newer build replaced the old one: drop its handle
            stores[job.build_dir] = open_store(job.build_dir)
        check_size(job.query)  # here, not in the server: reading every way may take a second
        form = check_query(job.query, allow_service=job.allow_service)
        answer = stores[job.build_dir].query(job.query, **options)
    except QueryRefusedError as error:
        return out.reply(_text(403, f"this endpoint refuses the query: {error}"))
    except SyntaxError as error:
        return out.reply(_text(400, str(explain_prefix_error(syntax_error(error), job.query, prefixes()))))
    except QueryError as error:
        return out.reply(_text(400, str(explain_prefix_error(error, job.query, prefixes()))))
    except CacheError as error:
        return out.reply(_text(503, str(error)))
    except (RuntimeError, OSError) as error:
        return out.reply(_text(400, f"query failed: {error}"))
    graph = isinstance(answer, ox.QueryTriples)
    media_type = job.graph_type if graph else job.result_type
    if media_type is None:
        named = "graph (CONSTRUCT or DESCRIBE)" if graph else (form if form in ("SELECT", "ASK") else "SELECT or ASK")
        return out.reply(_text(406, f"none of the accepted media types can carry a {named} answer"))
    out.open(200, media_type)
    try:
        truncated = write_answer(answer, media_type, out, limit=job.limit, max_bytes=job.max_bytes)
    except (RuntimeError, OSError) as error:  # the store failed while the answer was read
        return out.fail(400, f"query failed: {error}")
    out.finish(truncated)


def _run_job(job: QueryJob, stores: dict, out: _Answer, memory_limit: int | None = None,
             preloaded: bool = False) -> None:
    """Answer a job into ``out``, whatever fails (a stopped answer is a ``fail``, never silence)."""

    try:
        _answer(job, stores, out)
    except _Cancelled:
        out._send(("cancelled",))
    except QueryLimitError as error:  # past --max-answer
        out.fail(503, str(error))
    except MemoryError:
        if not preloaded:  # a preloaded copy cannot be opened again: keep it
            stores.clear()
        out.fail(503, f"the query needed more than the memory limit of {(memory_limit or 0) // 2**20} MiB "
                      "and was stopped")
    except Exception as error:  # a bug must not kill the worker silently
        out.fail(500, f"internal error: {type(error).__name__}: {error}")


def execute(job: QueryJob, stores: dict | None = None) -> QueryReply:
    """Run a job in this process and return the whole reply (errors become 4xx / 5xx replies).

    An answer stopped once started (past ``max_bytes``) is a 503 reply here; the endpoint, which
    streams, cuts such an answer off instead (see :meth:`QueryWorkers.stream`).

    Parameters
    ----------
    job : QueryJob
    stores : dict, optional
        Open stores by build directory, reused across jobs (default None: open one for this job).
    """
    messages: list = []
    _run_job(job, {} if stores is None else stores, _Answer(messages.append, job))
    kind = messages[0][0]
    if kind == "whole":
        return messages[0][1]
    _, status, media_type, encoding = messages[0]
    body = b"".join(message[1] for message in messages if message[0] == "data")
    if messages[-1][0] == "fail":
        return _text(messages[-1][1], messages[-1][2])
    if encoding == "gzip":
        import gzip

        body = gzip.decompress(body)
    return QueryReply(status, media_type, body, messages[-1][1])


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
    """A worker's loop: receive jobs, send their answers, until the pipe closes."""
    stores = {} if stores is None else stores
    preloaded = bool(stores)

    def cancelled() -> bool:
        if connection.poll():
            return connection.recv() == ("cancel",)
        return False

    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if not isinstance(job, QueryJob):  # a cancel that came after the answer ended
            continue
        try:
            _run_job(job, stores, _Answer(connection.send, job, cancelled), memory_limit, preloaded)
        except (OSError, ValueError):  # the pipe is gone: the server is
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
        #: answers that may stream at once (each holds its worker while its client reads): one
        #: worker is always left for other queries, so slow readers cannot hold them all
        self.max_streams = max(1, size - 1)
        self._streams, self._streams_lock = 0, threading.Lock()
        for _ in range(size):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        return _Worker(self._context, self.memory_limit, dict(self._preloaded))

    def stream(self, job: QueryJob, timeout: float) -> "AnswerStream":
        """Start a job in an idle worker and return its answer as it comes (use it in ``with``).

        ``timeout`` bounds everything the worker does for the job: waiting for a free worker,
        the query, and sending the answer (a client that reads slowly cannot hold a worker longer:
        its answer is stopped at the deadline, ``AnswerStream.deadline``).

        Raises
        ------
        QueryTimeoutError
            If no answer began within ``timeout`` (the worker was killed and replaced).
        QueryLimitError
            If the worker died under its memory limit (it was replaced).
        EndpointError
            If the pool is closed or a worker died otherwise.
        QueryBusyError
            If the answer is larger than :data:`WHOLE_BYTES` and ``max_streams`` answers are
            streaming already (the worker was given back).
        """
        deadline = time.monotonic() + timeout
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeoutError(f"every query worker stayed busy for {timeout:g} s") from None
        if self._closed:
            self._give_back(worker)
            raise EndpointError("the query workers are shut down")
        try:
            worker.connection.send(job)
        except OSError as error:
            raise self._broken(worker, error) from None
        first = self._receive(worker, deadline, timeout)
        answer = AnswerStream(self, worker, first, deadline, timeout)
        if answer.whole is None and not self._stream_started():
            answer.close()
            raise QueryBusyError(f"{self.max_streams} large answer(s) (over {WHOLE_BYTES >> 20} MiB) are being "
                                 "sent already, and a worker is kept for other queries; try again")
        answer._counted = answer.whole is None
        return answer

    def _stream_started(self) -> bool:
        with self._streams_lock:
            if self._streams >= self.max_streams:
                return False
            self._streams += 1
            return True

    def _stream_ended(self) -> None:
        with self._streams_lock:
            self._streams -= 1

    def run(self, job: QueryJob, timeout: float) -> QueryReply:
        """Run a job in an idle worker and return its whole reply; stop it after ``timeout``
        seconds (see :meth:`stream`, which raises the same errors, and QueryLimitError for an
        answer stopped past ``job.max_bytes``)."""
        with self.stream(job, timeout) as answer:
            if answer.whole is not None:
                return answer.whole
            body = b"".join(answer.chunks())
        if answer.encoding == "gzip":
            import gzip

            body = gzip.decompress(body)
        return QueryReply(answer.status, answer.media_type, body, answer.truncated)

    def _receive(self, worker: _Worker, deadline: float, timeout: float):
        """The worker's next message by the deadline; a worker that misses it is replaced."""
        try:
            if worker.connection.poll(max(0.0, deadline - time.monotonic())):
                return worker.connection.recv()
        except (EOFError, OSError) as error:
            raise self._broken(worker, error) from None
        self._replace(worker)
        raise QueryTimeoutError(f"the query ran past the time limit of {timeout:g} s and was stopped")

    def _broken(self, worker: _Worker, error: BaseException) -> Exception:
        """Replace a worker whose pipe broke; return the error to raise."""
        worker.process.join(timeout=5)
        code = worker.process.exitcode
        self._replace(worker)
        if self.memory_limit and code not in (None, 0):
            return QueryLimitError(f"the query stopped its worker (exit code {code}): it needed more than the "
                                   f"memory limit of {self.memory_limit // 2**20} MiB, or failed otherwise")
        return EndpointError(f"a query worker failed: {type(error).__name__}")

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        if not self._closed:
            self._give_back(self._start())

    def _give_back(self, worker: _Worker) -> None:
        if self._closed:
            worker.stop()
        else:
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


class AnswerStream:
    """A worker's answer as it arrives: ``whole`` (a :class:`QueryReply`, the worker already
    back in the pool), or a ``status``, ``media_type`` and ``encoding`` and then its pieces, read
    with :meth:`chunks`. Closing it (``with``) before the end cancels the rest: the worker stops
    within :data:`CANCEL_SECONDS` or is killed and replaced.
    """

    def __init__(self, pool: QueryWorkers, worker: _Worker, first, deadline: float, timeout: float):
        self._pool, self._worker, self._timeout = pool, worker, timeout
        #: when the whole exchange must end (time.monotonic())
        self.deadline = deadline
        self.whole: QueryReply | None = None
        self.status, self.media_type, self.encoding = 200, None, None
        self.truncated = False
        self._counted = False  # counted in the pool's streams
        if first[0] == "whole":
            self.whole, self._worker = first[1], None
            pool._give_back(worker)
        else:
            _, self.status, self.media_type, self.encoding = first

    def chunks(self) -> Iterator[bytes]:
        """Yield the answer's pieces (at most :data:`CHUNK_BYTES` before compression each).

        Raises
        ------
        QueryLimitError
            If the answer passed ``max_bytes``, the time limit or the worker's memory limit on
            the way (what was yielded is not the whole answer).
        EndpointError
            If the worker failed otherwise.
        """
        while self._worker is not None:
            try:
                message = self._pool._receive(self._worker, self.deadline, self._timeout)
            except BaseException:
                self._worker = None  # replaced by _receive
                self._uncount()
                raise
            if message[0] == "data":
                yield message[1]
                continue
            worker, self._worker = self._worker, None
            self._pool._give_back(worker)
            self._uncount()
            if message[0] == "end":
                self.truncated = message[1]
                return
            if message[0] == "fail":
                raise (QueryLimitError if message[1] == 503 else EndpointError)(message[2])
            raise EndpointError(f"a query worker sent {message[0]!r} unasked")

    def close(self) -> None:
        """Stop the answer where it is (nothing to do once it ended)."""
        self._uncount()
        worker, self._worker = self._worker, None
        if worker is None:
            return
        stop = time.monotonic() + CANCEL_SECONDS
        try:
            worker.connection.send(("cancel",))
            while worker.connection.poll(max(0.0, stop - time.monotonic())):
                if worker.connection.recv()[0] in ("end", "fail", "cancelled"):
                    self._pool._give_back(worker)
                    return
        except (EOFError, OSError):
            pass
        self._pool._replace(worker)

    def _uncount(self) -> None:
        if self._counted:
            self._counted = False
            self._pool._stream_ended()

    def __enter__(self) -> "AnswerStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
