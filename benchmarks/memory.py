"""The resident memory of a process tree, for the benchmarks' memory figures."""

from __future__ import annotations

import psutil

__all__ = ["tree_rss"]


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants right now, in bytes.

    A child started or ended while the tree is read counts as far as it was seen; a process
    that is gone counts 0.
    """
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            continue
    return total
