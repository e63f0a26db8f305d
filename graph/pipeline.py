"""Compile ``data/`` once: records → RDF → SHACL check → cache and exports, all written atomically.

A build writes a complete new cache directory under ``.hkg/builds/`` and then swaps the
``.hkg/current`` link to it in one rename, so a reader (or a build killed half-way) only ever
sees the previous build or the new one, never a mixture.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import CacheError

__all__ = ["BuildResult", "Project", "build"]

EXPORT_STEM = "hormone-kg"
#: formats written to exports/ on every build
EXPORTED_FORMATS = ("turtle", "n-triples", "json-ld", "graphml", "kgx-tsv", "kgx-jsonl", "cytoscape")
#: above this many claims the build streams (see graph/bulk.py): no rdflib graph, SHACL as
#: SPARQL on the store, the index from the store. Below it the graph is built in rdflib and
#: validated by pyshacl, as always.
LARGE_GRAPH_CLAIMS = 5_000
#: formats a streamed build writes (from the sorted N-Triples, in bounded memory)
STREAMED_FORMATS = ("turtle", "n-triples")
#: formats a streamed build writes only with ``full_exports=True`` (they need the whole graph
#: in memory: fine to ~10⁵ claims), like exports/graph.html
IN_MEMORY_FORMATS = tuple(n for n in EXPORTED_FORMATS if n not in STREAMED_FORMATS)


@dataclass(frozen=True)
class Project:
    """Where a project's data, cache and exports live (the folder that holds ``data/``)."""

    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root).resolve())

    @classmethod
    def locate(cls, root: str | Path | None = None) -> "Project":
        """Return the project at ``root``, ``$HKG_PROJECT`` or the current directory."""
        return cls(Path(root or os.environ.get("HKG_PROJECT") or ".").resolve())

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def cache(self) -> Path:
        return Path(os.environ.get("HKG_CACHE") or self.root / ".hkg")

    def current_build(self) -> Path:
        """Return the directory of the current build.

        :raises CacheError: if nothing has been built yet.
        """
        link = self.cache / "current"
        target = link.resolve() if link.is_symlink() else None
        if target is None or not (target / "index.sqlite").exists():
            hint = "" if self.data.is_dir() else (
                f" in the project folder (there is no data/ in {self.root}: cd into the project "
                "or pass --project DIR)")
            raise CacheError(f"no build found in {self.cache}; run `hkg build` first{hint}")
        return target

    def index(self):
        """Open the current build's lookup index."""
        from .index import Index

        return Index(self.current_build() / "index.sqlite", root=self.root)


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
    code = Path(__file__).parent
    inputs = [("data/" + p.relative_to(data).as_posix(), p) for p in data.rglob("*") if p.is_file()]
    inputs += [("graph/" + p.name, p) for p in code.iterdir() if p.suffix in (".py", ".ttl", ".json")]
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


def build(project: Project, *, write_exports: bool = True, streamed: bool | None = None,
          full_exports: bool = False) -> BuildResult:
    """Build the graph of a project: load, validate, write the cache and the exports.

    Parameters
    ----------
    project : Project
    write_exports : bool, optional
        Write exports/ (default True).
    streamed : bool, optional
        Use the streamed build of :mod:`graph.bulk` (default None: when the data has more than
        :data:`LARGE_GRAPH_CLAIMS` claims and no RDF imports, which merge in memory).
    full_exports : bool, optional
        With a streamed build, also write the in-memory formats (:data:`IN_MEMORY_FORMATS`) and
        graph.html (default False: they are left out and stale copies removed).

    :raises LoadError: the data has problems (each ``file:line: message``); nothing is written.
    :raises ShapeError: the graph does not conform to the SHACL shapes; nothing is written.
    """
    from .records import load_records

    kb = load_records(project.data)
    if streamed is None:
        streamed = len(kb.claims) > LARGE_GRAPH_CLAIMS and not _has_imports(project.data)
    if streamed:
        handover = [kb]  # the streamed build frees the records once they are written out
        del kb
        return _build_streamed(project, handover, write_exports=write_exports, full_exports=full_exports)
    from .formats import get_format
    from .imports import merge_imports
    from .index import write_index
    from .io import write_atomic
    from .rdf import build_graph
    from .shapes import validate_graph

    graph = build_graph(kb)
    merge_imports(graph, project.data / "imports")  # outside RDF joins, checked file by file
    validate_graph(graph)
    digest = _digest(project.data)
    exported = {name: get_format(name).files(graph, EXPORT_STEM) for name in EXPORTED_FORMATS}
    serialized = {name: next(iter(files.values())) for name, files in exported.items() if len(files) == 1}

    builds = project.cache / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
    try:
        (staging / "graph.nt").write_bytes(serialized["n-triples"])
        meta = {"digest": digest, "entities": len(kb.entities), "claims": len(kb.claims),
                "studies": len(kb.studies), "documents": [d.id for d in kb.documents],
                "triples": len(graph)}
        write_index(graph, staging / "index.sqlite", meta)
        # [cache: signed view] (pathway layer writes its cache files here)
        # [cache: sparql store] (embedded SPARQL store is loaded here)
        from .store import load_store
        load_store(staging)  # <build>/store: pyoxigraph, loaded from graph.nt
        final = _publish(project, staging, digest, meta)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

    written = []
    if write_exports:
        for name in EXPORTED_FORMATS:
            for filename, content in exported[name].items():
                target = project.exports / filename
                write_atomic(target, content)
                written.append(target)
        # [exports: html] (the HTML explorer of the whole graph is written here)
        from .html import write_html
        written.append(write_html(project.index(), project.exports / "graph.html"))
    return BuildResult(final, digest, len(kb.entities), len(kb.claims), len(kb.studies),
                       len(kb.documents), len(graph), tuple(written))



def _build_streamed(project: Project, handover: list, *, write_exports: bool, full_exports: bool) -> BuildResult:
    """The build of :mod:`graph.bulk`: the same cache, no rdflib graph (see :func:`build`).

    ``handover`` holds the only reference to the records: they are freed as soon as they are
    written out, before the store loader and the index run beside each other (at 10⁶ claims the
    records take ~1.6 GiB, the loader ~1 GiB).
    """
    import gc

    from .bulk import copy_atomic, write_graph_nt, write_turtle
    from .checks import check_ntriples
    from .index import write_index_from_ntriples
    from .store import loading_store

    kb = handover.pop()
    if _has_imports(project.data):
        raise ValueError("a streamed build cannot merge data/imports/ yet; build with streamed=False")
    counts = {"entities": len(kb.entities), "claims": len(kb.claims), "studies": len(kb.studies),
              "documents": [d.id for d in kb.documents]}
    digest = _digest(project.data)
    builds = project.cache / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
    try:
        triples = write_graph_nt(kb, staging / "graph.nt", staging)
        del kb  # the records are in the file now; free them before the store loads
        gc.collect()
        meta = {"digest": digest, **counts, "triples": triples}
        with loading_store(staging):  # in a child process, beside the checks and the index
            check_ntriples(staging / "graph.nt")  # the SHACL shapes: a violation aborts the build
            write_index_from_ntriples(staging / "graph.nt", staging / "index.sqlite", meta)
        final = _publish(project, staging, digest, meta)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

    written, skipped = [], []
    if write_exports:
        from .formats import get_format

        nt = final / "graph.nt"
        target = project.exports / get_format("n-triples").filenames(EXPORT_STEM)[0]
        copy_atomic(nt, target)
        written.append(target)
        target = project.exports / get_format("turtle").filenames(EXPORT_STEM)[0]
        write_turtle(nt, target)
        written.append(target)
        in_memory = [(name, filename) for name in IN_MEMORY_FORMATS
                     for filename in get_format(name).filenames(EXPORT_STEM)] + [(None, "graph.html")]
        if full_exports:
            from rdflib import Graph

            from .html import write_html
            from .io import write_atomic

            graph = Graph().parse(nt, format="nt")
            for name in IN_MEMORY_FORMATS:
                for filename, content in get_format(name).files(graph, EXPORT_STEM).items():
                    write_atomic(project.exports / filename, content)
                    written.append(project.exports / filename)
            del graph
            written.append(write_html(project.index(), project.exports / "graph.html"))
        else:  # never leave an export of an older graph beside the new ones
            for _name, filename in in_memory:
                (project.exports / filename).unlink(missing_ok=True)
                skipped.append(filename)
    return BuildResult(final, digest, counts["entities"], counts["claims"], counts["studies"],
                       len(counts["documents"]), triples, tuple(written), tuple(skipped), True)
