"""The prefix map for identifiers (HGNC, CHEBI, UniProtKB ...), generated once from bioregistry.

``python -m graph.model.prefixes`` (``make prefixes``) regenerates ``graph/model/prefixes.json`` for every
prefix the data uses; run time reads only that committed file, so bioregistry is never imported
(or asked to download anything) during a build or a lookup.

An identifier's IRI is its RDF form, the one Biolink's prefix map (shipped in the
``biolink-model`` wheel) gives: MeSH ``http://id.nlm.nih.gov/mesh/``, HGNC
``http://identifiers.org/hgnc/``. A prefix Biolink does not know takes bioregistry's RDF form
where it has one, else its default. The web-page form bioregistry prefers (``meshb.nlm.nih.gov``,
``genenames.org``) is kept as a URI prefix synonym, so such IRIs in imported data still compress
to the CURIE.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from graph.atomic import write_atomic

__all__ = ["biolink_prefix_map", "converter", "write_prefix_map"]

#: prefixes the model itself uses, beyond those in data/xrefs.yaml
_MODEL_PREFIXES = ("RO", "ECO", "OBI")
_FILE = "prefixes.json"


@functools.lru_cache(maxsize=1)
def converter():
    """Return a :class:`curies.Converter` over the committed prefix map.

    >>> converter().expand("RO:0002213")
    'http://purl.obolibrary.org/obo/RO_0002213'
    """
    import curies

    records = json.loads(resources.files("graph.model").joinpath(_FILE).read_text(encoding="utf-8"))
    return curies.Converter.from_extended_prefix_map(records)


@functools.lru_cache(maxsize=1)
def biolink_prefix_map() -> dict[str, str]:
    """Return Biolink's prefix map (prefix → URI prefix) from the ``biolink-model`` wheel.

    >>> biolink_prefix_map()["MESH"], biolink_prefix_map()["HGNC"]
    ('http://id.nlm.nih.gov/mesh/', 'http://identifiers.org/hgnc/')
    """
    path = resources.files("biolink_model").joinpath("prefixmaps/biolink_model_prefix_map.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _used_prefixes(data: Path) -> set[str]:
    import yaml

    path = data / "xrefs.yaml"
    content = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    used = set(_MODEL_PREFIXES)
    for section in ("entities", "designs"):
        for curies_ in (content.get(section) or {}).values():
            for item in curies_ or []:
                used.add(str(item).split(":", 1)[0])
    return used


def write_prefix_map(data: Path = Path("data"), target: Path | None = None) -> Path:
    """Regenerate the prefix map from bioregistry for every prefix the data uses."""
    import bioregistry


    biolink = biolink_prefix_map()
    records = []
    for prefix in sorted(_used_prefixes(data), key=str.lower):
        norm = bioregistry.normalize_prefix(prefix)
        if norm is None:
            raise ValueError(f"bioregistry does not know prefix {prefix!r}")
        synonyms = sorted({prefix, norm, bioregistry.get_preferred_prefix(norm) or norm} - {prefix})
        web = bioregistry.get_uri_prefix(norm)
        rdf = biolink.get(prefix) or bioregistry.get_resource(norm).get_uri_prefix(priority=["rdf", "default"])
        records.append({
            "prefix": prefix,
            "prefix_synonyms": synonyms,
            "uri_prefix": rdf,
            "uri_prefix_synonyms": sorted({web} - {rdf}),
        })
    target = target or Path(__file__).with_name(_FILE)
    write_atomic(target, json.dumps(records, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return target


if __name__ == "__main__":  # pragma: no cover
    print(write_prefix_map())
