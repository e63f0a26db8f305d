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
            raise CacheError(f"no build found in {self.cache}; run `hkg build` first")
        return target

    def index(self):
        """Open the current build's lookup index."""
        from .index import Index

        return Index(self.current_build() / "index.sqlite")


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


def _digest(data: Path) -> str:
    code = Path(__file__).parent
    inputs = [("data/" + p.relative_to(data).as_posix(), p) for p in data.rglob("*") if p.is_file()]
    inputs += [("graph/" + p.name, p) for p in code.iterdir() if p.suffix in (".py", ".ttl", ".json")]
    hasher = hashlib.sha256()
    for name, path in sorted(inputs):
        hasher.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
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


def build(project: Project, *, write_exports: bool = True) -> BuildResult:
    """Build the graph of a project: load, validate, write the cache and the exports.

    :raises LoadError: the data has problems (each ``file:line: message``); nothing is written.
    :raises ShapeError: the graph does not conform to the SHACL shapes; nothing is written.
    """
    from .formats import get_format
    from .imports import merge_imports
    from .index import write_index
    from .io import write_atomic
    from .rdf import build_graph
    from .records import load_records
    from .shapes import validate_graph

    kb = load_records(project.data)
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
        (staging / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        final = builds / digest
        if final.exists():  # the same inputs and code always give the same build: keep it
            shutil.rmtree(staging)
        else:
            os.replace(staging, final)
        _switch_current(project.cache, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _prune(project.cache, final)

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

