"""Compile ``data/`` once: records → RDF → SHACL check → cache and exports, all written atomically.

A build writes a complete new cache directory under ``.hkg/builds/`` and then swaps the
``.hkg/current`` link to it in one rename, so a reader (or a build killed half-way) only ever
sees the previous build or the new one, never a mixture. Every export is written (into a
staging folder beside ``exports/``, from the new build's own files) before anything is
published; then the cache is switched and each export renamed into place. One build runs at a
time per project (``.hkg/build.lock``); a second one stops with one line.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from graph.atomic import check_target, write_atomic
from graph.cache.index import Index, write_index_from_ntriples
from graph.errors import CacheError, LoadError, Problem
from graph.exports.explorer import write_html
from graph.pipeline.bulk import copy_atomic, write_graph_nt, write_turtle
from graph.project import EXPORT_STEM, EXPORTED_FORMATS, Project
from graph.rdf.checks import check_ntriples

__all__ = ["BuildResult", "REQUIRED_DATA", "build", "build_lock", "check_inputs"]

#: above this many claims the build streams (see graph/pipeline/bulk.py): no rdflib graph, SHACL as
#: SPARQL on the store, the index from the store. Below it the graph is built in rdflib and
#: checked by the same SHACL checker (graph/rdf/checks.py) on its sorted N-Triples.
LARGE_GRAPH_CLAIMS = 5_000
#: a document section weighs this share of a claim in that count (~10 triples against ~38), so a
#: document of tens of thousands of headings streams as a graph of that size does
SECTION_WEIGHT = 0.25
#: formats a streamed build writes (from the sorted N-Triples, in bounded memory)
STREAMED_FORMATS = ("turtle", "n-triples")
#: formats a streamed build writes only with ``full_exports=True`` (they need the whole graph
#: in memory: fine to ~10⁵ claims); without it, exports/graph.html draws the most connected part
#: (:data:`HUB_ENTITIES` entities and the claims among them)
IN_MEMORY_FORMATS = tuple(n for n in EXPORTED_FORMATS if n not in STREAMED_FORMATS)
#: how many of the most connected entities exports/graph.html draws for a graph too large to draw
HUB_ENTITIES = 300


@dataclass(frozen=True)
class BuildResult:
    """What a build produced."""

    build_dir: Path
    digest: str
    entities: int
    claims: int
    studies: int
    documents: int
    triples: int
    exports: tuple[Path, ...]
    #: export files a streamed build left out (``full_exports=False``)
    skipped: tuple[str, ...] = ()
    streamed: bool = False


def _digest(data: Path) -> str:
    code = Path(__file__).parents[1]
    inputs = [("data/" + p.relative_to(data).as_posix(), p) for p in data.rglob("*") if p.is_file()]
    inputs += [("graph/" + p.relative_to(code).as_posix(), p) for p in code.rglob("*")
               if p.suffix in (".py", ".ttl", ".json", ".html")]
    hasher = hashlib.sha256()
    for name, path in sorted(inputs):  # streamed: a large claims file is never held twice
        hasher.update(name.encode() + b"\0")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                hasher.update(chunk)
        hasher.update(b"\0")
    return hasher.hexdigest()[:16]


def _switch_current(cache: Path, build_dir: Path) -> None:
    link = cache / "current"
    temp = cache / f".current-{os.getpid()}"
    temp.unlink(missing_ok=True)
    temp.symlink_to(Path("builds") / build_dir.name)
    os.replace(temp, link)


#: finished builds kept beside the current one, so a reader that resolved one just before a
#: swap can still open it
KEEP_PREVIOUS = 2
#: a staging folder this old belongs to a build that died, not to one still running
STALE_STAGING_SECONDS = 3600


def _prune(cache: Path, keep: Path) -> None:
    builds = cache / "builds"
    finished = sorted((p for p in builds.iterdir() if not p.name.startswith(".") and p != keep),
                      key=lambda p: p.stat().st_mtime, reverse=True)
    for old in finished[KEEP_PREVIOUS:]:
        shutil.rmtree(old, ignore_errors=True)
    now = time.time()
    for stale in builds.glob(".tmp-*"):
        if now - stale.stat().st_mtime > STALE_STAGING_SECONDS:
            shutil.rmtree(stale, ignore_errors=True)


def _has_imports(data: Path) -> bool:
    folder = data / "imports"
    return folder.is_dir() and any(p.is_file() and not p.name.startswith(".") for p in folder.iterdir())


def _publish(project: Project, staging: Path, digest: str, meta: dict) -> Path:
    """Make a finished staging folder the current build (one rename each) and prune old builds."""
    (staging / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    final = project.cache / "builds" / digest
    if final.exists():  # the same inputs and code always give the same build: keep it
        shutil.rmtree(staging)
    else:
        os.replace(staging, final)
    _switch_current(project.cache, final)
    _prune(project.cache, final)
    return final


#: the data files a build cannot do without (``allow_empty=True`` builds without them)
REQUIRED_DATA = ("entities.yaml", "claims.yaml")


@contextmanager
def build_lock(project: Project) -> Iterator[None]:
    """Hold the project's build lock (``<cache>/build.lock``) for the ``with`` body.

    Raises
    ------
    CacheError
        If another build holds it (two builds of different data would mix their states).
    """
    import fcntl

    project.cache.mkdir(parents=True, exist_ok=True)
    with open(project.cache / "build.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CacheError(f"another hkg build is running on this project (it holds "
                             f"{project.cache / 'build.lock'}); wait for it to finish") from None
        yield


def _data_files(data: Path) -> list[str]:
    """The data files a build reads (YAML, source documents, imports), relative to ``data/``."""
    found = [p for p in data.glob("*.yaml")] + [p for p in data.glob("sources/*.txt")]
    found += [p for p in data.glob("imports/*") if not p.name.startswith(".")]
    return sorted(p.relative_to(data).as_posix() for p in found)


def _previous_files(project: Project) -> list[str]:
    try:
        meta = json.loads((project.current_build() / "meta.json").read_text(encoding="utf-8"))
    except (CacheError, OSError, ValueError):
        return []
    return list(meta.get("data_files") or [])


def check_inputs(project: Project, *, allow_empty: bool = False) -> list[str]:
    """Refuse data a build must not publish; return the data files (for the build's meta).

    Every data file must be a regular file (or a link to one): a FIFO or a link to
    ``/dev/zero`` would hang the build, a folder named ``claims.yaml`` would fail in it. Unless
    ``allow_empty``, :data:`REQUIRED_DATA` must exist and no file the current build read may
    have gone (a build that lost a file would publish a shrunken graph as if nothing happened).

    Raises
    ------
    LoadError
        One problem per file, ``data/NAME: message``.
    """
    data = project.data
    problems = []
    for name in _data_files(data):
        path = data / name
        if not path.is_file():
            what = "a folder" if path.is_dir() else "not a regular file (a FIFO, a device or a broken link)"
            problems.append(Problem(f"data/{name}", 0, f"is {what}; a data file must be a regular file"))
    files = [name for name in _data_files(data) if (data / name).is_file()]
    if not allow_empty:
        for name in REQUIRED_DATA:
            if not (data / name).exists():
                problems.append(Problem(f"data/{name}", 0, "missing; a build needs it "
                                        "(`hkg build --allow-empty` builds without it)"))
        for name in sorted(set(_previous_files(project)) - set(_data_files(data)) - set(REQUIRED_DATA)):
            problems.append(Problem(f"data/{name}", 0, "missing, but the current build read it; restore it, "
                                    "or build without it with `hkg build --allow-empty`"))
    if problems:
        raise LoadError(problems)
    return files


def _check_not_empty(kb, allow_empty: bool) -> None:
    if not allow_empty and not kb.claims:
        raise LoadError([Problem("data/claims.yaml", 0, "no claims: the build would publish an empty graph "
                                 "(`hkg build --allow-empty` if that is meant)")])


def _stage_exports(project: Project) -> Path:
    """A new staging folder inside ``exports/`` (one rename from its place); stale ones of
    killed builds are removed (the caller holds the build lock)."""
    project.exports.mkdir(parents=True, exist_ok=True)
    for stale in project.exports.glob(".tmp-exports-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=".tmp-exports-", dir=project.exports))


def _swap_exports(project: Project, staged: Path, remove: tuple[str, ...] = ()) -> tuple[Path, ...]:
    """Rename every staged export into ``exports/`` and remove ``remove``; return the files."""

    names = sorted(p.name for p in staged.iterdir())
    for name in names:
        check_target(project.exports / name)
    for name in names:
        os.replace(staged / name, project.exports / name)
    for name in remove:
        (project.exports / name).unlink(missing_ok=True)
    shutil.rmtree(staged, ignore_errors=True)
    return tuple(project.exports / name for name in names)


def _failed_writing(error: OSError) -> CacheError:
    where = f" {error.filename}" if error.filename else ""
    return CacheError(f"the build failed writing{where}: {error.strerror or error}; "
                      "the previous build and exports/ are unchanged")


def build(project: Project, *, write_exports: bool = True, streamed: bool | None = None,
          full_exports: bool = False, allow_empty: bool = False) -> BuildResult:
    """Build the graph of a project: load, validate, write the cache and the exports.

    One build runs at a time per project (:func:`build_lock`). Nothing is published until
    everything is written: a failure or a kill leaves the previous cache and exports/ as they were.

    Parameters
    ----------
    project : Project
    write_exports : bool, optional
        Write exports/ (default True).
    streamed : bool, optional
        Use the streamed build of :mod:`graph.pipeline.bulk` (default None: when the data has more than
        :data:`LARGE_GRAPH_CLAIMS` claims, a document section counting :data:`SECTION_WEIGHT` of
        a claim, and no RDF imports, which merge in memory).
    full_exports : bool, optional
        With a streamed build, also write the in-memory formats (:data:`IN_MEMORY_FORMATS`) and
        graph.html (default False: they are left out and stale copies removed).
    allow_empty : bool, optional
        Build even without claims, or without a data file the current build read (default False).

    :raises LoadError: the data has problems (each ``file:line: message``); nothing is written.
    :raises ShapeError: the graph does not conform to the SHACL shapes; nothing is written.
    :raises CacheError: another build is running, or writing failed (nothing is published).
    """
    with build_lock(project):
        try:
            return _build(project, write_exports=write_exports, streamed=streamed,
                          full_exports=full_exports, allow_empty=allow_empty)
        except OSError as error:
            raise _failed_writing(error) from None


def _graph_weight(kb) -> float:
    """The size of the graph a build makes, in claims: its claims, and each document section at
    :data:`SECTION_WEIGHT` of a claim."""
    return len(kb.claims) + SECTION_WEIGHT * sum(len(document.sections) for document in kb.documents)


def _build(project: Project, *, write_exports: bool, streamed: bool | None, full_exports: bool,
           allow_empty: bool) -> BuildResult:
    """What :func:`build` does, under its lock (see there)."""
    from graph.sources.load import load_records

    data_files = check_inputs(project, allow_empty=allow_empty)
    kb = load_records(project.data)
    _check_not_empty(kb, allow_empty)
    if streamed is None:
        streamed = _graph_weight(kb) > LARGE_GRAPH_CLAIMS and not _has_imports(project.data)
    if streamed:
        handover = [kb]  # the streamed build frees the records once they are written out
        del kb
        return _build_streamed(project, handover, write_exports=write_exports, full_exports=full_exports,
                               data_files=data_files)
    from graph.exports.registry import get_format
    from graph.rdf.imports import merge_imports
    from graph.rdf.triples import build_graph

    graph = build_graph(kb)
    merge_imports(graph, project.data / "imports")  # outside RDF joins, checked file by file
    digest = _digest(project.data)
    exported = {name: get_format(name).files(graph, EXPORT_STEM) for name in EXPORTED_FORMATS}
    serialized = {name: next(iter(files.values())) for name, files in exported.items() if len(files) == 1}

    builds = project.cache / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
    staged = None
    try:
        (staging / "graph.nt").write_bytes(serialized["n-triples"])
        check_ntriples(staging / "graph.nt")  # the SHACL shapes, as every build checks them
        meta = {"digest": digest, "entities": len(kb.entities), "claims": len(kb.claims),
                "studies": len(kb.studies), "documents": [d.id for d in kb.documents],
                "triples": len(graph)}
        write_index_from_ntriples(staging / "graph.nt", staging / "index.sqlite", meta)
        # [cache: signed view] (pathway layer writes its cache files here)
        # [cache: sparql store] (embedded SPARQL store is loaded here)
        from graph.sparql.store import load_store
        load_store(staging)  # <build>/store: pyoxigraph, loaded from graph.nt
        if write_exports:  # every export written, from this build, before anything is published
            staged = _stage_exports(project)
            for name in EXPORTED_FORMATS:
                for filename, content in exported[name].items():
                    write_atomic(staged / filename, content)
            # [exports: html] (the HTML explorer of the whole graph is written here)
            index = Index(staging / "index.sqlite", root=project.root)  # as project.index() opens it
            try:
                write_html(index, staged / "graph.html")
            finally:
                index.close()
        final = _publish(project, staging, digest, {**meta, "data_files": data_files})
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
        raise
    written = _swap_exports(project, staged) if staged is not None else ()
    return BuildResult(final, digest, len(kb.entities), len(kb.claims), len(kb.studies),
                       len(kb.documents), len(graph), written)


def _build_streamed(project: Project, handover: list, *, write_exports: bool, full_exports: bool,
                    data_files: list[str] = ()) -> BuildResult:
    """The build of :mod:`graph.pipeline.bulk`: the same cache, no rdflib graph (see :func:`build`).

    ``handover`` holds the only reference to the records: they are freed as soon as they are
    written out, before the store loader and the index run beside each other (at 10⁶ claims the
    records take ~1.6 GiB, the loader ~1 GiB).
    """
    import gc

    from graph.exports.registry import get_format
    from graph.sparql.store import loading_store

    kb = handover.pop()
    if _has_imports(project.data):
        raise ValueError("a streamed build cannot merge data/imports/ yet; build with streamed=False")
    counts = {"entities": len(kb.entities), "claims": len(kb.claims), "studies": len(kb.studies),
              "documents": [d.id for d in kb.documents]}
    digest = _digest(project.data)
    builds = project.cache / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
    staged, skipped = None, []
    try:
        triples = write_graph_nt(kb, staging / "graph.nt", staging)
        del kb  # the records are in the file now; free them before the store loads
        gc.collect()
        meta = {"digest": digest, **counts, "triples": triples}
        nt = staging / "graph.nt"
        with loading_store(staging):  # in a child process, beside the checks, the index and Turtle
            check_ntriples(nt)  # the SHACL shapes: a violation aborts the build
            write_index_from_ntriples(nt, staging / "index.sqlite", meta)
            if write_exports:  # the store's load takes longest (10⁵ claims: 25 s of CPU, these 24 s)
                staged = _stage_exports(project)
                copy_atomic(nt, staged / get_format("n-triples").filenames(EXPORT_STEM)[0])
                write_turtle(nt, staged / get_format("turtle").filenames(EXPORT_STEM)[0])
        if write_exports:  # every export written, from this build, before anything is published
            if full_exports:
                from rdflib import Graph

                graph = Graph().parse(nt, format="nt")
                for name in IN_MEMORY_FORMATS:
                    for filename, content in get_format(name).files(graph, EXPORT_STEM).items():
                        write_atomic(staged / filename, content)
                del graph
            else:  # never leave an export of an older graph beside the new ones
                skipped = [filename for name in IN_MEMORY_FORMATS
                           for filename in get_format(name).filenames(EXPORT_STEM)]
            index = Index(staging / "index.sqlite", root=project.root)  # as project.index() opens it
            try:  # a graph too large to draw whole: its most connected part, and the page says so
                write_html(index, staged / "graph.html", hubs=None if full_exports else HUB_ENTITIES)
            finally:
                index.close()
        final = _publish(project, staging, digest, {**meta, "data_files": list(data_files)})
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
        raise
    written = _swap_exports(project, staged, tuple(skipped)) if staged is not None else ()
    return BuildResult(final, digest, counts["entities"], counts["claims"], counts["studies"],
                       len(counts["documents"]), triples, written, tuple(skipped), True)
