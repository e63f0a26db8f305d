"""``hkg serve``: a read-only SPARQL 1.1 Protocol endpoint over the embedded store.

GET and POST (``application/x-www-form-urlencoded`` or a direct ``application/sparql-query``
body) on ``/sparql`` (also ``/query`` and ``/``), over HTTP/1.1 (kept-alive connections), with
content negotiation: SPARQL results as JSON, XML, CSV or TSV; graphs as Turtle, N-Triples,
N-Quads, JSON-LD (with the project's prefixes as its ``@context``) or RDF/XML; answers gzip-compressed
when the client accepts it. ``default-graph-uri`` / ``named-graph-uri`` set the query's dataset.
``OPTIONS`` answers a browser's CORS preflight (a POST of ``application/sparql-query`` from a
page, as YASGUI sends it); a GET without a query gets the SPARQL 1.1 Service Description. A ``format`` (or
``output``) parameter may name the format instead (``json``, ``xml``, ``csv``, ``tsv``,
``turtle``, ``nt``, ``jsonld``), as some clients send. The project's prefixes (``entity:``,
``biolink:``, ``rdfs:`` ...) may be used without PREFIX declarations.

Read-only and bounded: updates are refused (403) before they reach a store that is opened
read-only anyway; SERVICE calls to other endpoints are refused unless allowed (decided by the worker
on the parsed query, see :func:`graph.sparql.syntax.uses_service`); each query runs in
a worker process that is killed at the time limit and cannot grow past its memory limit (503);
answers are capped at a number of rows or triples (``X-Results-Truncated: true`` says so) and
in bytes, and streamed from the worker to the client (a connection holds one 64 KiB piece of an
answer over 1 MiB, not the answer);
request bodies are capped (413); a client that stops sending is dropped after ``read_timeout``
(408 when its body is late); at most ``max_connections`` are served at once (more get 503 at once). It listens on
127.0.0.1 unless told otherwise, and sends no ``Access-Control-Allow-Origin`` unless ``cors`` names
the one web origin whose pages may read its answers. Built on the standard library's ``ThreadingHTTPServer``.

With ``in_memory`` the build is loaded into memory once and the workers are forked from the
server with that copy (a worker copies the pages its queries touch, so plan for one copy per
worker and one for the server); aggregates over the whole graph run several times faster.
"""

from __future__ import annotations

import contextlib
import io
import logging
import signal
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from graph.errors import CacheError, EndpointError, QueryBusyError, QueryError, QueryLimitError
from graph.sparql.results import GRAPH_MEDIA_TYPES, RESULT_MEDIA_TYPES, serialize_triples
from graph.sparql.syntax import UPDATE_KEYWORDS, query_form
from graph.serve.workers import DEFAULT_MEMORY_LIMIT, QueryJob, QueryWorkers

__all__ = [
    "EndpointSettings",
    "SparqlHandler",
    "SparqlServer",
    "make_server",
    "negotiate",
    "serve",
]

log = logging.getLogger(__name__)

#: the paths that answer queries
PATHS = ("/sparql", "/query", "/")

# Media ranges a client may ask for, and what each is answered with (first: the default).
_RESULT_OFFERS = (
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/xml", "application/sparql-results+xml"),
    ("text/xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
)
_GRAPH_OFFERS = (
    ("text/turtle", "text/turtle"),
    ("application/x-turtle", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("text/plain", "application/n-triples"),
    ("application/ld+json", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/xml", "application/rdf+xml"),
    ("text/xml", "application/rdf+xml"),
    ("application/n-quads", "application/n-quads"),
)
_RESULT_NAMES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                 "csv": "text/csv", "tsv": "text/tab-separated-values"}
_GRAPH_NAMES = {"turtle": "text/turtle", "ttl": "text/turtle", "nt": "application/n-triples",
                "ntriples": "application/n-triples", "n-triples": "application/n-triples",
                "jsonld": "application/ld+json", "json-ld": "application/ld+json",
                "json": "application/ld+json", "xml": "application/rdf+xml",
                "rdfxml": "application/rdf+xml", "rdf": "application/rdf+xml",
                "rdf+xml": "application/rdf+xml", "n3": "text/turtle",
                "nq": "application/n-quads", "nquads": "application/n-quads", "n-quads": "application/n-quads"}
_TEXT_TYPES = ("text/csv", "text/tab-separated-values", "text/turtle")
#: answers shorter than this are sent uncompressed (gzip would not pay for its header)
_GZIP_MIN_BYTES = 512
#: the methods the endpoint answers, and the request headers a page may send to it
_METHODS = "GET, HEAD, POST, OPTIONS"
_CORS_HEADERS = "Accept, Accept-Encoding, Content-Type"


@dataclass(frozen=True)
class EndpointSettings:
    """How ``hkg serve`` runs.

    Attributes
    ----------
    project : Project
        Whose current build is served (a new ``hkg build`` is picked up by the next query).
    host : str
        Interface to listen on (default ``127.0.0.1``: this machine only).
    port : int
        TCP port (default 7070; 0 picks a free one).
    timeout : float
        Seconds a query may take, waiting for a worker, running and sending its answer, before it
        is stopped (default 30).
    limit : int
        The most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) in an answer (default 10000).
    max_body : int
        The largest request body accepted, in bytes (default 1 MiB).
    workers : int
        How many queries may run at once (default 2).
    allow_service : bool
        Allow SERVICE calls to other endpoints (default False).
    max_memory : int or None
        Bytes of memory each query worker may use (default 2 GiB; None: no limit).
    read_timeout : float
        Seconds a client may take to send its whole request, head and body (default 30).
    max_connections : int
        Connections served at once (default 256). When all are taken, a new connection closes
        the one that has waited longest (over a second) for its request head, and an eighth of
        the slots is kept for requests that arrive whole within a second, so clients that send
        slowly (slowloris) cannot keep a complete request out; failing both, 503 and closed.
    in_memory : bool
        Load the current build into memory once and answer from that copy, which the workers
        are forked with (default False: each worker reads the on-disk store). Faster on queries that
        touch much of the graph; a later build is answered from its on-disk store until restart.
    max_answer : int
        The largest answer, in bytes before compression (default 64 MiB). An answer of up to
        1 MiB (:data:`graph.serve.workers.WHOLE_BYTES`) is sent whole, with its length, and one over
        the limit within it is refused (503); a larger one is streamed from its worker in 64 KiB
        pieces (chunked), so a connection holds one piece, and one that passes the limit on the
        way is cut off (the connection is reset without the last chunk). The time limit
        (``timeout``) bounds the query and the sending of its answer together: a client that reads
        too slowly is cut off in the same way, and its worker freed. At most ``workers - 1``
        answers (at least one) stream at once; another large one is refused (503, try again).
    cors : str or None
        The web origin (``https://example.org``) whose pages may read answers: sent as
        ``Access-Control-Allow-Origin`` (default None: no such header, so a page a user visits
        on another site cannot read what this endpoint answers).
    """

    project: object
    host: str = "127.0.0.1"
    port: int = 7070
    timeout: float = 30.0
    limit: int = 10_000
    max_body: int = 1 << 20
    workers: int = 2
    allow_service: bool = False
    max_memory: int | None = DEFAULT_MEMORY_LIMIT
    read_timeout: float = 30.0
    max_connections: int = 256
    in_memory: bool = False
    cors: str | None = None
    max_answer: int = 64 << 20


def _ranges(accept: str | None) -> list[tuple[str, float, int]]:
    ranges = []
    for position, item in enumerate((accept or "").split(",")):
        parts = [p.strip() for p in item.split(";")]
        if not parts[0]:
            continue
        quality = 1.0
        for part in parts[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((parts[0].lower(), quality, position))
    return ranges


def negotiate(accept: str | None, offers: Sequence[tuple[str, str]]) -> str | None:
    """Return the media type to answer with, given an Accept header and the offers.

    Each offer pairs a media type a client may name with the type that is sent. The best offer
    has the highest quality, then the most specific matching range, then comes first in the
    client's list, then in the offers. No Accept header (or ``*/*``) gets the first offer.

    Examples
    --------
    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", _RESULT_OFFERS)
    'application/sparql-results+xml'
    >>> negotiate("application/json", _GRAPH_OFFERS), negotiate(None, _GRAPH_OFFERS)
    ('application/ld+json', 'text/turtle')
    >>> negotiate("image/png", _RESULT_OFFERS) is None
    True
    """
    ranges = _ranges(accept) or [("*/*", 1.0, 0)]
    best, best_key = None, None
    for order, (named, sent) in enumerate(offers):
        kind = named.split("/")[0]
        for media_range, quality, position in ranges:
            if media_range == named:
                specificity = 2
            elif media_range == f"{kind}/*":
                specificity = 1
            elif media_range == "*/*":
                specificity = 0
            else:
                continue
            if quality <= 0:
                continue
            key = (quality, specificity, -position, -order)
            if best_key is None or key > best_key:
                best, best_key = sent, key
    return best


def _accepts_gzip(accept_encoding: str | None) -> bool:
    """Return whether an Accept-Encoding header accepts gzip (``q=0`` refuses it).

    >>> _accepts_gzip("gzip, deflate"), _accepts_gzip("br;q=1, *;q=0.5"), _accepts_gzip("gzip;q=0"), _accepts_gzip(None)
    (True, True, False, False)
    """
    ranges = _ranges(accept_encoding)
    named = [quality for coding, quality, _ in ranges if coding in ("gzip", "x-gzip")]
    if named:
        return max(named) > 0
    return any(coding == "*" and quality > 0 for coding, quality, _ in ranges)


def _named(value: str | None, names: dict[str, str], media_types) -> str | None:
    if not value:
        return None
    value = value.strip().lower()
    if value in media_types:
        return value
    return names.get(value)


#: seconds a connection in a reserved slot has to send its whole request
RESERVED_WINDOW = 1.0
#: the most bytes of whole answers (each at most :data:`graph.serve.workers.WHOLE_BYTES`) that all
#: connections may hold at once while their clients read them; a larger answer is streamed, a
#: piece (:data:`graph.serve.workers.CHUNK_BYTES`) at a time, and never held whole
MAX_HELD_BYTES = 64 << 20
#: seconds a client has to take each piece of a streamed answer: a slow reader holds a query
#: worker (the piece waits in its pipe), so one that takes less than 64 KiB in this time is cut off
PIECE_SECONDS = 5.0


class _LateRequest(Exception):
    """The request did not arrive by its deadline (not a TimeoutError: the standard library
    would drop the connection without a word)."""


class _DeadlineReader(io.RawIOBase):
    """A socket's input that ends at a deadline, however slowly the bytes trickle in.

    A socket timeout holds per receive: a client sending a byte every few seconds would never
    time out. Each receive here waits at most until the deadline, then raises _LateRequest.
    """

    def __init__(self, sock: socket.socket, deadline: float):
        self._sock, self._deadline = sock, deadline

    def readable(self) -> bool:
        return True

    def restart(self, seconds: float) -> None:
        """Give the next request ``seconds`` from now."""
        self._deadline = time.monotonic() + seconds

    def readinto(self, buffer) -> int:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise _LateRequest()
        self._sock.settimeout(remaining)
        try:
            return self._sock.recv_into(buffer)
        except TimeoutError:
            raise _LateRequest() from None


class SparqlHandler(BaseHTTPRequestHandler):
    """One request to the endpoint."""

    server: "SparqlServer"
    server_version = "hormone-kg"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's name
        log.info("%s %s", self.address_string(), format % args)

    # --- replies -----------------------------------------------------------------------

    def _send(self, status: int, media_type: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.connection.settimeout(self.server.settings.read_timeout)  # a client that stops reading
        if media_type in _TEXT_TYPES:
            media_type += "; charset=utf-8"
        body, headers = self._compressed(body, headers)
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        if self.server.settings.cors:
            self.send_header("Access-Control-Allow-Origin", self.server.settings.cors)
        self.send_header("Vary", "Accept")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection and self.request_version != "HTTP/1.0":
            self.send_header("Connection", "close")  # an HTTP/1.1 client must not reuse it
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _compressed(self, body: bytes, headers: dict[str, str] | None) -> tuple[bytes, dict[str, str]]:
        """Gzip an answer when the client accepts gzip (``Accept-Encoding``) and it is worth it;
        ``mtime=0`` keeps the same answer the same bytes."""
        import gzip

        headers = {"Vary": "Accept-Encoding", **(headers or {})}
        if len(body) < _GZIP_MIN_BYTES or not _accepts_gzip(self.headers.get("Accept-Encoding")):
            return body, headers
        headers["Content-Encoding"] = "gzip"
        return gzip.compress(body, compresslevel=6, mtime=0), headers

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"), headers)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's errors (414, 431, 501 ...) as one line of text, not an HTML page."""
        self.close_connection = True
        if self.server.evicted(self.request):  # closed for a new connection, and told so
            return
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "error"
        self._request_defaults()
        self._error(code, (message or phrase)[:200].replace("\n", " "))

    def _request_defaults(self) -> None:
        """What answering needs of a request whose line did not arrive or parse."""
        if not getattr(self, "command", None):
            self.command = "GET"  # anything but HEAD: the answer has a body
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = self.protocol_version  # 0.9 would send no status line nor headers
        if not hasattr(self, "requestline"):
            self.requestline = ""

    # --- methods -------------------------------------------------------------------------

    def _path_and_params(self) -> tuple[str, dict[str, list[str]]] | None:
        split = urllib.parse.urlsplit(self.path)
        if split.path not in PATHS:
            self.close_connection = True  # a POST body left unread must not pass for a request
            self._error(HTTPStatus.NOT_FOUND, f"not found: {split.path}; the endpoint is /sparql")
            return None
        return split.path, urllib.parse.parse_qs(split.query, keep_blank_values=True)

    def parse_request(self) -> bool:
        """Read the request's headers; once they are here, the connection no longer waits."""
        parsed = not self.server.evicted(self.request) and super().parse_request()
        self.server.waiting(self.request, None)
        if self.server.evicted(self.request):  # its head ended because it was closed: no request
            self.close_connection = True
            return False
        return parsed

    def setup(self) -> None:
        window = self.server.request_window(self.request)
        self.timeout = window
        super().setup()
        # the whole request (line, headers, body) must arrive within the window
        self._reader = _DeadlineReader(self.connection, time.monotonic() + window)
        self.rfile = io.BufferedReader(self._reader, 65536)

    def handle_one_request(self) -> None:
        """Answer one request; an unexpected failure becomes a 500, never a dropped connection."""
        self._reader.restart(self.timeout)  # each request on a kept-alive connection has its own deadline
        self.server.waiting(self.request, time.monotonic())  # may be closed for a new connection
        try:
            super().handle_one_request()
        except _LateRequest:  # the head or the body did not arrive by the deadline
            self.close_connection = True
            try:
                self._request_defaults()
                self._error(HTTPStatus.REQUEST_TIMEOUT, "the request did not arrive within "
                                                        f"{self.timeout:g} s")
            except OSError:
                pass
        except Exception as error:  # the last line of defence: log it, tell the client
            log.exception("internal error")
            try:
                self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {type(error).__name__}")
            except OSError:
                pass
            self.close_connection = True
        finally:
            self.server.waiting(self.request, None)

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        found = self._path_and_params()
        if found is None:
            return
        path, params = found
        if "update" in params:
            self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused")
        elif "query" in params:
            self._query(params)
        else:
            self._describe_service(path)

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        found = self._path_and_params()
        if found is None:
            return
        _path, params = found
        length = self.headers.get("Content-Length")
        if length is None:
            self._error(HTTPStatus.LENGTH_REQUIRED, "a POST needs a Content-Length header")
            return
        try:
            size = int(length)
        except ValueError:
            size = -1
        if size < 0 or not length.strip().isdigit():  # "-1" would read until the client stops
            self.close_connection = True
            self._error(HTTPStatus.BAD_REQUEST, f"malformed Content-Length {length!r}")
            return
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            self._error(HTTPStatus.NOT_IMPLEMENTED, "chunked request bodies are not accepted; "
                                                     "send a Content-Length")
            return
        if size > self.server.settings.max_body:
            self.close_connection = True
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                        f"the request body is {size} bytes; the limit is {self.server.settings.max_body}")
            return
        try:
            body = self.rfile.read(size)
        except _LateRequest:
            self.close_connection = True
            self._error(HTTPStatus.REQUEST_TIMEOUT, f"the request body did not arrive within {self.timeout:g} s")
            return
        if len(body) < size:
            self.close_connection = True
            self._error(HTTPStatus.BAD_REQUEST, f"the request body ended after {len(body)} of {size} bytes")
            return
        media_type = self.headers.get_content_type()
        try:
            text = body.decode(self.headers.get_content_charset() or "utf-8")
        except (UnicodeDecodeError, LookupError):
            self._error(HTTPStatus.BAD_REQUEST, "the request body is not valid UTF-8")
            return
        if media_type == "application/sparql-update":
            self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused")
        elif media_type == "application/x-www-form-urlencoded":
            form = urllib.parse.parse_qs(text, keep_blank_values=True)
            merged = {key: params.get(key, []) + form.get(key, []) for key in {*params, *form}}
            if "update" in merged:
                self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused")
            elif "query" not in merged:
                self._error(HTTPStatus.BAD_REQUEST, "missing the query parameter")
            else:
                self._query(merged)
        elif media_type == "application/sparql-query":
            self._query({**params, "query": [text]})
        else:
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                        f"unsupported Content-Type {media_type}; send application/sparql-query or "
                        "application/x-www-form-urlencoded")

    def do_OPTIONS(self) -> None:  # noqa: N802 - the stdlib's name
        """Answer a CORS preflight (and a plain OPTIONS): which methods and request headers a page
        of an allowed origin may use; 204, no body."""
        if self._path_and_params() is None:
            return
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Allow", _METHODS)
        origin = self._preflight_origin(self.headers.get("Origin"))
        if origin is not None:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Methods", _METHODS)
            self.send_header("Access-Control-Allow-Headers", _CORS_HEADERS)
            self.send_header("Access-Control-Max-Age", "600")
            if origin != "*":
                self.send_header("Vary", "Origin")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _preflight_origin(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin a preflight from ``origin`` gets: the one every answer
        carries (``_send``, the ``cors`` setting), or None (no CORS headers) for a request that
        names no origin or a server that allows none."""
        return self.server.settings.cors if origin else None

    def _not_allowed(self) -> None:
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, "this endpoint is read-only: use GET or POST",
                    {"Allow": _METHODS})

    do_PUT = do_DELETE = do_PATCH = _not_allowed

    # --- queries -------------------------------------------------------------------------

    def _query(self, params: dict[str, list[str]]) -> None:
        import pyoxigraph as ox

        settings = self.server.settings
        if len(params["query"]) != 1:
            self._error(HTTPStatus.BAD_REQUEST, "give exactly one query parameter")
            return
        text = params["query"][0]
        # a convenience, not the guard: the worker's Store.query parses queries only (an update
        # is a syntax error there) on a store opened read-only, whatever a lexer makes of the text
        form = query_form(text)
        if form in UPDATE_KEYWORDS:
            self._error(HTTPStatus.FORBIDDEN, f"this endpoint is read-only: updates are refused ({form})")
            return
        graphs = {}
        for key in ("default-graph-uri", "named-graph-uri"):
            graphs[key] = tuple(params.get(key, []))
            for iri in graphs[key]:
                try:
                    ox.NamedNode(iri)
                except ValueError as error:
                    self._error(HTTPStatus.BAD_REQUEST, f"invalid {key} <{iri}>: {error}")
                    return
        requested = (params.get("format") or params.get("output") or [None])[0]
        accept = self.headers.get("Accept")
        result_type = _named(requested, _RESULT_NAMES, RESULT_MEDIA_TYPES) or negotiate(accept, _RESULT_OFFERS)
        graph_type = _named(requested, _GRAPH_NAMES, GRAPH_MEDIA_TYPES) or negotiate(accept, _GRAPH_OFFERS)
        if result_type is None and graph_type is None:  # (one of them: decided on the answer, 406)
            self._error(HTTPStatus.NOT_ACCEPTABLE, f"none of the accepted media types ({accept}) "
                                                   "can carry a SELECT, ASK, CONSTRUCT or DESCRIBE answer")
            return
        try:
            build_dir = str(settings.project.current_build())
        except CacheError as error:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, str(error))
            return
        job = QueryJob(build_dir, text, result_type, graph_type, settings.limit, settings.allow_service,
                       graphs["default-graph-uri"], graphs["named-graph-uri"], settings.max_answer,
                       gzip=_accepts_gzip(self.headers.get("Accept-Encoding")))
        try:
            answer = self.server.workers.stream(job, settings.timeout)
        except QueryBusyError as error:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, str(error), {"Retry-After": "2"})
            return
        except QueryLimitError as error:  # past the time or memory limit: stopped
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, str(error))
            return
        except EndpointError as error:
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, str(error))
            return
        headers = {"X-Result-Limit": str(settings.limit)}
        with answer:
            if answer.whole is None:
                self._stream(answer, headers)
                return
            reply = answer.whole
            if reply.truncated:
                headers["X-Results-Truncated"] = "true"
        if not self.server.hold(len(reply.body)):
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, "the server holds too many answers its clients "
                                                        "have not read yet; try again", {"Retry-After": "1"})
            return
        try:
            self._send(reply.status, reply.media_type, reply.body, headers)
        finally:
            self.server.release(len(reply.body))

    def _stream(self, answer, headers: dict[str, str]) -> None:
        """Send an answer as its worker makes it, a piece at a time (HTTP/1.1 chunked encoding;
        to an HTTP/1.0 client, up to the end of the connection).

        The connection holds one piece at a time. Each must be taken by the client within
        :data:`PIECE_SECONDS` and before the job's deadline (``--timeout``, counted from the
        query's start), as its worker waits meanwhile; an answer stopped on the way (the client
        too slow, past ``--max-answer``, the worker failed) ends the connection with a reset and
        without the last chunk, which every HTTP/1.1 client reports as an incomplete answer. A
        ``limit`` that cut the answer short is said in the trailer (``X-Results-Truncated:
        true``), as it is known only at the end.
        """
        chunked = self.request_version != "HTTP/1.0"
        self.connection.settimeout(max(0.001, min(self.server.settings.read_timeout,
                                                  answer.deadline - time.monotonic())))
        self.send_response(answer.status)
        media_type = answer.media_type
        self.send_header("Content-Type", media_type + ("; charset=utf-8" if media_type in _TEXT_TYPES else ""))
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Trailer", "X-Results-Truncated")
        else:
            self.close_connection = True
        if answer.encoding:
            self.send_header("Content-Encoding", answer.encoding)
        if self.server.settings.cors:
            self.send_header("Access-Control-Allow-Origin", self.server.settings.cors)
        self.send_header("Vary", "Accept, Accept-Encoding")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in headers.items():
            self.send_header(name, value)
        if self.close_connection and chunked:
            self.send_header("Connection", "close")
        try:
            self.end_headers()
            if self.command == "HEAD":
                return
            for piece in answer.chunks():
                with self.server.holding(len(piece)):
                    self._write_by(answer.deadline, b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece,
                                   PIECE_SECONDS)
            if chunked:
                self._write_by(answer.deadline, b"0\r\n" + (b"X-Results-Truncated: true\r\n" if answer.truncated
                                                              else b"") + b"\r\n")
        except (QueryError, EndpointError) as error:  # stopped by the worker's side
            log.warning("%s: answer stopped after it began: %s", self.address_string(), error)
            self._abort()
        except OSError as error:  # the client is gone, or did not read in time
            log.info("%s: answer not taken: %s", self.address_string(), error or type(error).__name__)
            self._abort()

    def _write_by(self, deadline: float, data: bytes, within: float | None = None) -> None:
        """Send ``data``, all of it by ``deadline`` and within ``within`` seconds (default
        ``read_timeout``), or raise TimeoutError."""
        remaining = min(within or self.server.settings.read_timeout, self.server.settings.read_timeout,
                        deadline - time.monotonic())
        if remaining <= 0:
            raise TimeoutError("the answer was not taken by its deadline")
        self.connection.settimeout(remaining)  # sendall: the timeout bounds the whole call
        self.wfile.write(data)

    def _abort(self) -> None:
        """End the connection with a reset: a client must not take a cut answer for a whole one."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _describe_service(self, path: str) -> None:
        """Answer a GET without a query with a SPARQL 1.1 Service Description."""
        import pyoxigraph as ox

        sd = "http://www.w3.org/ns/sparql-service-description#"
        try:
            service = ox.NamedNode(f"http://{self.headers.get('Host')}{path}")
        except ValueError:  # no Host header, or one that makes no IRI
            service = ox.NamedNode(self.server.url)
        from graph.rdf.triples import DATASET

        def triple(predicate, value):
            return ox.Triple(service, ox.NamedNode(predicate), value)

        dataset = ox.NamedNode(str(DATASET))
        default = ox.BlankNode("default")
        graph = ox.BlankNode("defaultGraph")
        triples = [
            triple("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(sd + "Service")),
            triple(sd + "endpoint", service),
            triple(sd + "supportedLanguage", ox.NamedNode(sd + "SPARQL11Query")),
            triple("http://purl.org/dc/terms/title", ox.Literal("hormone-kg (read-only)")),
            triple(sd + "feature", ox.NamedNode(sd + "UnionDefaultGraph")),
            triple(sd + "defaultDataset", default),
            ox.Triple(default, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(sd + "Dataset")),
            ox.Triple(default, ox.NamedNode(sd + "defaultGraph"), graph),
            ox.Triple(graph, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(sd + "Graph")),
            ox.Triple(graph, ox.NamedNode("http://rdfs.org/ns/void#inDataset"), dataset),
        ]
        if self.server.settings.allow_service:
            triples.append(triple(sd + "feature", ox.NamedNode(sd + "BasicFederatedQuery")))
        for fmt in (*RESULT_MEDIA_TYPES.values(), *GRAPH_MEDIA_TYPES.values()):
            triples.append(triple(sd + "resultFormat", ox.NamedNode(fmt.iri)))
        media_type = negotiate(self.headers.get("Accept"), _GRAPH_OFFERS) or "text/turtle"
        self._send(HTTPStatus.OK, media_type, serialize_triples(sorted(triples, key=str), media_type))


class SparqlServer(ThreadingHTTPServer):
    """The HTTP server: settings and the query workers, shared by every request thread."""

    daemon_threads = True
    #: connections the kernel queues before they are accepted; the standard library's 5 makes
    #: a burst of clients see resets and one-second SYN retries
    request_queue_size = 128

    def __init__(self, settings: EndpointSettings, workers: QueryWorkers):
        self.settings = settings
        self.workers = workers
        reserved = settings.max_connections // 8
        self._slots = threading.BoundedSemaphore(settings.max_connections - reserved)
        self._reserved = threading.BoundedSemaphore(reserved) if reserved else None
        self._windows: dict[int, tuple[float, Callable[[], None]]] = {}  # by socket: window, release
        self.buffered, self.peak_buffered, self._buffer_lock = 0, 0, threading.Lock()
        self._waiting: dict[int, tuple[float, socket.socket]] = {}  # by socket: since when, the socket
        self._evicted: set[int] = set()  # connections closed for new ones, by socket
        super().__init__((settings.host, settings.port), SparqlHandler)

    def hold(self, size: int) -> bool:
        """Count ``size`` bytes of a whole answer about to be sent; False when the connections
        already hold :data:`MAX_HELD_BYTES` (clients that do not read their answers)."""
        with self._buffer_lock:
            if self.buffered and self.buffered + size > MAX_HELD_BYTES:
                return False
            self.buffered += size
            self.peak_buffered = max(self.peak_buffered, self.buffered)
            return True

    def release(self, size: int) -> None:
        """``size`` bytes held for a connection were sent (or its client left)."""
        with self._buffer_lock:
            self.buffered -= size

    @contextlib.contextmanager
    def holding(self, size: int):
        """Count a piece of a streamed answer while it is sent (never refused: a connection holds
        one piece at a time)."""
        with self._buffer_lock:
            self.buffered += size
            self.peak_buffered = max(self.peak_buffered, self.buffered)
        try:
            yield
        finally:
            self.release(size)

    def evicted(self, request) -> bool:
        """Whether the connection was closed for a new one (what it sent is not a request)."""
        with self._buffer_lock:
            return id(request) in self._evicted

    def waiting(self, request, since: float | None) -> None:
        """Mark a connection as waiting for a request head since ``since`` (None: no longer)."""
        with self._buffer_lock:
            if since is None:
                self._waiting.pop(id(request), None)
            else:
                self._waiting[id(request)] = (since, request)

    def _evict_slowest(self) -> bool:
        """Close the connection that has waited longest (over :data:`RESERVED_WINDOW` s) for its
        request head; return whether there was one. Its thread ends (and frees its slot) at once."""
        with self._buffer_lock:
            ordinary = [item for item in self._waiting.items()  # a reserved slot would not serve the new one
                        if self._windows.get(item[0], (0, None))[1] == self._slots.release]
            if not ordinary:
                return False
            key, (since, victim) = min(ordinary, key=lambda item: item[1][0])
            if time.monotonic() - since < RESERVED_WINDOW:
                return False
            del self._waiting[key]
            self._evicted.add(key)
        message = (f"the request did not arrive within {RESERVED_WINDOW:g} s while every connection "
                   "was taken; try again\n").encode("utf-8")
        try:
            victim.send(b"HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        b"Connection: close\r\nContent-Length: %d\r\n\r\n%b" % (len(message), message))
            victim.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        return True

    def request_window(self, request) -> float:
        """Seconds the connection has to send its whole request (shorter in a reserved slot)."""
        return self._windows.get(id(request), (self.settings.read_timeout, None))[0]

    def process_request(self, request, client_address) -> None:
        """Serve a connection in its own thread, or refuse it at once when all slots are taken.

        When the ordinary slots are taken, the connection that has waited longest for its request
        head (more than :data:`RESERVED_WINDOW` seconds: a slow sender, or a kept-alive one that
        sends nothing) is closed to make room; failing that, a reserved slot serves a connection
        whose request arrives whole within :data:`RESERVED_WINDOW` seconds. Slow senders can
        hold no slot a complete request needs.
        """
        if self._slots.acquire(blocking=False) or (self._evict_slowest() and self._slots.acquire(timeout=1.0)):
            self._windows[id(request)] = (self.settings.read_timeout, self._slots.release)
        elif self._reserved is not None and self._reserved.acquire(blocking=False):
            self._windows[id(request)] = (min(RESERVED_WINDOW, self.settings.read_timeout), self._reserved.release)
        else:
            try:
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; "
                                b"charset=utf-8\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"
                                b"too many connections; try again\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._windows.pop(id(request))[1]()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._buffer_lock:
                self._waiting.pop(id(request), None)
                self._evicted.discard(id(request))
            self._windows.pop(id(request))[1]()

    @property
    def url(self) -> str:
        """The endpoint's URL (with the port actually bound)."""
        host = self.server_address[0]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.server_port}/sparql"

    def server_close(self) -> None:
        super().server_close()
        self.workers.close()


def make_server(settings: EndpointSettings) -> SparqlServer:
    """Start the query workers and bind the server; call ``serve_forever()`` on it to serve.

    Raises
    ------
    CacheError
        If the project has no build (nothing to serve).
    EndpointError
        If the address cannot be bound (a port in use).
    """
    from graph.sparql.store import check_memory, open_store

    build_dir = settings.project.current_build()
    if settings.in_memory:
        # the server's copy, and one per worker: Oxigraph writes to the memory it reads, so a
        # query over the whole graph leaves its worker with a private copy of the pages
        check_memory(build_dir, copies=settings.workers + 1)
    store = open_store(build_dir, in_memory=settings.in_memory)  # fail now, not on the first query
    preloaded = {str(build_dir): store} if settings.in_memory else None
    workers = QueryWorkers(settings.workers, memory_limit=settings.max_memory, preloaded=preloaded)
    try:
        return SparqlServer(settings, workers)
    except OSError as error:
        workers.close()
        raise EndpointError(f"cannot listen on {settings.host}:{settings.port}: {error.strerror or error}") from None


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def serve(settings: EndpointSettings, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM), then stop the workers.

    Parameters
    ----------
    settings : EndpointSettings
    on_ready : callable, optional
        Called with the endpoint's URL once it accepts requests (default None).
    """
    server = make_server(settings)
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if in_main else None
    try:
        if on_ready is not None:
            on_ready(server.url)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if in_main:
            signal.signal(signal.SIGTERM, previous)
