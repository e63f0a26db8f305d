"""The lookup index: an SQLite file derived from the RDF graph at build, read by every command.

Deriving it from RDF (not from the YAML records) keeps RDF the single truth: whatever is in the
graph, including imported Turtle, is what lookups, paths and the HTML see. Reading it needs only
``sqlite3`` and ``json``: no RDF or YAML parsing on a lookup.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.errors import CacheError, UnknownEntityError
from graph.model.names import RANK_XREF, fold, match_name, name_keys, nearest, similar
from graph.model.vocab import HIERARCHY, SIGN_ORDER

__all__ = ["INDEX_FORMAT", "Index", "write_index_from_ntriples"]

#: the shape of the records in the index; a build made with another is refused (rebuild it)
INDEX_FORMAT = 8

_SCHEMA = """
CREATE TABLE entities (id TEXT PRIMARY KEY, label TEXT NOT NULL, category TEXT, data TEXT NOT NULL,
                       exported TEXT NOT NULL);
CREATE TABLE names (key TEXT NOT NULL, name TEXT NOT NULL, entity TEXT NOT NULL, rank INTEGER NOT NULL);
CREATE TABLE claims (id TEXT PRIMARY KEY, subject TEXT NOT NULL, object TEXT NOT NULL,
                     sign INTEGER NOT NULL, data TEXT NOT NULL, exported TEXT NOT NULL);
CREATE TABLE degrees (id TEXT PRIMARY KEY, subject INTEGER NOT NULL, object INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE studies (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE documents (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
#: the secondary indexes, made once the rows are in (one sort each, not a B-tree insert per row)
_INDEXES = """
CREATE INDEX names_key ON names (key);
CREATE INDEX claims_subject ON claims (subject, object, sign);
CREATE INDEX claims_object ON claims (object, subject, sign);
"""
#: a new index file is written in a staging folder and published whole (a crash leaves nothing
#: anyone reads), so it needs no rollback journal and no sync before the end
_WRITING = "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"

#: how many claims each id is the subject and the object of, counted once at build: a path search
#: weighs thousands of entities' claims without reading them (a hub's count scanned its claims)
_DEGREES = """
INSERT INTO degrees SELECT id, SUM(out), SUM(in_) FROM (
  SELECT subject AS id, 1 AS out, 0 AS in_ FROM claims UNION ALL SELECT object, 0, 1 FROM claims)
GROUP BY id;
"""


#: a set of distinct signs as one character of an adjacency row: a bit per sign, in SIGN_ORDER
_SIGN_BIT = {sign: 1 << order for sign, order in SIGN_ORDER.items()}
#: each character back to its signs, in SIGN_ORDER (up, none, down, variable)
_SIGN_CODES = {chr(64 + mask): tuple(sign for sign in sorted(SIGN_ORDER, key=SIGN_ORDER.__getitem__)
                                     if mask & _SIGN_BIT[sign]) for mask in range(1, 16)}


#: one row per entity and direction for path searches (see :func:`_write_adjacency`)
_ADJACENCY = """
CREATE TABLE adjacency (id TEXT NOT NULL, role TEXT NOT NULL, neighbours TEXT NOT NULL, signs TEXT NOT NULL,
                        widths BLOB NOT NULL, PRIMARY KEY (id, role)) WITHOUT ROWID;
"""


def _widths(values) -> bytes:
    """Some counts as a packed array of unsigned 32-bit integers, little-endian (see :func:`_counts`)."""
    found = array("I", values)
    if sys.byteorder != "little":
        found.byteswap()
    return found.tobytes()


def _counts(packed: bytes) -> array:
    """The counts :func:`_widths` packed."""
    found = array("I")
    found.frombytes(packed)
    if sys.byteorder != "little":
        found.byteswap()
    return found


def _write_adjacency(connection: sqlite3.Connection) -> None:
    """Write one ``adjacency`` row per (entity, role): its neighbours on that side, sorted and
    tab-joined (ids come from IRIs, which hold no whitespace), one character per neighbour for
    the distinct signs of the claims between them (see :data:`_SIGN_CODES`), and each neighbour's
    own number of neighbours on that side (:func:`_widths`), so a search reads one row per entity
    it reaches, decodes it with ``split`` and ``zip``, and knows how far each next entity would
    take it without counting. Read from the (subject, object, sign) and (object, subject, sign)
    indexes."""
    from itertools import groupby

    connection.executescript(_ADJACENCY)
    bit = _SIGN_BIT
    for role, other in (("subject", "object"), ("object", "subject")):
        query = f"SELECT {role}, COUNT(DISTINCT {other}) FROM claims GROUP BY {role}"  # columns from a fixed set
        width = dict(connection.execute(query)).get
        rows = connection.execute(
            f"SELECT {role}, {other}, sign FROM claims ORDER BY {role}, {other}")  # columns from a fixed set
        packed = []
        for node, claims in groupby(rows, key=lambda row: row[0]):
            neighbours, signs = [], []
            for neighbour, pairs in groupby(claims, key=lambda row: row[1]):
                mask = 0
                for _node, _other, sign in pairs:
                    mask |= bit.get(sign, 0)  # a sign hkg does not know fails where a search reads it
                neighbours.append(neighbour)
                signs.append(chr(64 + mask))
            packed.append((node, role, "\t".join(neighbours), "".join(signs),
                           _widths(width(neighbour, 0) for neighbour in neighbours)))
            if len(packed) >= 20_000:
                connection.executemany("INSERT INTO adjacency VALUES (?, ?, ?, ?, ?)", packed)
                packed = []
        connection.executemany("INSERT INTO adjacency VALUES (?, ?, ?, ?, ?)", packed)


#: each claim's fields a route's steps show, as plain columns keyed by (subject, object): a search
#: reads the claims of its complete routes' steps without SQLite parsing each record's JSON (three
#: times, once per field) or a lookup from the claims index into the table; citations as
#: ``[study, basis, relation]`` triples, context as JSON (NULL for none)
_CLAIM_EDGES = """
CREATE TABLE claim_edges (subject TEXT NOT NULL, object TEXT NOT NULL, claim TEXT NOT NULL, sign NOT NULL,
                          certainty TEXT, context TEXT, citations TEXT,
                          PRIMARY KEY (subject, object, claim)) WITHOUT ROWID;
INSERT INTO claim_edges SELECT subject, object, id, sign, json_extract(data, '$.certainty'),
    NULLIF(json_extract(data, '$.context'), '{}'),
    NULLIF((SELECT json_group_array(json_array(json_extract(value, '$.study'), json_extract(value, '$.basis'),
                                               json_extract(value, '$.relation')))
            FROM json_each(data, '$.citations')), '[]')
  FROM claims ORDER BY subject, object, id;
"""


def _write_claim_edges(connection: sqlite3.Connection) -> None:
    """Write the ``claim_edges`` table (:data:`_CLAIM_EDGES`) from the claims table."""
    connection.executescript(_CLAIM_EDGES)


def _local(node, namespace: str, converter) -> str:
    text = str(node)
    if text.startswith(namespace):
        return text[len(namespace):]
    try:
        return converter.compress(text) or text
    except Exception:  # a URI no prefix covers stays a URI
        return text


def _sign(value) -> int | str:
    """A claim's sign as stored: +1, -1, 0 or "variable" (0 when missing)."""
    if value is None:
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


def _links(links) -> list[dict[str, Any]]:
    """A claim's study links, supporting first, then document before curator, then by study."""
    return sorted(links, key=lambda l: (l["relation"] != "supports", l["basis"] != "document", l["study"]))


def _hierarchy(pairs) -> dict[str, list[str]]:
    """``{relation: [broader entity ids]}`` for every hierarchy relation (empty lists included)."""

    found: dict[str, list[str]] = {key: [] for key in HIERARCHY}
    for key, other in pairs:
        found[key].append(other)
    return {key: sorted(values) for key, values in found.items()}


def _narrower(pairs) -> list[dict[str, str]]:
    """The entities that point at this one (its members, subclasses, products), sorted."""
    return [{"relation": key, "entity": other} for key, other in sorted(set(pairs), key=lambda p: (p[1], p[0]))]


#: ``json.loads`` for the JSON this index writes (``json.dumps``: no whitespace around it), without
#: its two whitespace scans and two Python calls per value: a fifth of reading every claim
_decode = json.JSONDecoder().raw_decode

#: the fields of the claims the signed view needs, picked out of each record by SQLite (so quotes
#: and other evidence are never decoded); a WHERE and an ORDER BY follow
_EDGE_QUERY = ("SELECT id, subject, object, sign, json_extract(data, '$.context'), json_extract(data, '$.certainty'), "
               "json_extract(data, '$.citations') FROM claims ")
#: the claims from one subject to one object, undecoded (:meth:`Index.claim_edge_rows_between`)
_EDGES_BETWEEN = ("SELECT claim, subject, object, sign, context, certainty, citations FROM claim_edges "
                  "WHERE subject = ? AND object = ?")
#: the most SELECTs joined by UNION ALL in one statement (SQLite allows 500)
_UNION_MOST = 250


@dataclass
class Index:
    """Read-only access to a build's lookup index; ``root`` is the project it was built from
    (its documents are read there to show table quotes with their columns; None: not shown)."""

    path: Path
    root: Path | None = None

    def __post_init__(self):
        uri = f"file:{Path(self.path).resolve()}?mode=ro&immutable=1"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        found = self._db.execute("SELECT value FROM meta WHERE key = 'index_format'").fetchone()
        if found is None or json.loads(found[0]) != INDEX_FORMAT:
            self._db.close()
            raise CacheError(f"the build in {Path(self.path).parent} was made by another version of hkg; "
                             "run `hkg build` again")

    def close(self) -> None:
        """Close the database (and the adjacency file, if it was mapped)."""
        self._db.close()
        mapped = self.__dict__.pop("_adjacency", None)
        if mapped is not None:
            mapped.close()

    def adjacency(self):
        """The build's adjacency file, memory-mapped (:mod:`graph.cache.adjacency`; None when
        there is none), for the compiled route search."""
        if "_adjacency" not in self.__dict__:
            from graph.cache.adjacency import adjacency_path, open_adjacency

            self._adjacency = open_adjacency(adjacency_path(self.path))
        return self._adjacency

    # --- entities -----------------------------------------------------------------------

    def entity(self, entity_id: str) -> dict[str, Any]:
        """Return an entity record by exact id."""
        found = self.find_entity(entity_id)
        if found is None:
            raise UnknownEntityError(entity_id, self.suggest(entity_id))
        return found

    def find_entity(self, entity_id: str) -> dict[str, Any] | None:
        """Return an entity record by exact id, or None (no suggestions looked for)."""
        row = self._db.execute("SELECT data FROM entities WHERE id = ?", (entity_id,)).fetchone()
        return None if row is None else json.loads(row[0])

    def entities(self) -> Iterator[dict[str, Any]]:
        """Yield every entity record, sorted by id."""
        for (data,) in self._db.execute("SELECT data FROM entities ORDER BY id"):
            yield json.loads(data)

    def resolve(self, name: str) -> str:
        """Return the id of the entity a name denotes: an id, CURIE, IRI, label, synonym or
        identifier (``HGNC:11892``, ``UniProtKB:P01375``).

        Case, Greek letters (their names, or b / a / g / d / k for beta ... kappa), spaces and
        punctuation are folded (see :func:`match_name`).

        :raises UnknownEntityError: with the closest names as suggestions, or the candidates
            when the name is ambiguous.
        """
        found = match_name(self._db, name)
        if len(found) == 1:
            return found[0]
        if found:
            raise UnknownEntityError(name, found, kind="ambiguous entity")
        raise UnknownEntityError(name, self.suggest(name))

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Return the names closest to ``name``: an entity's label, and the synonym that came
        close in brackets when it is not the label (see :func:`graph.model.names.similar`)."""
        rows = self._db.execute("SELECT key, name, entity FROM names WHERE rank != ?", (RANK_XREF,))
        labels = dict(self._db.execute("SELECT id, label FROM entities"))
        found = []
        for entity, close in similar(name, rows, limit=limit):
            label = labels.get(entity, entity)
            found.append(label if fold(close) in (fold(label), fold(entity)) else f"{label} ({close})")
        return found

    # --- claims, studies ----------------------------------------------------------------

    def claims(self) -> Iterator[dict[str, Any]]:
        """Yield every claim record, sorted by id."""
        for (data,) in self._db.execute("SELECT data FROM claims ORDER BY id"):
            yield json.loads(data)

    def exported_entities(self) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Yield ``(record, exported)`` for every entity, sorted by id: ``exported`` holds what
        only the exports read (``categories``: every category IRI)."""
        decode = _decode
        for data, exported in self._db.execute("SELECT data, exported FROM entities ORDER BY id"):
            yield decode(data)[0], decode(exported)[0]

    def exported_claims(self) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Yield ``(record, exported)`` for every claim, sorted by id: ``exported`` holds what only
        the exports read, where it is not the usual (absent: the claim's IRI in the project's
        namespace, ``biolink:affects``, the one quote of the record, no publications, no
        anatomical context, the document in the project's namespace): the claim's ``iri``, the
        association's ``predicate`` IRI (None: none), every ``supporting_text``, the IRIs of the
        ``publications`` the document cites, the ``anatomical_context`` entities, the IRI of the
        ``document`` quoted."""
        decode = _decode
        for data, exported in self._db.execute("SELECT data, exported FROM claims ORDER BY id"):
            yield decode(data)[0], decode(exported)[0]

    def claim_count(self) -> int:
        """Return how many claims the graph holds (imported ones included)."""
        return self._db.execute("SELECT COUNT(*) FROM claims").fetchone()[0]

    def most_connected(self, limit: int) -> list[str]:
        """Return the ids of the ``limit`` entities with the most claims (in and out), most first,
        ties by id: read from the degrees table, so no claim is decoded."""
        return [row[0] for row in self._db.execute(
            "SELECT id FROM degrees ORDER BY subject + object DESC, id LIMIT ?", (limit,))]

    def claims_among(self, entity_ids: list[str]) -> Iterator[dict[str, Any]]:
        """Yield every claim record whose subject and object are both among ``entity_ids``, by id."""
        among = json.dumps(list(entity_ids))
        query = ("SELECT data FROM claims WHERE subject IN (SELECT value FROM json_each(?)) "
                 "AND object IN (SELECT value FROM json_each(?)) ORDER BY id")
        for (data,) in self._db.execute(query, (among, among)):
            yield json.loads(data)

    def claim_edge_rows_between(self, pairs: list[tuple[str, str]]) -> list[tuple]:
        """Return the claims from each subject to its object of some (subject, object) pairs, by
        claim id, undecoded, from the ``claim_edges`` table written at build: ``(claim, subject,
        object, sign, context, certainty, citations)``, the context as JSON text and the
        citations as a JSON list of ``[study, basis, relation]`` (None when there are none), for a
        caller that makes its own records of them in one step."""
        pairs, rows = list(dict.fromkeys(pairs)), []  # each pair once
        for start in range(0, len(pairs), _UNION_MOST):  # one primary-key seek per pair (an OR of the
            chunk = pairs[start:start + _UNION_MOST]  # pairs costs SQLite a set of keys and a second seek)
            rows += self._db.execute(" UNION ALL ".join([_EDGES_BETWEEN] * len(chunk)),
                                     [value for pair in chunk for value in pair]).fetchall()
        rows.sort()  # by claim id (unique): cheaper here than SQLite's temporary B-tree for the ORDER BY
        return rows

    def claim_edges(self, *, subject: str | None = None, object: str | None = None) -> Iterator[dict[str, Any]]:
        """Yield every claim (or those of one subject or object) as the signed view needs it,
        sorted by id: ``claim``, ``subject``, ``object``, ``sign``, ``context``, ``certainty`` and
        ``citations`` only.

        SQLite picks the fields out of each record, so quotes and other evidence are never
        decoded: at 10⁵ claims this reads in a third of the time of :meth:`claims`. One
        entity's claims are read through the subject and object indexes.
        """
        where, values = [], []
        for column, value in (("subject", subject), ("object", object)):  # columns from a fixed set
            if value is not None:
                where.append(f"{column} = ?")
                values.append(value)
        yield from self._edges(f"WHERE {' AND '.join(where)} " if where else "", values)

    def _edges(self, where: str, values: list[str]) -> Iterator[dict[str, Any]]:
        for claim, subject, obj, sign, context, certainty, citations in self._db.execute(
                _EDGE_QUERY + where + "ORDER BY id", values):
            yield {"claim": claim, "subject": subject, "object": obj, "sign": sign,
                   "context": json.loads(context) if context and context != "{}" else {},
                   "certainty": certainty,
                   "citations": json.loads(citations) if citations and citations != "[]" else ()}

    def adjacency_rows(self, role: str, entity_ids: list[str]) -> list[tuple[str, list[str], str, array]]:
        """Return ``(entity, neighbours, sign codes, widths)`` for those of some entities that are
        the ``role`` ("subject" or "object") of any claim: the packed adjacency row written at
        build, its neighbours in id order, one :data:`_SIGN_CODES` character each (decode with
        :meth:`sign_codes`) and each neighbour's own number of neighbours on that side (keep the
        list to a few hundred)."""
        column = {"subject": "subject", "object": "object"}[role]
        marks = ",".join("?" * len(entity_ids))
        query = f"SELECT id, neighbours, signs, widths FROM adjacency WHERE role = ? AND id IN ({marks})"
        return [(node, neighbours.split("\t"), signs, _counts(widths))
                for node, neighbours, signs, widths in self._db.execute(query, [column, *entity_ids])]

    @staticmethod
    def sign_codes() -> dict[str, tuple]:
        """Each character of an adjacency row's sign codes to its distinct signs, in SIGN_ORDER."""
        return _SIGN_CODES

    def neighbour_counts(self, role: str, entity_ids: list[str]) -> list[tuple[str, int]]:
        """Return ``(entity, distinct neighbours)`` for those of some entities that are the ``role``
        of any claim, read from the length of their adjacency rows (one query; a few hundred ids)."""
        column = {"subject": "subject", "object": "object"}[role]
        marks = ",".join("?" * len(entity_ids))
        query = f"SELECT id, length(signs) FROM adjacency WHERE role = ? AND id IN ({marks})"
        return self._db.execute(query, [column, *entity_ids]).fetchall()

    def count_claims_of(self, role: str, entity_id: str) -> int:
        """Return how many claims have an entity as their ``role`` ("subject" or "object"),
        counted at build (one row read, however many claims)."""
        column = {"subject": "subject", "object": "object"}[role]
        query = f"SELECT {column} FROM degrees WHERE id = ?"  # column from a fixed set
        found = self._db.execute(query, (entity_id,)).fetchone()
        return found[0] if found else 0

    def claim(self, claim_id: str) -> dict[str, Any]:
        """Return a claim by id (``claim:`` prefix allowed)."""
        key = claim_id.split(":", 1)[1] if claim_id.startswith("claim:") else claim_id
        row = self._db.execute("SELECT data FROM claims WHERE id = ?", (key,)).fetchone()
        if row is None:
            ids = [r[0] for r in self._db.execute("SELECT id FROM claims")]
            raise UnknownEntityError(claim_id, nearest(key, ids), kind="claim")
        return json.loads(row[0])

    def claims_of(self, entity_id: str, role: str) -> list[dict[str, Any]]:
        """Return the claims whose ``role`` ("subject" or "object") is an entity."""
        column = {"subject": "subject", "object": "object"}[role]
        query = f"SELECT data FROM claims WHERE {column} = ? ORDER BY id"  # column from a fixed set
        return [json.loads(d) for (d,) in self._db.execute(query, (entity_id,))]

    def has_node(self, node_id: str) -> bool:
        """True when an id is an entity's or a claim's subject or object (:meth:`node_ids`
        holds it), answered from the entities' and the claim counts' primary keys (every id a
        claim names has its counts) without decoding a record."""
        query = "SELECT EXISTS (SELECT 1 FROM entities WHERE id = ?1) OR EXISTS (SELECT 1 FROM degrees WHERE id = ?1)"
        return bool(self._db.execute(query, (node_id,)).fetchone()[0])

    def ends(self, source: str, target: str) -> tuple[bool, bool, int, int]:
        """Return what a path search asks first, in one query: whether each of two ids is a node
        (as :meth:`has_node`), how many distinct entities the source's claims act on, and how
        many act on the target (the lengths of their adjacency rows)."""
        query = ("SELECT EXISTS (SELECT 1 FROM entities WHERE id = ?1) OR EXISTS (SELECT 1 FROM degrees WHERE id = ?1), "
                 "EXISTS (SELECT 1 FROM entities WHERE id = ?2) OR EXISTS (SELECT 1 FROM degrees WHERE id = ?2), "
                 "(SELECT length(signs) FROM adjacency WHERE id = ?1 AND role = 'subject'), "
                 "(SELECT length(signs) FROM adjacency WHERE id = ?2 AND role = 'object')")
        is_source, is_target, out, into = self._db.execute(query, (source, target)).fetchone()
        return bool(is_source), bool(is_target), out or 0, into or 0

    def node_ids(self) -> list[str]:
        """Every entity id and every id a claim names as subject or object, sorted."""
        query = "SELECT id FROM entities UNION SELECT subject FROM claims UNION SELECT object FROM claims ORDER BY 1"
        return [row[0] for row in self._db.execute(query)]

    def count_claims(self, entity_id: str) -> tuple[int, int]:
        """Return (claims in, claims out) of an entity."""
        return self.count_claims_of("object", entity_id), self.count_claims_of("subject", entity_id)

    def studies(self) -> dict[str, dict[str, Any]]:
        """Return every study record by id."""
        return {sid: json.loads(d) for sid, d in self._db.execute("SELECT id, data FROM studies ORDER BY id")}

    def study(self, study_id: str) -> dict[str, Any] | None:
        """Return a study by id, or None."""
        row = self._db.execute("SELECT data FROM studies WHERE id = ?", (study_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def document(self, document_id: str) -> dict[str, Any] | None:
        """Return a document's record (``id``, ``source``, ``sha256``) by id, or None."""
        row = self._db.execute("SELECT data FROM documents WHERE id = ?", (document_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def meta(self) -> dict[str, Any]:
        """Return the build's metadata."""
        return {k: json.loads(v) for k, v in self._db.execute("SELECT key, value FROM meta")}


# --- writing the index: from a build's sorted N-Triples ------------------------------------

def _python_values(ox):
    """Return ``py(term)``: a pyoxigraph term as rdflib's ``toPython`` would give it (None stays
    None). Made once per index written: it is called for most of the graph's literals, so it
    imports nothing and tests types by identity (pyoxigraph's classes have no subclasses)."""
    literal = ox.Literal
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    boolean = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")

    def py(term):
        if type(term) is not literal:
            return None if term is None else term.value
        datatype = term.datatype
        if datatype == integer:
            try:
                return int(term.value)
            except ValueError:
                return term.value
        if datatype == boolean:
            return term.value in ("true", "1")
        return term.value

    return py


def write_index_from_ntriples(nt_path: Path, path: Path, meta: dict[str, Any] | None = None,
                              batch: int = 20_000) -> None:
    """Write the lookup index of a graph given as *sorted* N-Triples (a build's ``graph.nt``).

    The index of every build, small or large: one streaming pass (Oxigraph's parser; a subject's
    triples are contiguous in sorted N-Triples) plus SQLite joins for what lives on other nodes (a
    claim's evidence excerpt, a section's title, a study's journal and design), so memory stays
    flat however large the graph. ``tests/pipeline/test_bulk.py`` checks its records against the
    curated data they come from.
    """
    import functools
    import marshal
    from itertools import count, groupby
    from operator import itemgetter
    from types import SimpleNamespace

    import pyoxigraph as ox

    from graph.cache.adjacency import adjacency_path, write_adjacency
    from graph.model.prefixes import converter  # the writer's alone: reading needs neither (start-up)
    from graph.model.records import Claim, Context, Entity, Study, slots
    from graph.model.vocab import (BIBO, BIOLINK, CLAIM, DCTERMS, DOC, ENTITY, HIERARCHY, HKG, PROV, RDF, RDFS,
                        SKOS, STUDY)

    # a claim's predicate, an xref: a few thousand distinct IRIs compressed hundreds of thousands of times
    conv = SimpleNamespace(compress=functools.lru_cache(maxsize=1 << 16)(converter().compress))
    ent = lambda iri: _local(iri, str(ENTITY), conv)  # noqa: E731
    study_id = lambda iri: _local(iri, str(STUDY), conv)  # noqa: E731
    doc_local = lambda iri: _local(iri, str(DOC), conv)  # noqa: E731
    # one encoder for every record (json.dumps with options makes a new one per call)
    dump = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str).encode
    py = _python_values(ox)
    T = {name: str(term) for name, term in dict(
        type=RDF.type, category=BIOLINK.category, label=RDFS.label, source=HKG.definitionSource, xref=SKOS.exactMatch, inverse=HKG.inverseOf, association=BIOLINK.Association,
        r_subject=RDF.subject, r_object=RDF.object, derived=PROV.wasDerivedFrom, quoted=PROV.wasQuotedFrom,
        value=PROV.value, start=HKG.start, end=HKG.end, part=DCTERMS.isPartOf, title=DCTERMS.title,
        sign=HKG.sign, original=BIOLINK.original_predicate, text=BIOLINK.supporting_text,
        direction=BIOLINK.object_direction_qualifier, publications=BIOLINK.publications,
        article=BIOLINK.JournalArticle, creator=DCTERMS.creator, et_al=HKG.etAl,
        date=DCTERMS.date, volume=BIBO.volume, issue=BIBO.issue, pages=BIBO.pages, design=HKG.studyDesign,
        citation=DCTERMS.bibliographicCitation, document=BIBO.Document,
        dsource=DCTERMS.source, sha=HKG.sha256, influenced=PROV.qualifiedInfluence,
        influence=PROV.Influence, influencer=PROV.influencer, basis=HKG.basis, relation=HKG.relation,
        comment=RDFS.comment, doi=BIBO.doi, pmid=BIBO.pmid, r_predicate=RDF.predicate,
        b_predicate=BIOLINK.predicate, anatomical=BIOLINK.anatomical_context_qualifier).items()}
    broader = {str(BIOLINK[slot]): key for key, slot in HIERARCHY.items()}
    narrower: dict[str, list[tuple[str, str]]] = {}
    plain = {kind: [(s.name, s.iri, s.many, s.default) for s in slots(kind)] for kind in (Claim, Context, Entity, Study)}
    #: the predicates some record reads: a quarter of a build's triples have others (mentions,
    #: identifiers, the claims' direct edges), and their objects are never made into Python terms
    wanted = {*T.values(), *broader, *(iri for fields in plain.values() for _, iri, _, _ in fields)}

    claims_namespace, documents_namespace, affects = str(CLAIM), str(DOC), str(BIOLINK.affects)

    def read_plain(found: dict, kind) -> dict[str, Any]:
        """A record's plain fields (model/records.py ``slots``): values sorted when many, else the
        first, else the field's default."""
        values = {}
        for name, predicate, many, default in plain[kind]:
            terms = found.get(predicate, ())
            if many:
                values[name] = sorted(t.value for t in terms)
            else:
                value = py(terms[0]) if terms else None
                values[name] = default if value is None or value == "" else value
        return values
    NONE = (None,)  # the values of a predicate a node lacks: its first is None
    aux_keys = {T[key] for key in ("part", "quoted", "value", "start", "end", "title", "label", "xref")}

    def first(found: dict, key: str):
        return found.get(T[key], NONE)[0]

    connection = sqlite3.connect(path)
    try:
        connection.executescript(_WRITING + _SCHEMA)
        # what a record needs from other nodes, kept until the end of the pass; the values SQLite
        # only hands back (an excerpt's quote, start and end; xrefs; a claim's record and study
        # links) are marshalled Python values, read back as they were made without JSON
        connection.executescript(
            "CREATE TEMP TABLE aux (iri TEXT PRIMARY KEY, part TEXT, quoted TEXT, excerpt BLOB, title TEXT,"
            " label TEXT, xrefs BLOB);"
            "CREATE TEMP TABLE raw_claims (n INTEGER PRIMARY KEY, evidence TEXT, record BLOB, exported TEXT);"
            "CREATE TEMP TABLE links (iri TEXT PRIMARY KEY, link BLOB);"
            "CREATE TEMP TABLE cites (claim INTEGER, iri TEXT);")
        entities, studies, documents, aux, raw, links, cites = [], [], [], [], [], [], []
        pending = ((aux, "INSERT OR IGNORE INTO aux VALUES (?, ?, ?, ?, ?, ?, ?)"),
                   (raw, "INSERT INTO raw_claims VALUES (?, ?, ?, ?)"),
                   (links, "INSERT OR IGNORE INTO links VALUES (?, ?)"),
                   (cites, "INSERT INTO cites VALUES (?, ?)"))

        def flush(force: bool = False) -> None:
            for rows, statement in pending:
                if rows and (force or len(rows) >= batch):
                    connection.executemany(statement, rows)
                    rows.clear()

        def group(node: str, found: dict) -> None:
            types = {t.value for t in found.get(T["type"], ())}
            if not aux_keys.isdisjoint(found):
                part, quoted = first(found, "part"), first(found, "quoted")
                excerpt = (py(first(found, "value")), py(first(found, "start")), py(first(found, "end")))
                aux.append((node, part.value if part is not None else None,
                            quoted.value if quoted is not None else None, marshal.dumps(excerpt),
                            py(first(found, "title")), py(first(found, "label")),
                            marshal.dumps([x.value for x in found.get(T["xref"], ())])))
            if T["category"] in found:
                entities.append((node, found))
                for predicate, key in broader.items():
                    for other in found.get(predicate, ()):
                        narrower.setdefault(other.value, []).append((key, ent(node)))
            if T["influence"] in types:
                influencer = first(found, "influencer")
                links.append((node, marshal.dumps({
                    "study": study_id(influencer.value) if influencer is not None else None,
                    "basis": py(first(found, "basis")), "relation": py(first(found, "relation")),
                    "rationale": py(first(found, "comment"))})))
            if T["association"] in types and T["r_subject"] in found and T["r_object"] in found:
                evidence, original, sign = first(found, "derived"), first(found, "original"), py(first(found, "sign"))
                relation = first(found, "r_predicate") or first(found, "b_predicate")
                record = {
                    "claim": _local(node, claims_namespace, conv),
                    "subject": ent(first(found, "r_subject").value),
                    "object": ent(first(found, "r_object").value),
                    "predicate": _local(original.value, "\0", conv) if original is not None else None,
                    "sign": _sign(sign),
                    "direction": py(first(found, "direction")),
                    "quote": py(first(found, "text")),
                    "context": {key: str(value) for key, value in read_plain(found, Context).items() if value},
                    **read_plain(found, Claim),
                    "citations": [],  # the study links, from the cites table at the end
                }
                # what only the exports read (graph/exports/kgx.py), beside the record: only what
                # is not the usual (kgx.py reads the usual when a key is absent), so a claim of this
                # project's own adds "{}" or its studies
                exported = {}
                if node != claims_namespace + record["claim"]:
                    exported["iri"] = node
                predicate = relation.value if relation is not None else None
                if predicate != affects:
                    exported["predicate"] = predicate
                texts = sorted(py(q) for q in found.get(T["text"], ()))
                if texts != [record["quote"]]:
                    exported["supporting_text"] = texts
                if T["publications"] in found:
                    exported["publications"] = sorted(s.value for s in found[T["publications"]])
                if T["anatomical"] in found:
                    exported["anatomical_context"] = sorted(ent(t.value) for t in found[T["anatomical"]])
                n = next(numbers)
                raw.append((n, evidence.value if evidence is not None else None, marshal.dumps(record),
                            json.dumps(exported) if exported else "{}"))
                if T["influenced"] in found:
                    cites.extend((n, iri) for iri in sorted(s.value for s in found[T["influenced"]]))
            if T["article"] in types:
                studies.append((node, found))
            if T["document"] in types:
                documents.append({"id": doc_local(node), "source": py(first(found, "dsource")),
                                  "sha256": py(first(found, "sha"))})
            flush()

        numbers = count(1)  # each claim's row in raw_claims, by which its cites find it
        current, found, named = None, {}, ox.NamedNode
        # lenient: graph.nt is this build's own sorted output, and the store loads it with every
        # check on (a bad IRI fails the build there), so the parser skips validating IRIs again
        for triple in ox.parse(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES, lenient=True):
            subject = triple.subject
            if type(subject) is not named:
                continue
            node = subject.value
            if node != current:
                if current is not None:
                    group(current, found)
                current, found = node, {}
            predicate = triple.predicate.value
            if predicate in wanted:
                found.setdefault(predicate, []).append(triple.object)
        if current is not None:
            group(current, found)
        flush(force=True)

        def aux_row(iri: str | None):
            if iri is None:
                return None
            return connection.execute("SELECT part, quoted, excerpt, title, label, xrefs FROM aux "
                                      "WHERE iri = ?", (iri,)).fetchone()

        names, rows = set(), []
        for node, found in entities:
            src, label, inverse = first(found, "source"), first(found, "label"), first(found, "inverse")
            source = aux_row(src.value) if src is not None else None
            record = {
                "id": ent(node), "iri": node,
                "label": label.value if label is not None else ent(node),
                "category": first(found, "category").value.rsplit("/", 1)[-1],
                **read_plain(found, Entity),
                "definition_source": None if src is None else {
                    "document": doc_local(source[0]) if source and source[0] is not None else None,
                    "section": doc_local(src.value).split("/section/", 1)[-1],
                    "section_title": source[3] if source else None,
                },
                "xrefs": sorted(_local(x.value, "\0", conv) for x in found.get(T["xref"], ())),
                "inverse_of": ent(inverse.value) if inverse is not None else None,
                **_hierarchy((key, ent(o.value)) for predicate, key in broader.items() for o in found.get(predicate, ())),
                "narrower": _narrower(narrower.get(node, ())),
            }
            exported = {"categories": sorted(c.value for c in found.get(T["category"], ()))}
            rows.append((record["id"], record["label"], record["category"], dump(record), dump(exported)))
            names |= name_keys(record["id"], record["label"], record["synonyms"], record["xrefs"])
        connection.executemany("INSERT INTO entities VALUES (?, ?, ?, ?, ?)", rows)
        connection.executemany("INSERT INTO names VALUES (?, ?, ?, ?)", sorted(names))
        entities.clear()
        del names, rows

        # each claim's study links, read in one query beside the claims: cites rows went in by
        # claim and, within a claim, by link IRI (the order _links keeps for equal keys)
        cited = groupby(connection.execute("SELECT k.claim, l.link FROM cites k JOIN links l ON l.iri = k.iri "
                                           "ORDER BY k.rowid"), key=itemgetter(0))
        next_cited = next(cited, None)
        rows = []
        for n, evidence, data, exported, part, quoted, excerpt, title in connection.execute(
                "SELECT c.n, c.evidence, c.record, c.exported, e.part, e.quoted, e.excerpt, s.title "
                "FROM raw_claims c LEFT JOIN aux e ON e.iri = c.evidence LEFT JOIN aux s ON s.iri = e.part "
                "ORDER BY c.n"):
            record = marshal.loads(data)
            if next_cited is not None and next_cited[0] == n:
                record["citations"] = _links(marshal.loads(link) for _, link in next_cited[1])
                next_cited = next(cited, None)
            value, start, end = marshal.loads(excerpt) if excerpt is not None else (None, None, None)
            if not record["quote"] and evidence is not None and excerpt is not None:
                record["quote"] = value
            record.update({
                "document": doc_local(quoted) if quoted is not None else None,
                "section": doc_local(part).split("/section/", 1)[-1] if part is not None else None,
                "section_title": title if part is not None else None,
                "start": start,
                "end": end,
            })
            if quoted is not None and quoted != documents_namespace + record["document"]:
                exported = json.dumps({**json.loads(exported), "document": quoted})
            rows.append((record["claim"], record["subject"], record["object"], record["sign"], dump(record), exported))
            if len(rows) >= batch:
                connection.executemany("INSERT OR IGNORE INTO claims VALUES (?, ?, ?, ?, ?, ?)", rows)
                rows = []
        connection.executemany("INSERT OR IGNORE INTO claims VALUES (?, ?, ?, ?, ?, ?)", rows)

        rows = []
        for node, found in studies:
            journal, design, date = first(found, "part"), first(found, "design"), first(found, "date")
            journal_row = aux_row(journal.value) if journal is not None else None
            design_row = aux_row(design.value) if design is not None else None
            record = {
                "id": study_id(node),
                "title": py(first(found, "title")),
                "authors": sorted(a.value for a in found.get(T["creator"], ())),
                "et_al": bool(py(first(found, "et_al"))),
                "year": int(date.value) if date is not None else None,
                "journal": journal_row[3] if journal_row else None,
                "volume": py(first(found, "volume")),
                "issue": py(first(found, "issue")),
                "pages": py(first(found, "pages")),
                "design": design.value.rsplit("/", 1)[-1] if design is not None else None,
                "design_label": design_row[4] if design_row else None,
                "design_xrefs": sorted(_local(x, "\0", conv) for x in marshal.loads(design_row[5])) if design_row else [],
                "citation": py(first(found, "citation")),
                **read_plain(found, Study),
                "doi": py(first(found, "doi")),
                "pmid": py(first(found, "pmid")),
            }
            rows.append((record["id"], dump(record)))
        connection.executemany("INSERT INTO studies VALUES (?, ?)", rows)
        connection.executemany("INSERT INTO documents VALUES (?, ?)", [(d["id"], dump(d)) for d in documents])
        connection.executescript(_INDEXES + _DEGREES)
        _write_adjacency(connection)
        write_adjacency(connection, adjacency_path(path))  # the compiled route search's, from those rows
        _write_claim_edges(connection)
        connection.executemany("INSERT INTO meta VALUES (?, ?)",
                               sorted((k, json.dumps(v, sort_keys=True)) for k, v in
                                      {**(meta or {}), "index_format": INDEX_FORMAT}.items()))
        connection.executescript("DROP TABLE aux; DROP TABLE raw_claims; DROP TABLE links; DROP TABLE cites;")
        connection.commit()
    finally:
        connection.close()
