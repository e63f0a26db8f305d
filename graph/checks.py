"""The SHACL shapes as SPARQL checks on the embedded store, for graphs too large for pyshacl.

pyshacl validates an rdflib graph in memory; at millions of triples that is neither fast nor
possible in a few GiB. :func:`check_store` runs the *same* shapes (``graph/shapes.ttl``, read and
translated here, not re-typed) as SPARQL queries on the build's pyoxigraph store, one query per
constraint. It understands the SHACL Core subset the shapes use: targets ``sh:targetClass`` and
``sh:targetSubjectsOf``; property shapes with ``sh:path`` (a predicate) and ``sh:minCount``,
``sh:maxCount``, ``sh:datatype``, ``sh:nodeKind sh:IRI``, ``sh:class``, ``sh:in`` and ``sh:node``.
A shape using anything else is refused (ValueError) rather than half-checked, so validation is
never skipped silently. As in :func:`graph.shapes.validate_graph`, every subject of
``biolink:category`` counts as a ``biolink:NamedThing``.

Violations are reported like :func:`~graph.shapes.validate_graph` reports them: one sorted line
``focus: path message`` each, in one :class:`~graph.errors.ShapeError`.
``tests/test_checks.py`` checks that both find the same (focus, path) pairs on broken graphs.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Constraint", "check_store", "store_constraints"]

_SUPPORTED = {"path", "minCount", "maxCount", "datatype", "nodeKind", "class", "in", "node", "message"}


@dataclass(frozen=True)
class Constraint:
    """One SPARQL check: the query selects ``?focus`` for each violation."""

    shape: str
    path: str
    message: str
    query: str


def _iri(term) -> str:
    return f"<{term}>"


def _term(node) -> str:
    from rdflib import Literal, URIRef

    if isinstance(node, URIRef):
        return _iri(node)
    if isinstance(node, Literal):
        return node.n3()
    raise ValueError(f"unsupported sh:in member {node!r}")


_SUBCLASS = "/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"


def _targets(shapes, shape, subclasses: bool = True) -> list[str]:
    """SPARQL patterns binding ?focus to the shape's targets."""
    from rdflib.namespace import SH

    from .vocab import RDF

    path = _SUBCLASS if subclasses else ""
    patterns = [f"?focus <{RDF.type}>{path} {_iri(c)} ."
                for c in shapes.objects(shape, SH.targetClass)]
    patterns += [f"?focus {_iri(p)} [] ." for p in shapes.objects(shape, SH.targetSubjectsOf)]
    return patterns


def _has_class(var: str, cls, subclasses: bool = True) -> str:
    from .vocab import BIOLINK, RDF

    test = f"{var} <{RDF.type}>{_SUBCLASS if subclasses else ''} {_iri(cls)}"
    if str(cls) == str(BIOLINK.NamedThing):  # inferred from biolink:category, as validate_graph does
        return f"{{ {test} }} UNION {{ {var} <{BIOLINK.category}> [] }}"
    return test


def _shape_constraints(shapes, shape, target: str, outer: str | None, outer_path: str | None,
                       seen: frozenset = frozenset(), subclasses: bool = True) -> list[Constraint]:
    """Constraints of a node shape for foci matched by ``target`` (a pattern binding ?focus).

    With ``outer`` (an sh:node reference) a violation is reported at the referring node
    (``?outer``) and its path, as SHACL reports an sh:node failure.
    """
    from rdflib.namespace import SH
    from rdflib.collection import Collection

    found = []
    name = str(shape)
    for prop in shapes.objects(shape, SH.property):
        keys = {str(p).rsplit("#", 1)[-1] for p in shapes.predicates(prop, None)}
        unknown = keys - _SUPPORTED
        if unknown:
            raise ValueError(f"shape {name}: cannot translate {sorted(unknown)} to SPARQL")
        path = shapes.value(prop, SH.path)
        if path is None or not hasattr(path, "startswith"):
            raise ValueError(f"shape {name}: only predicate paths are supported")
        p = _iri(path)
        message = shapes.value(prop, SH.message)
        where = []
        min_count = shapes.value(prop, SH.minCount)
        if min_count is not None:
            n = int(min_count)
            if n == 1:
                where.append((f"FILTER NOT EXISTS {{ ?focus {p} [] }}", message or "needs at least 1 value"))
            elif n > 1:
                where.append((f"OPTIONAL {{ ?focus {p} ?v }} }} GROUP BY ?focus ?outer HAVING (COUNT(DISTINCT ?v) < {n})",
                              message or f"needs at least {n} values"))
        max_count = shapes.value(prop, SH.maxCount)
        if max_count is not None:
            n = int(max_count)
            if n == 1:
                where.append((f"?focus {p} ?a , ?b . FILTER (!sameTerm(?a, ?b))", message or "has more than 1 value"))
            else:
                where.append((f"?focus {p} ?v }} GROUP BY ?focus ?outer HAVING (COUNT(DISTINCT ?v) > {n})",
                              message or f"has more than {n} values"))
        datatype = shapes.value(prop, SH.datatype)
        if datatype is not None:
            where.append((f"?focus {p} ?v . FILTER (!isLiteral(?v) || datatype(?v) != {_iri(datatype)})",
                          message or f"value is not a {datatype}"))
        kind = shapes.value(prop, SH.nodeKind)
        if kind is not None:
            if kind != SH.IRI:
                raise ValueError(f"shape {name}: only sh:nodeKind sh:IRI is supported")
            where.append((f"?focus {p} ?v . FILTER (!isIRI(?v))", message or "value is not an IRI"))
        cls = shapes.value(prop, SH["class"])
        if cls is not None:
            where.append((f"?focus {p} ?v . FILTER NOT EXISTS {{ {_has_class('?v', cls, subclasses)} }}",
                          message or f"value is not a {cls}"))
        members = shapes.value(prop, SH["in"])
        if members is not None:
            allowed = " || ".join(f"sameTerm(?v, {_term(m)})" for m in Collection(shapes, members))
            where.append((f"?focus {p} ?v . FILTER (!({allowed}))", message or "value is not in the allowed list"))
        node = shapes.value(prop, SH.node)
        if node is not None:
            if node in seen or outer is not None:
                raise ValueError(f"shape {name}: nested or recursive sh:node is not supported")
            found += _node_constraints(shapes, node, target, p, seen | {shape}, subclasses)
        for pattern, text in where:
            grouped = "GROUP BY" in pattern
            body = f"{target} {pattern}" + ("" if grouped else " }")
            found.append(Constraint(name, p, str(text), f"SELECT DISTINCT ?focus WHERE {{ {body}"))
            if outer is not None:  # the referring node fails its sh:node too
                found.append(Constraint(name, outer_path, f"value does not conform to {name}",
                                        f"SELECT DISTINCT ?outer WHERE {{ {body}"))
    return found


def _node_constraints(shapes, node, target: str, p: str, seen, subclasses: bool = True) -> list[Constraint]:
    """Constraints of shape ``node`` on the values of ``p``, reported at the referring focus."""
    # rename: the referring node becomes ?outer, the value becomes ?focus
    outer_target = target.replace("?focus", "?outer") + f" ?outer {p} ?focus ."
    return _shape_constraints(shapes, node, outer_target, "?outer", p, seen, subclasses)


def store_constraints(shapes=None, *, subclasses: bool = True) -> list[Constraint]:
    """Return the SPARQL checks of the shapes graph (default: the project's ``shapes.ttl``).

    With ``subclasses=False`` class membership is ``rdf:type`` alone, which is the same thing
    when the data has no ``rdfs:subClassOf`` triple (and much faster to evaluate).

    Raises
    ------
    ValueError
        If a shape uses SHACL features this translation does not cover.
    """
    from rdflib.namespace import SH

    from .shapes import load_shapes
    from .vocab import RDF

    shapes = load_shapes() if shapes is None else shapes
    constraints = []
    for shape in sorted(shapes.subjects(RDF.type, SH.NodeShape)):
        for target in _targets(shapes, shape, subclasses):
            constraints += _shape_constraints(shapes, shape, target, None, None, subclasses=subclasses)
    return constraints


def check_store(store) -> None:
    """Validate the graph in a pyoxigraph store against the shapes.

    Raises
    ------
    ShapeError
        One sorted line per violation (focus node, path, message), as ``validate_graph`` does.
    """
    from rdflib import Graph, URIRef

    from pyoxigraph import NamedNode

    from .errors import ShapeError
    from .vocab import prefixes

    lines = set()
    names = None
    subclasses = store.query("ASK { ?a <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?b }")
    for constraint in store_constraints(subclasses=bool(subclasses)):
        for solution in store.query(constraint.query):
            if names is None:
                graph = Graph()
                for prefix, namespace in prefixes().items():
                    graph.bind(prefix, namespace, override=True, replace=True)
                names = graph.namespace_manager
            focus = solution[0]
            focus_text = names.normalizeUri(URIRef(focus.value)) if isinstance(focus, NamedNode) else str(focus)
            path = names.normalizeUri(URIRef(constraint.path.strip("<>")))
            lines.add(f"{focus_text}: {path} {constraint.message}".strip())
    if lines:
        raise ShapeError("SHACL validation failed:\n" + "\n".join(sorted(lines)))
