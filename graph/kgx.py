"""The graph as Biolink node and edge records (KGX), and the field's tabular formats built on them.

:func:`graph_tables` reads entities and claims out of THE RDF graph (never the YAML), as KGX
records: nodes with ``id``, ``category``, ``name``, ``description``, ``synonym``, ``xref``,
``iri``; edges with ``subject``, ``predicate``, ``object`` and the Biolink 4 qualifiers
(``object_direction_qualifier``, ``object_aspect_qualifier``, ``anatomical_context_qualifier``),
``original_predicate`` (RO), ``knowledge_level``, ``agent_type``, ``supporting_text``,
``publications`` and ``has_evidence`` (ECO terms of the cited studies' designs), plus the
project's own ``sign``, ``certainty``, ``hedge`` and context columns (KGX allows non-Biolink
properties). GraphML and Cytoscape.js JSON are derived from the same records, so every format
says the same thing.

KGX TSV separates list items with ``|``; a ``|`` inside a value (the quote of a table row) is
written as ``¦`` (U+00A6) so KGX does not split it, and read back as ``|``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, URIRef  # URIRef: the doctests use it

from .vocab import VARIABLE

__all__ = [
    "EDGE_COLUMNS",
    "LIST_FIELDS",
    "NODE_COLUMNS",
    "GraphTables",
    "curie",
    "graph_tables",
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
NODE_COLUMNS = ("id", "category", "name", "description", "synonym", "xref", "iri")
#: KGX edge columns, in file order: Biolink slots first, then the project's own
EDGE_COLUMNS = (
    "id", "subject", "predicate", "object", "category", "original_predicate",
    "object_direction_qualifier", "object_aspect_qualifier", "anatomical_context_qualifier",
    "knowledge_level", "agent_type", "supporting_text", "publications", "has_evidence",
    "sign", "certainty", "hedge", "population", "timescale", "formulation",
)
#: multivalued fields (lists in JSON Lines, ``|``-separated in TSV)
LIST_FIELDS = frozenset({"category", "synonym", "xref", "anatomical_context_qualifier",
                         "supporting_text", "publications", "has_evidence"})
_INT_FIELDS = frozenset({"sign"})
_BAR = "\u00a6"


@dataclass(frozen=True)
class GraphTables:
    """Node and edge records (KGX-shaped dicts), sorted by id."""

    nodes: tuple[dict[str, Any], ...]
    edges: tuple[dict[str, Any], ...]


def curie(node) -> str:
    """Return the compact form of an IRI: project prefixes, then the bioregistry map, else the IRI.

    >>> curie(URIRef("https://w3id.org/hormone-kg/entity/insulin")), curie(URIRef("http://purl.obolibrary.org/obo/RO_0002213"))
    ('entity:insulin', 'RO:0002213')
    """
    from .prefixmap import converter
    from .vocab import prefixes

    text = str(node)
    for prefix, namespace in prefixes().items():
        if text.startswith(namespace) and len(text) > len(namespace) and prefix != "obo":
            return f"{prefix}:{text[len(namespace):]}"
    return converter().compress(text) or text


def _value(graph: Graph, node, predicate):
    found = graph.value(node, predicate)
    return None if found is None else found.toPython()


def graph_tables(graph: Graph) -> GraphTables:
    """Return the entities and claims of an RDF graph as KGX node and edge records.

    Entities are the subjects of ``biolink:category``; claims the ``biolink:Association`` nodes
    with ``rdf:subject`` and ``rdf:object`` (imported ones included). Absent values are left out.
    """
    from .vocab import BIOLINK, HKG, RDF, RDFS, SKOS

    nodes = []
    for node in sorted(set(graph.subjects(BIOLINK.category, None))):
        record = {
            "id": curie(node),
            "category": sorted(curie(c) for c in graph.objects(node, BIOLINK.category)),
            "name": _value(graph, node, RDFS.label),
            "description": _value(graph, node, SKOS.definition),
            "synonym": sorted(str(s) for s in graph.objects(node, SKOS.altLabel)),
            "xref": sorted(curie(x) for x in graph.objects(node, SKOS.exactMatch)),
            "iri": str(node),
        }
        nodes.append({k: v for k, v in record.items() if v not in (None, [], "")})
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
            "subject": curie(subject),
            "predicate": curie(predicate),
            "object": curie(obj),
            "category": ["biolink:Association"],
            "original_predicate": curie(original) if original is not None else None,
            "object_direction_qualifier": _value(graph, node, BIOLINK.object_direction_qualifier),
            "object_aspect_qualifier": _value(graph, node, BIOLINK.object_aspect_qualifier),
            "anatomical_context_qualifier": sorted(curie(t) for t in graph.objects(node, BIOLINK.anatomical_context_qualifier)),
            "knowledge_level": _value(graph, node, BIOLINK.knowledge_level),
            "agent_type": _value(graph, node, BIOLINK.agent_type),
            "supporting_text": sorted(str(q) for q in graph.objects(node, BIOLINK.supporting_text)),
            "publications": [curie(s) for s in studies],
            "has_evidence": evidence,
            "sign": sign if sign is None or isinstance(sign, str) else int(sign),
            "certainty": _value(graph, node, HKG.certainty),
            "hedge": _value(graph, node, HKG.hedge),
            "population": _value(graph, node, HKG.population),
            "timescale": _value(graph, node, HKG.timescale),
            "formulation": _value(graph, node, HKG.formulation),
        }
        edges.append({k: v for k, v in record.items() if v not in (None, [], "")})
    return GraphTables(tuple(nodes), tuple(edges))


# --- KGX TSV and JSON Lines ---------------------------------------------------------------

def _cell(value) -> str:
    if value is None:
        return ""
    items = value if isinstance(value, list) else [value]
    return "|".join(" ".join(str(item).replace("|", _BAR).split()) for item in items)


def write_tsv(records, columns) -> bytes:
    """Return KGX TSV: a header of ``columns`` and one row per record, lists ``|``-separated."""
    lines = ["\t".join(columns)]
    lines += ["\t".join(_cell(record.get(column)) for column in columns) for record in records]
    return ("\n".join(lines) + "\n").encode("utf-8")


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
            if column in LIST_FIELDS:
                record[column] = [item.replace(_BAR, "|") for item in cell.split("|")]
            elif column in _INT_FIELDS:
                record[column] = int(cell)
            else:
                record[column] = cell.replace(_BAR, "|")
        records.append(record)
    return records


def write_jsonl(records) -> bytes:
    """Return KGX JSON Lines: one JSON object per record, keys sorted, UTF-8."""
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode("utf-8")


def read_jsonl(data: bytes) -> list[dict[str, Any]]:
    """Read KGX JSON Lines back into records."""
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]


# --- GraphML (Cytoscape, Gephi) and Cytoscape.js ------------------------------------------

def _joined(record, key):
    return "|".join(record.get(key, [])) or None


def _node_attributes(node: dict[str, Any]) -> dict[str, Any]:
    category = node.get("category", [""])[0]
    return {
        "label": node.get("name") or node["id"],
        "name": node.get("name") or node["id"],
        "category": category.split(":", 1)[-1],
        "synonyms": _joined(node, "synonym"),
        "xrefs": _joined(node, "xref"),
        "description": node.get("description"),
        "iri": node.get("iri"),
    }


_INTERACTIONS = {1: "increases", -1: "decreases", 0: "no change", VARIABLE: "varies with context"}


def _read_sign(sign, interaction) -> int | str:
    """The sign of an edge read back from a graph format (see :func:`_edge_attributes`)."""
    return VARIABLE if interaction == _INTERACTIONS[VARIABLE] else int(sign or 0)


def _edge_attributes(edge: dict[str, Any]) -> dict[str, Any]:
    return {
        "claim": edge["id"],
        # graph tools want a number: a variable claim has no sign, and says so in "interaction"
        "sign": None if edge.get("sign") == VARIABLE else edge.get("sign", 0),
        "interaction": _INTERACTIONS.get(edge.get("sign", 0), "no change"),
        "predicate": edge["predicate"],
        "original_predicate": edge.get("original_predicate"),
        "direction": edge.get("object_direction_qualifier"),
        "aspect": edge.get("object_aspect_qualifier"),
        "quote": " | ".join(edge.get("supporting_text", [])) or None,
        "certainty": edge.get("certainty"),
        "hedge": edge.get("hedge"),
        "publications": _joined(edge, "publications"),
        "population": edge.get("population"),
        "timescale": edge.get("timescale"),
        "formulation": edge.get("formulation"),
        "knowledge_level": edge.get("knowledge_level"),
        "agent_type": edge.get("agent_type"),
    }


def write_graphml(tables: GraphTables) -> bytes:
    """Return GraphML of the entities (nodes) and claims (edges, keyed by claim id).

    Node attributes: label, name, category, synonyms, xrefs, description, iri; edge attributes:
    claim, sign, interaction, predicate, original_predicate, direction, aspect, quote, certainty,
    hedge, publications, context, knowledge_level, agent_type (lists joined with ``|``).
    """
    import networkx as nx

    multigraph = nx.MultiDiGraph()
    for node in tables.nodes:
        multigraph.add_node(node["id"], **{k: v for k, v in _node_attributes(node).items() if v is not None})
    for edge in tables.edges:
        multigraph.add_edge(edge["subject"], edge["object"], key=edge["id"],
                            **{k: v for k, v in _edge_attributes(edge).items() if v is not None})
    return ("\n".join(nx.generate_graphml(multigraph, prettyprint=True)) + "\n").encode("utf-8")


def read_graphml(data: bytes) -> GraphTables:
    """Read GraphML written by :func:`write_graphml` into (partial) node and edge records."""
    import networkx as nx

    multigraph = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    nodes = [{"id": n, "name": a.get("label"), "category": [f"biolink:{a['category']}"],
              "synonym": a["synonyms"].split("|") if a.get("synonyms") else []}
             for n, a in sorted(multigraph.nodes(data=True))]
    edges = [{"id": key, "subject": u, "object": v, "predicate": a.get("predicate"),
              "sign": _read_sign(a.get("sign"), a.get("interaction")),
              "supporting_text": [a["quote"]] if a.get("quote") else [],
              "publications": a["publications"].split("|") if a.get("publications") else []}
             for u, v, key, a in sorted(multigraph.edges(keys=True, data=True), key=lambda e: e[2])]
    return GraphTables(tuple(nodes), tuple(edges))


def write_cytoscape(tables: GraphTables) -> bytes:
    """Return Cytoscape.js JSON (``elements.nodes`` / ``elements.edges`` with ``data``), as
    Cytoscape desktop exports it (``.cyjs``) and ``cy.add()`` reads it."""
    from . import __version__

    def data(attributes, extra):
        return {k: v for k, v in {**extra, **attributes}.items() if v not in (None, [], "")}

    document = {
        "format_version": "1.0",
        "generated_by": f"hormone-kg-{__version__}",
        "target_cytoscapejs_version": "~2.1",
        "data": {"name": "hormone-kg"},
        "elements": {
            "nodes": [{"data": data({**_node_attributes(n), "synonyms": n.get("synonym", []),
                                     "xrefs": n.get("xref", [])}, {"id": n["id"]})}
                      for n in tables.nodes],
            "edges": [{"data": data({**_edge_attributes(e), "publications": e.get("publications", [])},
                                    {"id": e["id"], "source": e["subject"], "target": e["object"]})}
                      for e in tables.edges],
        },
    }
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def read_cytoscape(data: bytes) -> GraphTables:
    """Read Cytoscape.js JSON written by :func:`write_cytoscape` into (partial) records."""
    elements = json.loads(data.decode("utf-8"))["elements"]
    nodes = [{"id": d["id"], "name": d.get("label"), "category": [f"biolink:{d['category']}"],
              "synonym": d.get("synonyms", [])} for d in (n["data"] for n in elements["nodes"])]
    edges = [{"id": d["id"], "subject": d["source"], "object": d["target"], "predicate": d.get("predicate"),
              "sign": _read_sign(d.get("sign"), d.get("interaction")), "supporting_text": [d["quote"]] if d.get("quote") else [],
              "publications": d.get("publications", [])} for d in (e["data"] for e in elements["edges"])]
    return GraphTables(tuple(nodes), tuple(edges))


def read_parts(files: Mapping[str, bytes], reader) -> GraphTables:
    """Read a KGX pair of files (``*_nodes.*``, ``*_edges.*``) with ``reader`` (TSV or JSONL)."""
    nodes = next(v for k, v in files.items() if "_nodes." in k)
    edges = next(v for k, v in files.items() if "_edges." in k)
    return GraphTables(tuple(reader(nodes)), tuple(reader(edges)))
