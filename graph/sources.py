"""Read the raw inputs: YAML files into located entries, documents into checked text.

Nothing here knows what an entity or a claim is; it only keeps track of where each value came
from, so that every later error can name ``file:line``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import LoadError, Problem

__all__ = ["Entry", "MAX_SOURCE_BYTES", "iter_yaml_entries", "read_document", "read_yaml_entries", "read_yaml_mapping"]

#: a source document larger than this is refused (a text page is tens of kilobytes)
MAX_SOURCE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One mapping from a YAML list, with the line of the entry and of each of its keys."""

    file: str
    line: int
    data: dict[str, Any]
    key_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: str) -> int:
        """Return the line where ``key`` is written, or the entry's own line."""
        return self.key_lines.get(key, self.line)

    def problem(self, message: str, key: str | None = None) -> Problem:
        """Return a :class:`Problem` located at this entry (or at one of its keys)."""
        return Problem(self.file, self.line_of(key) if key else self.line, message)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(path: Path, label: str):
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise LoadError([Problem(label, 0, f"not UTF-8 (byte {error.start})")]) from None
    try:
        return yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise LoadError([Problem(label, line, f"malformed YAML: {reason}")]) from None


def _construct(node) -> Any:
    loader = _LOADER("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _entries(root, label: str, problems: list, skip: int = 0, offset: int = 0):
    """Yield an Entry for each mapping item of a composed list (from item ``skip`` on)."""
    loader = _LOADER("")
    try:
        for item in root.value[skip:]:
            line = item.start_mark.line + 1 + offset
            if not isinstance(item, yaml.MappingNode):
                problems.append(Problem(label, line, "expected a mapping (key: value) for this entry"))
                yield None
                continue
            key_lines = {key.value: key.start_mark.line + 1 + offset for key, _ in item.value}
            yield Entry(label, line, loader.construct_document(item), key_lines)
    finally:
        loader.dispose()


#: entries composed together when a list is read in chunks (see :func:`iter_yaml_entries`)
CHUNK_ENTRIES = 2000


def _chunks(path: Path, size: int):
    """Yield (first line number, text) of consecutive runs of ``size`` top-level list entries.

    Yields None instead when the file is not a plain block list whose entries start at column 0
    with ``- `` (comments and blank lines allowed): the caller then composes the whole file.
    """
    block: list[bytes] = []
    first_line, entries = 1, 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            head = raw[:1]
            if raw.startswith((b"- ", b"-\n", b"-\r")) or raw == b"-":
                if entries >= size:
                    yield first_line, b"".join(block)
                    block, first_line, entries = [], number, 0
                entries += 1
            elif head not in (b" ", b"#") and raw.strip():
                yield None  # a document marker, a root mapping, a tab, a BOM ...
                return
            block.append(raw)
    if block:
        yield first_line, b"".join(block)


def iter_yaml_entries(path: Path, label: str | None = None, chunk: int = CHUNK_ENTRIES):
    """Yield the entries of a YAML list file one by one, composing ``chunk`` entries at a time.

    The same entries, lines and errors as :func:`read_yaml_entries`, in memory that does not
    grow with the file: a 300 MB claims file is never one node tree. Items that are not mappings
    are reported together in one :class:`LoadError` raised after the last entry. A file this
    reader cannot split safely (anchors used across entries, document markers, a root that is
    not a list, malformed YAML ...) is composed whole, exactly as before.
    """
    label = label or str(path)
    if not path.exists():
        return
    problems: list[Problem] = []
    done = 0
    for piece in _chunks(path, chunk):
        root = None
        if piece is not None:
            first_line, data = piece
            try:
                root = yaml.compose(data.decode("utf-8"), Loader=_LOADER)
                if root is not None and not isinstance(root, yaml.SequenceNode):
                    piece = None
            except (UnicodeDecodeError, yaml.YAMLError):
                piece = None
        if piece is None:  # compose the whole file: the reference behaviour, errors included
            whole = _compose(path, label)
            if whole is None:
                break
            if not isinstance(whole, yaml.SequenceNode):
                raise LoadError([Problem(label, whole.start_mark.line + 1, "expected a list of entries")])
            for entry in _entries(whole, label, problems, skip=done):
                if entry is not None:
                    yield entry
            break
        if root is None:
            continue
        for entry in _entries(root, label, problems, offset=first_line - 1):
            done += 1
            if entry is not None:
                yield entry
    if problems:
        raise LoadError(problems)


def read_yaml_entries(path: Path, label: str | None = None) -> list[Entry]:
    """Read a YAML file holding a list of mappings; each becomes an :class:`Entry`.

    A missing file is an empty list. Malformed YAML raises :class:`LoadError` naming the line.
    """
    return list(iter_yaml_entries(path, label))


def read_yaml_mapping(path: Path, label: str | None = None) -> dict[str, Any]:
    """Read a YAML file holding one mapping (a missing file is an empty mapping)."""
    label = label or str(path)
    if not path.exists():
        return {}
    root = _compose(path, label)
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise LoadError([Problem(label, root.start_mark.line + 1, "expected a mapping")])
    return _construct(root)


def read_document(path: Path, label: str | None = None) -> str:
    """Read a source document, refusing what is not a usable UTF-8 text.

    Line endings are normalised to ``\\n`` so offsets do not depend on the machine.
    """
    label = label or str(path)
    size = path.stat().st_size
    if size == 0:
        raise LoadError([Problem(label, 0, "empty source document")])
    if size > MAX_SOURCE_BYTES:
        raise LoadError(
            [Problem(label, 0, f"source document is {size} bytes; the limit is {MAX_SOURCE_BYTES}")]
        )
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise LoadError([Problem(label, line, f"not UTF-8 (byte {error.start})")]) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise LoadError([Problem(label, 0, "empty source document")])
    return text
