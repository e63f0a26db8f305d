"""Read SPARQL text without running it: tokens, the query form, variables, SERVICE calls.

A small lexer that follows the SPARQL 1.1 grammar's terminals (IRIs, strings, prefixed names,
variables, comments ...), so that a word inside a string, an IRI or a comment is never mistaken
for a keyword. The endpoint uses it to refuse updates and SERVICE calls before a query reaches the
store; the remote client uses it to bind parameters for servers that cannot take bindings (see
:func:`bind_text`). Nothing here evaluates a query: the store's parser stays the judge of syntax.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from graph.errors import QueryError

__all__ = [
    "MAX_NESTING",
    "MAX_TOKENS",
    "QUERY_FORMS",
    "QUERY_STACK_BYTES",
    "Token",
    "UPDATE_KEYWORDS",
    "bind_text",
    "check_size",
    "declare_prefixes",
    "explain_prefix_error",
    "is_update",
    "position",
    "projected_variables",
    "query_form",
    "tokenize",
    "undeclared_prefix",
    "uses_service",
    "variables",
]

#: the four read-only query forms
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: the first keyword of every SPARQL 1.1 Update operation
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")

#: brackets, braces and parentheses a query may nest: the store's parser recurses once per level
MAX_NESTING = 1000
#: terms, operators and punctuation a query may hold: long chains (``a || b || ...``, ``UNION``,
#: ``OPTIONAL``) recurse in the store's parser as deep nesting does
MAX_TOKENS = 100_000
#: the stack of a thread that runs a query: enough for any query within the two limits above
#: (pyoxigraph overflows a default 8 MiB stack, and the process dies, at ~2,200 nested braces or
#: ~7,000 chained operators)
QUERY_STACK_BYTES = 128 * 1024 * 1024

_PN_CHARS_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF"
                  "\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD"
                  "\U00010000-\U000EFFFF")
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})"
             f"(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?")
_ECHAR = r"\\[tbnrf\\\"']"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_VARNAME = f"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*"

# Order matters: longer and more specific terminals first (an IRI before "<", a prefixed name
# before a keyword, a long string before a short one).
_TOKEN_PATTERNS = (
    ("ws", r"[ \t\r\n]+"),
    ("comment", r"#[^\r\n]*"),
    ("iri", f"<(?:[^<>\"{{}}|^`\\\\\x00-\x20]|{_UCHAR})*>"),
    ("string", f"'''(?:(?:'|'')?(?:[^'\\\\]|{_ECHAR}|{_UCHAR}))*'''"),
    ("string", f'"""(?:(?:"|"")?(?:[^"\\\\]|{_ECHAR}|{_UCHAR}))*"""'),
    ("string", f"'(?:[^'\\\\\\n\\r]|{_ECHAR}|{_UCHAR})*'"),
    ("string", f'"(?:[^"\\\\\\n\\r]|{_ECHAR}|{_UCHAR})*"'),
    ("var", f"[?$]{_VARNAME}"),
    ("bnode", f"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"),
    ("pname", f"(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?"),
    ("langtag", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
    ("number", r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"),
    ("word", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("punct", r"\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.*+\-/!=<>|^?@$]"),
)
_LEXER = re.compile("|".join(f"(?P<t{i}>{pattern})" for i, (_, pattern) in enumerate(_TOKEN_PATTERNS)))
_KINDS = {f"t{i}": kind for i, (kind, _) in enumerate(_TOKEN_PATTERNS)}
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class Token:
    """One lexical token: its kind, its text and where it starts in the query."""

    kind: str
    text: str
    start: int

    @property
    def keyword(self) -> str | None:
        """The upper-cased word if this token is a bare word (a keyword), else None."""
        return self.text.upper() if self.kind == "word" else None


def tokenize(text: str) -> list[Token]:
    """Split SPARQL text into tokens; a character no terminal matches becomes an ``error`` token.

    Examples
    --------
    >>> [(t.kind, t.text) for t in tokenize('SELECT ?s { ?s a "SERVICE" } # SERVICE') if t.kind != "ws"]
    [('word', 'SELECT'), ('var', '?s'), ('punct', '{'), ('var', '?s'), ('word', 'a'), ('string', '"SERVICE"'), ('punct', '}'), ('comment', '# SERVICE')]
    """
    tokens, offset = [], 0
    while offset < len(text):
        match = _LEXER.match(text, offset)
        if match is None or match.end() == offset:
            tokens.append(Token("error", text[offset], offset))
            offset += 1
            continue
        tokens.append(Token(_KINDS[match.lastgroup], match.group(), offset))
        offset = match.end()
    return tokens


def check_size(text: str, *, max_nesting: int = MAX_NESTING, max_tokens: int = MAX_TOKENS) -> None:
    """Refuse a query nested deeper or longer than a store can parse without running out of stack.

    Decided over every way a parser may read the text, not over one tokenisation: SPARQL's ``<``
    opens an IRI where a term is expected and is less-than after an operand, so
    ``FILTER(1<?x&&((...))>0)`` is one IRI to a lexer and an expression nested without bound to
    the store (whose parser then overflows its stack and kills the process). Every ``<`` that
    could open an IRI is read both ways, and the deepest nesting and the most tokens of any
    reading count (``<`` is the only terminal of SPARQL's grammar that depends on the context;
    strings, comments and escapes do not).

    Raises
    ------
    QueryError
        Naming the line and column where the query passes a limit.

    Examples
    --------
    >>> check_size("SELECT * { ?s ?p ?o }")
    >>> check_size("ASK " + "{" * 5 + "}" * 5, max_nesting=3)
    Traceback (most recent call last):
    ...
    graph.errors.QueryError: malformed query at line 1, column 8: nested more than 3 deep (brackets, braces and parentheses)
    >>> check_size("ASK { FILTER(1<?x&&((((?y))))>0) }", max_nesting=4)
    Traceback (most recent call last):
    ...
    graph.errors.QueryError: malformed query at line 1, column 22: nested more than 4 deep (brackets, braces and parentheses)
    """
    import bisect
    import heapq

    line_ends = [m.start() for m in re.finditer(r"[\r\n]", text)] + [len(text)]
    reached = {0: (0, 0)}  # offset of a token's start -> (deepest nesting, most tokens) of a reading there
    pending = [0]
    while pending:
        offset = heapq.heappop(pending)
        if offset not in reached:
            continue  # already read from
        depth, count = reached.pop(offset)
        if offset >= len(text):
            continue
        if text[offset] == "#":  # a comment, to the end of its line (found without scanning it again)
            steps = [(line_ends[bisect.bisect_left(line_ends, offset)], "comment", "#")]
        elif (match := _LEXER.match(text, offset)) is None or match.end() == offset:
            steps = [(offset + 1, "error", text[offset])]
        else:
            steps = [(match.end(), _KINDS[match.lastgroup], match.group())]
            if steps[0][1] == "iri":  # or less-than (or less-or-equal) before an operand
                operator = "<=" if text.startswith("<=", offset) else "<"
                steps.append((offset + len(operator), "punct", operator))
        for end, kind, token in steps:
            next_depth, next_count = depth, count
            if kind not in ("ws", "comment"):
                next_count += 1
                if next_count > max_tokens:
                    line, column = position(text, offset)
                    raise QueryError(f"malformed query at line {line}, column {column}: more than {max_tokens} "
                                     "terms, operators and punctuation; split the query")
                if token in ("(", "{", "["):
                    next_depth += 1
                    if next_depth > max_nesting:
                        line, column = position(text, offset)
                        raise QueryError(f"malformed query at line {line}, column {column}: nested more than "
                                         f"{max_nesting} deep (brackets, braces and parentheses)")
                elif token in (")", "}", "]"):
                    next_depth -= 1
            if end in reached:
                known_depth, known_count = reached[end]
                reached[end] = (max(known_depth, next_depth), max(known_count, next_count))
            else:
                reached[end] = (next_depth, next_count)
                heapq.heappush(pending, end)


def _significant(tokens: list[Token]) -> list[Token]:
    return [t for t in tokens if t.kind not in ("ws", "comment")]


def position(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based (line, column) of a character offset.

    >>> position("SELECT\\n  ?x", 9)
    (2, 3)
    """
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def query_form(text: str) -> str | None:
    """Return the first keyword after the prologue: SELECT, ASK, CONSTRUCT, DESCRIBE, an update
    keyword such as INSERT, or None when there is none.

    >>> query_form("PREFIX ex: <http://e/> # comment\\nconstruct { ?s ?p ?o } WHERE { ?s ?p ?o }")
    'CONSTRUCT'
    >>> query_form("DROP ALL")
    'DROP'
    """
    tokens = _significant(tokenize(text))
    i = 0
    while i < len(tokens):
        keyword = tokens[i].keyword
        if keyword == "BASE":
            i += 2
        elif keyword == "PREFIX":
            i += 3
        else:
            return keyword
    return None


def is_update(text: str) -> bool:
    """Return True if the text is a SPARQL Update request (INSERT, DELETE, LOAD, DROP ...).

    >>> is_update("INSERT DATA { <a:b> <a:c> <a:d> }"), is_update("SELECT * { ?s ?p ?o }")
    (True, False)
    """
    return query_form(text) in UPDATE_KEYWORDS


def _unescape_codepoints(text: str) -> str:
    return _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _readings(text: str) -> list[str]:
    """The text as written and with ``\\uXXXX`` escapes decoded (once, twice, three times)."""
    readings = [text]
    for _ in range(3):
        decoded = _unescape_codepoints(readings[-1])
        if decoded == readings[-1]:
            break
        readings.append(decoded)
    return readings


def _parse_names(text: str) -> set[str]:
    """Return the names of every node of the parse tree of a SPARQL 1.1 query (rdflib's parser).

    Raises whatever rdflib's parser raises on text it does not read as one SPARQL 1.1 query.
    """
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    names: set[str] = set()
    stack = [parseQuery(text)]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            names.add(node.name)
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)) or hasattr(node, "asList"):
            stack.extend(node)
    return names


def uses_service(text: str) -> bool:
    """Return True if the query calls, or may call, a SERVICE (a federated query to another endpoint).

    Decided on the parsed query, not on tokens: SPARQL's ``<`` is an IRI in one place and
    less-than in another, so no lexer alone can tell ``FILTER(1<2)SERVICE?x#>`` (a call) from
    an IRI. The answer errs on the side of a call:

    - no reading of the text (as written, or with ``\\uXXXX`` escapes decoded) holds the letters
      ``service`` in any case: no SERVICE keyword can be there, False;
    - a SERVICE keyword token in any reading: True;
    - otherwise the query is parsed by a SPARQL 1.1 parser (rdflib's) and True unless it parses
      and its tree holds no ``SERVICE`` pattern; text the parser cannot read (a syntax error, or
      an extension such as ``LATERAL``) counts as a call, as it cannot be ruled out.

    >>> uses_service("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    True
    >>> uses_service('SELECT * { ?s <http://e/service> "SERVICE" } # SERVICE')
    False
    >>> uses_service("SELECT * { VALUES ?x { <http://e/> } FILTER(1<2)SERVICE?x#>\\n{ ?s ?p ?o } }")
    True
    """
    readings = _readings(text)
    if not any("service" in reading.casefold() for reading in readings):
        return False
    if any(t.keyword == "SERVICE" for reading in readings for t in tokenize(reading)):
        return True
    try:
        return "ServiceGraphPattern" in _parse_names(text)
    except Exception:  # noqa: BLE001 - any failure to parse leaves the call possible
        return True


def undeclared_prefix(text: str, known: Mapping[str, str] | None = None) -> Token | None:
    """Return the first prefixed name whose prefix the query neither declares nor may assume.

    ``known`` holds the prefixes usable without a declaration (the project's). Used to explain a
    store's "prefix not found" syntax error in words a user can act on.

    >>> undeclared_prefix("PREFIX ex: <http://e/> SELECT * { ?s ex:p ?o ; nope:q 'a:b' }").text
    'nope:q'
    >>> undeclared_prefix("SELECT * { ?s rdfs:label ?o }", {"rdfs": "http://www.w3.org/2000/01/rdf-schema#"}) is None
    True
    """
    tokens = _significant(tokenize(text))
    declared = {tokens[i + 1].text[:-1] for i, t in enumerate(tokens[:-1])
                if t.keyword == "PREFIX" and tokens[i + 1].kind == "pname"}
    allowed = declared | set(known or ())
    for i, token in enumerate(tokens):
        if token.kind != "pname" or (i > 0 and tokens[i - 1].keyword == "PREFIX"):
            continue
        if token.text.split(":", 1)[0] not in allowed:
            return token
    return None


def explain_prefix_error(error: QueryError, text: str, known: Mapping[str, str],
                         source: str | None = None) -> QueryError:
    """Return ``error``, or a plainer one when the store's parser only says "Prefix not found".

    pyoxigraph reports an undeclared prefix as a list of the characters it expected; this names
    the prefix, where it is, and the prefixes the project declares for every query.

    >>> explain_prefix_error(QueryError("malformed query at line 1, column 15: expected one of "
    ...     "Prefix not found, ['%']"), "ASK { ?s nope:p ?o }", {"rdfs": "http://e/"})
    QueryError("malformed query at line 1, column 10: unknown prefix 'nope:' in nope:p; declare it (PREFIX nope: <IRI>) or use one of the project's: rdfs")
    """
    if "Prefix not found" not in str(error):
        return error
    token = undeclared_prefix(text, known)
    if token is None:
        return error
    line, column = position(text, token.start)
    prefix = token.text.split(":", 1)[0]
    where = f"{source}: " if source else ""
    return QueryError(f"{where}malformed query at line {line}, column {column}: unknown prefix "
                      f"'{prefix}:' in {token.text}; declare it (PREFIX {prefix}: <IRI>) or use one of "
                      f"the project's: {', '.join(sorted(known))}")


def variables(text: str) -> set[str]:
    """Return the names of every variable the query mentions (without ``?`` or ``$``).

    >>> sorted(variables('SELECT ?a { ?a <http://e/p> $b FILTER(?c != "?d") }'))
    ['a', 'b', 'c']
    """
    return {t.text[1:] for t in tokenize(text) if t.kind == "var"}


def projected_variables(text: str) -> set[str] | None:
    """Return the variables a SELECT query projects at its top level, or None for ``SELECT *``
    and for other forms.

    >>> sorted(projected_variables("SELECT ?a (COUNT(?b) AS ?n) WHERE { ?a ?p ?b } GROUP BY ?a"))
    ['a', 'n']
    >>> projected_variables("SELECT * { ?s ?p ?o }") is None
    True
    """
    tokens = _significant(tokenize(text))
    try:
        start = next(i for i, t in enumerate(tokens) if t.keyword == "SELECT")
    except StopIteration:
        return None
    names, depth = set(), 0
    for i, token in enumerate(tokens[start + 1:], start + 1):
        if depth == 0 and (token.keyword in ("WHERE", "FROM") or token.text == "{"):
            break
        if token.text == "*" and depth == 0:
            return None
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif token.kind == "var" and (depth == 0 or tokens[i - 1].keyword == "AS"):
            names.add(token.text[1:])
    return names


def _term_text(name: str, term) -> str:
    """Return the SPARQL text of an RDF term, refusing what a server could read two ways."""
    text = str(term)  # N-Triples syntax written by pyoxigraph: quotes and newlines escaped
    if type(term).__name__ == "Literal" and re.search(r"\\[uU]", text):
        raise QueryError(f"parameter ?{name}: a value with a backslash before 'u' cannot be sent to "
                         "an endpoint (servers may read it as a \\u escape)")
    if type(term).__name__ == "BlankNode":
        raise QueryError(f"parameter ?{name}: a blank node cannot be bound")
    return text


def bind_text(text: str, bindings: Mapping[str, object]) -> str:
    """Return the query with each bound variable replaced by its RDF term, for a remote endpoint.

    The embedded store binds parameters through pyoxigraph's ``substitutions=``; a SPARQL 1.1
    server has no protocol for bindings, so the client rewrites the query the way SPARQL's
    substitution proposal (SEP-0007) defines it: a variable token becomes the term, written in
    N-Triples syntax by pyoxigraph (a literal's quotes are escaped, an IRI was validated when it
    was made), so a value can never close a brace or a string. Positions where a bare term is not
    allowed are adjusted: ``SELECT ?x`` becomes ``SELECT (term AS ?x)``, ``GROUP BY ?x`` and
    ``ORDER BY ?x`` become ``(term)``. A variable that the query assigns (``AS ?x``, ``VALUES
    ?x``) cannot be bound.

    Parameters
    ----------
    text : str
        The query.
    bindings : mapping of str to pyoxigraph term
        Variable names (without ``?``) and their values.

    Returns
    -------
    str
        The query with the values in place; the text is unchanged when nothing is bound.

    Raises
    ------
    QueryError
        If a bound variable is assigned by the query, or a value cannot be written safely.

    Examples
    --------
    >>> from pyoxigraph import Literal, NamedNode
    >>> bind_text('SELECT ?x ?y WHERE { ?x <http://e/p> ?y }', {"y": Literal('a" } DROP ALL #')})
    'SELECT ?x ("a\\\\" } DROP ALL #" AS ?y) WHERE { ?x <http://e/p> "a\\\\" } DROP ALL #" }'
    """
    if not bindings:
        return text
    terms = {name: _term_text(name, term) for name, term in bindings.items()}
    tokens = tokenize(text)
    out: list[str] = []
    previous: list[Token] = []  # significant tokens so far
    depth = 0
    projection_depth: int | None = None  # paren depth of an open SELECT clause
    modifier_depth: int | None = None  # paren depth of an open GROUP BY / ORDER BY clause
    in_values = False
    for token in tokens:
        keyword = token.keyword
        if token.kind in ("ws", "comment"):
            out.append(token.text)
            continue
        if keyword == "SELECT":
            projection_depth = depth
        elif projection_depth == depth and (keyword in ("WHERE", "FROM") or token.text == "{"):
            projection_depth = None
        if keyword == "BY" and previous and previous[-1].keyword in ("GROUP", "ORDER"):
            modifier_depth = depth
        elif modifier_depth == depth and (keyword in ("LIMIT", "OFFSET", "HAVING", "ORDER", "VALUES", "GROUP")
                                          or token.text in ("{", "}")):
            modifier_depth = None
        if keyword == "VALUES":
            in_values = True
        elif in_values and token.text == "{":
            in_values = False
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        if token.kind == "iri":  # ``1<?x&&?y>0``: an IRI here, less-than and variables to a parser
            hidden = {t.text[1:] for t in tokenize(token.text[1:-1]) if t.kind == "var"} & set(terms)
            if hidden:
                line, column = position(text, token.start)
                raise QueryError(f"parameter ?{min(hidden)} cannot be bound: at line {line}, column {column} "
                                 f"{token.text} reads as an IRI or as '<' before ?{min(hidden)}; put a space "
                                 "after a '<' that means less-than")
        name = token.text[1:] if token.kind == "var" else None
        if name in terms:
            line, column = position(text, token.start)
            if previous and previous[-1].keyword == "AS":
                raise QueryError(f"parameter ?{name} cannot be bound: the query assigns it "
                                 f"(AS ?{name} at line {line}, column {column})")
            if in_values:
                raise QueryError(f"parameter ?{name} cannot be bound: the query lists its values "
                                 f"(VALUES at line {line}, column {column})")
            if projection_depth == depth:
                out.append(f"({terms[name]} AS {token.text})")
            elif modifier_depth == depth:
                out.append(f"({terms[name]})")
            else:
                out.append(terms[name])
        else:
            out.append(token.text)
        previous.append(token)
    return "".join(out)


def declare_prefixes(text: str, prefixes: Mapping[str, str]) -> str:
    """Return the query with a PREFIX declaration for each known prefix it uses but does not declare.

    For servers that know no prefixes of their own; the declarations go first, so positions in
    the server's error messages move down by as many lines.

    >>> declare_prefixes("SELECT * { ?s rdfs:label ?o ; ex:p ?x }", {"rdfs": "http://www.w3.org/2000/01/rdf-schema#"})
    'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\\nSELECT * { ?s rdfs:label ?o ; ex:p ?x }'
    >>> declare_prefixes("PREFIX rdfs: <http://e/> ASK { ?s rdfs:label ?o }", {"rdfs": "http://x/"})
    'PREFIX rdfs: <http://e/> ASK { ?s rdfs:label ?o }'
    """
    import pyoxigraph as ox

    tokens = _significant(tokenize(text))
    declared = {tokens[i + 1].text[:-1] for i, t in enumerate(tokens[:-1])
                if t.keyword == "PREFIX" and tokens[i + 1].kind == "pname"}
    used = {t.text.split(":", 1)[0] for t in tokens if t.kind == "pname"}
    missing = sorted((used - declared) & set(prefixes))
    lines = [f"PREFIX {name}: {ox.NamedNode(prefixes[name])}\n" for name in missing]
    return "".join(lines) + text
