"""The streamed build for large graphs: records → sorted N-Triples on disk → pyoxigraph store.

Below :data:`graph.pipeline.build.LARGE_GRAPH_CLAIMS` claims the build holds THE graph in rdflib
(and checks its sorted N-Triples with the same SHACL checker); above it, no rdflib graph is ever built:

1. :func:`write_graph_nt` streams the model's triples (:func:`graph.rdf.triples.iter_triples`) as
   N-Triples lines to a file, sorts them and drops duplicates (GNU ``sort -u`` in the C locale,
   or an external merge sort in Python where there is no ``sort``), counts them, and merges in the
   dataset description that counts them: the same bytes :func:`graph.exports.registry.sorted_ntriples` gives for the same
   graph, in bounded memory;
2. the store is bulk-loaded from that file (:func:`graph.sparql.store.loading_store`, in a child
   process while the next two steps run);
3. the SHACL shapes are checked in a streaming pass over that file
   (:func:`graph.rdf.checks.check_ntriples`);
4. the lookup index is derived from that file (:func:`graph.cache.index.write_index_from_ntriples`);
5. Turtle is written by Oxigraph's streaming serializer from the sorted N-Triples
   (:func:`write_turtle`; deterministic, but laid out differently from rdflib's).
"""

from __future__ import annotations

import heapq
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from graph.atomic import atomic_path
from graph.model.vocab import prefixes

__all__ = ["copy_atomic", "sort_unique", "write_graph_nt", "write_turtle"]

#: lines sorted in memory per run by the Python fallback of :func:`sort_unique`
RUN_LINES = 1_000_000
#: memory GNU sort may use for its buffer
SORT_BUFFER = "512M"


def _python_sort_unique(source: Path, target: Path, workdir: Path) -> None:
    runs = []
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


def sort_unique(source: Path, target: Path, workdir: Path, *, merge: Path | None = None) -> None:
    """Sort the lines of ``source`` by their bytes, drop duplicates, write ``target``.

    Byte order of UTF-8 is code-point order, so this is Python's ``sorted(set(lines))``. With
    ``merge``, ``source`` and ``merge`` are already sorted and are merged.
    """
    sort = shutil.which("sort")
    if sort:
        args = [sort, "-u", "-S", SORT_BUFFER, "-T", str(workdir), "-o", str(target)]
        args += ["-m", str(source), str(merge)] if merge is not None else ["--parallel=2", str(source)]
        subprocess.run(args, check=True, env={**os.environ, "LC_ALL": "C"})
        return
    if merge is not None:
        with source.open("rb") as a, merge.open("rb") as b, target.open("wb") as out:
            last = None
            for line in heapq.merge(a, b):
                if line != last:
                    out.write(line)
                    last = line
        return
    _python_sort_unique(source, target, workdir)


def _lines(triples: Iterable[tuple]) -> Iterator[str]:
    from graph.rdf.triples import ntriple

    for triple in triples:
        yield ntriple(triple) + "\n"


def write_graph_nt(kb, target: Path, workdir: Path | None = None) -> int:
    """Write the sorted, duplicate-free N-Triples of a knowledge base to ``target``.

    Returns the number of triples. The bytes equal ``get_format("n-triples").serialize``
    of :func:`graph.rdf.triples.build_graph` for the same records.
    """
    from graph.rdf.triples import describe_dataset, iter_triples

    target = Path(target)
    with tempfile.TemporaryDirectory(prefix="hkg-sort-", dir=workdir or target.parent) as temp:
        temp = Path(temp)
        raw, body = temp / "raw.nt", temp / "body.nt"
        with raw.open("w", encoding="utf-8", buffering=1 << 20) as handle:
            write = handle.write
            for line in _lines(iter_triples(kb)):
                write(line)
        sort_unique(raw, body, temp)
        raw.unlink()
        with body.open("rb") as handle:
            count = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b""))
        dataset = temp / "dataset.nt"
        dataset.write_text("".join(sorted(set(_lines(describe_dataset(kb, count))))), encoding="utf-8")
        sort_unique(body, target, temp, merge=dataset)
    with target.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b""))


def copy_atomic(source: Path, target: Path) -> None:
    """Copy a (large) file to ``target`` through a temporary file and a rename."""
    with atomic_path(target) as temp:
        shutil.copyfile(source, temp)


def write_turtle(nt_path: Path, target: Path) -> None:
    """Write Turtle from sorted N-Triples with Oxigraph's streaming serializer (atomically)."""
    import pyoxigraph as ox

    with atomic_path(target) as temp:
        ox.serialize(ox.parse(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES), output=str(temp),
                     format=ox.RdfFormat.TURTLE, prefixes=dict(sorted(prefixes().items())))
