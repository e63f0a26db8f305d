"""The HTML explorer: one self-contained, offline page to search the graph and read its evidence.

:func:`write_html` turns a build's lookup index into a single HTML file. pyvis assembles the
network (one node per entity, one edge per claim); the page itself comes from
``graph/exports/html_template.html`` with vis-network's JavaScript and CSS, shipped inside the pyvis
package, inlined verbatim, so the page loads nothing from anywhere (a Content-Security-Policy
forbids it too).

Every piece of text from the data travels as JSON inside a ``<script type="application/json">``
block with ``<``, ``>`` and ``&`` escaped, and the page renders it with ``textContent`` only, so a
label such as ``<script>alert(1)</script>`` is shown as text and runs nothing. The output is a
pure function of the index: sorted data, a fixed layout seed and no timestamps, so the same graph
always gives the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from graph.atomic import write_atomic
from graph.errors import UnknownEntityError
from graph.model.names import RANK_NAME, fold, name_keys, nearest
from graph.model.prefixes import converter
from graph.model.records import CONTEXT_KEYS
from graph.model.vocab import PREDICATE_LABELS
from graph.pathways.paths import find_paths
from graph.pathways.signed import IndexedView
from graph.render import display_text, shown_quote
from graph.sources.quotes import table_columns

__all__ = [
    "CATEGORY_STYLES",
    "SIGN_STYLES",
    "category_style",
    "explorer_data",
    "render_html",
    "resolve_context",
    "write_html",
]

#: Biolink category -> (colour, vis-network shape); families share a shape, members a hue
CATEGORY_STYLES: dict[str, tuple[str, str]] = {
    # chemicals, hormones, drugs and treatments
    "SmallMolecule": ("#e8710a", "dot"),
    "ChemicalEntity": ("#f6ae5a", "dot"),
    "MolecularMixture": ("#f9cb9c", "dot"),
    "Drug": ("#7b3fa0", "diamond"),
    "Treatment": ("#b48bd6", "diamond"),
    "Procedure": ("#d7c1ea", "diamond"),
    # genes and gene products
    "Protein": ("#1f6fb4", "dot"),
    "Gene": ("#6aaed6", "dot"),
    "GeneProduct": ("#9ecae1", "dot"),
    "MacromolecularComplex": ("#08306b", "dot"),
    # processes and measurements
    "BiologicalProcess": ("#138a7d", "square"),
    "PhysiologicalProcess": ("#6cc4b6", "square"),
    "Pathway": ("#0b4f49", "square"),
    "MolecularActivity": ("#a8ddd4", "square"),
    "PathologicalProcess": ("#c2417f", "triangle"),
    "Disease": ("#8c1c4f", "triangle"),
    "PhenotypicFeature": ("#f29cc3", "triangleDown"),
    "ClinicalMeasurement": ("#d4a106", "star"),
    "ClinicalFinding": ("#f1cf5d", "star"),
    # anatomy and cells
    "AnatomicalEntity": ("#7a5230", "hexagon"),
    "GrossAnatomicalStructure": ("#b88a5f", "hexagon"),
    "Cell": ("#1aa3b8", "hexagon"),
    "CellLine": ("#8fd3df", "hexagon"),
    "CellularComponent": ("#6b6b6b", "hexagon"),
}
_FALLBACK_COLOURS = ("#5d6d7e", "#a04000", "#1e8449", "#6c3483", "#b7950b", "#2e4053")
_STUDY_STYLE = ("#9aa3ad", "box")

#: sign -> (name, colour, arrow head); a bar head is the usual mark of inhibition
SIGN_STYLES: dict[int | str, tuple[str, str, str]] = {
    1: ("increases", "#1b8a3a", "arrow"),
    -1: ("decreases", "#d0312d", "bar"),
    0: ("no effect", "#8a8a8a", "circle"),
    "variable": ("varies with context", "#b7791f", "diamond"),
}
_TEMPLATE = "html_template.html"
_VIS_ASSETS = {"VIS_JS": "lib/vis-9.1.2/vis-network.min.js", "VIS_CSS": "lib/vis-9.1.2/vis-network.css"}
_SLOT = re.compile(r"/\*@(VIS_JS|VIS_CSS|DATA)@\*/")
#: the most routes a ``--path`` page lists
_ROUTE_LIMIT = 12
#: a fixed seed: the layout (and so the page) is the same on every run
_LAYOUT_SEED = 20240601


def category_style(category: str | None) -> tuple[str, str]:
    """Return the (colour, shape) of a Biolink category; unknown ones get a stable colour.

    Parameters
    ----------
    category : str or None
        A Biolink class name such as ``"Protein"``.

    Returns
    -------
    tuple of str
        A CSS colour and a vis-network shape name.

    Examples
    --------
    >>> category_style("Protein")
    ('#1f6fb4', 'dot')
    >>> category_style("SomethingNew") == category_style("SomethingNew")
    True
    """
    if category in CATEGORY_STYLES:
        return CATEGORY_STYLES[category]
    digest = hashlib.sha256(str(category).encode("utf-8")).digest()
    return _FALLBACK_COLOURS[digest[0] % len(_FALLBACK_COLOURS)], "dot"


def _humanize(category: str | None) -> str:
    """Return "Physiological process" for "PhysiologicalProcess".

    >>> _humanize("PhysiologicalProcess"), _humanize(None)
    ('Physiological process', 'Uncategorized')
    """
    if not category:
        return "Uncategorized"
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", category).split(" ")
    return " ".join([words[0]] + [w.lower() for w in words[1:]])


@functools.lru_cache(maxsize=1)
def _greek_folds() -> dict[str, str]:
    """Return what :func:`graph.model.names.fold` turns each Greek letter into, for the page's search.

    >>> _greek_folds()["α"], _greek_folds()["Β"]
    ('alpha', 'beta')
    """
    table = {}
    for start, end in ((0x0370, 0x0400), (0x1F00, 0x2000)):
        for point in range(start, end):
            char = chr(point)
            if unicodedata.normalize("NFKC", char) == char and unicodedata.name(char, "").startswith("GREEK"):
                folded = fold(char)
                if folded:
                    table[char] = folded
    return table


def _context_label(kind: str, value: str, labels: Mapping[str, str]) -> str:
    return labels.get(value, value) if kind == "tissue" else value


def _context_values(claims: Iterable[Mapping[str, Any]], labels: Mapping[str, str]) -> list[dict[str, Any]]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for claim in claims:
        for kind, value in (claim.get("context") or {}).items():
            counts[(kind, value)] += 1
    order = {kind: i for i, kind in enumerate(CONTEXT_KEYS)}
    return [{"key": f"{kind}={value}", "kind": kind, "value": value,
             "label": _context_label(kind, value, labels), "count": count}
            for (kind, value), count in sorted(counts.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0]))]


def resolve_context(value: str, claims: Iterable[Mapping[str, Any]],
                    labels: Mapping[str, str] | None = None) -> str:
    """Return the ``kind=value`` key of a context the claims mention, from any spelling of it.

    Parameters
    ----------
    value : str
        ``"men"``, ``"population=men"``, ``"population:men"``, or a tissue's label or id.
    claims : iterable of mapping
        Claim records (their ``context`` dicts are searched).
    labels : mapping, optional
        Entity id -> label, so a tissue can be named by its label. Default: none.

    Returns
    -------
    str
        The context key, e.g. ``"population=men"``.

    Raises
    ------
    UnknownEntityError
        (kind "context") if no claim holds in such a context, or if the name fits several kinds;
        the message lists the nearest known values.

    Examples
    --------
    >>> claims = [{"context": {"population": "men"}}, {"context": {"timescale": "long-term"}}]
    >>> resolve_context("Men", claims), resolve_context("timescale: long term", claims)
    ('population=men', 'timescale=long-term')
    """
    contexts = _context_values(claims, labels or {})
    wanted = fold(value)
    matches = sorted({c["key"] for c in contexts
                      if wanted in {fold(c["value"]), fold(c["label"]), fold(c["kind"] + c["value"]),
                                    fold(c["kind"] + c["label"])}})
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UnknownEntityError(value, matches, kind="ambiguous context")
    names = [c["label"] for c in contexts]
    raise UnknownEntityError(value, nearest(value, names) or names, kind="context")


def _neighbourhood(claims: Sequence[Mapping[str, Any]], focus: str, depth: int) -> set[str]:
    """Return the entities within ``depth`` claims of ``focus``, whatever the claims' direction.

    >>> sorted(_neighbourhood([{"subject": "a", "object": "b"}, {"subject": "c", "object": "b"}], "a", 1))
    ['a', 'b']
    """
    adjacent: dict[str, set[str]] = defaultdict(set)
    for claim in claims:
        adjacent[claim["subject"]].add(claim["object"])
        adjacent[claim["object"]].add(claim["subject"])
    seen, frontier = {focus}, {focus}
    for _ in range(depth):
        frontier = {n for node in frontier for n in adjacent[node]} - seen
        seen |= frontier
    return seen


def _pathway(index, source: str, target: str, context: str | None,
             limit: int = _ROUTE_LIMIT) -> list[dict[str, Any]]:
    """Return the best routes from source to target: their hops (claim ids), nodes and net sign.

    The pathway layer (:func:`graph.pathways.paths.find_paths` on :mod:`graph.pathways.signed`'s view) finds and
    ranks them; each hop lists every claim that makes the step, best supported first.
    """
    from itertools import islice


    routes = find_paths(IndexedView(index), source, target, context=[context] if context else None)
    return [{"nodes": list(route.nodes), "sign": route.sign,
             "studies": list(route.studies), "support": dict(route.support), "certainty": route.certainty,
             "hops": [{"subject": hop.subject, "object": hop.object, "sign": hop.sign,
                       "claims": list(hop.claims)} for hop in route.hops]}
            for route in islice(routes, limit)]


def _section_key(claim: Mapping[str, Any]) -> str:
    return f"{claim['document']}#{claim['section'] or ''}"


def _sections(claims: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Return the document sections the claims stand in (with their ancestors) and the documents.

    Sections come in document order (by the first claim's offset); each counts the claims in it
    and in its subsections. With several documents, each document heads its own sections.

    >>> sections, docs = _sections([
    ...     {"document": "d", "section": "a/b", "section_title": "B", "start": 5},
    ...     {"document": "d", "section": "a", "section_title": "A", "start": 1}])
    >>> [(s["key"], s["title"], s["depth"], s["count"]) for s in sections], docs
    ([('d#a', 'A', 0, 2), ('d#a/b', 'B', 1, 1)], ['d'])
    """
    order: dict[str, tuple] = {}
    for claim in claims:
        position = (claim["start"] if claim.get("start") is not None else 1 << 62, _section_key(claim))
        parts = (claim["section"] or "").split("/")
        for i in range(len(parts), 0, -1):
            ancestor = f"{claim['document']}#{'/'.join(parts[:i])}"
            order[ancestor] = min(order.get(ancestor, position), position)
    titles = {_section_key(c): c.get("section_title") for c in claims}
    keys = [_section_key(c) for c in claims]
    documents = sorted({c["document"] for c in claims if c["document"]})
    sections = []
    for key in sorted(order, key=lambda k: (k.split("#", 1)[0], order[k], k)):
        document, section = key.split("#", 1)
        sections.append({"key": key, "document": document, "section": section,
                         "title": titles.get(key) or section.rsplit("/", 1)[-1],
                         "depth": section.count("/"),
                         "count": sum(1 for k in keys if k == key or k.startswith(key + "/"))})
    if len(documents) > 1:
        sections = [s for d in documents for s in
                    [{"key": f"{d}#", "document": d, "section": "", "title": d, "depth": -1,
                      "count": sum(1 for c in claims if c["document"] == d)}]
                    + [s for s in sections if s["document"] == d]]
    return sections, documents


def _network(entities: Sequence[dict[str, Any]], claims: Sequence[dict[str, Any]]):
    """Assemble the vis-network nodes and edges with pyvis: one node per entity, one edge per claim."""
    from pyvis.network import Network

    net = Network(directed=True)
    degree: dict[str, int] = defaultdict(int)
    for claim in claims:
        degree[claim["subject"]] += 1
        degree[claim["object"]] += 1
    for entity in entities:
        colour, shape = category_style(entity["category"])
        unlinked = degree[entity["id"]] == 0  # laid out apart, in a grid, by the page
        net.add_node(entity["id"], label=entity["label"], shape=shape,
                     title=f"{entity['label']}\n{_humanize(entity['category'])}",
                     value=degree[entity["id"]] + 1, physics=not unlinked,
                     color={"background": colour, "border": "#3b3b3b",
                            "highlight": {"background": colour, "border": "#000000"},
                            "hover": {"background": colour, "border": "#000000"}})
    parallel: dict[frozenset[str], list[str]] = defaultdict(list)
    for claim in claims:
        parallel[frozenset((claim["subject"], claim["object"]))].append(claim["claim"])
    labels = {e["id"]: e["label"] for e in entities}
    for claim in claims:
        name, colour, head = SIGN_STYLES.get(claim["sign"], SIGN_STYLES[0])
        group = parallel[frozenset((claim["subject"], claim["object"]))]
        documented = sum(1 for link in claim["citations"] if link["basis"] == "document")
        curated = len(claim["citations"]) - documented
        studies = (f"{documented} stud{'y' if documented == 1 else 'ies'} cited by the document"
                   if documented else "no study cited by the document")
        if curated:
            studies += f"; {curated} linked by curator"
        options: dict[str, Any] = {
            "id": claim["claim"],
            "arrows": {"to": {"enabled": True, "type": head, "scaleFactor": 0.7}},
            "color": {"color": colour, "highlight": colour, "hover": colour, "opacity": 0.85},
            "dashes": claim["certainty"] != "high",
            "width": 1.5 + 2.5 * documented,
            "title": f"{labels[claim['subject']]} {name} {labels[claim['object']]}\n{studies}",
        }
        if len(group) > 1:
            options["smooth"] = {"enabled": True, "type": "curvedCW",
                                 "roundness": round(0.12 + 0.18 * group.index(claim["claim"]), 2)}
        net.add_edge(claim["subject"], claim["object"], **options)
    return net.nodes, net.edges


def _vis_options() -> dict[str, Any]:
    font = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
    return {
        "autoResize": True,
        "layout": {"randomSeed": _LAYOUT_SEED, "improvedLayout": True},
        "nodes": {
            "borderWidth": 1,
            "borderWidthSelected": 3,
            "font": {"size": 28, "face": font, "color": "#1d1d1d", "strokeWidth": 4,
                     "strokeColor": "#ffffff"},
            "scaling": {"min": 10, "max": 36, "label": {"enabled": False}},
        },
        "edges": {
            "arrowStrikethrough": False,
            "selectionWidth": 2.5,
            "hoverWidth": 1.5,
            "smooth": False,
        },
        "physics": {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -260, "centralGravity": 0.015,
                                 "springLength": 90, "springConstant": 0.06, "damping": 0.5,
                                 "avoidOverlap": 1.0},
            "maxVelocity": 60,
            "minVelocity": 0.6,
            "stabilization": {"enabled": True, "iterations": 1200, "updateInterval": 50, "fit": False},
        },
        "interaction": {"hover": True, "tooltipDelay": 120, "multiselect": False,
                        "navigationButtons": False, "keyboard": False, "hideEdgesOnDrag": False},
    }


def _shown_study(study: dict[str, Any]) -> dict[str, Any]:
    """A study record with its title and reference as people read them (``display_text``)."""
    return {**study, "title": display_text(study.get("title")), "citation": display_text(study.get("citation"))}


def explorer_data(index, focus: str | None = None, depth: int | None = None,
                  path_between: tuple[str, str] | None = None, context: str | None = None,
                  hubs: int | None = None) -> dict[str, Any]:
    """Return everything the explorer page shows, as plain JSON-ready data.

    Parameters
    ----------
    index : graph.cache.index.Index
        The build's lookup index.
    focus : str, optional
        An entity name (label, synonym, id ...): keep only its neighbourhood. Default: the whole
        graph.
    depth : int, optional
        How many claims away from ``focus`` to reach (default 1 when ``focus`` is given).
    path_between : (str, str), optional
        A source and a target entity: highlight the routes between them (from the pathway layer).
    context : str, optional
        A context the page starts filtered on (``"men"``, ``"long-term"`` ...); with
        ``path_between``, only routes valid in it.
    hubs : int, optional
        Draw only the ``hubs`` most connected entities and the claims among them, read from the
        index without decoding the rest: the page for a graph too large to draw whole (the page
        says so). Default: every entity.

    Returns
    -------
    dict
        ``meta``, ``entities``, ``claims``, ``studies``, ``categories``, ``signs``, ``contexts``,
        ``sections``, ``network`` (pyvis nodes and edges, vis-network options), ``greek`` and
        ``path``.

    Raises
    ------
    UnknownEntityError
        If ``focus``, a path end or ``context`` names nothing in the graph.
    ValueError
        If ``depth`` is negative or given without ``focus``; if ``hubs`` is below 1, or given with a
        focus, a path or a context.
    """

    if depth is not None and focus is None:
        raise ValueError("depth needs a focus entity")
    if depth is not None and depth < 0:
        raise ValueError(f"depth must be 0 or more, not {depth}")
    if hubs is not None and (focus is not None or path_between is not None or context is not None):
        raise ValueError("hubs draws the most connected part of the whole graph: no focus, path or context")
    if hubs is not None and hubs < 1:
        raise ValueError(f"hubs must be 1 or more, not {hubs}")
    if hubs is not None:
        most = index.most_connected(hubs)
        all_entities, all_claims = [index.entity(i) for i in most], list(index.claims_among(most))
        counts = index.meta()
        total_entities, total_claims = counts["entities"], counts["claims"]
    else:
        all_entities, all_claims = list(index.entities()), list(index.claims())
        total_entities, total_claims = len(all_entities), len(all_claims)
    labels = {e["id"]: e["label"] for e in all_entities}
    context_key = resolve_context(context, all_claims, labels) if context else None

    keep = None
    focus_id = None
    if focus is not None:
        focus_id = index.resolve(focus)
        keep = _neighbourhood(all_claims, focus_id, 1 if depth is None else depth)
    path = None
    if path_between is not None:
        source, target = (index.resolve(name) for name in path_between)
        routes = _pathway(index, source, target, context_key)
        path = {"source": source, "target": target, "context": context_key, "routes": routes}
        if keep is not None:
            keep |= {n for route in routes for n in route["nodes"]} | {source, target}
    entities = [e for e in all_entities if keep is None or e["id"] in keep]
    ids = {e["id"] for e in entities}
    claims = [c for c in all_claims if c["subject"] in ids and c["object"] in ids]

    conv = converter()

    def link(curie: str | None) -> str | None:
        if not curie:
            return None
        try:
            url = conv.expand(curie)
        except Exception:  # a CURIE with no known prefix stays plain text
            return None
        return url if url and url.startswith(("http://", "https://")) else None

    sections, documents = _sections(claims)
    cited = sorted({link["study"] for c in claims for link in c["citations"]})
    all_studies = index.studies()
    studies = {sid: _shown_study(all_studies.get(sid) or {"id": sid}) for sid in cited}

    entity_out = []
    for e in entities:
        found = name_keys(e["id"], e["label"], e["synonyms"], e["xrefs"])
        keys = sorted({key for key, _name, _entity, rank in found if rank == RANK_NAME})
        aliases = sorted({key for key, _name, _entity, rank in found if rank != RANK_NAME} - set(keys))
        entity_out.append({
            **{k: e.get(k) for k in ("id", "iri", "label", "category", "synonyms", "definition",
                                     "definition_source", "inverse_of", "is_a", "member_of",
                                     "has_active_ingredient", "narrower")},
            "category_label": _humanize(e["category"]),
            "inverse_label": labels.get(e.get("inverse_of") or ""),
            "xrefs": [{"curie": x, "url": link(x)} for x in e["xrefs"]],
            "keys": keys,
            "aliases": aliases,
        })
    claim_out = []
    for c in claims:
        claim_out.append({
            **{k: c.get(k) for k in ("claim", "subject", "object", "sign", "direction", "aspect",
                                     "quote", "document", "section", "section_title", "start",
                                     "end", "certainty", "hedge", "citations", "knowledge_level",
                                     "agent_type", "predicate")},
            "context": [{"key": f"{kind}={value}", "kind": kind, "value": value,
                         "label": _context_label(kind, value, labels)}
                        for kind, value in sorted((c.get("context") or {}).items())],
            "section_key": _section_key(c),
            "predicate_label": PREDICATE_LABELS.get(c.get("predicate") or ""),
            "predicate_url": link(c.get("predicate")),
            # as people read it (the publisher's ∞ as a colon, a table row's cells beside their
            # column headers); ``quote`` stays verbatim
            "quote_shown": shown_quote({**c, "table_columns": table_columns(index, c)}) if c.get("quote") else None,
        })

    categories = defaultdict(int)
    for e in entities:
        categories[e["category"]] += 1
    nodes, edges = _network(entities, claims)
    return {
        "meta": {
            "title": "hormone-kg explorer",
            "entities": len(entities),
            "claims": len(claims),
            "studies": len(studies),
            "total_entities": total_entities,
            "total_claims": total_claims,
            "hubs": hubs,
            "focus": focus_id,
            "depth": (1 if depth is None else depth) if focus_id else None,
            "context": context_key,
            "documents": documents,
        },
        "entities": entity_out,
        "claims": claim_out,
        "studies": studies,
        "categories": [{"id": cat, "label": _humanize(cat), "color": category_style(cat)[0],
                        "shape": category_style(cat)[1], "count": n}
                       for cat, n in sorted(categories.items(), key=lambda kv: _humanize(kv[0]))],
        "signs": [{"sign": sign, "label": name, "color": colour, "head": head,
                   "count": sum(1 for c in claims if c["sign"] == sign)}
                  for sign, (name, colour, head) in SIGN_STYLES.items()],
        "study_style": {"color": _STUDY_STYLE[0], "shape": _STUDY_STYLE[1]},
        "contexts": _context_values(claims, labels),
        "sections": sections,
        "network": {"nodes": nodes, "edges": edges, "options": _vis_options()},
        "greek": _greek_folds(),
        "path": path,
    }


def _script_json(value: Any) -> str:
    """Return JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` left.

    >>> _script_json({"label": "</script><b>&"})
    '{"label":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


@functools.lru_cache(maxsize=1)
def _assets() -> dict[str, str]:
    files = resources.files("pyvis")
    assets = {slot: files.joinpath(name).read_text(encoding="utf-8") for slot, name in _VIS_ASSETS.items()}
    for slot, text in assets.items():
        closing = "</script" if slot == "VIS_JS" else "</style"
        if closing in text.lower():  # pragma: no cover - would end the element early
            raise RuntimeError(f"pyvis asset {_VIS_ASSETS[slot]} contains {closing!r}")
    return assets


def render_html(index, focus: str | None = None, depth: int | None = None,
                path_between: tuple[str, str] | None = None, context: str | None = None,
                hubs: int | None = None) -> str:
    """Return the explorer page as one self-contained HTML document.

    Parameters are those of :func:`explorer_data`.

    Returns
    -------
    str
        The HTML text; the same index and arguments always give the same text.
    """
    data = explorer_data(index, focus=focus, depth=depth, path_between=path_between, context=context,
                         hubs=hubs)
    template = resources.files("graph.exports").joinpath(_TEMPLATE).read_text(encoding="utf-8")
    slots = {**_assets(), "DATA": _script_json(data)}
    return _SLOT.sub(lambda match: slots[match.group(1)], template)


def write_html(index, path: str | Path, focus: str | None = None, depth: int | None = None,
               path_between: tuple[str, str] | None = None, context: str | None = None,
               hubs: int | None = None) -> Path:
    """Write the explorer page to ``path`` atomically and return the path.

    Parameters
    ----------
    index : graph.cache.index.Index
        The build's lookup index.
    path : str or Path
        Where to write the HTML file.
    focus, depth, path_between, context, hubs
        See :func:`explorer_data`; all default to None (the whole graph, no highlight, no filter).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    UnknownEntityError
        If ``focus``, a path end or ``context`` names nothing in the graph.

    Examples
    --------
    >>> import shutil, tempfile
    >>> import graph
    >>> from graph.project import Project
    >>> from graph.pipeline.build import build
    >>> root = Path(tempfile.mkdtemp()) / "mini"
    >>> _ = shutil.copytree(Path(graph.__file__).parents[1] / "tests/fixtures/mini", root)
    >>> _ = build(Project(root), write_exports=False)
    >>> page = write_html(Project(root).index(), root / "tnf.html", focus="TNF-alpha")
    >>> text = page.read_text(encoding="utf-8")
    >>> "<script src=" in text or "<link" in text
    False
    >>> shutil.rmtree(root.parent)
    """

    target = Path(path)
    write_atomic(target, render_html(index, focus=focus, depth=depth, path_between=path_between,
                                     context=context, hubs=hubs))
    return target
