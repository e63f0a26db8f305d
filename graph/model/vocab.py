"""Namespaces and the fixed parts of the model: how a sign becomes Biolink and RO terms.

Everything here is schema, not knowledge: which entities and claims exist lives in ``data/``.
"""

from __future__ import annotations

import functools

__all__ = [
    "ASSOCIATION_CLASSES",
    "BASE",
    "BIBO",
    "BIOLINK",
    "CERTAINTY_LEVELS",
    "CITATION_BASES",
    "CITATION_RELATIONS",
    "HIERARCHY",
    "CERTAINTY_SCORE",
    "CLAIM",
    "DCAT",
    "DCTERMS",
    "DOC",
    "ENTITY",
    "FABIO",
    "HKG",
    "INFORES",
    "JOURNAL",
    "OBO",
    "PREDICATE_LABELS",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SIGNS",
    "SIGN_ORDER",
    "VARIABLE",
    "SKOS",
    "STUDY",
    "VOID",
    "XSD",
    "biolink_ancestors",
    "biolink_classes",
    "biolink_enum",
    "biolink_id_prefixes",
    "biolink_slots",
    "category_iri",
    "direction_of",
    "net_sign",
    "original_predicate",
    "prefixes",
]

BASE = "https://w3id.org/hormone-kg/"
#: the namespaces (rdflib ``Namespace`` objects), made when first imported or used: a path
#: search or a lookup imports this module for the signs and levels below and needs no RDF
#: library (importing rdflib costs more than answering the question)
_NAMESPACES = {
    "HKG": BASE + "vocab/",
    "ENTITY": BASE + "entity/",
    "CLAIM": BASE + "claim/",
    "STUDY": BASE + "study/",
    "DOC": BASE + "document/",
    "JOURNAL": BASE + "journal/",
    "BIOLINK": "https://w3id.org/biolink/vocab/",
    "OBO": "http://purl.obolibrary.org/obo/",
    "BIBO": "http://purl.org/ontology/bibo/",
    "FABIO": "http://purl.org/spar/fabio/",
    "SCHEMA": "https://schema.org/",
    #: Biolink's information-resource registry; this graph's own resource is ``infores:hormone-kg``
    "INFORES": "https://w3id.org/biolink/infores/",
}
#: rdflib's own namespaces, re-exported
_RDFLIB_NAMESPACES = ("DCAT", "DCTERMS", "PROV", "RDF", "RDFS", "SKOS", "VOID", "XSD")


def __getattr__(name: str):
    """Make a namespace on first use (``from graph.model.vocab import HKG`` imports rdflib then)."""
    if name in _NAMESPACES:
        from rdflib import Namespace

        value = Namespace(_NAMESPACES[name])
    elif name in _RDFLIB_NAMESPACES:
        from rdflib import namespace

        value = getattr(namespace, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def _ns(name: str):
    """A namespace by name, for this module's own functions (globals bypass ``__getattr__``)."""
    return globals().get(name) or __getattr__(name)

#: Biolink association classes for a claim, most specific first: (class, subject class, object
#: class); a claim takes the first whose subject and object its entities' categories fall under
#: and whose slots include every qualifier it uses (:func:`biolink_slots`). None matching: the
#: generic ``Association`` (docs/data-model.md says which claims and why).
ASSOCIATION_CLASSES = (
    ("ChemicalAffectsGeneAssociation", "ChemicalEntity", "GeneOrGeneProduct"),
    ("GeneAffectsChemicalAssociation", "GeneOrGeneProduct", "ChemicalEntity"),
    ("GeneToGeneAssociation", "GeneOrGeneProduct", "GeneOrGeneProduct"),
    ("ChemicalAffectsBiologicalEntityAssociation", "ChemicalEntity", "BiologicalEntity"),
    ("EntityToDiseaseAssociation", "NamedThing", "Disease"),
    ("EntityToPhenotypicFeatureAssociation", "NamedThing", "PhenotypicFeature"),
)

#: a claim whose direction the document says depends on context ("effects vary by type"):
#: neither up nor down nor "no effect"; a route through it has an unknown net effect
VARIABLE = "variable"
#: +1 increases, -1 decreases, 0 neutral / no effect, or variable
SIGNS = (1, -1, 0, VARIABLE)
#: the order signs are listed in: up, no effect, down, variable
SIGN_ORDER = {1: 0, 0: 1, -1: 2, VARIABLE: 3}
#: who ties a study to a claim: the document itself (an in-text citation) or a curator
CITATION_BASES = ("document", "curator")
#: what the study does to the claim
CITATION_RELATIONS = ("supports", "contradicts")
#: is-a style relations between entities (data key -> Biolink slot); a member, a subclass or a
#: product points at the more general entity, so a claim about that entity may be read as one
#: about it (``hkg paths --via-classes``)
HIERARCHY = {"is_a": "subclass_of", "member_of": "member_of",
             "has_active_ingredient": "has_active_ingredient"}
#: hedges in the text become one of these, ranked
CERTAINTY_LEVELS = ("high", "medium", "low")
CERTAINTY_SCORE = {"high": 1.0, "medium": 0.6, "low": 0.3}

# RO: positively / negatively regulates, directly ..., and unsigned "regulates" for sign 0.
_RO = {
    (1, False): "RO_0002213",
    (1, True): "RO_0002629",
    (-1, False): "RO_0002212",
    (-1, True): "RO_0002630",
    (0, False): "RO_0002211",
    (0, True): "RO_0002211",
    (VARIABLE, False): "RO_0002211",
    (VARIABLE, True): "RO_0002211",
}


def net_sign(signs) -> int | str:
    """Return the net effect of steps in a row: a 0 step carries no effect, a variable one an
    unknown effect, otherwise the product of the signs.

    >>> net_sign([1, -1]), net_sign([-1, VARIABLE]), net_sign([VARIABLE, 0]), net_sign([])
    (-1, 'variable', 0, 1)
    """
    product, variable = 1, False
    for sign in signs:
        if sign == 0:
            return 0
        if sign == VARIABLE:
            variable = True
        else:
            product *= sign
    return VARIABLE if variable else product


#: the labels of the RO terms a claim's original predicate is one of (Relation Ontology)
PREDICATE_LABELS = {
    "RO:0002211": "regulates",
    "RO:0002212": "negatively regulates",
    "RO:0002213": "positively regulates",
    "RO:0002629": "directly positively regulates",
    "RO:0002630": "directly negatively regulates",
}


def original_predicate(sign: int, direct: bool):
    """Return the RO term for a signed claim.

    >>> str(original_predicate(-1, True))
    'http://purl.obolibrary.org/obo/RO_0002630'
    """
    return _ns("OBO")[_RO[(sign, direct)]]


def direction_of(sign: int) -> str | None:
    """Return Biolink's object_direction_qualifier for a sign (None for a neutral or variable claim).

    >>> direction_of(1), direction_of(-1), direction_of(0), direction_of(VARIABLE)
    ('increased', 'decreased', None, None)
    """
    return {1: "increased", -1: "decreased"}.get(sign)


def category_iri(name: str):
    """Return the Biolink class IRI for a class name such as ``SmallMolecule``."""
    return _ns("BIOLINK")[name]


@functools.lru_cache(maxsize=1)
def _biolink_schema() -> dict:
    from importlib import resources  # with yaml: only a build reads the schema (a path search never does)

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


def _class_key(name: str) -> str:
    """Return the schema's key of a CamelCase class name (``SmallMolecule`` → ``small molecule``)."""
    classes = _biolink_schema()["classes"]
    key = {_camel(k): k for k in classes}.get(name)
    if key is None:
        raise KeyError(f"not a Biolink class: {name!r}")
    return key


@functools.lru_cache(maxsize=None)
def biolink_ancestors(name: str) -> tuple[str, ...]:
    """Return a Biolink class and every class it falls under (is_a and mixins), CamelCase.

    >>> biolink_ancestors("Protein")[:3]
    ('Protein', 'Polypeptide', 'GeneProductMixin')
    >>> "ChemicalEntity" in biolink_ancestors("Drug"), "ChemicalEntity" in biolink_ancestors("Protein")
    (True, False)
    """
    classes = _biolink_schema()["classes"]
    order, todo = [], [_class_key(name)]
    while todo:
        key = todo.pop(0)
        if key in order:
            continue
        order.append(key)
        definition = classes.get(key) or {}
        todo += ([definition["is_a"]] if definition.get("is_a") else []) + list(definition.get("mixins") or [])
    return tuple(_camel(key) for key in order)


@functools.lru_cache(maxsize=None)
def biolink_slots(name: str) -> frozenset[str]:
    """Return the slots a Biolink class has, its ancestors' included (snake_case).

    >>> "object_direction_qualifier" in biolink_slots("ChemicalAffectsGeneAssociation")
    True
    >>> "object_direction_qualifier" in biolink_slots("Association")
    False
    """
    classes = _biolink_schema()["classes"]
    slots = set()
    for ancestor in biolink_ancestors(name):
        definition = classes.get(_class_key(ancestor)) or {}
        slots |= set(definition.get("slots") or ()) | set(definition.get("slot_usage") or ())
    return frozenset(slot.replace(" ", "_") for slot in slots)


@functools.lru_cache(maxsize=None)
def biolink_id_prefixes(name: str) -> tuple[str, ...]:
    """Return the identifier prefixes Biolink prefers for a class, best first (inherited when the
    class names none).

    >>> biolink_id_prefixes("Protein")[:2], biolink_id_prefixes("GrossAnatomicalStructure")[:1]
    (('UniProtKB', 'PR'), ('UBERON',))
    """
    classes = _biolink_schema()["classes"]
    key = _class_key(name)
    while key:
        definition = classes.get(key) or {}
        if definition.get("id_prefixes"):
            return tuple(definition["id_prefixes"])
        key = definition.get("is_a")
    return ()


def prefixes() -> dict[str, str]:
    """Return the prefix map used for Turtle and JSON-LD, project prefixes first."""
    order = ("hkg", "entity", "claim", "study", "doc", "journal", "biolink", "obo", "bibo", "fabio", "infores",
             "schema", "dcat", "dcterms", "prov", "rdf", "rdfs", "skos", "void", "xsd")
    return {prefix: str(_ns(prefix.upper())) for prefix in order}
