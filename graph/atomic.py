"""Atomic writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graph.errors import OutputError

__all__ = ["atomic_path", "check_target", "write_atomic"]


def check_target(path: Path) -> None:
    """Refuse to replace anything at ``path`` but a regular file: a symbolic link, a FIFO, a
    device (``/dev/null``), a socket or a directory would be replaced by a regular file.

    Raises
    ------
    OutputError
        Naming the path and what it is.

    Examples
    --------
    >>> check_target(Path("no/such/file.txt"))
    >>> check_target(Path("/dev/null"))
    Traceback (most recent call last):
    ...
    graph.errors.OutputError: refusing to write /dev/null: it is a character device, not a regular file (use `-o -` for standard output where a command offers it)
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    if stat.S_ISREG(mode):
        return
    kind = ("a symbolic link" if stat.S_ISLNK(mode) else "a FIFO" if stat.S_ISFIFO(mode)
            else "a character device" if stat.S_ISCHR(mode) else "a block device" if stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a directory" if stat.S_ISDIR(mode)
            else "a special file")
    raise OutputError(f"refusing to write {path}: it is {kind}, not a regular file "
                      "(use `-o -` for standard output where a command offers it)")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed to ``path``, on any
    failure removed, so ``path`` is never left half-written.

    Only a regular file (or nothing) at ``path`` is replaced (:func:`check_target`, checked
    before the write and again before the rename).

    Raises
    ------
    OutputError
        If ``path`` is not a regular file, or its folder cannot be made or written to.
    """
    path = Path(path)
    check_target(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    os.close(fd)
    try:
        yield Path(temp)
        os.chmod(temp, 0o644)
        check_target(path)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` through a temporary file in the same directory and a rename."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with atomic_path(path) as temp, temp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
