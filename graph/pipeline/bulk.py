"""Records → the graph's sorted N-Triples on disk, in bounded memory: what every build reads after.

:func:`write_graph_nt` streams the model's triples (:func:`graph.rdf.triples.iter_triples`) as
N-Triples lines to a file, sorts them and drops duplicates (GNU ``sort -u`` in the C locale, or an
external merge sort in Python where there is no ``sort``), merges in the triples of
``data/imports/`` (each file checked against just the part of the graph it touches), counts them,
and merges in the dataset description that counts them. No rdflib graph of the whole is ever made:
the store, the SHACL check, the index and every export read that file (graph/pipeline/build.py).
"""

from __future__ import annotations

import heapq
import mmap
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


__all__ = ["claim_parts", "sort_unique", "write_data_nt", "write_graph_nt"]

#: lines sorted in memory per run by the Python fallback of :func:`sort_unique`
RUN_LINES = 1_000_000
#: memory GNU sort may use for its buffer
SORT_BUFFER = "512M"


def _python_sort_unique(sources: list[Path], target: Path, workdir: Path) -> None:
    runs = []
    for source in sources:
        with source.open("rb") as handle:
            while True:
                lines = [line for _, line in zip(range(RUN_LINES), handle)]
                if not lines:
                    break
                run = workdir / f"run-{len(runs)}"
                run.write_bytes(b"".join(sorted(set(lines))))
                runs.append(run)
    handles = [run.open("rb") for run in runs]
    try:
        with target.open("wb") as out:
            last = None
            for line in heapq.merge(*handles):
                if line != last:
                    out.write(line)
                    last = line
    finally:
        for handle in handles:
            handle.close()
        for run in runs:
            run.unlink()


def sort_unique(source: Path | Sequence[Path], target: Path, workdir: Path, *, merge: Path | None = None) -> None:
    """Sort the lines of ``source`` (a file, or several taken together) by their bytes, drop
    duplicates, write ``target``.

    Byte order of UTF-8 is code-point order, so this is Python's ``sorted(set(lines))``. With
    ``merge``, ``source`` (one file) and ``merge`` are already sorted and are merged.
    """
    sources = [Path(source)] if isinstance(source, (str, os.PathLike)) else [Path(s) for s in source]
    sort = shutil.which("sort")
    if sort:
        args = [sort, "-u", "-S", SORT_BUFFER, "-T", str(workdir), "-o", str(target)]
        args += ["-m", str(sources[0]), str(merge)] if merge is not None else ["--parallel=2", *map(str, sources)]
        subprocess.run(args, check=True, env={**os.environ, "LC_ALL": "C"})
        return
    if merge is not None:
        with sources[0].open("rb") as a, merge.open("rb") as b, target.open("wb") as out:
            last = None
            for line in heapq.merge(a, b):
                if line != last:
                    out.write(line)
                    last = line
        return
    _python_sort_unique(sources, target, workdir)


def _lines(triples: Iterable[tuple]) -> Iterator[str]:
    from graph.rdf.triples import ntriple

    for triple in triples:
        yield ntriple(triple) + "\n"


def _bisect_lines(data, key: bytes) -> int:
    """Offset of the first line of ``data`` (sorted lines, each ending in ``\\n``) that is not
    less than ``key`` (a line without its ``\\n``), in byte order as ``sort`` in the C locale."""
    lo, hi = 0, len(data)  # line starts: the lines before lo are less than key, those from hi are not
    while lo < hi:
        mid = (lo + hi) // 2
        start = max(lo, data.rfind(b"\n", lo, mid) + 1)  # the line holding mid lies in [lo, hi)
        end = data.find(b"\n", start, hi)
        if data[start:end] < key:
            lo = end + 1
        else:
            hi = start
    return lo


def _insert_lines(body: Path, lines: Iterable[bytes], target: Path) -> int:
    """Write ``body`` (sorted, duplicate-free lines) with ``lines`` merged in, to ``target``, as
    ``sort -m -u`` would; return how many lines were added.

    The few lines of the dataset description are placed by bisection over the mapped file and
    the body is copied around them in bounded reads: no pass that compares every line, and no
    copy through the mapping (which would hold the whole body in this process's memory: 6.4 GB
    of resident pages at 10⁶ claims).
    """
    keys = sorted({line.rstrip(b"\n") for line in lines})
    added = 0
    with body.open("rb") as source, target.open("wb") as out:
        size = os.fstat(source.fileno()).st_size
        data = mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        try:
            done = 0
            for key in keys:
                at = _bisect_lines(data, key)
                if data[at:at + len(key) + 1] == key + b"\n":
                    continue  # the body has this line already
                _copy_range(source, out, done, at)
                out.write(key + b"\n")
                done, added = at, added + 1
            _copy_range(source, out, done, size)
        finally:
            if size:
                data.close()
    return added


def _copy_range(source, out, start: int, end: int, chunk: int = 1 << 24) -> None:
    """Copy bytes ``start`` to ``end`` of ``source`` to ``out``, a chunk at a time."""
    source.seek(start)
    while start < end:
        piece = source.read(min(chunk, end - start))
        if not piece:
            raise OSError(f"{source.name} ended at byte {start:,} while it was being copied")
        out.write(piece)
        start += len(piece)


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b""))


def _context(nt_path: Path):
    """``context(iris)`` for :func:`graph.rdf.imports.prepare_imports`: the triples of sorted
    N-Triples whose subject is one of ``iris`` or whose predicate is a name or category, in
    one pass over the file."""
    from rdflib import Graph

    from graph.rdf.imports import CONTEXT_PREDICATES

    def context(iris: set[str]):
        subjects = {f"<{iri}>".encode() for iri in iris}
        predicates = {f"<{iri}>".encode() for iri in CONTEXT_PREDICATES}
        kept = []
        with nt_path.open("rb") as handle:
            for line in handle:
                subject, predicate, _rest = line.split(b" ", 2)
                if subject in subjects or predicate in predicates:
                    kept.append(line)
        return Graph().parse(data=b"".join(kept).decode("utf-8"), format="nt")

    return context


def write_graph_nt(kb, target: Path, workdir: Path | None = None, imports: Path | None = None,
                   distributions=()) -> int:
    """Write the sorted, duplicate-free N-Triples of a knowledge base, and of the files in
    ``imports`` (data/imports/, checked by :func:`graph.rdf.imports.prepare_imports`), to ``target``.

    Returns the number of triples. ``distributions`` are the files the dataset description lists
    (:func:`graph.rdf.triples.describe_dataset`). Without imports the bytes equal
    :func:`graph.rdf.triples.sorted_ntriples` of :func:`graph.rdf.triples.build_graph` for the same
    records and distributions.

    :raises LoadError: an import does not parse or its names clash.
    :raises ShapeError: an import fails the SHACL shapes.
    """
    from graph.rdf.triples import iter_triples

    with _sorting(target, workdir) as temp:
        _write_lines(temp / "raw.nt", iter_triples(kb))
        return _finish([temp / "raw.nt"], target, temp, kb, len(kb.claims), imports, distributions)


#: a claims.yaml this large is read by several processes at once (a smaller one in this process:
#: a fork and each part's quote index cost more than a part of it saves)
PART_BYTES = 4 * 1024 * 1024


def claim_parts(claims_file: Path) -> int:
    """How many processes read ``claims_file`` (:func:`write_data_nt`): one per core, at most one
    per :data:`PART_BYTES` of it, one where this platform cannot fork."""
    from graph.children import fork_available

    try:
        size = claims_file.stat().st_size
    except OSError:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, size // PART_BYTES)) if fork_available() else 1


def write_data_nt(data: Path, target: Path, workdir: Path | None = None, imports: Path | None = None,
                  distributions=(), parts: int | None = None):
    """Load ``data/`` and write its graph as :func:`write_graph_nt` writes that of
    :func:`~graph.sources.load.load_records`, the same bytes, in ``parts`` processes.

    The claims are checked by :func:`~graph.sources.load.stream_records` in ``parts`` processes
    (default :func:`claim_parts`), each writing the N-Triples of its own claims as it makes them:
    no process holds every claim, and both cores work on the largest stage. Returns the records
    without their claims, the number of claims, and the number of triples.

    :raises LoadError: the data has problems, or an import does not parse (nothing is written).
    :raises ShapeError: an import fails the SHACL shapes.
    """
    from graph.rdf.triples import iter_triples
    from graph.sources.load import stream_records

    data = Path(data)
    parts = claim_parts(data / "claims.yaml") if parts is None else parts
    with _sorting(target, workdir) as temp:
        claim_files = [temp / f"claims-{k}.nt" for k in range(parts)]
        kb, claims = stream_records(data, lambda k: _claim_writer(claim_files[k]), parts)
        _write_lines(temp / "records.nt", iter_triples(kb))
        triples = _finish([temp / "records.nt", *claim_files], target, temp, kb, claims, imports, distributions)
    return kb, claims, triples


@contextmanager
def _sorting(target: Path, workdir: Path | None) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="hkg-sort-", dir=workdir or Path(target).parent) as temp:
        yield Path(temp)


def _write_lines(path: Path, triples: Iterable[tuple]) -> None:
    with path.open("w", encoding="utf-8", buffering=1 << 20) as handle:
        _write_to(handle, triples)


def _write_to(handle, triples: Iterable[tuple]) -> None:
    from graph.rdf.triples import iter_ntriples

    for text in iter_ntriples(triples):
        handle.write(text)


#: claims written out together by :func:`_claim_writer`
CLAIM_BATCH = 4096


@contextmanager
def _claim_writer(path: Path) -> Iterator[Callable]:
    """Yield ``add(claim)``, which writes the N-Triples of the claims it is given to ``path``."""
    from graph.rdf.triples import iter_claim_triples

    batch: list = []
    with path.open("w", encoding="utf-8", buffering=1 << 20) as handle:
        def write() -> None:
            _write_to(handle, iter_claim_triples(batch))
            batch.clear()

        def add(claim) -> None:
            batch.append(claim)
            if len(batch) >= CLAIM_BATCH:
                write()

        yield add
        write()


def _finish(raw: list[Path], target: Path, temp: Path, kb, claims: int, imports: Path | None, distributions) -> int:
    """Sort ``raw`` (unsorted N-Triples) into the body, merge in the imports and the dataset
    description, write ``target``; return its triples."""
    from graph.rdf.imports import prepare_imports
    from graph.rdf.triples import describe_dataset, sorted_ntriples

    body, target = temp / "body.nt", Path(target)
    sort_unique(raw, body, temp)
    for path in raw:
        path.unlink()
    imported = ()
    if imports is not None:
        added, imported = prepare_imports(imports, _context(body))
        if imported:
            (temp / "imports.nt").write_bytes(sorted_ntriples(added))
            sort_unique(body, temp / "merged.nt", temp, merge=temp / "imports.nt")
            os.replace(temp / "merged.nt", body)
    triples = _count_lines(body)
    description = describe_dataset(kb, triples, imported, distributions, claims=claims)
    return triples + _insert_lines(body, (line.encode("utf-8") for line in _lines(description)), target)
