"""The embedded SPARQL store: pyoxigraph on disk, one per build, read-only once built.

``hkg build`` loads the build's ``graph.nt`` into ``<build>/store`` (RocksDB) while the build is
still staged, so the store is swapped in atomically with the rest of the cache and always holds
exactly the graph of its build. Commands open it read-only (many processes may read it at once)
and run queries with parameters bound through pyoxigraph's ``substitutions=``: values are RDF
terms, never text pasted into the query. ``open_store(..., in_memory=True)`` loads a copy into
memory instead, for a long-running server (``hkg serve --in-memory``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import psutil
import pyoxigraph as ox

from graph.children import beside
from graph.errors import CacheError, QueryError, QueryRefusedError
from graph.sparql.results import QueryResult
from graph.sparql.syntax import QUERY_FORMS, UPDATE_KEYWORDS, query_form, uses_service

__all__ = ["STORE_DIR", "check_memory", "check_query", "load_store", "loading_store", "open_store", "run_query", "syntax_error"]

#: the store's folder inside a build directory
STORE_DIR = "store"

#: N-Triples bytes handed to one bulk load (about a million triples)
LOAD_SLICE_BYTES = 128 * 1024 * 1024

#: bytes an in-memory store holds per byte of the N-Triples it was loaded from (measured: 2.4
#: on the synthetic 10⁵-claim graph; rounded up, so the check refuses early rather than late)
MEMORY_PER_NTRIPLES_BYTE = 3

_POSITION = re.compile(r"^error at (\d+):(\d+): ")


def load_store(build_dir: Path) -> Path:
    """Load ``<build_dir>/graph.nt`` into a new on-disk store ``<build_dir>/store``.

    Parameters
    ----------
    build_dir : Path
        A (staging) build directory holding ``graph.nt``.

    Returns
    -------
    Path
        The store's directory, closed and ready to be opened read-only.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "graph.nt").write_text('<http://e/a> <http://e/p> "x" .\\n')
    >>> len(open_store(load_store(folder).parent))
    1
    """
    target = Path(build_dir) / STORE_DIR
    store = ox.Store(str(target))
    try:
        # Oxigraph's bulk loader holds what it loads in memory (~0.5 GB per million triples):
        # a large file goes in slices of LOAD_SLICE_BYTES, so memory stays flat
        with (Path(build_dir) / "graph.nt").open("rb") as handle:
            while True:
                piece = handle.read(LOAD_SLICE_BYTES)
                if not piece:
                    break
                piece += handle.readline()  # end the slice at a line end
                store.bulk_load(piece, format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        store.optimize()
    finally:
        del store  # closes RocksDB before the build directory is renamed
    return target


@contextmanager
def loading_store(build_dir: Path) -> Iterator[None]:
    """Load the store of ``build_dir`` in a child process while the body of the ``with`` runs.

    Oxigraph's bulk loader holds the GIL, so a thread would not overlap with the build's other
    stages that read ``graph.nt`` at the same time; a child process does (:func:`graph.children.beside`).
    If the body fails, the child is stopped; if the load fails, :class:`CacheError` says why in one line.
    """
    with beside("graph.sparql.store", str(build_dir), failure=f"cannot load the SPARQL store in {build_dir}"):
        yield


def open_store(build_dir: Path, *, in_memory: bool = False) -> ox.Store:
    """Open the store of a build: read-only on disk, or as a copy held in memory.

    The on-disk store opens at once and many processes may read it together. A copy in memory
    takes a while to load (about 10 s and 1 GiB per 3 million triples) but answers queries that
    touch much of the graph (joins over every claim, sorts on IRIs) several times faster: the
    on-disk store reads each key it looks up from compressed RocksDB blocks. ``hkg serve
    --in-memory`` loads it once and forks its query workers from that copy.

    Parameters
    ----------
    build_dir : Path
        A build directory (``project.current_build()``).
    in_memory : bool, optional
        Load the build's ``graph.nt`` into a store in memory instead (default False). Nothing
        the caller does to that copy reaches the build.

    Raises
    ------
    CacheError
        If the build has no store (it was made before the SPARQL layer: run ``hkg build``), or
        its graph would not fit in the memory available.
    """
    if in_memory:
        return _load_in_memory(Path(build_dir) / "graph.nt")
    path = Path(build_dir) / STORE_DIR
    if not (path / "CURRENT").exists():
        raise CacheError(f"no SPARQL store in {build_dir}; run `hkg build` first")
    try:
        return ox.Store.read_only(str(path))
    except OSError as error:
        raise CacheError(f"cannot open the SPARQL store in {path}: {error}") from None


def _load_in_memory(ntriples: Path) -> ox.Store:
    """Load an N-Triples file into a new in-memory store, refusing one that would not fit."""
    check_memory(ntriples.parent)
    store = ox.Store()
    try:
        # ``load`` runs in this thread (``bulk_load`` starts threads), so a process forked
        # afterwards to share the copy inherits no half-held lock
        store.load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
    except (OSError, SyntaxError) as error:
        raise CacheError(f"cannot load {ntriples} into memory: {error}") from None
    return store


def check_memory(build_dir: Path, copies: int = 1) -> None:
    """Refuse to load a build into memory ``copies`` times when the machine cannot hold that.

    Oxigraph aborts the process when an allocation fails, so the size is checked first: a copy
    takes about :data:`MEMORY_PER_NTRIPLES_BYTE` bytes per byte of the build's ``graph.nt``.

    Raises
    ------
    CacheError
        If the build has no ``graph.nt``, or the copies need more than ``MemAvailable``.
    """
    ntriples = Path(build_dir) / "graph.nt"
    if not ntriples.is_file():
        raise CacheError(f"no graph.nt in {build_dir}; run `hkg build` first")
    needed = ntriples.stat().st_size * MEMORY_PER_NTRIPLES_BYTE * copies
    available = psutil.virtual_memory().available
    if needed > available:
        raise CacheError(f"the graph needs about {needed / 2**30:.1f} GiB in memory and "
                         f"{available / 2**30:.1f} GiB are available: serve it from disk (without --in-memory)")


def check_query(text: str, *, allow_service: bool = False) -> str | None:
    """Return the query's form after refusing what a read-only store must not run.

    Raises
    ------
    QueryRefusedError
        If the text is an update (INSERT, DELETE, LOAD, DROP ...) or calls a SERVICE while
        ``allow_service`` is False (the default); whether it calls one is decided on the parsed
        query (:func:`graph.sparql.syntax.uses_service`).

    Examples
    --------
    >>> check_query("ASK { ?s ?p ?o }")
    'ASK'
    >>> check_query("DROP ALL")
    Traceback (most recent call last):
    ...
    graph.errors.QueryRefusedError: updates are not allowed: the store is read-only (DROP)
    """
    form = query_form(text)
    if form in UPDATE_KEYWORDS:
        raise QueryRefusedError(f"updates are not allowed: the store is read-only ({form})")
    if not allow_service and uses_service(text):
        raise QueryRefusedError("SERVICE (a federated query to another endpoint) is not allowed")
    return form


def syntax_error(error: SyntaxError, source: str | None = None) -> QueryError:
    """Turn pyoxigraph's ``error at L:C: message`` into a one-line QueryError with the position."""
    message = str(error).splitlines()[0] if str(error) else "malformed query"
    match = _POSITION.match(message)
    where = f"{source}: " if source else ""
    if match:
        line, column = match.groups()
        return QueryError(f"{where}malformed query at line {line}, column {column}: {message[match.end():]}")
    return QueryError(f"{where}malformed query: {message}")


def run_query(store: ox.Store, text: str, *, substitutions: Mapping[str, object] | None = None,
              limit: int | None = None, allow_service: bool = False, default_graph=None,
              named_graphs=None, prefixes: Mapping[str, str] | None = None,
              source: str | None = None, max_bytes: int | None = None) -> QueryResult:
    """Run a SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE) and collect its answer.

    Parameters
    ----------
    store : pyoxigraph.Store
        The store, usually from :func:`open_store`.
    text : str
        The query.
    substitutions : mapping of str to pyoxigraph term, optional
        Values for variables (names without ``?``), bound by pyoxigraph (default None).
    limit : int, optional
        Keep at most this many rows or triples (default None: all); see ``truncated``.
    allow_service : bool, optional
        Allow SERVICE calls to other endpoints (default False).
    default_graph, named_graphs : optional
        The RDF dataset of the query (SPARQL protocol ``default-graph-uri`` / ``named-graph-uri``),
        lists of NamedNode (default None: the store's).
    prefixes : mapping of str to str, optional
        Prefixes the query may use without declaring them (default None: none); the query's own
        PREFIX declarations win.
    source : str, optional
        Where the text came from (a file name), to prefix error messages.
    max_bytes : int, optional
        The most bytes the answer's terms may take (default None: no limit; see
        :meth:`QueryResult.from_pyoxigraph`).

    Returns
    -------
    QueryResult

    Raises
    ------
    QueryError
        If the query is malformed (with line and column), an update, calls a SERVICE that is not
        allowed, or a parameter cannot be bound.

    Examples
    --------
    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("x")))
    >>> run_query(store, "SELECT ?s ?o WHERE { ?s <http://e/p> ?o }",
    ...           substitutions={"o": ox.Literal("x")}).table()
    [['<http://e/a>', '"x"']]
    >>> run_query(store, "SELECT ?s WHERE { ?s ?p }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    graph.errors.QueryError: malformed query at line 1, column 26: expected ...
    """
    form = check_query(text, allow_service=allow_service)
    bindings = {ox.Variable(name): term for name, term in (substitutions or {}).items()}
    options = {}
    if prefixes:
        options["prefixes"] = dict(prefixes)
    if default_graph:
        options["default_graph"] = list(default_graph)
    if named_graphs:
        options["named_graphs"] = list(named_graphs)
    try:
        answer = store.query(text, substitutions=bindings or None, **options)
        return QueryResult.from_pyoxigraph(answer, form if form in QUERY_FORMS else "CONSTRUCT", limit, max_bytes)
    except SyntaxError as error:
        raise syntax_error(error, source) from None
    except RuntimeError as error:
        message = str(error)
        found = re.search(r"variable \?(\S+) in its SELECT projection", message)
        if found:
            raise QueryError(f"parameter ?{found.group(1)} must be selected by the query: add "
                             f"?{found.group(1)} to its SELECT clause") from None
        raise QueryError(f"query failed: {message}") from None
    except OSError as error:
        raise QueryError(f"query failed: {error}") from None


def _main(argv: list[str]) -> int:
    """``python -m graph.sparql.store BUILD_DIR``: the loader :func:`loading_store` runs."""
    try:
        load_store(Path(argv[0]))
    except Exception as error:  # one line for the parent, never a traceback
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
