"""Query parameters: ``--param name=value`` turned into RDF terms, never into query text.

A library query declares each parameter's kind in its header (``?target (entity)``), so a value is
read the way the question needs: an entity by any of its names (``"TNF-alpha"``, ``tnf-α``,
``HGNC:6081``, an IRI), a claim or study id, a study design, a Biolink category, an identifier
prefix, a plain string or an integer. An undeclared parameter (an ad-hoc query) is read as a
``term``: ``<iri>``, a quoted literal (``"text"@en``, ``"5"^^xsd:integer``), a CURIE with a known
prefix, a number or boolean, an entity name, and otherwise a plain string literal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from graph.errors import QueryError, UnknownEntityError
from graph.model.names import fold, nearest
from graph.model.prefixes import converter
from graph.model.vocab import biolink_classes, prefixes
from graph.sparql.syntax import variables

__all__ = [
    "PARAMETER_KINDS",
    "Parameter",
    "Resolver",
    "bind_parameters",
    "parse_assignment",
    "parse_term",
]

#: what a declared parameter's value denotes
PARAMETER_KINDS = ("entity", "claim", "study", "design", "category", "prefix", "section", "iri",
                   "string", "integer", "term")

_XSD = "http://www.w3.org/2001/XMLSchema#"
_NAME = re.compile(r"^[?$]?([A-Za-z_0-9][A-Za-z_0-9]*)$")
_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9_.\-]*):([^\s<>\"{}|^`\\]*)$")
_QUOTED = re.compile(r'^"((?:[^"\\]|\\.)*)"(?:@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)|\^\^(.+))?$', re.S)
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


@dataclass(frozen=True)
class Parameter:
    """A parameter a query declares: its variable name, kind, whether it is required, its meaning."""

    name: str
    kind: str = "term"
    required: bool = False
    description: str = ""

    def __post_init__(self):
        if self.kind not in PARAMETER_KINDS:
            raise QueryError(f"parameter ?{self.name}: unknown kind {self.kind!r}; "
                             f"known kinds: {', '.join(PARAMETER_KINDS)}")


def parse_assignment(text: str) -> tuple[str, str]:
    """Split ``name=value`` (``?name=value`` too) into the variable name and the value.

    >>> parse_assignment("target=insulin sensitivity")
    ('target', 'insulin sensitivity')
    >>> parse_assignment("x")
    Traceback (most recent call last):
    ...
    graph.errors.QueryError: malformed parameter 'x': expected name=value
    """
    name, sep, value = text.partition("=")
    if not sep:
        raise QueryError(f"malformed parameter {text!r}: expected name=value")
    match = _NAME.match(name.strip())
    if not match:
        raise QueryError(f"malformed parameter {text!r}: {name.strip()!r} is not a variable name "
                         "(letters, digits and _ only)")
    return match.group(1), value


class Resolver:
    """Turns names into IRIs with a project's lookup index, opened only when a name needs it."""

    def __init__(self, project=None, index=None):
        self._project = project
        self._index = index

    @property
    def index(self):
        """The lookup index (opened on first use)."""
        if self._index is None:
            if self._project is None:
                raise QueryError("names cannot be resolved without a project; give an IRI or CURIE")
            self._index = self._project.index()
        return self._index

    def entity(self, value: str) -> str:
        """Return the entity id a name, id, CURIE, IRI or identifier (``HGNC:6081``) denotes."""
        from graph.model.vocab import ENTITY  # an rdflib namespace: made (and rdflib imported) on use

        text = value.strip()
        iri = text[1:-1] if text.startswith("<") and text.endswith(">") else text
        if "://" in iri and not iri.startswith(str(ENTITY)):  # an identifier's IRI: as its CURIE
            try:
                curie = converter().compress(iri)
            except Exception:  # a URI no prefix covers
                curie = None
            if not curie:
                raise UnknownEntityError(value, kind="entity identifier")
            iri = curie
        return self.index.resolve(iri)  # names, ids and identifiers (HGNC:6081) alike

    def claim(self, value: str) -> str:
        """Return a claim id (``claim:`` prefix or the claim's IRI allowed)."""
        text = value.strip().strip("<>").rsplit("/claim/", 1)[-1]
        return self.index.claim(text)["claim"]

    def study(self, value: str) -> str:
        """Return a study id (``study:`` prefix or the study's IRI allowed)."""

        text = value.strip().strip("<>").rsplit("/study/", 1)[-1]
        text = text.split(":", 1)[1] if text.startswith("study:") else text
        studies = self.index.studies()
        if text not in studies:
            raise UnknownEntityError(value, nearest(text, list(studies)), kind="study")
        return text

    def design(self, value: str) -> str:
        """Return a study design id from its id or label ("rct", "randomized controlled trial")."""

        designs = {}
        for study in self.index.studies().values():
            if study.get("design"):
                designs[fold(study["design"])] = study["design"]
                designs[fold(study.get("design_label") or study["design"])] = study["design"]
        key = fold(value.strip().strip("<>").rsplit("/design/", 1)[-1])
        if key not in designs:
            names = sorted(set(designs.values()))
            raise UnknownEntityError(value, nearest(value, names), kind="study design")
        return designs[key]

    def section(self, value: str) -> str:
        """Return the IRI of the document section a title names: the whole title or a part of it,
        in any case (the section's IRI or ``doc:`` CURIE also work). Sections are those claims
        quote from; a part that fits several titles is an error naming them."""
        from graph.rdf.triples import section_iri

        sections = {str(section_iri(c["document"], c["section"])): c["section_title"]
                    for c in self.index.claims() if c.get("document") and c.get("section")}
        text = value.strip().strip("<>")
        expanded = _expand_curie(text) if text.startswith("doc:") else text
        if expanded in sections:
            return expanded
        exact = sorted(iri for iri, title in sections.items() if fold(title or "") == fold(text))
        found = exact or sorted(iri for iri, title in sections.items() if fold(text) in fold(title or ""))
        if len(found) > 1:
            titles = "; ".join(f"{sections[iri]} <{iri}>" for iri in found)
            raise QueryError(f"section {value!r} fits several sections: {titles}")
        if not found:
            raise UnknownEntityError(value, nearest(text, sorted({t for t in sections.values() if t})), kind="section")
        return found[0]

    def category(self, value: str) -> str:
        """Return a Biolink class name ("Protein") from a name, CURIE or IRI, in any case."""

        text = value.strip().strip("<>").rsplit("/", 1)[-1]
        text = text.split(":", 1)[1] if text.lower().startswith("biolink:") else text
        present = {record.get("category") for record in self.index.entities()} - {None}
        for name in sorted(present) + sorted(biolink_classes()):
            if fold(name) == fold(text):
                return name
        raise UnknownEntityError(value, nearest(text, sorted(present)), kind="category")


def _named_node(value: str, name: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError as error:
        bad = next((i for i, c in enumerate(value) if c in ' <>"{}|^`\\' or ord(c) <= 0x20), None)
        where = f" at character {bad + 1}" if bad is not None else ""
        raise QueryError(f"parameter ?{name}: invalid IRI <{value}>{where}: {error}") from None


def _expand_curie(value: str) -> str | None:
    """Return the IRI of a CURIE whose prefix is known (the project's or an identifier prefix)."""

    match = _CURIE.match(value)
    if not match or value.startswith("_:"):
        return None
    prefix, local = match.groups()
    known = prefixes()
    if prefix in known:
        return known[prefix] + local
    try:
        return converter().expand(value)
    except Exception:  # not a CURIE the converter can expand
        return None


def _iri(value: str, name: str) -> ox.NamedNode:
    text = value.strip()
    if text.startswith("<"):
        if not text.endswith(">"):
            raise QueryError(f"parameter ?{name}: unterminated IRI {text!r} (no closing '>')")
        return _named_node(text[1:-1], name)
    expanded = _expand_curie(text)
    if expanded is not None:
        return _named_node(expanded, name)
    if "://" in text or text.startswith("urn:"):
        return _named_node(text, name)
    raise QueryError(f"parameter ?{name}: {value!r} is neither an <IRI> nor a CURIE with a known prefix")


def _unescape(text: str, name: str) -> str:
    def replace(match):
        char = match.group(1)
        if char not in _ESCAPES:
            raise QueryError(f"parameter ?{name}: unknown escape \\{char} at character {match.start() + 2}")
        return _ESCAPES[char]

    return re.sub(r"\\(.)", replace, text, flags=re.S)


def _literal(value: str, name: str) -> ox.Literal:
    match = _QUOTED.match(value)
    if not match:
        raise QueryError(f"parameter ?{name}: malformed literal {value!r} (expected \"text\", "
                         "\"text\"@lang or \"text\"^^datatype)")
    text, language, datatype = match.groups()
    text = _unescape(text, name)
    if language:
        return ox.Literal(text, language=language)
    if datatype:
        return ox.Literal(text, datatype=_iri(datatype, name))
    return ox.Literal(text)


def _number_or_boolean(value: str) -> ox.Literal | None:
    if re.fullmatch(r"[+-]?[0-9]+", value):
        return ox.Literal(value, datatype=ox.NamedNode(_XSD + "integer"))
    if re.fullmatch(r"[+-]?[0-9]*\.[0-9]+", value):
        return ox.Literal(value, datatype=ox.NamedNode(_XSD + "decimal"))
    if value in ("true", "false"):
        return ox.Literal(value, datatype=ox.NamedNode(_XSD + "boolean"))
    return None


def parse_term(value: str, kind: str = "term", *, name: str = "value", resolver: Resolver | None = None):
    """Return the RDF term a parameter value denotes, read according to its kind.

    Parameters
    ----------
    value : str
        The text after ``name=``.
    kind : str, optional
        One of :data:`PARAMETER_KINDS` (default ``term``: guess from the value's form).
    name : str, optional
        The parameter's name, for messages.
    resolver : Resolver, optional
        Resolves entity, claim, study, design and category names (default None: no names).

    Returns
    -------
    pyoxigraph.NamedNode or pyoxigraph.Literal

    Raises
    ------
    QueryError
        If the value is malformed for its kind (the message says where).
    UnknownEntityError
        If a name denotes nothing, with the nearest names.

    Examples
    --------
    >>> parse_term("<https://w3id.org/hormone-kg/entity/insulin>")
    <NamedNode value=https://w3id.org/hormone-kg/entity/insulin>
    >>> parse_term("entity:insulin").value
    'https://w3id.org/hormone-kg/entity/insulin'
    >>> parse_term('"postmenopausal women"@en')
    <Literal value=postmenopausal women language=en>
    >>> parse_term("3", "integer")
    <Literal value=3 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
    >>> parse_term('x" } DROP ALL #', "string")
    <Literal value=x" } DROP ALL # datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>
    >>> parse_term("<http://example.org/a b>")
    Traceback (most recent call last):
    ...
    graph.errors.QueryError: parameter ?value: invalid IRI <http://example.org/a b> at character 21: Invalid IRI code point ' '
    """
    from graph.model.vocab import BIOLINK  # rdflib only when a parameter is bound
    from graph.rdf import triples as rdf

    resolver = resolver or Resolver()
    text = value.strip()
    if kind == "string":
        return ox.Literal(value)
    if kind == "integer":
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            raise QueryError(f"parameter ?{name}: {value!r} is not an integer")
        return ox.Literal(str(int(text)), datatype=ox.NamedNode(_XSD + "integer"))
    if kind == "iri":
        return _iri(text, name)
    if kind == "entity":
        return ox.NamedNode(str(rdf.entity_iri(resolver.entity(text))))
    if kind == "claim":
        return ox.NamedNode(str(rdf.claim_iri(resolver.claim(text))))
    if kind == "study":
        return ox.NamedNode(str(rdf.study_iri(resolver.study(text))))
    if kind == "design":
        return ox.NamedNode(str(rdf.design_iri(resolver.design(text))))
    if kind == "category":
        return ox.NamedNode(str(BIOLINK[resolver.category(text)]))
    if kind == "section":
        return ox.NamedNode(resolver.section(text))
    if kind == "prefix":
        prefix = converter().standardize_prefix(text.rstrip(":"))
        if prefix is None:
            raise UnknownEntityError(value, nearest(text, sorted(converter().prefix_map)),
                                     kind="identifier prefix")
        return ox.Literal(converter().prefix_map[prefix])
    if kind != "term":
        raise QueryError(f"parameter ?{name}: unknown kind {kind!r}")
    # an undeclared parameter: read the value by its form
    if text.startswith("<"):
        return _iri(text, name)
    if text.startswith('"'):
        return _literal(text, name)
    expanded = _expand_curie(text)
    if expanded is not None:
        return _named_node(expanded, name)
    number = _number_or_boolean(text)
    if number is not None:
        return number
    if resolver._project is not None or resolver._index is not None:
        try:
            return ox.NamedNode(str(rdf.entity_iri(resolver.entity(text))))
        except UnknownEntityError:
            pass
    return ox.Literal(value)


def bind_parameters(assignments: Iterable[str], text: str, *, declared: Sequence[Parameter] = (),
                    resolver: Resolver | None = None, strict: bool = False) -> dict[str, object]:
    """Turn ``name=value`` assignments into the substitutions of a query.

    Parameters
    ----------
    assignments : iterable of str
        ``name=value`` strings (``--param``).
    text : str
        The query, to check that each name is one of its variables.
    declared : sequence of Parameter, optional
        The parameters the query declares (default none: every value is read as a ``term``).
    resolver : Resolver, optional
        Resolves names (default None: none).
    strict : bool, optional
        Refuse names the query does not declare (default False; library queries use True).

    Returns
    -------
    dict of str to pyoxigraph term

    Raises
    ------
    QueryError
        A malformed assignment or value, a name given twice, a name that is not a variable of
        the query (or not declared, when strict), or a required parameter left out. Every problem
        is reported, one per line.
    UnknownEntityError
        If a name denotes no entity, claim, study, design or category.
    """

    kinds: Mapping[str, Parameter] = {p.name: p for p in declared}
    names_in_query = variables(text)
    problems, bound = [], {}
    for assignment in assignments:
        try:
            name, value = parse_assignment(assignment)
        except QueryError as error:
            problems.append(str(error))
            continue
        if name in bound:
            problems.append(f"parameter ?{name} is given twice")
        elif strict and name not in kinds:
            declared_names = ", ".join(f"?{p}" for p in kinds) or "none"
            problems.append(f"the query has no parameter ?{name}; its parameters: {declared_names}")
        elif name not in names_in_query:
            problems.append(f"parameter ?{name} is not a variable of the query")
        else:
            kind = kinds[name].kind if name in kinds else "term"
            bound[name] = parse_term(value, kind, name=name, resolver=resolver)
    for parameter in declared:
        if parameter.required and parameter.name not in bound and not problems:
            problems.append(f"the query needs --param {parameter.name}=... ({parameter.description or parameter.kind})")
    if problems:
        raise QueryError("\n".join(problems))
    return bound
