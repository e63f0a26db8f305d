"""A project: the folder that holds ``data/``, and where its cache and exports live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from graph.cache.index import Index
from graph.errors import CacheError

__all__ = ["EXPORTED_FORMATS", "EXPORT_STEM", "Project"]

#: the file name stem of every export (``exports/hormone-kg.ttl`` ...)
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
            hint = "" if self.data.is_dir() else (
                f" in the project folder (there is no data/ in {self.root}: cd into the project "
                "or pass --project DIR)")
            raise CacheError(f"no build found in {self.cache}; run `hkg build` first{hint}")
        return target

    def index(self):
        """Open the current build's lookup index."""

        return Index(self.current_build() / "index.sqlite", root=self.root)
