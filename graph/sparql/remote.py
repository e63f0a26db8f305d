"""Any SPARQL 1.1 server: query it (Protocol) and load the graph into it (Graph Store Protocol).

When the graph outgrows one machine, the same exports load into a clustered triplestore (QLever,
Virtuoso, GraphDB, Neptune ...) and the same library queries run there. Only the standard library's
HTTP client is used. Parameters are bound on the client (see
:func:`graph.sparql.syntax.bind_text`), since the protocol has no bindings of its own.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph import __version__
from graph.errors import CacheError, EndpointError, QueryError
from graph.project import EXPORT_STEM
from graph.sparql.results import QueryResult
from graph.sparql.syntax import UPDATE_KEYWORDS, bind_text, declare_prefixes, query_form

__all__ = ["ACCEPT_GRAPH", "ACCEPT_RESULTS", "PushReport", "export_path", "push_graph", "query_endpoint"]

#: what the client accepts for SELECT / ASK (formats pyoxigraph parses losslessly)
ACCEPT_RESULTS = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
                  "text/tab-separated-values;q=0.8")
#: what the client accepts for CONSTRUCT / DESCRIBE
ACCEPT_GRAPH = ("application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.7, "
                "application/ld+json;q=0.5")
_PUSH_TYPES = {".nt": "application/n-triples", ".ttl": "text/turtle"}
_USER_AGENT = f"hormone-kg/{__version__}"


def _headers(auth: str | None, **extra: str) -> dict[str, str]:
    headers = {"User-Agent": _USER_AGENT, **extra}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode("utf-8")).decode("ascii")
    return headers


def _first_line(body: bytes) -> str:
    text = body[:4000].decode("utf-8", errors="replace")
    return next((line.strip() for line in text.splitlines() if line.strip()), "(no message)")


def _send(request: urllib.request.Request, timeout: float):
    """Send a request; return (status, media type, body) or raise an error naming the endpoint."""
    url = request.full_url.split("?", 1)[0]
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        message = _first_line(error.read() or b"")
        if error.code == 400:
            raise QueryError(f"the endpoint rejected the request (HTTP 400): {message}") from None
        raise EndpointError(f"{url} answered HTTP {error.code}: {message}") from None
    except urllib.error.URLError as error:
        raise EndpointError(f"cannot reach {url}: {error.reason}") from None
    except TimeoutError:
        raise EndpointError(f"{url} did not answer within {timeout:g} s") from None


def query_endpoint(url: str, text: str, *, substitutions: Mapping[str, object] | None = None,
                   prefixes: Mapping[str, str] | None = None, timeout: float = 60.0,
                   auth: str | None = None) -> QueryResult:
    """Run a query on a SPARQL 1.1 endpoint (an HTTP POST of the query form) and parse the answer.

    Parameters
    ----------
    url : str
        The endpoint, e.g. ``http://localhost:7878/query`` (Oxigraph) or
        ``http://localhost:8890/sparql`` (Virtuoso).
    text : str
        A SELECT, ASK, CONSTRUCT or DESCRIBE query.
    substitutions : mapping of str to pyoxigraph term, optional
        Parameter values, written into the query as RDF terms (default None).
    prefixes : mapping of str to str, optional
        Prefixes the query may use without declaring them; the ones it uses are declared for the
        server (default None).
    timeout : float, optional
        Seconds to wait for the answer (default 60).
    auth : str, optional
        ``user:password`` for HTTP basic authentication (default None).

    Returns
    -------
    QueryResult

    Raises
    ------
    QueryError
        If the text is an update, a parameter cannot be bound, or the server rejects the query
        (HTTP 400; its message follows).
    EndpointError
        If the server cannot be reached, fails, or answers in a format that cannot be read.
    """
    form = query_form(text)
    if form in UPDATE_KEYWORDS:
        raise QueryError(f"updates are not sent by `hkg sparql` ({form}); use the server's own tools")
    text = declare_prefixes(bind_text(text, substitutions or {}), prefixes or {})
    body = urllib.parse.urlencode({"query": text}).encode("utf-8")
    accept = ACCEPT_GRAPH if form in ("CONSTRUCT", "DESCRIBE") else ACCEPT_RESULTS
    request = urllib.request.Request(url, data=body, method="POST", headers=_headers(
        auth, Accept=accept, **{"Content-Type": "application/x-www-form-urlencoded"}))
    _status, media_type, payload = _send(request, timeout)
    results_format = ox.QueryResultsFormat.from_media_type(media_type)
    if results_format is not None and results_format != ox.QueryResultsFormat.CSV:
        try:
            answer = ox.parse_query_results(payload, format=results_format)
            return QueryResult.from_pyoxigraph(answer, form or "SELECT")
        except (SyntaxError, ValueError) as error:
            raise EndpointError(f"{url} sent results that cannot be read: {error}") from None
    graph_format = ox.RdfFormat.from_media_type(media_type)
    if graph_format is None:
        raise EndpointError(f"{url} answered in {media_type}, which is not a SPARQL results or RDF format")
    try:
        triples = tuple(ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(payload, format=graph_format))
    except (SyntaxError, ValueError) as error:
        raise EndpointError(f"{url} sent RDF that cannot be read: {error}") from None
    return QueryResult(form if form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT", triples=triples)


@dataclass(frozen=True)
class PushReport:
    """What a push did: the request sent and the server's status."""

    method: str
    url: str
    media_type: str
    size: int
    status: int


def push_graph(url: str, path: Path, *, graph: str | None = None, replace: bool = True,
               media_type: str | None = None, timeout: float = 600.0,
               auth: str | None = None) -> PushReport:
    """Load an RDF file into a server with the SPARQL 1.1 Graph Store HTTP Protocol.

    Parameters
    ----------
    url : str
        The server's graph store endpoint, e.g. ``http://localhost:7878/store`` (Oxigraph),
        ``http://localhost:3030/ds/data`` (Fuseki), ``http://localhost:8890/sparql-graph-crud``
        (Virtuoso), ``http://localhost:7200/repositories/REPO/rdf-graphs/service`` (GraphDB).
    path : Path
        An N-Triples (``.nt``) or Turtle (``.ttl``) file, streamed as it is.
    graph : str, optional
        The named graph to write (default None: the default graph, ``?default``).
    replace : bool, optional
        PUT, replacing the graph's content (default True); False POSTs, adding to it.
    media_type : str, optional
        The file's media type (default None: from its extension).
    timeout : float, optional
        Seconds to wait for the server (default 600).
    auth : str, optional
        ``user:password`` for HTTP basic authentication (default None).

    Returns
    -------
    PushReport

    Raises
    ------
    QueryError
        If the graph IRI is malformed or the file's format is unknown.
    EndpointError
        If the server cannot be reached or refuses the data.
    """
    path = Path(path)
    media_type = media_type or _PUSH_TYPES.get(path.suffix)
    if media_type is None:
        raise QueryError(f"cannot tell the RDF format of {path}; known: {', '.join(sorted(_PUSH_TYPES))}")
    if graph is not None:
        try:
            ox.NamedNode(graph)
        except ValueError as error:
            raise QueryError(f"invalid graph IRI <{graph}>: {error}") from None
    query = urllib.parse.urlencode({"graph": graph}) if graph else "default"
    target = url + ("&" if "?" in url else "?") + query
    method = "PUT" if replace else "POST"
    size = path.stat().st_size
    with path.open("rb") as handle:
        request = urllib.request.Request(target, data=handle, method=method, headers=_headers(
            auth, **{"Content-Type": media_type, "Content-Length": str(size)}))
        status, _media, _body = _send(request, timeout)
    return PushReport(method, target, media_type, size, status)


def export_path(project, rdf_format: str = "n-triples") -> Path:
    """Return the project's export in a format (``n-triples`` or ``turtle``) to push.

    Falls back to the current build's ``graph.nt`` when there is no N-Triples export.

    Raises
    ------
    CacheError
        If there is neither (run ``hkg build``).
    """
    from graph.exports.registry import get_format

    path = project.exports / f"{EXPORT_STEM}.{get_format(rdf_format).extension}"
    if path.exists():
        return path
    if get_format(rdf_format).name == "n-triples":
        return project.current_build() / "graph.nt"
    raise CacheError(f"no export {path}; run `hkg build` first")
