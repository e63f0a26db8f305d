"""The SHACL shapes checked on a sorted N-Triples file: the one checker every build runs.

pyshacl validates an rdflib graph in memory; at millions of triples that is neither fast nor
possible in a few GiB, and SPARQL on the store (one nested-loop join per constraint) takes
minutes. :func:`check_ntriples` reads the build's ``graph.nt`` instead: sorted by line, so the
triples of a subject are contiguous, it is checked one subject at a time in one streaming pass
(in memory: a window of subjects and the pending checks below, not the graph). The shapes are
the *same* (``graph/rdf/shapes.ttl``, compiled here by :func:`compile_shapes`, not re-typed). The
SHACL Core subset they use is understood: targets ``sh:targetClass`` (with the data's
``rdfs:subClassOf`` closure) and ``sh:targetSubjectsOf``; property shapes with ``sh:path``
(a predicate) and ``sh:minCount``, ``sh:maxCount``, ``sh:datatype``, ``sh:nodeKind sh:IRI``,
``sh:class``, ``sh:in`` and ``sh:node`` (one level). Anything else is refused (ValueError) rather
than half-checked, so validation is never skipped silently. As in
:func:`graph.rdf.shapes.validate_graph`, every subject of ``biolink:category`` is a
``biolink:NamedThing``.

``sh:class`` and ``sh:node`` look at another node's triples, which may sort before or after the
referring subject. The last :data:`WINDOW` subjects are kept (a claim's excerpt sorts just before
it); a value still ahead is noted as pending (value → bit set of checks: small, no referrers) and
checked when its subject comes; one behind the window is found by binary search in the file.
Only when a pending check fails does a second pass name the nodes referring to it, and only when
the data has ``rdfs:subClassOf`` triples is the file checked again knowing the subclasses.

Violations are reported as :func:`~graph.rdf.shapes.validate_graph` reports them: one sorted line
``focus: path message`` each, in one :class:`~graph.errors.ShapeError`; a value failing its
``sh:node`` shape is reported itself (the nested path) and at the referring node (the outer path).
``tests/rdf/test_checks.py`` checks that both find the same (focus, path) pairs on broken graphs.
Terms are compared by their N-Triples text, literals canonically (escapes, ``xsd:string``,
language-tag case), and ``sh:in`` by term identity as SPARQL's ``sameTerm``.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from graph.errors import ShapeError
from graph.model.vocab import prefixes

__all__ = ["WINDOW", "Property", "Shape", "check_ntriples", "compile_shapes"]

#: subjects kept after their group has passed, to check ``sh:class``/``sh:node`` values that sort before
WINDOW = 1 << 14

_SH = "http://www.w3.org/ns/shacl#"
_SUPPORTED = {"path", "minCount", "maxCount", "datatype", "nodeKind", "class", "in", "node", "message"}
_SHAPE_KEYS = {"type", "targetClass", "targetSubjectsOf", "property"}
_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_SUBCLASS = b"<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
_CATEGORY = b"<https://w3id.org/biolink/vocab/category>"
_NAMED_THING = b"<https://w3id.org/biolink/vocab/NamedThing>"
_XSD_STRING = b"<http://www.w3.org/2001/XMLSchema#string>"
_LANG_STRING = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#langString>"


@dataclass(frozen=True, slots=True)
class Property:
    """One ``sh:property``: terms are N-Triples bytes (``b"<iri>"``, literals canonical)."""

    path: bytes
    message: str | None = None
    min_count: int = 0
    max_count: int | None = None
    datatype: bytes | None = None
    iri: bool = False
    members: frozenset[bytes] | None = None
    cls: bytes | None = None
    node: Shape | None = None


@dataclass(frozen=True, slots=True)
class Shape:
    """A node shape: its targets and property shapes."""

    name: str
    classes: tuple[bytes, ...] = ()
    subjects_of: tuple[bytes, ...] = ()
    properties: tuple[Property, ...] = ()


# -- terms ------------------------------------------------------------------------------------

_ECHAR = {b"t": "\t", b"b": "\b", b"n": "\n", b"r": "\r", b"f": "\f", b'"': '"', b"'": "'", b"\\": "\\"}
_ESCAPE = re.compile(rb'\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))', re.S)


def _unescape(lexical: bytes) -> str:
    def one(match) -> bytes:
        code = match.group(1) or match.group(2)
        if not code and match.group(3) not in _ECHAR:
            raise ValueError(f"bad escape in N-Triples literal {lexical[:200]!r}")
        return (chr(int(code, 16)) if code else _ECHAR[match.group(3)]).encode("utf-8", "surrogatepass")

    return _ESCAPE.sub(one, lexical).decode("utf-8")


def _quote(text: str) -> bytes:
    """The N-Triples string of ``text`` as :func:`graph.rdf.triples.ntriple` escapes it."""
    escaped = text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r")
    return b'"' + escaped.encode("utf-8") + b'"'


def _split_literal(term: bytes) -> tuple[bytes, bytes]:
    """Lexical form (escaped) and suffix (``b""``, ``b"@lang"`` or ``b"^^<iri>"``) of a literal."""
    end = term.rfind(b'"')
    return term[1:end], term[end + 1:]


def _canonical(term: bytes) -> bytes:
    """The term as our writer spells it, so that equal terms are equal bytes."""
    if not term.startswith(b'"'):
        return term
    lexical, suffix = _split_literal(term)
    if suffix == b"^^" + _XSD_STRING:
        suffix = b""
    elif suffix.startswith(b"@"):
        suffix = suffix.lower()
    if b"\\" in lexical:
        return _quote(_unescape(lexical)) + suffix
    return b'"' + lexical + b'"' + suffix


def _datatype(term: bytes) -> bytes | None:
    """The datatype IRI (``b"<iri>"``) of a literal term, None for an IRI or blank node."""
    if not term.startswith(b'"'):
        return None
    suffix = _split_literal(term)[1]
    if not suffix:
        return _XSD_STRING
    return suffix[2:] if suffix.startswith(b"^^") else _LANG_STRING


def _shape_term(node) -> bytes:
    from rdflib import Literal, URIRef

    if isinstance(node, URIRef):
        return f"<{node}>".encode()
    if isinstance(node, Literal):
        suffix = f"@{node.language}" if node.language else f"^^<{node.datatype}>" if node.datatype else ""
        return _canonical(_quote(str(node)) + suffix.encode())
    raise ValueError(f"unsupported sh:in member {node!r}")


# -- shapes -----------------------------------------------------------------------------------

def _one(shapes, node, key: str, name: str):
    from rdflib import URIRef

    values = list(shapes.objects(node, URIRef(_SH + key)))
    if len(values) > 1:
        raise ValueError(f"shape {name}: more than one sh:{key} is not supported")
    return values[0] if values else None


def _local_name(term) -> str:
    return str(term).rsplit("#", 1)[-1]


def _compile(shapes, shape, nested: bool, seen: frozenset) -> Shape:
    from rdflib import URIRef
    from rdflib.collection import Collection

    name = str(shape)
    unknown = {_local_name(p) for p in shapes.predicates(shape, None)} - _SHAPE_KEYS
    if unknown:
        raise ValueError(f"shape {name}: cannot check {sorted(unknown)}")
    properties = []
    for prop in shapes.objects(shape, URIRef(_SH + "property")):
        unknown = {_local_name(p) for p in shapes.predicates(prop, None)} - _SUPPORTED
        if unknown:
            raise ValueError(f"shape {name}: cannot check {sorted(unknown)}")
        path = _one(shapes, prop, "path", name)
        if not isinstance(path, URIRef):
            raise ValueError(f"shape {name}: only predicate paths are supported")
        kind = _one(shapes, prop, "nodeKind", name)
        if kind is not None and kind != URIRef(_SH + "IRI"):
            raise ValueError(f"shape {name}: only sh:nodeKind sh:IRI is supported")
        cls, node = _one(shapes, prop, "class", name), _one(shapes, prop, "node", name)
        if nested and (cls is not None or node is not None):
            raise ValueError(f"shape {name}: sh:class or sh:node inside an sh:node shape is not supported")
        if node is not None and node in seen:
            raise ValueError(f"shape {name}: recursive sh:node is not supported")
        members, min_count, max_count, datatype, message = (
            _one(shapes, prop, key, name) for key in ("in", "minCount", "maxCount", "datatype", "message"))
        properties.append(Property(
            path=_shape_term(path),
            message=None if message is None else str(message),
            min_count=0 if min_count is None else int(min_count),
            max_count=None if max_count is None else int(max_count),
            datatype=None if datatype is None else _shape_term(datatype),
            iri=kind is not None,
            members=None if members is None else frozenset(map(_shape_term, Collection(shapes, members))),
            cls=None if cls is None else _shape_term(cls),
            node=None if node is None else _compile(shapes, node, True, seen | {shape})))
    classes, subjects_of = (tuple(sorted(_shape_term(t) for t in shapes.objects(shape, URIRef(_SH + key))))
                            for key in ("targetClass", "targetSubjectsOf"))
    return Shape(name, classes, subjects_of, tuple(properties))


def compile_shapes(shapes=None) -> tuple[Shape, ...]:
    """Return the node shapes of a shapes graph (default: the project's ``shapes.ttl``).

    Raises
    ------
    ValueError
        If a shape uses SHACL features this checker does not cover.
    """
    from rdflib import URIRef

    from graph.model.vocab import RDF

    from graph.rdf.shapes import load_shapes

    shapes = load_shapes() if shapes is None else shapes
    return tuple(_compile(shapes, shape, False, frozenset())
                 for shape in sorted(shapes.subjects(RDF.type, URIRef(_SH + "NodeShape"))))


# -- constraints on one subject ---------------------------------------------------------------

def _count(values: list[bytes]) -> int:
    return len({_canonical(v) for v in values})


#: lexical forms checked beside the datatype, where pyshacl's ``sh:datatype`` checks them too: a
#: literal typed ``"abc"^^xsd:integer`` is ill-typed (rdflib does not check xsd:gYear's form)
_XSD = "http://www.w3.org/2001/XMLSchema#"
_LEXICAL = {
    f"<{_XSD}integer>".encode(): re.compile(rb"\s*[+-]?[0-9]+\s*"),
}


def _local(prop: Property, values: list[bytes]) -> list[str]:
    """Messages of the constraints of ``prop`` that ``values`` (one subject's) violate."""
    found = []
    n, low, high = len(values), prop.min_count, prop.max_count
    if n < low or (low > 1 and _count(values) < low):
        found.append(prop.message or ("needs at least 1 value" if low == 1
                                      else f"needs at least {low} values"))
    if high is not None and n > high and _count(values) > high:
        found.append(prop.message or ("has more than 1 value" if high == 1
                                      else f"has more than {high} values"))
    if not n:
        return found
    datatype = prop.datatype
    if datatype is not None:
        typed = b'"^^' + datatype  # the common spelling, tested before parsing the literal
        lexical = _LEXICAL.get(datatype)
        for v in values:
            if (not v.endswith(typed) and _datatype(v) != datatype) or (
                    lexical is not None and not lexical.fullmatch(_split_literal(v)[0])):
                found.append(prop.message or f"value is not a {datatype.decode()[1:-1]}")
                break
    if prop.iri:
        for v in values:
            if not v.startswith(b"<"):
                found.append(prop.message or "value is not an IRI")
                break
    members = prop.members
    if members is not None:
        for v in values:
            if v not in members and _canonical(v) not in members:
                found.append(prop.message or "value is not in the allowed list")
                break
    return found


# -- the file ---------------------------------------------------------------------------------

def _object(line: bytes, rest: bytes) -> bytes:
    """The object of a line from the text after its predicate (``rest``)."""
    if rest.endswith(b" .\n"):
        return rest[:-3]
    rest = rest.rstrip()
    if not rest.endswith(b"."):
        raise ValueError(f"not an N-Triples line: {line[:200]!r}")
    return rest[:-1].rstrip()


def _groups(path: Path, relevant: frozenset[bytes]) -> Iterator[tuple[bytes, dict[bytes, list[bytes]]]]:
    """(subject, predicate → objects) for each subject of a sorted N-Triples file.

    Only ``relevant`` predicates are kept. Subject order is line order: an IRI or blank node
    label never holds a space, so a subject sorts as its lines do.
    """
    subject, props = None, {}
    with open(path, "rb", buffering=1 << 20) as handle:
        for line in handle:
            try:
                s, p, rest = line.split(b" ", 2)
            except ValueError:
                if line.strip():
                    raise ValueError(f"{path}: not an N-Triples line: {line[:200]!r}") from None
                continue
            if s != subject:
                if subject is not None:
                    if s < subject:
                        raise ValueError(f"{path} is not sorted: {s!r} after {subject!r}")
                    yield subject, props
                subject, props = s, {}
            if p not in relevant:
                if not p.startswith(b"<"):
                    raise ValueError(f"{path}: not an N-Triples line: {line[:200]!r}")
            else:
                obj = rest[:-3] if rest.endswith(b" .\n") else _object(line, rest)
                values = props.get(p)
                if values is None:
                    props[p] = [obj]
                else:
                    values.append(obj)
    if subject is not None:
        yield subject, props


def _lines_of(handle: BinaryIO, size: int, subject: bytes) -> list[bytes]:
    """The lines of ``subject`` in a sorted file, found by bisection (reading a few KiB)."""
    key = subject + b" "
    lo, hi = 0, size  # line starts: every line before lo sorts before key, the one at hi not
    while hi - lo > 4096:
        handle.seek((lo + hi) // 2 - 1)
        handle.readline()
        start = handle.tell()
        if start >= hi:
            break
        line = handle.readline()
        if line[:len(key)] < key:
            lo = start + len(line)
        else:
            hi = start
    handle.seek(lo)
    lines = []
    for line in handle:
        head = line[:len(key)]
        if head == key:
            lines.append(line)
        elif head > key:
            break
    return lines


def _closure(cls: bytes, children: dict[bytes, set[bytes]]) -> frozenset[bytes]:
    found, todo = {cls}, [cls]
    while todo:
        for sub in children.get(todo.pop(), ()):
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return frozenset(found)


def _types(props: dict[bytes, list[bytes]]) -> list[bytes]:
    types = props.get(_TYPE, [])
    if _CATEGORY in props:  # as validate_graph infers it
        return [*types, _NAMED_THING]
    return types


class _Check:
    """One validation of a file: the compiled rules, the state of the pass and what it found.

    ``handle`` is the file, opened, for the look-ups behind the window; ``children`` the
    subclasses of each class (class targets and ``sh:class`` include them).
    """

    def __init__(self, shapes: tuple[Shape, ...], path: Path, handle: BinaryIO,
                 children: dict[bytes, set[bytes]]):
        self.path, self.handle, self.size = path, handle, handle.seek(0, 2)
        referring = [p for shape in shapes for p in shape.properties
                     if p.cls is not None or p.node is not None]
        bits = {p: 1 << i for i, p in enumerate(dict.fromkeys(referring))}
        #: (target predicates, target classes and their subclasses, (property, its bit or 0) each)
        self.targets = [(shape.subjects_of, frozenset().union(*(_closure(c, children) for c in shape.classes)),
                         tuple((p, bits.get(p, 0)) for p in shape.properties))
                        for shape in shapes if shape.subjects_of or shape.classes]
        self.referring = list(bits.items())  # (property with sh:class or sh:node, its bit)
        self.classes = {p.cls: _closure(p.cls, children) for p in referring if p.cls is not None}
        self.subclasses: dict[bytes, set[bytes]] = {}  # class → direct subclasses, as found
        relevant = {_TYPE, _CATEGORY, _SUBCLASS}
        for shape in shapes:
            relevant.update(shape.subjects_of)
            for prop in shape.properties:
                relevant.add(prop.path)
                relevant.update(p.path for p in (prop.node.properties if prop.node else ()))
        self.relevant = frozenset(relevant)
        self.window: OrderedDict[bytes, dict] = OrderedDict()
        self.pending: dict[bytes, int] = {}  # value ahead → bits of the checks it owes
        self.failed: dict[bytes, int] = {}  # pending value → bits of the checks it failed
        self.found: set[tuple[bytes, bytes, str]] = set()  # (focus, path, message)

    def run(self) -> None:
        """Check the file, adding each violation to :attr:`found`."""
        for subject, props in _groups(self.path, self.relevant):
            for cls in props.get(_SUBCLASS, ()):
                self.subclasses.setdefault(cls, set()).add(subject)
            self.window[subject] = props
            if len(self.window) > WINDOW:
                self.window.popitem(last=False)
            owed = self.pending.pop(subject, 0)
            if owed:
                self._settle(subject, props, owed)
            for rules in self._targeted(props):
                self._focus(subject, props, rules)
        for value, owed in self.pending.items():  # values without triples of their own
            self._settle(value, {}, owed)
        if self.failed:  # name the nodes referring to them
            for subject, props in _groups(self.path, self.relevant):
                for rules in self._targeted(props):
                    for prop, bit in rules:
                        if bit and any(self.failed.get(v, 0) & bit for v in props.get(prop.path, ())):
                            self.found.add((subject, prop.path, self._refusal(prop)))

    def _targeted(self, props) -> Iterator[tuple[tuple[Property, int], ...]]:
        """The (property, bit) rules of each shape that targets a subject with triples ``props``."""
        types = None
        for subjects_of, classes, rules in self.targets:
            for p in subjects_of:
                if p in props:
                    yield rules
                    break
            else:
                if classes:
                    types = _types(props) if types is None else types
                    if not classes.isdisjoint(types):
                        yield rules

    def _focus(self, subject: bytes, props, rules) -> None:
        for prop, bit in rules:
            values = props.get(prop.path, [])
            for message in _local(prop, values):
                self.found.add((subject, prop.path, message))
            if not bit:
                continue
            for value in values:
                if value in self.window:
                    passed = self._passes(value, self.window[value], prop)
                elif value.startswith(b'"'):
                    passed = self._passes(value, {}, prop)
                elif value > subject:  # its triples are still ahead (or nowhere)
                    self.pending[value] = self.pending.get(value, 0) | bit
                    continue
                else:
                    passed = self._passes(value, self._props(value), prop)
                if not passed:
                    self.found.add((subject, prop.path, self._refusal(prop)))

    def _settle(self, value: bytes, props, owed: int) -> None:
        for prop, bit in self.referring:
            if owed & bit and not self._passes(value, props, prop):
                self.failed[value] = self.failed.get(value, 0) | bit

    def _passes(self, value: bytes, props, prop: Property) -> bool:
        """Whether ``value`` (with its triples ``props``) meets the sh:class or sh:node of ``prop``."""
        if prop.cls is not None:
            return not self.classes[prop.cls].isdisjoint(_types(props))
        passed = True
        for nested in prop.node.properties:
            for message in _local(nested, props.get(nested.path, [])):
                self.found.add((value, nested.path, message))
                passed = False
        return passed

    @staticmethod
    def _refusal(prop: Property) -> str:
        if prop.cls is not None:
            return prop.message or f"value is not a {prop.cls.decode()[1:-1]}"
        return f"value does not conform to {prop.node.name}"

    def _props(self, subject: bytes) -> dict[bytes, list[bytes]]:
        props: dict[bytes, list[bytes]] = {}
        for line in _lines_of(self.handle, self.size, subject):
            _s, p, rest = line.split(b" ", 2)
            if p in self.relevant:
                props.setdefault(p, []).append(_object(line, rest))
        return props


def _text(term: bytes, names) -> str:
    """A focus or path as check reports write it: a prefixed name, ``<iri>``, ``_:b`` or a literal."""
    from rdflib import URIRef

    if term.startswith(b"<"):
        return names.normalizeUri(URIRef(term[1:-1].decode()))
    if not term.startswith(b'"'):
        return term.decode()
    import pyoxigraph as ox

    lexical, suffix = _split_literal(_canonical(term))
    value = _unescape(lexical)
    if suffix.startswith(b"@"):
        return str(ox.Literal(value, language=suffix[1:].decode()))
    return str(ox.Literal(value, datatype=ox.NamedNode(suffix[3:-1].decode()) if suffix else None))


def check_ntriples(path: Path, shapes: tuple[Shape, ...] | None = None) -> None:
    """Validate a sorted, duplicate-free N-Triples file against the shapes.

    Raises
    ------
    ShapeError
        One sorted line per violation (focus node, path, message), as ``validate_graph`` does.
    ValueError
        If the shapes use SHACL features this checker does not cover, or the file is not
        sorted N-Triples.
    """
    from rdflib import Graph


    shapes = compile_shapes() if shapes is None else shapes
    with open(path, "rb") as handle:
        check = _Check(shapes, Path(path), handle, {})
        check.run()
        if check.subclasses:  # again, now that class targets and sh:class know the subclasses
            check = _Check(shapes, Path(path), handle, check.subclasses)
            check.run()
    if check.found:
        names = Graph().namespace_manager
        for prefix, namespace in prefixes().items():
            names.bind(prefix, namespace, override=True, replace=True)
        lines = {f"{_text(focus, names)}: {_text(where, names)} {message}".strip()
                 for focus, where, message in check.found}
        raise ShapeError("SHACL validation failed:\n" + "\n".join(sorted(lines)))
