"""The adjacency file of a build: every entity numbered, and who acts on whom, for the compiled route search.

Written beside the lookup index (``index.sqlite`` → ``index.adjacency``) from its ``claims``
table, and memory-mapped by a search: a question reads the few pages its routes touch, not a row
per entity through SQLite. The layout is documented in ``graph/pathways/_search.c``, which reads
it; entities are numbered in the order of their ids (as UTF-8 bytes, which is code point order),
so both ends of a question are found by binary search.
"""

from __future__ import annotations

import mmap
import sys
from array import array
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

__all__ = ["MAGIC", "adjacency_path", "open_adjacency", "write_adjacency"]

MAGIC = b"HKGADJ1\n"

#: every node of the signed view: an entity, or an id a claim names (as Index.node_ids)
_NODES = "SELECT id FROM entities UNION SELECT subject FROM claims UNION SELECT object FROM claims ORDER BY 1"


def adjacency_path(index_path: Path) -> Path:
    """The adjacency file that belongs to a lookup index."""
    index_path = Path(index_path)
    return index_path.with_name(index_path.stem + ".adjacency")


def _little(values: array) -> bytes:
    if sys.byteorder != "little":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def write_adjacency(connection: sqlite3.Connection, path: Path) -> None:
    """Write the adjacency file of an index's claims (atomically).

    Reads the index's ``adjacency`` rows (one per entity and side, neighbours sorted by id), so
    each row of the file lists its neighbours in number order.
    """
    import struct
    from itertools import accumulate

    from graph.atomic import atomic_path  # the writer's alone: a search only maps the file

    ids = [row[0] for row in connection.execute(_NODES)]
    number = {node: i for i, node in enumerate(ids)}.__getitem__
    encoded = [node.encode("utf-8") for node in ids]
    parts = [array("I", accumulate(map(len, encoded), initial=0))]
    for role in ("subject", "object"):
        widths, targets = array("I", bytes(4 * len(ids))), array("I")
        for node, neighbours in connection.execute(
                "SELECT id, neighbours FROM adjacency WHERE role = ? ORDER BY id", (role,)):
            row = neighbours.split("\t")
            widths[number(node)] = len(row)
            targets.extend(map(number, row))
        parts += [array("I", accumulate(widths, initial=0)), targets]
    blob = b"".join(encoded)
    header = MAGIC + struct.pack("<QQQ", len(ids), len(parts[2]), len(blob))
    with atomic_path(path) as temp, open(temp, "wb") as handle:
        handle.write(header)
        for part in parts:
            handle.write(_little(part))
        handle.write(blob)


def open_adjacency(path: Path) -> mmap.mmap | None:
    """Map an adjacency file read-only (None if the build has none: it predates the file, or
    is empty)."""
    try:
        with open(path, "rb") as handle:
            return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (FileNotFoundError, ValueError):  # ValueError: an empty file cannot be mapped
        return None
