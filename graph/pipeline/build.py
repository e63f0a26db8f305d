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

from graph.atomic import check_target
from graph.cache.index import Index, write_index_from_ntriples
from graph.errors import CacheError, LoadError, Problem
from graph.exports.explorer import write_html
from graph.exports import registry
from graph.pipeline.beside import checks_and_rdf_exports
from graph.pipeline.bulk import write_data_nt
from graph.project import EXPORTED_FORMATS, Project

__all__ = ["BuildResult", "DRAW_LIMIT_CLAIMS", "HUB_ENTITIES", "REQUIRED_DATA", "build", "build_lock",
           "check_inputs"]

#: graph.html draws the whole graph up to this many claims; a larger graph is more than a browser
#: page can lay out, so the page draws its :data:`HUB_ENTITIES` most connected entities and the
#: claims among them, and says so (``whole_html=True`` draws everything). The one decision a
#: build makes by size: every other stage and export is the same code at every size.
DRAW_LIMIT_CLAIMS = 5_000
#: how many of the most connected entities graph.html draws for a graph above the limit
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
    #: how many entities graph.html draws when it draws only the most connected (None: all)
    drawn: int | None = None


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


def _check_not_empty(claims: int, allow_empty: bool) -> None:
    if not allow_empty and not claims:
        raise LoadError([Problem("data/claims.yaml", 0, "no claims: the build would publish an empty graph "
                                 "(`hkg build --allow-empty` if that is meant)")])


def _stage_exports(project: Project) -> Path:
    """A new staging folder inside ``exports/`` (one rename from its place); stale ones of
    killed builds are removed (the caller holds the build lock)."""
    project.exports.mkdir(parents=True, exist_ok=True)
    for stale in project.exports.glob(".tmp-exports-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=".tmp-exports-", dir=project.exports))


def _swap_exports(project: Project, staged: Path) -> tuple[Path, ...]:
    """Rename every staged export into ``exports/``; return the files."""

    names = sorted(p.name for p in staged.iterdir())
    for name in names:
        check_target(project.exports / name)
    for name in names:
        os.replace(staged / name, project.exports / name)
    shutil.rmtree(staged, ignore_errors=True)
    return tuple(project.exports / name for name in names)


def _failed_writing(error: OSError) -> CacheError:
    where = f" {error.filename}" if error.filename else ""
    return CacheError(f"the build failed writing{where}: {error.strerror or error}; "
                      "the previous build and exports/ are unchanged")


def build(project: Project, *, write_exports: bool = True, whole_html: bool = False,
          allow_empty: bool = False) -> BuildResult:
    """Build the graph of a project: load, validate, write the cache and the exports.

    One build runs at a time per project (:func:`build_lock`). Nothing is published until
    everything is written: a failure or a kill leaves the previous cache and exports/ as they were.

    Parameters
    ----------
    project : Project
    write_exports : bool, optional
        Write exports/ (default True).
    whole_html : bool, optional
        Draw the whole graph in graph.html even above :data:`DRAW_LIMIT_CLAIMS` (default False:
        above it, its most connected part).
    allow_empty : bool, optional
        Build even without claims, or without a data file the current build read (default False).

    :raises LoadError: the data has problems (each ``file:line: message``); nothing is written.
    :raises ShapeError: the graph does not conform to the SHACL shapes; nothing is written.
    :raises CacheError: another build is running, or writing failed (nothing is published).
    """
    with build_lock(project):
        try:
            return _build(project, write_exports=write_exports, whole_html=whole_html, allow_empty=allow_empty)
        except OSError as error:
            raise _failed_writing(error) from None


def _build(project: Project, *, write_exports: bool, whole_html: bool, allow_empty: bool) -> BuildResult:
    """What :func:`build` does, under its lock (see there).

    The records and their N-Triples are made by :func:`write_data_nt`: claims.yaml is read by
    one process per core, each writing the triples of its own claims, so no process holds every
    claim. What is left of the records (documents, entities, studies) is freed before the store
    loader and the index run beside each other.
    """
    import gc

    from graph.sparql.store import loading_store

    data_files = check_inputs(project, allow_empty=allow_empty)
    digest = _digest(project.data)
    builds = project.cache / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
    staged, drawn = None, None
    try:
        nt = staging / "graph.nt"
        kb, claims, triples = write_data_nt(project.data, nt, staging, imports=project.data / "imports",
                                            distributions=registry.distributions(EXPORTED_FORMATS))
        _check_not_empty(claims, allow_empty)
        counts = {"entities": len(kb.entities), "claims": claims, "studies": len(kb.studies),
                  "documents": [d.id for d in kb.documents]}
        del kb  # the records are in the file now; free them before the store loads
        gc.collect()
        meta = {"digest": digest, **counts, "triples": triples}
        staged = _stage_exports(project) if write_exports else None
        # three processes: the store loader and (checks, RDF exports) in children, the index here
        with loading_store(staging), checks_and_rdf_exports(nt, staged, EXPORTED_FORMATS):
            write_index_from_ntriples(nt, staging / "index.sqlite", meta)
            if staged is not None:  # every export written, from this build, before anything is published
                index = Index(staging / "index.sqlite", root=project.root)  # as project.index() opens it
                try:
                    registry.write_table_exports(index, staged, EXPORTED_FORMATS)
                    drawn = None if whole_html or index.claim_count() <= DRAW_LIMIT_CLAIMS else HUB_ENTITIES
                    write_html(index, staged / "graph.html", hubs=drawn)
                finally:
                    index.close()
        final = _publish(project, staging, digest, {**meta, "data_files": list(data_files)})
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
        raise
    written = _swap_exports(project, staged) if staged is not None else ()
    return BuildResult(final, digest, counts["entities"], counts["claims"], counts["studies"],
                       len(counts["documents"]), triples, written, drawn)
