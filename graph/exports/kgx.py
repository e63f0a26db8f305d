"""The graph as Biolink node and edge records (KGX), and the field's tabular formats built on them.

:func:`graph_tables` reads entities and claims out of THE RDF graph (never the YAML), as KGX
records. A node's ``id`` is the preferred CURIE of its best standard identifier: the first of its
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
says the same thing.

KGX TSV separates list items with ``|``; a value that holds a ``|`` (the quote of a table row) or
a double quote is written in double quotes (RFC 4180, inner quotes doubled), so CSV readers get
it byte-equal to the JSON Lines. kgx itself reads TSV without quoting (``QUOTE_NONE``) and splits
such a value at the ``|``: the JSON Lines files are the lossless form for kgx.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, URIRef  # URIRef: the doctests use it

from graph.model.prefixes import converter
from graph.model.vocab import (ASSOCIATION_CLASSES, BIBO, BIOLINK, HKG, PROV, RDF, RDFS, SKOS, VARIABLE,
                               biolink_ancestors, biolink_id_prefixes, biolink_slots, prefixes)

__all__ = [
    "EDGE_COLUMNS",
    "KNOWLEDGE_SOURCE",
    "LIST_FIELDS",
    "NODE_COLUMNS",
    "GraphTables",
    "association_class",
    "curie",
    "graph_tables",
    "node_identifier",
    "read_cytoscape",
    "read_graphml",
    "read_jsonl",
    "read_parts",
    "read_tsv",
    "write_cytoscape",
    "write_graphml",
    "write_jsonl",
    "write_tsv",
]

#: KGX node columns, in file order
NODE_COLUMNS = ("id", "category", "name", "description", "synonym", "xref", "iri", "has_attribute_type")
#: KGX edge columns, in file order: Biolink slots first, then the project's own
EDGE_COLUMNS = (
    "id", "subject", "predicate", "object", "category", "original_predicate",
    "object_direction_qualifier", "object_aspect_qualifier", "anatomical_context_qualifier",
    "knowledge_level", "agent_type", "primary_knowledge_source", "supporting_text", "publications",
    "has_evidence", "sign", "certainty", "hedge", "population", "timescale", "formulation",
)
#: multivalued fields (lists in JSON Lines, ``|``-separated in TSV)
LIST_FIELDS = frozenset({"category", "synonym", "xref", "anatomical_context_qualifier",
                         "supporting_text", "publications", "has_evidence"})
#: the information resource every edge of this graph comes from
KNOWLEDGE_SOURCE = "infores:hormone-kg"
_INT_FIELDS = frozenset({"sign"})


@dataclass(frozen=True)
class GraphTables:
    """Node and edge records (KGX-shaped dicts), sorted by id."""

    nodes: tuple[dict[str, Any], ...]
    edges: tuple[dict[str, Any], ...]


def curie(node) -> str:
    """Return the compact form of an IRI: project prefixes, then the identifier map, else the IRI.

    >>> curie(URIRef("https://w3id.org/hormone-kg/entity/insulin")), curie(URIRef("http://purl.obolibrary.org/obo/RO_0002213"))
    ('entity:insulin', 'RO:0002213')
    >>> curie(URIRef("http://id.nlm.nih.gov/mesh/D007328")), curie(URIRef("https://meshb.nlm.nih.gov/record/ui?ui=D007328"))
    ('MESH:D007328', 'MESH:D007328')
    """

    text = str(node)
    for prefix, namespace in prefixes().items():
        if text.startswith(namespace) and len(text) > len(namespace) and prefix != "obo":
            return f"{prefix}:{text[len(namespace):]}"
    return converter().compress(text) or text


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

    def under(categories):
        return {a for c in categories for a in biolink_ancestors(c.split(":", 1)[-1])}

    subjects, objects = under(subject_categories), under(object_categories)
    for name, subject, obj in ASSOCIATION_CLASSES:
        if subject in subjects and obj in objects and set(qualifiers) <= biolink_slots(name):
            return f"biolink:{name}"
    return "biolink:Association"


def _is_attribute(categories) -> bool:
    return any("Attribute" in biolink_ancestors(c.split(":", 1)[-1]) for c in categories)


def _value(graph: Graph, node, predicate):
    found = graph.value(node, predicate)
    return None if found is None else found.toPython()


def _publications(graph: Graph, claim) -> list[str]:
    """The publications of a claim: the source document its quote comes from, then every study
    linked to it (a DOI or PMID CURIE when the study's reference gives one, else its study CURIE).
    The one place that maps a claim's study links to KGX."""

    documents = sorted({curie(d) for e in graph.objects(claim, PROV.wasDerivedFrom)
                        for d in graph.objects(e, PROV.wasQuotedFrom)})
    studies = []
    for study in sorted(graph.objects(claim, BIOLINK.publications)):
        doi, pmid = graph.value(study, BIBO.doi), graph.value(study, BIBO.pmid)
        studies.append(f"doi:{doi}" if doi else f"PMID:{pmid}" if pmid else curie(study))
    return documents + studies


def graph_tables(graph: Graph) -> GraphTables:
    """Return the entities and claims of an RDF graph as KGX node and edge records.

    Entities are the subjects of ``biolink:category``; claims the ``biolink:Association`` nodes
    with ``rdf:subject`` and ``rdf:object`` (imported ones included). Absent values are left out.
    Two entities that would share a standard identifier both keep their own CURIE.
    """

    nodes, ids, categories = [], {}, {}
    for node in sorted(set(graph.subjects(BIOLINK.category, None))):
        own = curie(node)
        category = sorted(curie(c) for c in graph.objects(node, BIOLINK.category))
        xref = sorted(curie(x) for x in graph.objects(node, SKOS.exactMatch))
        standard = [x for x in xref if ":" in x and not x.startswith("http")]
        record = {
            "id": node_identifier(own, category, xref),
            "category": category,
            "name": _value(graph, node, RDFS.label),
            "description": _value(graph, node, SKOS.definition),
            "synonym": sorted(str(s) for s in graph.objects(node, SKOS.altLabel)),
            "xref": sorted({*xref, own} - {str(node)}),  # the project CURIE; a bare IRI is in iri
            "iri": str(node),
            "has_attribute_type": standard[0] if standard and _is_attribute(category) else None,
        }
        ids[node], categories[node] = record["id"], category
        nodes.append({k: v for k, v in record.items() if v not in (None, [], "")})
    shared = {i for i, n in Counter(ids.values()).items() if n > 1}
    for record in nodes:
        if record["id"] in shared:
            record["id"] = curie(URIRef(record["iri"]))
    ids = {node: (curie(node) if i in shared else i) for node, i in ids.items()}
    edges = []
    for node in sorted(set(graph.subjects(RDF.type, BIOLINK.Association))):
        subject, obj = graph.value(node, RDF.subject), graph.value(node, RDF.object)
        if subject is None or obj is None:
            continue
        predicate = graph.value(node, RDF.predicate) or graph.value(node, BIOLINK.predicate) or BIOLINK.related_to
        studies = sorted(graph.objects(node, BIOLINK.publications))  # the document's own citations only
        evidence = sorted({curie(x) for s in studies for design in graph.objects(s, HKG.studyDesign)
                           for x in graph.objects(design, SKOS.exactMatch) if curie(x).startswith("ECO:")})
        original = graph.value(node, BIOLINK.original_predicate)
        sign = _value(graph, node, HKG.sign)
        record = {
            "id": curie(node),
            "subject": ids.get(subject) or curie(subject),
            "predicate": curie(predicate),
            "object": ids.get(obj) or curie(obj),
            "category": None,  # set below, from the qualifiers used
            "original_predicate": curie(original) if original is not None else None,
            "object_direction_qualifier": _value(graph, node, BIOLINK.object_direction_qualifier),
            "object_aspect_qualifier": _value(graph, node, BIOLINK.object_aspect_qualifier),
            "anatomical_context_qualifier": sorted(ids.get(t) or curie(t)
                                                   for t in graph.objects(node, BIOLINK.anatomical_context_qualifier)),
            "knowledge_level": _value(graph, node, BIOLINK.knowledge_level),
            "agent_type": _value(graph, node, BIOLINK.agent_type),
            "primary_knowledge_source": KNOWLEDGE_SOURCE,
            "supporting_text": sorted(str(q) for q in graph.objects(node, BIOLINK.supporting_text)),
            "publications": _publications(graph, node),
            "has_evidence": evidence,
            "sign": sign if sign is None or isinstance(sign, str) else int(sign),
            "certainty": _value(graph, node, HKG.certainty),
            "hedge": _value(graph, node, HKG.hedge),
            "population": _value(graph, node, HKG.population),
            "timescale": _value(graph, node, HKG.timescale),
            "formulation": _value(graph, node, HKG.formulation),
        }
        record["category"] = [association_class(categories.get(subject, ()), categories.get(obj, ()),
                                                [k for k, v in record.items() if k.endswith("_qualifier") and v])]
        edges.append({k: v for k, v in record.items() if v not in (None, [], "")})
    return GraphTables(tuple(sorted(nodes, key=lambda n: n["id"])), tuple(edges))


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
    items = [" ".join(str(item).split()) for item in (value if isinstance(value, list) else [value])]
    text = "|".join(items)
    if any("|" in item or '"' in item for item in items):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_tsv(records, columns) -> bytes:
    """Return KGX TSV: a header of ``columns`` and one row per record, lists ``|``-separated."""
    lines = ["\t".join(columns)]
    lines += ["\t".join(_cell(record.get(column)) for column in columns) for record in records]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _split_cell(cell: str, listed: bool) -> list[str] | str:
    if cell.startswith('"') and cell.endswith('"') and len(cell) > 1:
        text = cell[1:-1].replace('""', '"')
        return [text] if listed else text
    return cell.split("|") if listed else cell


def read_tsv(data: bytes) -> list[dict[str, Any]]:
    """Read KGX TSV written by :func:`write_tsv` back into records (empty cells left out)."""
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


def write_jsonl(records) -> bytes:
    """Return KGX JSON Lines: one JSON object per record, keys sorted, UTF-8."""
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode("utf-8")


def read_jsonl(data: bytes) -> list[dict[str, Any]]:
    """Read KGX JSON Lines back into records."""
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]


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


def _flat(record: dict[str, Any], leave_out=()) -> dict[str, Any]:
    # graph tools want a number: a variable claim has no sign, and says so in "interaction"
    return {k: (_GRAPHML_JOIN.get(k, "|").join(v) if isinstance(v, list) else v)
            for k, v in record.items() if k not in leave_out and not (k == "sign" and v == VARIABLE)}


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


def write_graphml(tables: GraphTables) -> bytes:
    """Return GraphML of the entities (nodes, keyed by KGX id) and claims (edges, keyed by claim id).

    Attributes are the KGX fields under their KGX names (lists joined with ``|``,
    ``supporting_text`` with a newline), plus ``label`` and ``interaction`` for Cytoscape.
    """
    import networkx as nx

    multigraph = nx.MultiDiGraph()
    for node in tables.nodes:
        multigraph.add_node(node["id"], **_display_node(node), **_flat(node, ("id",)))
    for edge in tables.edges:
        multigraph.add_edge(edge["subject"], edge["object"], key=edge["id"], **_display_edge(edge),
                            **_flat(edge, ("id", "subject", "object")))
    return ("\n".join(nx.generate_graphml(multigraph, prettyprint=True)) + "\n").encode("utf-8")


def read_graphml(data: bytes) -> GraphTables:
    """Read GraphML written by :func:`write_graphml` back into node and edge records."""
    import networkx as nx

    multigraph = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    nodes = [{"id": n, **_unflat(a)} for n, a in sorted(multigraph.nodes(data=True))]
    edges = [{"id": key, "subject": u, "object": v, **_unflat(a)}
             for u, v, key, a in sorted(multigraph.edges(keys=True, data=True), key=lambda e: e[2])]
    return GraphTables(tuple(nodes), tuple(edges))


def write_cytoscape(tables: GraphTables) -> bytes:
    """Return Cytoscape.js JSON (``elements.nodes`` / ``elements.edges`` with ``data``), as
    Cytoscape desktop exports it (``.cyjs``), ``cy.add()`` reads it and networkx's
    ``cytoscape_graph`` loads it (``data``, ``directed``, ``multigraph``; a node's ``value`` and
    ``name``, an edge's ``key``). Fields are the KGX fields under their KGX names."""
    from graph import __version__

    def node_data(node):
        return {**node, **_display_node(node), "value": node["id"], "name": node.get("name") or node["id"]}

    def edge_data(edge):
        return {**{k: v for k, v in edge.items() if k not in ("subject", "object")}, **_display_edge(edge),
                "source": edge["subject"], "target": edge["object"], "key": edge["id"]}

    document = {
        "format_version": "1.0",
        "generated_by": f"hormone-kg-{__version__}",
        "target_cytoscapejs_version": "~2.1",
        "data": {"name": "hormone-kg"},
        "directed": True,
        "multigraph": True,
        "elements": {
            "nodes": [{"data": node_data(n)} for n in tables.nodes],
            "edges": [{"data": edge_data(e)} for e in tables.edges],
        },
    }
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def read_cytoscape(data: bytes) -> GraphTables:
    """Read Cytoscape.js JSON written by :func:`write_cytoscape` back into node and edge records."""
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
