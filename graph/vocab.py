"""Namespaces and the fixed parts of the model: how a sign becomes Biolink and RO terms.

Everything here is schema, not knowledge: which entities and claims exist lives in ``data/``.
"""

from __future__ import annotations

import functools
from importlib import resources

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, RDFS, SKOS, VOID, XSD

__all__ = [
    "BASE",
    "BIBO",
    "BIOLINK",
    "CERTAINTY_LEVELS",
    "CERTAINTY_SCORE",
    "CLAIM",
    "CONTEXT_KEYS",
    "DCAT",
    "DCTERMS",
    "DOC",
    "ENTITY",
    "FABIO",
    "HKG",
    "JOURNAL",
    "OBO",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SIGNS",
    "SKOS",
    "STUDY",
    "VOID",
    "XSD",
    "biolink_classes",
    "biolink_enum",
    "category_iri",
    "direction_of",
    "original_predicate",
    "prefixes",
]

BASE = "https://w3id.org/hormone-kg/"
HKG = Namespace(BASE + "vocab/")
ENTITY = Namespace(BASE + "entity/")
CLAIM = Namespace(BASE + "claim/")
STUDY = Namespace(BASE + "study/")
DOC = Namespace(BASE + "document/")
JOURNAL = Namespace(BASE + "journal/")
BIOLINK = Namespace("https://w3id.org/biolink/vocab/")
OBO = Namespace("http://purl.obolibrary.org/obo/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
FABIO = Namespace("http://purl.org/spar/fabio/")
SCHEMA = Namespace("https://schema.org/")

#: +1 increases, -1 decreases, 0 neutral / no effect
SIGNS = (1, -1, 0)
#: hedges in the text become one of these, ranked
CERTAINTY_LEVELS = ("high", "medium", "low")
CERTAINTY_SCORE = {"high": 1.0, "medium": 0.6, "low": 0.3}
#: the kinds of context a claim may hold in
CONTEXT_KEYS = ("population", "timescale", "formulation", "tissue")

# RO: positively / negatively regulates, directly ..., and unsigned "regulates" for sign 0.
_RO = {
    (1, False): "RO_0002213",
    (1, True): "RO_0002629",
    (-1, False): "RO_0002212",
    (-1, True): "RO_0002630",
    (0, False): "RO_0002211",
    (0, True): "RO_0002211",
}


def original_predicate(sign: int, direct: bool):
    """Return the RO term for a signed claim.

    >>> str(original_predicate(-1, True))
    'http://purl.obolibrary.org/obo/RO_0002630'
    """
    return OBO[_RO[(sign, direct)]]


def direction_of(sign: int) -> str | None:
    """Return Biolink's object_direction_qualifier for a sign (None for a neutral claim).

    >>> direction_of(1), direction_of(-1), direction_of(0)
    ('increased', 'decreased', None)
    """
    return {1: "increased", -1: "decreased"}.get(sign)


def category_iri(name: str):
    """Return the Biolink class IRI for a class name such as ``SmallMolecule``."""
    return BIOLINK[name]


@functools.lru_cache(maxsize=1)
def _biolink_schema() -> dict:
    import yaml

    schema = resources.files("biolink_model").joinpath("schema/biolink_model.yaml")
    with schema.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split(" "))


@functools.lru_cache(maxsize=1)
def biolink_classes() -> frozenset[str]:
    """Return every Biolink class name (CamelCase) in the schema the biolink-model package ships."""
    return frozenset(_camel(name) for name in _biolink_schema()["classes"])


@functools.lru_cache(maxsize=None)
def biolink_enum(name: str) -> frozenset[str]:
    """Return the permissible values of a Biolink enum, e.g. ``KnowledgeLevelEnum``.

    >>> "knowledge_assertion" in biolink_enum("KnowledgeLevelEnum")
    True
    """
    return frozenset(_biolink_schema()["enums"][name]["permissible_values"])


def prefixes() -> dict[str, str]:
    """Return the prefix map used for Turtle and JSON-LD, project prefixes first."""
    return {
        "hkg": str(HKG),
        "entity": str(ENTITY),
        "claim": str(CLAIM),
        "study": str(STUDY),
        "doc": str(DOC),
        "journal": str(JOURNAL),
        "biolink": str(BIOLINK),
        "obo": str(OBO),
        "bibo": str(BIBO),
        "fabio": str(FABIO),
        "schema": str(SCHEMA),
        "dcat": str(DCAT),
        "dcterms": str(DCTERMS),
        "prov": str(PROV),
        "rdf": str(RDF),
        "rdfs": str(RDFS),
        "skos": str(SKOS),
        "void": str(VOID),
        "xsd": str(XSD),
    }
