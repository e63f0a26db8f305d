"""The graph as Biolink node and edge records (KGX), and the field's tabular formats built on them.

:func:`index_tables` reads entities and claims out of a build's lookup index, which is derived
from THE RDF graph (imports included; never the YAML), as KGX records: the nodes held, the edges
streamed one claim at a time, so a graph of any size is exported in bounded memory. A node's ``id`` is the preferred CURIE of its best standard identifier: the first of its
``skos:exactMatch`` identifiers in Biolink's prefix order for its category (``id_prefixes`` in the
schema the ``biolink-model`` wheel ships), so a merge with another KGX graph joins on it; an
entity without one keeps its project CURIE (``entity:…``, a prefix the exports declare). The
project IRI stays in ``iri`` and its CURIE in ``xref``, beside the standard identifiers. Nodes carry
``category``, ``name``, ``description``, ``synonym``, ``xref``, ``iri``, and for an attribute
(a ClinicalMeasurement) ``has_attribute_type``: the ontology class it is an exact match of (its
first standard identifier), when it has one.

An edge is one claim: its own stable ``id`` (the claim CURIE); ``subject``, ``predicate``,
``object``; ``category`` the
most specific Biolink association class that allows the qualifiers
(:data:`graph.model.vocab.ASSOCIATION_CLASSES`); the Biolink 4 qualifiers
(``object_direction_qualifier``, ``object_aspect_qualifier``, ``anatomical_context_qualifier``),
``original_predicate`` (RO), ``knowledge_level``, ``agent_type``,
``primary_knowledge_source`` (``infores:hormone-kg``), ``supporting_text``, ``publications`` (the
source document, then the studies, as DOI / PMID CURIEs where the reference gives them) and
``has_evidence`` (ECO terms of the cited studies' designs), plus the project's own ``sign``,
``certainty``, ``hedge`` and context columns (KGX allows non-Biolink properties). GraphML and
Cytoscape.js JSON are derived from the same records with the same field names, so every format
says the same thing; :func:`write_tables` writes every table format in one pass.

KGX TSV separates list items with ``|``; a value that holds a ``|`` (the quote of a table row) or
a double quote is written in double quotes (RFC 4180, inner quotes doubled), so CSV readers get
it byte-equal to the JSON Lines. kgx itself reads TSV without quoting (``QUOTE_NONE``) and splits
such a value at the ``|``: the JSON Lines files are the lossless form for kgx.
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TextIO
from xml.sax.saxutils import quoteattr

from graph.model.prefixes import converter
from graph.model.records import Claim, Context, Entity, slots
from graph.model.vocab import (ASSOCIATION_CLASSES, BIOLINK, DOC, STUDY, VARIABLE, biolink_ancestors,
                               biolink_id_prefixes, biolink_slots, prefixes)

__all__ = [
    "EDGE_COLUMNS",
    "KNOWLEDGE_SOURCE",
    "LIST_FIELDS",
    "NODE_COLUMNS",
    "CytoscapeWriter",
    "GraphTables",
    "GraphmlWriter",
    "IndexTables",
    "JsonlWriter",
    "TsvWriter",
    "association_class",
    "curie",
    "index_tables",
    "node_identifier",
    "read_cytoscape",
    "read_graphml",
    "read_jsonl",
    "read_parts",
    "read_tsv",
    "write_tables",
]

#: the records' plain fields that KGX carries (model/records.py ``slots``, each under its column)
_NODE_SLOTS = tuple(s for s in slots(Entity) if s.kgx)
_CLAIM_SLOTS = tuple(s for s in slots(Claim) if s.kgx)
_CONTEXT_SLOTS = tuple(s for s in slots(Context) if s.kgx)
#: (column, field) of the claim's and its context's: the slots read once, not per claim
_CLAIM_FIELDS = tuple((s.kgx, s.name) for s in _CLAIM_SLOTS)
_CONTEXT_FIELDS = tuple((s.kgx, s.name) for s in _CONTEXT_SLOTS)
_NODE_HEAD = ("id", "category", "name", "description", "synonym", "xref", "iri", "has_attribute_type")
_EDGE_HEAD = ("id", "subject", "predicate", "object", "category", "original_predicate",
              "object_direction_qualifier", "object_aspect_qualifier", "anatomical_context_qualifier",
              "knowledge_level", "agent_type", "primary_knowledge_source", "supporting_text", "publications",
              "has_evidence", "sign")
#: KGX node columns, in file order: Biolink slots, then any other plain field of an entity
NODE_COLUMNS = _NODE_HEAD + tuple(s.kgx for s in _NODE_SLOTS if s.kgx not in _NODE_HEAD)
#: KGX edge columns, in file order: Biolink slots first, then the project's own (sign, and the
#: claim's and its context's plain fields: certainty, hedge, population, timescale, formulation)
EDGE_COLUMNS = _EDGE_HEAD + tuple(s.kgx for s in (*_CLAIM_SLOTS, *_CONTEXT_SLOTS) if s.kgx not in _EDGE_HEAD)
#: multivalued fields (lists in JSON Lines, ``|``-separated in TSV)
LIST_FIELDS = frozenset({"category", "xref", "anatomical_context_qualifier", "supporting_text", "publications",
                         "has_evidence", *(s.kgx for s in (*_NODE_SLOTS, *_CLAIM_SLOTS) if s.many)})
#: the information resource every edge of this graph comes from
KNOWLEDGE_SOURCE = "infores:hormone-kg"
_INT_FIELDS = frozenset({"sign"})
#: the edge fields that are Biolink qualifiers: those used choose the association class
_QUALIFIERS = tuple(c for c in EDGE_COLUMNS if c.endswith("_qualifier"))
#: the values of a field that is left out of a record
_ABSENT = (None, [], "")
#: IRIs every edge may name, as text once (``str`` of an rdflib term is a call per use)
_AFFECTS, _RELATED_TO, _DOC, _STUDY = str(BIOLINK.affects), str(BIOLINK.related_to), str(DOC), str(STUDY)


@dataclass(frozen=True)
class GraphTables:
    """Node and edge records (KGX-shaped dicts) as a format's files read back, sorted by id."""

    nodes: tuple[dict[str, Any], ...]
    edges: tuple[dict[str, Any], ...]


def curie(node) -> str:
    """Return the compact form of an IRI: project prefixes, then the identifier map, else the IRI.

    >>> curie("https://w3id.org/hormone-kg/entity/insulin"), curie("http://purl.obolibrary.org/obo/RO_0002213")
    ('entity:insulin', 'RO:0002213')
    >>> curie("http://id.nlm.nih.gov/mesh/D007328"), curie("https://meshb.nlm.nih.gov/record/ui?ui=D007328")
    ('MESH:D007328', 'MESH:D007328')
    """

    text = str(node)
    for prefix, namespace in _namespaces():
        if text.startswith(namespace) and len(text) > len(namespace):
            return f"{prefix}:{text[len(namespace):]}"
    return converter().compress(text) or text


#: :func:`curie` of the IRIs many claims share (predicates, documents, studies), each compacted
#: once; bounded, and a claim's own IRI never goes through it
_shared_curie = functools.lru_cache(maxsize=1 << 14)(curie)


@functools.cache
def _namespaces() -> tuple[tuple[str, str], ...]:
    """The project's prefixes a CURIE may use (not ``obo``: its terms have their own prefixes)."""
    return tuple((prefix, namespace) for prefix, namespace in prefixes().items() if prefix != "obo")


def node_identifier(own: str, categories, xrefs) -> str:
    """Return a node's KGX id: its standard identifier whose prefix comes first in Biolink's
    order for the first of its categories, else its own CURIE.

    >>> node_identifier("entity:insulin", ["biolink:Protein"], ["HGNC:6081", "MESH:D007328", "UniProtKB:P01308"])
    'UniProtKB:P01308'
    >>> node_identifier("entity:aging", ["biolink:BiologicalProcess"], ["MESH:D000375"])
    'entity:aging'
    """

    order = {prefix: rank for rank, prefix in
             enumerate(biolink_id_prefixes(categories[0].split(":", 1)[-1]) if categories else ())}
    ranked = sorted((order[x.split(":", 1)[0]], x) for x in xrefs if x.split(":", 1)[0] in order)
    return ranked[0][1] if ranked else own


def association_class(subject_categories, object_categories, qualifiers=()) -> str:
    """Return the most specific Biolink association class for a claim between entities of these
    categories that allows every qualifier it uses (:data:`graph.model.vocab.ASSOCIATION_CLASSES`),
    else ``biolink:Association``.

    >>> association_class(["biolink:SmallMolecule"], ["biolink:Protein"], ["object_direction_qualifier"])
    'biolink:ChemicalAffectsGeneAssociation'
    >>> association_class(["biolink:Protein"], ["biolink:Protein"], ["anatomical_context_qualifier"])
    'biolink:Association'
    >>> association_class(["biolink:Treatment"], ["biolink:Disease"])
    'biolink:EntityToDiseaseAssociation'
    >>> association_class(["biolink:PhysiologicalProcess"], ["biolink:Protein"])
    'biolink:Association'
    """
    return _association_class(tuple(subject_categories), tuple(object_categories), frozenset(qualifiers))


@functools.lru_cache(maxsize=1 << 12)
def _association_class(subject_categories: tuple[str, ...], object_categories: tuple[str, ...],
                       qualifiers: frozenset[str]) -> str:
    """:func:`association_class`, once per combination: every claim asks, and a graph has few
    (categories of its ends × qualifiers used)."""

    def under(categories):
        return {a for c in categories for a in biolink_ancestors(c.split(":", 1)[-1])}

    subjects, objects = under(subject_categories), under(object_categories)
    for name, subject, obj in ASSOCIATION_CLASSES:
        if subject in subjects and obj in objects and qualifiers <= biolink_slots(name):
            return f"biolink:{name}"
    return "biolink:Association"


def _is_attribute(categories) -> bool:
    return any("Attribute" in biolink_ancestors(c.split(":", 1)[-1]) for c in categories)


def _entity_curie(local: str) -> str:
    """The CURIE of an entity as the index names it: its id in the project's namespace, else the
    CURIE or IRI the index keeps."""
    if "://" in local:
        return curie(local)
    return local if ":" in local else f"entity:{local}"


def _node(record: Mapping[str, Any], categories: list[str]) -> dict[str, Any]:
    own = curie(record["iri"])
    xref = list(record["xrefs"])
    standard = [x for x in xref if ":" in x and not x.startswith("http")]
    node = {
        "id": node_identifier(own, categories, xref),
        "category": categories,
        "name": record["label"],
        **{s.kgx: record[s.name] for s in _NODE_SLOTS},
        "xref": sorted({*xref, own} - {record["iri"]}),  # the project CURIE; a bare IRI is in iri
        "iri": record["iri"],
        "has_attribute_type": standard[0] if standard and _is_attribute(categories) else None,
    }
    return _present(node, NODE_COLUMNS)


def _publications(record: Mapping[str, Any], exported: Mapping[str, Any],
                  studies: Mapping[str, Mapping[str, Any]]) -> tuple[list, list]:
    """A claim's ``publications`` (the source document its quote comes from, then every study the
    document cites for it, as a DOI or PMID CURIE when the reference gives one, else its study
    CURIE) and ``has_evidence`` (the ECO terms of those studies' designs)."""
    document = exported.get("document") or (_DOC + record["document"] if record.get("document") else None)
    found = [_shared_curie(document)] if document else []
    cited = exported.get("publications")
    if not cited:  # most claims
        return found, []
    evidence = set()
    for iri in cited:
        study = studies.get(iri.removeprefix(_STUDY), {})
        found.append(f"doi:{study['doi']}" if study.get("doi") else
                     f"PMID:{study['pmid']}" if study.get("pmid") else _shared_curie(iri))
        evidence.update(x for x in study.get("design_xrefs", ()) if x.startswith("ECO:"))
    return found, sorted(evidence)


def _present(record: dict[str, Any], columns) -> dict[str, Any]:
    """The fields that hold a value, in column order."""
    return {column: value for column in columns if (value := record.get(column)) not in _ABSENT}


def _edge(record: Mapping[str, Any], exported: Mapping[str, Any], ids: Mapping[str, str],
          categories: Mapping[str, tuple[str, ...]], studies) -> dict[str, Any]:
    publications, evidence = _publications(record, exported, studies)
    subject, obj = record["subject"], record["object"]
    edge = {
        "id": curie(exported["iri"]) if "iri" in exported else f"claim:{record['claim']}",
        "subject": ids.get(subject) or _entity_curie(subject),
        "predicate": _shared_curie(exported.get("predicate", _AFFECTS) or _RELATED_TO),
        "object": ids.get(obj) or _entity_curie(obj),
        "category": None,  # set below, from the qualifiers used
        "original_predicate": record["predicate"],
        "object_direction_qualifier": record["direction"],
        "anatomical_context_qualifier": sorted([ids.get(t) or _entity_curie(t) for t in exported["anatomical_context"]])
                                        if "anatomical_context" in exported else None,
        "primary_knowledge_source": KNOWLEDGE_SOURCE,
        "supporting_text": exported.get("supporting_text", [record["quote"]]),
        "publications": publications,
        "has_evidence": evidence,
        "sign": record["sign"],
    }
    for column, name in _CLAIM_FIELDS:
        edge[column] = record[name]
    context = record["context"]
    if context:  # most claims have none: its columns are left out all the same
        for column, name in _CONTEXT_FIELDS:
            edge[column] = context.get(name)
    edge["category"] = [_association_class(categories.get(subject, ()), categories.get(obj, ()),
                                           frozenset([q for q in _QUALIFIERS if edge.get(q)]))]
    return _present(edge, EDGE_COLUMNS)


@dataclass(frozen=True)
class IndexTables:
    """The KGX records of a build, read from its lookup index: ``nodes`` sorted by id (held: one
    per entity), ``edges()`` one per claim, by claim id (streamed: never all in memory)."""

    nodes: tuple[dict[str, Any], ...]
    _index: Any
    _ids: Mapping[str, str]
    _categories: Mapping[str, tuple[str, ...]]

    def edges(self) -> Iterator[dict[str, Any]]:
        """Yield the edge records, one claim at a time."""
        studies, ids, categories = self._index.studies(), self._ids, self._categories
        for record, exported in self._index.exported_claims():
            yield _edge(record, exported, ids, categories, studies)


def index_tables(index) -> IndexTables:
    """Return the entities and claims of a build (its :class:`graph.cache.index.Index`) as KGX node
    and edge records. Entities are the nodes with a ``biolink:category``; claims the
    ``biolink:Association`` nodes with ``rdf:subject`` and ``rdf:object`` (imported ones
    included). Absent values are left out. Two entities that would share a standard identifier
    both keep their own CURIE."""

    nodes, categories = [], {}
    for record, exported in index.exported_entities():
        category = sorted(curie(c) for c in exported["categories"])
        categories[record["id"]] = tuple(category)  # hashable: the key of _association_class
        nodes.append((record["id"], _node(record, category)))
    shared = {i for i, n in Counter(node["id"] for _, node in nodes).items() if n > 1}
    for _, node in nodes:
        if node["id"] in shared:
            node["id"] = curie(node["iri"])
    ids = {entity: node["id"] for entity, node in nodes}
    return IndexTables(tuple(sorted((node for _, node in nodes), key=lambda n: n["id"])), index, ids, categories)


# --- KGX TSV and JSON Lines ---------------------------------------------------------------

def _cell(value) -> str:
    """Return a TSV cell: list items joined with ``|``; the cell quoted when an item holds ``|``
    or a double quote (a quoted cell reads back as one item: several items of which one holds
    ``|`` cannot be told apart in KGX TSV, the JSON Lines keep them).

    >>> _cell(["a", "b"]), _cell("T | E"), _cell('say "hi" now')
    ('a|b', '"T | E"', '"say ""hi"" now"')
    """
    if value is None:
        return ""
    if isinstance(value, list):
        if len(value) != 1:
            items = [" ".join(str(item).split()) for item in value]
            text = "|".join(items)
            # an item holds a "|" when the text has more of them than the joins put there
            return _quote(text) if '"' in text or text.count("|") >= len(items) > 0 else text
        value = value[0]  # a list of one (most lists) is its item: no list made
    text = " ".join(str(value).split())
    return _quote(text) if "|" in text or '"' in text else text


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _tsv_row(record, columns) -> str:
    return "\t".join([_cell(record[column]) if column in record else "" for column in columns]) + "\n"


class TsvWriter:
    """KGX TSV: a nodes file and an edges file, a header of :data:`NODE_COLUMNS` /
    :data:`EDGE_COLUMNS` and one row per record, lists ``|``-separated."""

    def __init__(self, nodes: TextIO, edges: TextIO):
        self._nodes, self._edges = nodes, edges
        nodes.write("\t".join(NODE_COLUMNS) + "\n")
        edges.write("\t".join(EDGE_COLUMNS) + "\n")

    def node(self, record: Mapping[str, Any]) -> None:
        self._nodes.write(_tsv_row(record, NODE_COLUMNS))

    def edge(self, record: Mapping[str, Any]) -> None:
        self._edges.write(_tsv_row(record, EDGE_COLUMNS))

    def close(self) -> None:
        pass


def _split_cell(cell: str, listed: bool) -> list[str] | str:
    if cell.startswith('"') and cell.endswith('"') and len(cell) > 1:
        text = cell[1:-1].replace('""', '"')
        return [text] if listed else text
    return cell.split("|") if listed else cell


def read_tsv(data: bytes) -> list[dict[str, Any]]:
    """Read KGX TSV written by :class:`TsvWriter` back into records (empty cells left out)."""
    rows = data.decode("utf-8").split("\n")
    header = rows[0].split("\t")
    records = []
    for row in rows[1:]:
        if not row:
            continue
        record = {}
        for column, cell in zip(header, row.split("\t")):
            if cell == "":
                continue
            value = _split_cell(cell, column in LIST_FIELDS)
            record[column] = int(value) if column in _INT_FIELDS and value != VARIABLE else value
        records.append(record)
    return records


#: ``json.dumps(value, ensure_ascii=False, sort_keys=True)``, the encoder made once, not per record
_to_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _json_line(record) -> str:
    return _to_json(record) + "\n"


class JsonlWriter:
    """KGX JSON Lines: a nodes file and an edges file, one JSON object per record, keys sorted."""

    def __init__(self, nodes: TextIO, edges: TextIO):
        self._nodes, self._edges = nodes, edges

    def node(self, record: Mapping[str, Any]) -> None:
        self._nodes.write(_json_line(record))

    def edge(self, record: Mapping[str, Any]) -> None:
        self._edges.write(_json_line(record))

    def close(self) -> None:
        pass


def read_jsonl(data: bytes) -> list[dict[str, Any]]:
    """Read KGX JSON Lines back into records."""
    return [json.loads(line) for line in data.decode("utf-8").split("\n") if line.strip()]  # not at U+2028


# --- GraphML (Cytoscape, Gephi) and Cytoscape.js ------------------------------------------
#
# Both carry every KGX field under its KGX name (one name per field across exports), plus the two
# display fields Cytoscape reads: a node's ``label`` (its name) and an edge's ``interaction``
# (increases / decreases / no change). GraphML has no lists: a list is joined with ``|``, except
# ``supporting_text``, whose quotes may hold ``|`` and are joined with a newline.

_GRAPHML_JOIN = {"supporting_text": "\n"}


def _display_node(node: dict[str, Any]) -> dict[str, Any]:
    return {"label": node.get("name") or node["id"]}


_INTERACTIONS = {1: "increases", -1: "decreases", 0: "no change", VARIABLE: "varies with context"}


def _display_edge(edge: dict[str, Any]) -> dict[str, Any]:
    return {"interaction": _INTERACTIONS.get(edge.get("sign", 0), "no change")}


def _flat(record: Mapping[str, Any], leave_out: tuple[str, ...], display: dict[str, Any]) -> dict[str, Any]:
    """The ``display`` fields, then the record's but ``leave_out``, lists joined: copied whole
    and fixed up, not rebuilt field by field."""
    flat = {**display, **record}
    for k in leave_out:
        flat.pop(k, None)
    if flat.get("sign") == VARIABLE:  # graph tools want a number: "interaction" says it varies
        del flat["sign"]
    for k, v in record.items():  # the record's lists (a display value stays as it is)
        if isinstance(v, list) and k in flat:
            flat[k] = _GRAPHML_JOIN.get(k, "|").join(v)
    return flat


def _unflat(attributes: dict[str, Any]) -> dict[str, Any]:
    record = {}
    for k, v in attributes.items():
        if k == "interaction" and v == _INTERACTIONS[VARIABLE]:
            record["sign"] = VARIABLE
        if k in ("label", "interaction"):
            continue
        if k in LIST_FIELDS:
            record[k] = str(v).split(_GRAPHML_JOIN.get(k, "|"))
        elif k in _INT_FIELDS:
            record[k] = int(v)
        else:
            record[k] = v
    return record


#: GraphML attribute keys: (for, KGX name), each a string but the sign
_GRAPHML_KEYS = (("node", "label"), *(("node", c) for c in NODE_COLUMNS if c != "id"), ("edge", "interaction"),
                 *(("edge", c) for c in EDGE_COLUMNS if c not in ("id", "subject", "object")))


class GraphmlWriter:
    """GraphML of the entities (nodes, keyed by KGX id) and claims (edges, keyed by claim id),
    written element by element as text, values escaped by the standard library (networkx's writer
    needs the whole graph in memory; its reader reads this back, ``tests/exports/test_registry.py``).

    Attributes are the KGX fields under their KGX names (lists joined with ``|``,
    ``supporting_text`` with a newline), plus ``label`` and ``interaction`` for Cytoscape.
    """

    def __init__(self, out: TextIO):
        self._out = out
        self._keys = _GRAPHML_IDS
        out.write("<?xml version='1.0' encoding='utf-8'?>\n" + _start("graphml", {
            "xmlns": "http://graphml.graphdrawing.org/xmlns",
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:schemaLocation": "http://graphml.graphdrawing.org/xmlns "
                                  "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"}))
        for (kind, name), key in self._keys.items():
            attributes = {"id": key, "for": kind, "attr.name": name,
                          "attr.type": "int" if name in _INT_FIELDS else "string"}
            out.write("\n  " + _start("key", attributes)[:-1] + "/>")
        out.write("\n  " + _start("graph", {"edgedefault": "directed"}))

    def _element(self, tag: str, attributes: dict[str, str], data: Mapping[str, Any]) -> None:
        # every value escaped in one call, not one call each: joined by NUL, which escaping keeps
        values = _escape("\0".join(map(str, data.values()))).split("\0")
        if len(values) != len(data):  # a value holds a NUL itself (shown as U+FFFD below)
            values = [_escape(str(value)) for value in data.values()]
        text = "\n    " + _open(tag, attributes) + _data_template(tag, tuple(data)) % tuple(values)
        self._out.write(_XML_ILLEGAL.sub(_REPLACED, text))  # once per element: see _start

    def node(self, record: Mapping[str, Any]) -> None:
        self._element("node", {"id": record["id"]}, _flat(record, ("id",), _display_node(record)))

    def edge(self, record: Mapping[str, Any]) -> None:
        self._element("edge", {"source": record["subject"], "target": record["object"], "id": record["id"]},
                      _flat(record, ("id", "subject", "object"), _display_edge(record)))

    def close(self) -> None:
        self._out.write("\n  </graph>\n</graphml>\n")


#: the GraphML key id of each attribute
_GRAPHML_IDS = {key: f"d{i}" for i, key in enumerate(_GRAPHML_KEYS)}


@functools.lru_cache(maxsize=1 << 10)
def _data_template(tag: str, names: tuple[str, ...]) -> str:
    """The ``<data>`` elements and end tag of a node or edge with these attributes, a ``%s`` for
    each value: made once for each set of fields a record holds (a graph has few)."""
    return "".join(f'\n      <data key="{_GRAPHML_IDS[tag, name]}">%s</data>' for name in names) + f"\n    </{tag}>"


def _start(tag: str, attributes: Mapping[str, str]) -> str:
    """An XML start tag, its attribute values escaped and quoted (the standard library's
    ``quoteattr``, as its ``XMLGenerator`` writes them), characters XML cannot hold replaced.

    Replaced in the whole tag at once: the markup and the escapes never hold such a character
    and escaping never makes one, so this equals replacing them in each value first (the same
    holds for a whole element, which :class:`GraphmlWriter` replaces in once).
    """
    return _XML_ILLEGAL.sub(_REPLACED, _open(tag, attributes))


def _open(tag: str, attributes: Mapping[str, str]) -> str:
    """:func:`_start` without the replacing."""
    return f"<{tag}" + "".join([f" {name}={_quoted(value)}" for name, value in attributes.items()]) + ">"


#: the characters ``quoteattr`` escapes or chooses its quotes by
_ATTRIBUTE_SPECIAL = re.compile('[&<>"\n\r\t]')


def _quoted(value: str) -> str:
    """``quoteattr(value)``; a value without a character it changes is only put in double quotes
    (most ids), without its calls."""
    return quoteattr(value) if _ATTRIBUTE_SPECIAL.search(value) else f'"{value}"'


def _escape(text: str) -> str:
    """``xml.sax.saxutils.escape(text)``, without its entities argument: ``&`` first."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


#: characters XML 1.0 cannot hold at all, not even as a reference (C0 controls but tab, newline
#: and carriage return; surrogates; U+FFFE and U+FFFF): GraphML shows each as U+FFFD, the other
#: formats keep them
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_REPLACED = "\ufffd"




def read_graphml(data: bytes) -> GraphTables:
    """Read GraphML written by :class:`GraphmlWriter` back into node and edge records."""
    import networkx as nx

    multigraph = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    nodes = [{"id": n, **_unflat(a)} for n, a in sorted(multigraph.nodes(data=True))]
    edges = [{"id": key, "subject": u, "object": v, **_unflat(a)}
             for u, v, key, a in sorted(multigraph.edges(keys=True, data=True), key=lambda e: e[2])]
    return GraphTables(tuple(nodes), tuple(edges))


class CytoscapeWriter:
    """Cytoscape.js JSON (``elements.nodes`` / ``elements.edges`` with ``data``), as Cytoscape
    desktop exports it (``.cyjs``), ``cy.add()`` reads it and networkx's ``cytoscape_graph`` loads
    it (``data``, ``directed``, ``multigraph``; a node's ``value`` and ``name``, an edge's
    ``key``), one element per line. Fields are the KGX fields under their KGX names."""

    def __init__(self, out: TextIO):
        from graph import __version__

        self._out, self._section, self._empty = out, "nodes", True
        self._header = {"data": {"name": "hormone-kg"}, "directed": True, "format_version": "1.0",
                        "generated_by": f"hormone-kg-{__version__}", "multigraph": True,
                        "target_cytoscapejs_version": "~2.1"}
        out.write('{\n "elements": {\n  "nodes": [')

    def _element(self, section: str, data: Mapping[str, Any]) -> None:
        if section != self._section:  # the first edge closes the nodes
            self._out.write('\n  ],\n  "edges": [')
            self._section, self._empty = section, True
        # the one key "data": its value's JSON put in the braces, no dict made around it
        self._out.write(('\n   {"data": ' if self._empty else ',\n   {"data": ') + _to_json(data) + "}")
        self._empty = False

    def node(self, record: Mapping[str, Any]) -> None:
        self._element("nodes", {**record, **_display_node(record), "value": record["id"],
                                "name": record.get("name") or record["id"]})

    def edge(self, record: Mapping[str, Any]) -> None:
        data = dict(record)  # the record's fields, subject and object under Cytoscape's names
        data["source"], data["target"] = data.pop("subject"), data.pop("object")
        data.update(_display_edge(record), key=record["id"])
        self._element("edges", data)

    def close(self) -> None:
        if self._section == "nodes":  # no edge was written
            self._out.write('\n  ],\n  "edges": [')
        self._out.write("\n  ]\n },\n")
        header = json.dumps(self._header, ensure_ascii=False, indent=1, sort_keys=True)
        self._out.write(header[2:] + "\n")  # the other top-level keys, after "elements"


def write_tables(tables: IndexTables, writers) -> None:
    """Write the node and edge records to every writer (``node``, ``edge``, ``close``) in one
    pass over the index: each claim is read and shaped once for all the table formats."""
    for node in tables.nodes:
        for writer in writers:
            writer.node(node)
    for edge in tables.edges():
        for writer in writers:
            writer.edge(edge)
    for writer in writers:
        writer.close()


def read_cytoscape(data: bytes) -> GraphTables:
    """Read Cytoscape.js JSON written by :class:`CytoscapeWriter` back into node and edge records."""
    elements = json.loads(data.decode("utf-8"))["elements"]
    nodes = [{k: v for k, v in n["data"].items() if k not in ("label", "value")} for n in elements["nodes"]]
    edges = [{**{k: v for k, v in e["data"].items() if k not in ("interaction", "source", "target", "key")},
              "subject": e["data"]["source"], "object": e["data"]["target"]} for e in elements["edges"]]
    return GraphTables(tuple(nodes), tuple(edges))


def read_parts(files: Mapping[str, bytes], reader) -> GraphTables:
    """Read a KGX pair of files (``*_nodes.*``, ``*_edges.*``) with ``reader`` (TSV or JSONL)."""
    nodes = next(v for k, v in files.items() if "_nodes." in k)
    edges = next(v for k, v in files.items() if "_edges." in k)
    return GraphTables(tuple(reader(nodes)), tuple(reader(edges)))
