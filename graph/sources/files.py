"""Read the raw inputs: YAML files into located entries, documents into checked text.

Nothing here knows what an entity or a claim is; it only keeps track of where each value came
from, so that every later error can name ``file:line``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graph.errors import LoadError, Problem

__all__ = ["Entry", "MAX_SOURCE_BYTES", "NotSplittable", "iter_yaml_entries", "read_document", "read_yaml_entries", "read_yaml_mapping"]

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


def _tag_problem(error: yaml.YAMLError, label: str, offset: int = 0) -> Problem:
    """A tag the safe loader does not construct (``!!python/object`` ...), as one problem."""
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 + offset if mark else 0
    reason = getattr(error, "problem", None) or str(error).splitlines()[0]
    return Problem(label, line, f"unsupported YAML: {reason}")


def _construct(node, label: str = "") -> Any:
    loader = _LOADER("")
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as error:
        raise LoadError([_tag_problem(error, label)]) from None
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
            try:
                data = loader.construct_document(item)
            except yaml.YAMLError as error:
                problems.append(_tag_problem(error, label, offset))
                yield None
                continue
            yield Entry(label, line, data, key_lines)
    finally:
        loader.dispose()


# --- a fast reader for the plain subset of YAML the curated files are written in -----------
#
# Composing node trees and constructing them in Python costs ~20 µs a scalar: most of the load
# time of a million-claim project. Entries written as ``- key: value`` lines (plain, or quoted
# without escapes; values wrapped onto more-indented lines; a nested mapping of scalars or a list
# of scalars under a key) are read here line by line, with PyYAML's own resolver deciding what a
# plain scalar means. Anything else makes :func:`_fast_entries` return None, and the chunk is
# composed by PyYAML as before, so values, lines and errors are always PyYAML's.

#: one line: indentation, an item's dash, then ``key:`` with its value, or anything else
#: (``findall`` gives "" for a part that is absent)
_LINE = re.compile(r"^( *)(- )?(?:([A-Za-z_][A-Za-z0-9_]*):(?: (.+))?|(.*))$", re.MULTILINE)
#: what PyYAML's reader refuses, and line breaks other than \n (they would change the lines)
_UNUSUAL = re.compile(r"[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff]")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_SIMPLE_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "null"))


class _Unsupported(Exception):
    """Raised inside the fast reader: leave this chunk to PyYAML."""


@functools.lru_cache(maxsize=1024)
def _construct_scalar(tag: str, value: str) -> Any:
    if tag not in _SIMPLE_TAGS:
        raise _Unsupported
    loader = _LOADER("")
    try:
        return loader.construct_document(yaml.ScalarNode(tag, value))
    finally:
        loader.dispose()


def _plain(value: str) -> Any:
    """Return what PyYAML makes of a plain scalar (resolved by its own implicit resolvers)."""
    resolvers = _LOADER.yaml_implicit_resolvers.get(value[:1])
    if resolvers:
        for tag, pattern in resolvers:
            if pattern.match(value):
                return _construct_scalar(tag, value)
    return value


_plain_key = functools.lru_cache(maxsize=1024)(_plain)


def _scalar(text: str) -> Any:
    """Return the value of a one-line scalar; raise _Unsupported for anything fancier."""
    first = text[:1]
    if first == '"' or first == "'":
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != first or first in inner or first == '"' and "\\" in inner:
            raise _Unsupported
        return inner
    if (not first or first == " " or text[-1] in ": " or ": " in text or " #" in text
            or first in _INDICATORS and (first != "-" or text[1:2] in ("", " "))):
        raise _Unsupported
    return _plain(text) if first in _LOADER.yaml_implicit_resolvers else text


def _fast_entries(text: str, first_line: int, label: str) -> list[Entry] | None:
    """Read a chunk of list entries written in the plain subset; None when it is not."""
    if "\t" in text or "\r" in text or (
            not text.replace("\n", " ").isprintable() and _UNUSUAL.search(text)):
        return None
    if None in _LOADER.yaml_implicit_resolvers or _LOADER.yaml_path_resolvers:
        return None  # resolvers added at run time: leave everything to PyYAML
    # values repeat (a document, a sign, a certainty, a study): each distinct one is read once
    # per chunk (the values are immutable scalars; _Unsupported is raised again, not cached)
    scalar = functools.lru_cache(maxsize=None)(_scalar)
    entries: list[Entry] = []
    data: dict = {}
    key_lines: dict[str, int] = {}
    block = None    # [key, nested mapping or list (None until its first line), its indent]
    item = None     # (mapping, indent of its keys): the list item "- key: value" being read
    wrapped = None  # [mapping, key, indent of key, text]: a plain scalar that may go on
    try:
        for number, (spaces, dash, raw, value, rest) in enumerate(_LINE.findall(text), first_line):
            indent = len(spaces)
            if not raw and not dash:
                if not rest or rest[0] == "#":  # blank or comment: ends a wrapped scalar
                    wrapped = None
                elif (wrapped is not None and indent > wrapped[2] and rest[-1] not in ": "
                      and ": " not in rest and " #" not in rest):
                    wrapped[3] += " " + rest
                    wrapped[0][wrapped[1]] = _plain(wrapped[3])
                else:
                    raise _Unsupported
                continue
            wrapped = None
            if indent == 0:  # a new entry: "- key..." (its keys sit at column 2)
                if not dash or not raw:
                    raise _Unsupported
                data, key_lines, block, item = {}, {}, None, None
                entries.append(Entry(label, number, data, key_lines))
                indent = 2
            elif not entries:
                raise _Unsupported
            elif dash:  # an item of the list under the last key without a value
                if block is None or indent not in (2, 4):
                    raise _Unsupported
                if block[1] is None:
                    block[1:] = [], indent
                    data[block[0]] = block[1]
                if block[2] != indent or not isinstance(block[1], list):
                    raise _Unsupported
                if not raw:
                    item = None
                    block[1].append(scalar(rest))
                    continue
                if not value:  # "- key:" opening a deeper block: not in the subset
                    raise _Unsupported
                item = ({}, indent + 2)  # "- key: value": a mapping, its other keys below
                block[1].append(item[0])
                mapping = item[0]
                key = _plain_key(raw)
                mapping[key] = scalar(value)
                if value[0] not in "\"'":
                    wrapped = [mapping, key, indent + 2, value]
                continue
            if item is not None and indent == item[1] and value:
                mapping = item[0]
                key = _plain_key(raw)
                if key in mapping:
                    raise _Unsupported  # a repeated key: PyYAML decides
                mapping[key] = scalar(value)
                if value[0] not in "\"'":
                    wrapped = [mapping, key, indent, value]
                continue
            item = None
            if indent == 2:
                mapping, block = data, None
                key_lines[raw] = number
            elif indent == 4 and block is not None and value and not isinstance(block[1], list):
                if block[1] is None:
                    block[1:] = {}, indent
                    data[block[0]] = block[1]
                mapping = block[1]
            else:
                raise _Unsupported
            key = _plain_key(raw)
            if not value:  # a nested block may follow; else the value stays null
                mapping[key] = None
                block = [key, None, 0]
            else:
                mapping[key] = scalar(value)
                if value[0] not in "\"'":
                    wrapped = [mapping, key, indent, value]
    except _Unsupported:
        return None
    return entries


#: entries composed together when a list is read in chunks (see :func:`iter_yaml_entries`)
CHUNK_ENTRIES = 2000


class NotSplittable(Exception):
    """A part of a list file (:func:`iter_yaml_entries` with ``part``) met a chunk it cannot read
    alone: the file is to be read in one part, which composes it whole where it must."""


#: the first line of an entry: ``-`` then a space or the end of the line
_ENTRY_START = re.compile(rb"^-(?:[ \n\r]|\Z)", re.MULTILINE)
#: a line that neither starts an entry, nor is indented, a comment or blank
_OTHER_LINE = re.compile(rb"^(?![ #]|-(?:[ \n\r]|\Z))[ \t\r\f\v]*\S", re.MULTILINE)
#: bytes read at a time by :func:`_chunks`
BLOCK_BYTES = 1 << 20


def _chunks(path: Path, size: int):
    """Yield (first line number, text) of consecutive runs of ``size`` top-level list entries.

    Yields None instead when the file is not a plain block list whose entries start at column 0
    with ``- `` (comments and blank lines allowed): the caller then composes the whole file.
    Lines are classified by regular expressions over blocks of a megabyte, not one by one.
    """
    chunk = b""   # the current chunk from its first line, and what is read after it
    scanned = 0   # bytes of ``chunk`` already classified (whole lines)
    line = 1      # number of the chunk's first line
    entries = 0
    with path.open("rb") as handle:
        while True:
            data = handle.read(BLOCK_BYTES)
            chunk += data
            cut = len(chunk) if not data else chunk.rfind(b"\n") + 1  # whole lines only
            if cut > scanned:
                other = _OTHER_LINE.search(chunk, scanned, cut)
                start = 0
                for match in _ENTRY_START.finditer(chunk, scanned, other.start() if other else cut):
                    if entries >= size:
                        yield line, chunk[start:match.start()]
                        line += chunk.count(b"\n", start, match.start())
                        start, entries = match.start(), 0
                    entries += 1
                if other:
                    yield None  # a document marker, a root mapping, a tab, a BOM ...
                    return
                chunk, scanned = chunk[start:], cut - start
            if not data:
                break
    if chunk:
        yield line, chunk


def iter_yaml_entries(path: Path, label: str | None = None, chunk: int | None = None,
                      part: tuple[int, int] = (0, 1)):
    """Yield the entries of a YAML list file one by one, composing ``chunk`` entries at a time.

    The same entries, lines and errors as :func:`read_yaml_entries`, in memory that does not
    grow with the file: a 300 MB claims file is never one node tree. Items that are not mappings
    are reported together in one :class:`LoadError` raised after the last entry. A file this
    reader cannot split safely (anchors used across entries, document markers, a root that is
    not a list, malformed YAML ...) is composed whole, exactly as before. Chunks written in the
    plain subset of YAML the curated files use are read without PyYAML (see
    :func:`_fast_entries`), to the same entries.

    ``part=(k, n)`` yields only part ``k`` of ``n``: the entries of every ``n``-th chunk from the
    ``k``-th, so ``n`` processes can read one file together, each parsing only its own chunks,
    with the lines and problems of those entries. A part that meets a chunk it cannot read alone
    raises :class:`NotSplittable`: the chunks were not whole entries (a quoted value that goes on
    at column 0 with ``- ``, an alias to another chunk ...), so no part's share can be trusted,
    and the file is to be read again in one part.
    """
    label = label or str(path)
    if not path.exists():
        return
    chunk = chunk or CHUNK_ENTRIES
    k, n = part
    problems: list[Problem] = []
    done = 0  # the list items of the chunks read so far (one part reads them all)
    for number, piece in enumerate(_chunks(path, chunk)):
        root = None
        if piece is not None:
            if number % n != k:
                continue  # another part's chunk
            first_line, data = piece
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = piece = None
            fast = _fast_entries(text, first_line, label) if text is not None else None
            if fast is not None:
                done += len(fast)
                yield from fast
                continue
            try:
                if text is not None:
                    root = yaml.compose(text, Loader=_LOADER)
                    if root is not None and not isinstance(root, yaml.SequenceNode):
                        piece = None
            except yaml.YAMLError:
                piece = None
        if piece is None:  # compose the whole file: the reference behaviour, errors included
            if n > 1:
                raise NotSplittable(f"{label}: chunk {number} cannot be read alone")
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
        done += len(root.value)
        for entry in _entries(root, label, problems, offset=first_line - 1):
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
    return _construct(root, label)


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
