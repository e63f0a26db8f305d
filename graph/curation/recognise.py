"""Recognise a document's entities, known or new, and where each is named.

Names come from five places, in this order of preference:

1. the graph's entities (labels and synonyms, any spelling :func:`graph.model.names.fold` folds);
2. the document's glossary (``TERM Meaning ∞ DEFINITION``: the term and its aliases) and the
   agents its tables name (each row's first cell);
3. abbreviations the document defines, ``sex hormone-binding globulin (SHBG)``: the short form
   becomes a synonym of the long one (found as Schwartz & Hearst do: each letter of the short
   form in order in the words before the parenthesis, the first at a word's start);
4. the offline lexicons of :mod:`graph.curation.lexicon`: a run of words whose folded key names a term;
5. the document's own names, last: terms it introduces in quotes (``termed “inflammaging”``),
   treatments it composes with a head noun (``testosterone therapy``, :func:`compounds`, ranked
   with the document's names) or a formulation word (``low-dose testosterone``), and the noun
   phrases its cues of change act on (``improve energy levels``, :func:`cue_phrases`), which any
   overlapping name beats, and what they act on named by an owner that is a name (``blocks
   estrogen’s negative feedback``, :func:`possessives`). An adjective made from a name
   (``estrogenic``) reads as that name; a word of ``occasion_names`` names its lexicon term right
   after a preposition of occasion only (``declines with age``: Aging).

Every run of words (at most :data:`graph.curation.lexicon.MAX_WORDS`) is looked up once; the names found
are then matched all at once with an Aho-Corasick automaton over the folded text (pyahocorasick),
leftmost-longest on word boundaries, acronyms with their case. Names linked by an abbreviation or
a glossary alias, or naming the same lexicon term, are one entity. An entity the graph does not
know is *proposed*, with the identifiers of the lexicon terms it was found under (checked: the
source spells the name so) and the Biolink category of the first source that has it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from graph.curation.lexicon import Lexicon, LexiconTerm, MAX_WORDS, MIN_KEY, case_key, is_case_sensitive
from graph.model.names import fold, slugify
from graph.sources.extract import Document

__all__ = ["EntityProposal", "Recognition", "Span", "abbreviations", "compounds", "cue_phrases", "label_of",
           "possessives", "recognise", "term_introductions"]

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Span:
    """Where an entity is named: clean-text offsets, the entity id and the words as written."""

    start: int
    end: int
    entity: str
    text: str


@dataclass(frozen=True)
class EntityProposal:
    """An entity the graph does not know, or a new synonym of one it knows (``known``)."""

    id: str
    label: str
    category: str
    synonyms: tuple[str, ...]
    identifiers: tuple[tuple[str, str], ...]  # (CURIE, the source's label), verified offline
    origin: str  # "glossary", "abbreviation", "table" (a row's first cell), "term", "compound", "lexicon" or "phrase"
    line: int
    known: bool = False
    definition: str | None = None


@dataclass(frozen=True)
class Recognition:
    """The spans of a document's entities and the entities (and synonyms) it proposes."""

    spans: tuple[Span, ...]
    proposals: tuple[EntityProposal, ...]
    categories: Mapping[str, str] = field(default_factory=dict)  # entity id -> category


def label_of(term: str) -> str:
    """Lowercase the capitalised words of a term, keeping acronyms (GLUT4, TNF-α).

    >>> label_of("Tumor Necrosis Factor-alpha"), label_of("GLUT4")
    ('tumor necrosis factor-alpha', 'GLUT4')
    """
    return " ".join(w.lower() if w[:1].isupper() and w[1:].replace("-", "").islower() else w
                    for w in term.split())


# --- abbreviations -------------------------------------------------------------------------

_SHORT = re.compile(r"\(([^\s()]{2,12})\)")


def _long_form(short: str, words: list[str]) -> int | None:
    """Return how many of the final ``words`` spell ``short`` (Schwartz & Hearst), or None."""
    letters = [c for c in fold(short) if c.isalpha()]
    if not letters:
        return None
    for count in range(1, min(len(words), len(letters) + 5, 2 * len(letters)) + 1):
        candidate = words[-count:]
        text = " ".join(candidate).lower()
        if fold(candidate[0])[:1] != letters[0]:
            continue
        position = 0
        for letter in letters:
            position = text.find(letter, position) + 1
            if position == 0:
                break
        else:
            return count
    return None


def abbreviations(text: str) -> list[tuple[str, str, int]]:
    """Return the ``(long form, short form, offset of the long form)`` a text defines.

    >>> abbreviations("high sex hormone-binding globulin (SHBG) and Interleukin-6 (IL-6) rise")
    [('sex hormone-binding globulin', 'SHBG', 5), ('Interleukin-6', 'IL-6', 45)]
    >>> abbreviations("glucose (sugar) and the pituitary (the gland)")
    []
    """
    found = []
    for match in _SHORT.finditer(text):
        short = match.group(1)
        if not any(c.isupper() for c in short) or not short[0].isalnum() or short.isdigit():
            continue
        before = text[max(0, match.start() - 160): match.start()]
        clause = re.split(r"[.;:,()]\s", before)[-1]
        words = list(re.finditer(r"\S+", clause))
        count = _long_form(short, [w.group() for w in words])
        if count is None or fold(" ".join(w.group() for w in words[-count:])) == fold(short):
            continue
        start = match.start() - len(clause) + words[-count].start()
        found.append((text[start: match.start()].strip(), short, start))
    return found


# --- recognition ---------------------------------------------------------------------------

class _Groups:
    """Union-find over folded names: names linked by an abbreviation, alias or term are one entity."""

    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """The words of a text with their folded keys; a possessive's "s" is no word ("estrogen’s")."""
    return [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)
            if not (m.group() == "s" and m.start() and text[m.start() - 1] in "’'")]


def _lexicon_keys(tokens, skip: frozenset[str]) -> set[str]:
    """Every folded run of up to MAX_WORDS words that neither starts nor ends on a skipped word."""
    keys = set()
    for i in range(len(tokens)):
        if tokens[i][2] in skip:
            continue
        key = ""
        for j in range(i, min(i + MAX_WORDS, len(tokens))):
            if j > i and tokens[j][0] - tokens[j - 1][1] > 2:  # a run stops at punctuation + space
                break
            key += tokens[j][2]
            if tokens[j][2] not in skip and len(key) >= MIN_KEY:
                keys.add(key)
    return keys


def _match(text: str, tokens, names: Mapping[str, list[tuple[str, bool]]],
           rank: Mapping[str, int]) -> list[tuple[int, int, str]]:
    """Longest matches of ``names`` (folded key -> [(name, case sensitive)]) on word boundaries,
    with an Aho-Corasick automaton over the folded text; where two overlap, the better source
    (``rank``: the graph's names, then the document's, then the lexicons') wins, then the
    longer, then the first."""
    import ahocorasick

    if not names or not tokens:
        return []
    stream, starts, ends = [], {}, {}
    position = 0
    for index, (_, _, key) in enumerate(tokens):
        starts[position] = index
        stream.append(key)
        position += len(key)
        ends[position] = index
    automaton = ahocorasick.Automaton()
    for key in names:
        automaton.add_word(key, key)
    automaton.make_automaton()
    found = []
    for end, key in automaton.iter("".join(stream)):
        first, last = starts.get(end + 1 - len(key)), ends.get(end + 1)
        if first is None or last is None:
            continue
        surface = text[tokens[first][0]:tokens[last][1]]
        if any(not sensitive or case_key(surface) == case_key(name) for name, sensitive in names[key]):
            found.append((first, last, key))
    found.sort(key=lambda f: (rank.get(f[2], 2), f[0] - f[1], f[0]))
    taken: set[int] = set()
    chosen = []
    for first, last, key in found:
        if not taken.intersection(range(first, last + 1)):
            chosen.append((first, last, key))
            taken.update(range(first, last + 1))
    return sorted(chosen)


def table_agents(document: Document) -> list[tuple[str, int]]:
    """The names a document's tables give their agents: each row's first cell up to any
    parenthesis ("Transdermal Estradiol", "Anastrozole (in men on TRT)" is "Anastrozole").

    >>> from graph.sources.extract import extract_document
    >>> doc = extract_document("d", "Fundamentals\\nAgent | Effect |\\n---|---|\\nTransdermal Estradiol (gel) | Reduction |\\n")
    >>> table_agents(doc)
    [('Transdermal Estradiol', 4)]
    """
    found = []
    for table in document.tables:
        for row in table.rows:
            head = row.cells[0].split("(")[0].strip() if row.cells else ""
            if head and len(head.split()) <= MAX_WORDS:
                found.append((head, row.line))
    return found


#: most words of a phrase proposed as an entity of the document's own (``cue_phrases``)
MAX_PHRASE_WORDS = 4
_PHRASE_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*|\S")
_TERM = re.compile(r"\b(?:termed|called|named|known as)\s+[“\"']([^”\"'\n]{3,60}?)[,.]?[”\"']")


def _prose(document: Document) -> list[tuple[str, int]]:
    """The document's lines outside its reference lists, with their numbers."""
    skipped = set()
    for section in document.sections:
        if section.kind == "references":
            first = document.clean_text.count("\n", 0, section.start) + 1
            last = document.clean_text.count("\n", 0, section.end) + 1
            skipped.update(range(first, last + 1))
    return [(line, n) for n, line in enumerate(document.clean_text.split("\n"), start=1) if n not in skipped]


def term_introductions(document: Document) -> list[tuple[str, int]]:
    """Terms the text introduces in quotes: ``often termed “inflammaging”``, ``called “X”``.

    >>> from graph.sources.extract import extract_document
    >>> term_introductions(extract_document("d", "Fundamentals\\nThis state, often termed “inflammaging,” lasts.\\n"))
    [('inflammaging', 2)]
    """
    return [(m.group(1).strip(), n) for line, n in _prose(document) for m in _TERM.finditer(line)]


def compounds(document: Document, heads: frozenset[str], function_words: frozenset[str]) -> list[tuple[str, int]]:
    """Names of treatments the text composes from a head noun (``heads``: ``therapy``,
    ``treatment`` ...) and the one to three content words before it: ``testosterone therapy``,
    ``growth hormone peptide therapies``. The graph's names and the document's glossary win
    over them; a lexicon name inside one (``testosterone``) does not.

    >>> from graph.sources.extract import extract_document
    >>> doc = extract_document("d", "Fundamentals\\nBy reducing fat, testosterone therapy lowers it.\\n")
    >>> compounds(doc, frozenset({"therapy"}), frozenset({"by", "it"}))
    [('testosterone therapy', 2)]
    """
    found = []
    for line, number in _prose(document):
        words = [(m.start(), m.end(), m.group()) for m in _PHRASE_WORD.finditer(line)]
        for i, (_, _, word) in enumerate(words):
            if fold(word) not in heads:
                continue
            k = i
            while k > 0 and i - k < 3 and words[k - 1][2][0].isalnum() and fold(words[k - 1][2]) not in function_words \
                    and fold(words[k - 1][2]) not in heads and not words[k - 1][2].lower().endswith("ly"):
                k -= 1
            if k < i:
                found.append((line[words[k][0]:words[i][1]], number))
    return found


_POSSESSIVE = re.compile(r"([^\W_]+(?:-[^\W_]+)*)[’']s\s+((?:[^\W_]+(?:-[^\W_]+)*\s+){0,2}[^\W_]+(?:-[^\W_]+)*)")


def possessives(document: Document, cues: re.Pattern, function_words: frozenset[str],
                leading: frozenset[str] = frozenset(), not_entities: frozenset[str] = frozenset()
                ) -> list[tuple[str, int]]:
    """What a cue of change acts on when the text names it by its owner: ``blocks estrogen’s
    negative feedback`` names "estrogen negative feedback" (the owner and one to three content
    words after the possessive, up to a function word or a mark). An owner that is a function word
    or an ordinary word (``the body’s ability``) names nothing. Written without the possessive's
    "s", as the text's words are matched.

    >>> import re
    >>> from graph.sources.extract import extract_document
    >>> doc = extract_document("d", "Fundamentals\\nIt blocks estrogen’s negative feedback at the pituitary.\\n")
    >>> possessives(doc, re.compile(r"\\bblocks\\b"), frozenset({"at", "the"}))
    [('estrogen negative feedback', 2)]
    """
    found = []
    for line, number in _prose(document):
        if "’" not in line and "'" not in line:
            continue  # no possessive on the line: nothing to read (one pass over the text)
        for cue in cues.finditer(line):
            if "’" not in line[cue.end():cue.end() + 60] and "'" not in line[cue.end():cue.end() + 60]:
                continue
            words = list(_PHRASE_WORD.finditer(line, cue.end(), min(len(line), cue.end() + 100)))
            i = 0
            while i < len(words) and fold(words[i].group()) in leading:
                i += 1
            match = _POSSESSIVE.match(line, words[i].start()) if i < len(words) else None
            if match is None or fold(match.group(1)) in function_words | not_entities:
                continue
            after = []
            for word in match.group(2).split():
                if fold(word) in function_words or word.lower().endswith("ly"):
                    break
                after.append(word)
            if after:
                found.append((" ".join([match.group(1), *after]), number))
    return found


def cue_phrases(document: Document, cues: re.Pattern, function_words: frozenset[str],
                leading: frozenset[str] = frozenset(), heads: frozenset[str] = frozenset()) -> list[tuple[str, int]]:
    """The noun phrases a cue of change acts on, as the document names them: after each cue
    (``improve energy levels``, ``Can influence fluid balance and fat storage``), the run of two
    to :data:`MAX_PHRASE_WORDS` content words up to a function word, an adverb or a mark, past
    the ``leading`` words (determiners, ``in`` of ``an increase in``); each phrase coordinated
    after it (``and``, ``or``, a comma) too. A phrase followed by ``of`` (``the circulating levels
    of X``), a relative (``the machinery that ...``) or a parenthesis (``pathways (such as X)``),
    or starting with one of ``heads`` (``levels``, ``secretion``: words of an aspect) is none.

    They are the document's own entities when neither the graph nor a lexicon names them (a
    lexicon name overlapping a phrase wins). One pass over each line.

    >>> import re
    >>> from graph.sources.extract import extract_document
    >>> doc = extract_document("d", "Fundamentals\\nIt can improve the energy levels and fat storage in mice.\\n")
    >>> cue_phrases(doc, re.compile(r"\\bimprove\\b"), frozenset({"the", "and", "in"}), frozenset({"the"}))
    [('energy levels', 2), ('fat storage', 2)]
    """
    found = []
    for line, number in _prose(document):
        for cue in cues.finditer(line):
            words = [m.group() for m in _PHRASE_WORD.finditer(line, cue.end(), min(len(line), cue.end() + 100))]
            i = 0
            while i < len(words):
                while i < len(words) and fold(words[i]) in leading:
                    i += 1  # "the", "a", "its"
                phrase = []
                while (i < len(words) and len(phrase) <= MAX_PHRASE_WORDS and words[i][0].isalnum()
                       and fold(words[i]) not in function_words and not words[i].lower().endswith("ly")):
                    phrase.append(words[i])
                    i += 1
                # "the circulating levels of X", "the consequences of X": the head of a longer
                # phrase; "pathways (such as JNK)", "the machinery that responds": a description
                described = i < len(words) and (fold(words[i]) in {"of", "that", "which", "who"} or words[i] == "(")
                # "body composition creates a ...", "visceral fat achieved through": the run took a verb
                verbal = (i < len(words) and fold(words[i]) in leading - {"in", "of"}) or phrase[-1:][0].lower().endswith("ed") \
                    if phrase else False
                if 2 <= len(phrase) <= MAX_PHRASE_WORDS and not described and not verbal and fold(phrase[0]) not in heads:
                    found.append((" ".join(phrase), number))
                if not phrase or i >= len(words) or words[i].lower() not in {"and", "or", ","}:
                    break
                i += 1
    return found


def recognise(document: Document, known: Mapping[str, str], lexicon: Lexicon,
              skip_words: frozenset[str] = frozenset(), not_entities: frozenset[str] = frozenset(),
              glossary_category=None, phrases=(), compound_names=(), formulations=frozenset(),
              occasion_names=(), occasions=frozenset(), possessive_names=()) -> Recognition:
    """Find where the document names entities, known or new, and propose the new ones.

    Parameters
    ----------
    document
        The extracted document (its clean text is searched).
    known
        Every name of the graph's entities (label, synonyms) -> entity id.
    lexicon
        The offline lexicons (:func:`graph.curation.lexicon.open_lexicon`).
    skip_words
        Folded words a lexicon name may neither start nor end with (``the``, ``of``).
    not_entities
        Folded names never proposed from a lexicon (``role``, ``level``: words, not entities).
    glossary_category
        ``definition -> Biolink category or None``: a glossary entity's guessed category when no
        lexicon term names it.
    phrases
        ``(phrase, line)``: the noun phrases cues of change act on (:func:`cue_phrases`), proposed
        where no other name overlaps them.
    compound_names
        ``(name, line)``: treatments named by a head noun (:func:`compounds`), preferred to a
        lexicon name inside them.
    formulations
        Folded words that make a name a formulation of its own ("low-dose testosterone", "oral
        estrogens") when they stand right before it.
    possessive_names
        ``(name, line)``: what an owner has, as :func:`possessives` finds it ("estrogen negative
        feedback" for "estrogen’s negative feedback"), kept when the owner is a name and preferred
        to it; its label is written so.
    occasion_names
        ``(word, lexicon name)``: a word that names a lexicon term right after a preposition of
        ``occasions`` ("declines with age": the term Aging), and nothing elsewhere.
    """
    text = document.clean_text
    tokens = _tokens(text)
    groups = _Groups()
    names: dict[str, list[tuple[str, bool]]] = {}
    known_keys: dict[str, str] = {}

    def add(name: str) -> str | None:
        key = fold(name)
        if len(key) < 2:
            return None
        entry = (name, is_case_sensitive(name))
        if entry not in names.setdefault(key, []):
            names[key].append(entry)
        groups.find(key)
        return key

    for name, entity in sorted(known.items()):
        key = add(name)
        if key:
            known_keys.setdefault(key, entity)
    line_of = {}
    origin: dict[str, str] = {}
    glossary: dict[str, object] = {}
    for item in document.glossary:
        key = add(item.term)
        if not key:
            continue
        glossary.setdefault(key, item)
        origin.setdefault(key, "glossary")
        line_of.setdefault(key, item.line)
        for alias in item.aliases:
            alias_key = add(alias)
            if alias_key:
                groups.union(key, alias_key)
                line_of.setdefault(alias_key, item.line)
    starts = [0]
    for position, char in enumerate(text):
        if char == "\n":
            starts.append(position + 1)
    import bisect

    for long_form, short, offset in abbreviations(text):
        long_key, short_key = add(long_form), add(short)
        if long_key and short_key:
            # a long form the graph knows under a longer name: keep the known one
            groups.union(long_key, short_key)
            line = bisect.bisect_right(starts, offset)
            for key in (long_key, short_key):
                line_of.setdefault(key, line)
                origin.setdefault(key, "abbreviation")

    for name, line in table_agents(document):  # a table's first column names its agents
        key = add(name)
        if key:
            line_of.setdefault(key, line)
            origin.setdefault(key, "table")

    for name, line in term_introductions(document):  # "often termed “inflammaging”"
        key = add(name)
        if key:
            line_of.setdefault(key, line)
            origin.setdefault(key, "term")

    for name, line in compound_names:  # "testosterone therapy"
        key = add(name)
        if key:
            line_of.setdefault(key, line)
            origin.setdefault(key, "compound")

    # the lexicon: every run of words looked up at once; names found join the automaton
    terms: dict[str, list[LexiconTerm]] = {}
    readings = {fold(word): fold(name) for word, name in occasion_names}
    keys = _lexicon_keys(tokens, skip_words)
    looked = lexicon.lookup(keys | set(readings.values()))
    for word_key, name_key in readings.items():  # "with age": the term Aging
        surface = next((text[a:b] for a, b, k in tokens if k == word_key), None)
        if surface is None or name_key not in looked:
            continue
        terms[word_key] = looked[name_key]
        word = add(surface)
        for term in looked[name_key]:
            groups.union(add(term.name) or name_key, word or word_key)
        origin.setdefault(word_key, "lexicon")
    for key, found in looked.items():
        if key in not_entities or key not in keys:
            continue
        terms[key] = found
        for term in found:
            add(term.name)
        origin.setdefault(key, "lexicon")
    by_curie: dict[str, str] = {}
    for key in sorted(terms):
        curie = terms[key][0].curie
        if curie in by_curie:
            groups.union(key, by_curie[curie])
        else:
            by_curie[curie] = key

    # what a name's owner has: "estrogen’s negative feedback", when the owner is a name
    possessed = set()
    for name, line in possessive_names:
        if fold(name.split()[0]) in names:
            key = add(name)
            if key:
                line_of.setdefault(key, line)
                origin.setdefault(key, "compound")
                possessed.add(key)

    # a formulation of a name: "low-dose testosterone", "oral estrogens"
    for i in range(len(tokens) - 1):
        first, second = tokens[i], tokens[i + 1]
        if i and text[tokens[i - 1][1]:first[0]] == "-" and tokens[i - 1][2] + first[2] in formulations:
            first = tokens[i - 1]  # "low-dose"
        elif first[2] not in formulations:
            continue
        if second[2] in names and second[0] - tokens[i][1] <= 1:
            key = add(text[first[0]:second[1]])
            if key:
                line_of.setdefault(key, bisect.bisect_right(starts, first[0]))
                origin.setdefault(key, "compound")

    # an adjective made from a name ("estrogenic effects", "androgenic") names the same entity
    # (read as it, never proposed as a synonym of it)
    adjectives = set()
    for start, end, key in tokens:
        if key.endswith("ic") and len(key) > 6 and key[:-2] in names and key not in names and key not in not_entities:
            add(text[start:end])
            adjectives.add(key)
            groups.union(key[:-2], key)
            origin.setdefault(key, origin.get(key[:-2], "lexicon"))
            if key[:-2] in terms:
                terms[key] = terms[key[:-2]]
            if key[:-2] in known_keys:
                known_keys[key] = known_keys[key[:-2]]

    phrase_keys = set()
    for name, line in phrases:  # the document's own phrases: the last resort
        key = fold(name)
        if key in names or key in not_entities or len(key) < MIN_KEY:
            continue
        add(name)
        phrase_keys.add(key)
        line_of.setdefault(key, line)
        origin.setdefault(key, "phrase")

    rank = {key: 3 for key in phrase_keys}
    rank.update({key: 2 for key in terms})
    rank.update({key: 1 for key in origin if origin[key] not in ("lexicon", "phrase")})
    rank.update({key: 0 for key in known_keys})
    matches = _match(text, tokens, names, rank)
    matches = [(first, last, key) for first, last, key in matches  # "age" names Aging after "with" only
               if key not in readings or (first and tokens[first - 1][2] in {fold(w) for w in occasions})]
    # resolve each group: a known entity, else a new one named after its first mention
    members: dict[str, list[str]] = {}
    for key in names:
        members.setdefault(groups.find(key), []).append(key)
    first_seen: dict[str, tuple[int, str]] = {}
    used_keys: set[str] = set()
    for first, last, key in matches:
        used_keys.add(key)
        first_seen.setdefault(key, (tokens[first][0], text[tokens[first][0]:tokens[last][1]]))
    entity_of: dict[str, str] = {}
    proposals: list[EntityProposal] = []
    taken = set(known.values())
    categories: dict[str, str] = {}
    import bisect as _bisect

    for root, keys in sorted(members.items()):
        seen = [k for k in keys if k in used_keys or k in glossary]
        if not seen:
            continue
        owners = sorted({known_keys[k] for k in keys if k in known_keys})
        surfaces = sorted({first_seen[k][1] for k in seen if k in first_seen and k not in adjectives} |
                          {glossary[k].term for k in seen if k in glossary})
        if owners:
            owner = owners[0]
            for k in keys:
                entity_of[k] = owner
            new = sorted(s for s in surfaces if fold(s) not in known_keys and s not in known)
            abbreviated = [s for s in new if origin.get(fold(s)) == "abbreviation"]
            if abbreviated:
                proposals.append(EntityProposal(owner, "", "", tuple(abbreviated), (), "abbreviation",
                                                min(line_of.get(fold(s), 0) for s in abbreviated), known=True))
            continue
        # label: a glossary term, else an abbreviation's long form, else the first mention
        ordered = sorted(seen, key=lambda k: (k not in glossary, origin.get(k) != "abbreviation",
                                              is_case_sensitive(first_seen.get(k, (0, k))[1]),
                                              first_seen.get(k, (0, ""))[0]))
        head = ordered[0]
        label = label_of(glossary[head].term if head in glossary else first_seen[head][1])
        if head in readings and head in terms:  # "with age": the term's own name, Aging
            label = label_of(terms[head][0].label)
        if head in possessed:  # "estrogen’s negative feedback": "estrogen negative feedback"
            label = label_of(re.sub(r"[’']s\b", "", first_seen[head][1] if head in first_seen else label))
        entity = slugify(label) or "entity"
        while entity in taken:
            entity += "-new"
        taken.add(entity)
        # identifiers from the names written out; an abbreviation ("TRT", "VAT") names no term
        named = [k for k in ordered if k in readings or not is_case_sensitive(first_seen.get(k, (0, k))[1])
                 or len(keys) == 1]
        found_terms = [(t.rank, t.curie, t.label, t.category) for k in named for t in sorted(
            terms.get(k, ()), key=lambda t: (t.rank, t.curie))]
        identifiers = tuple(dict.fromkeys((curie, lab) for _, curie, lab, _ in found_terms))
        definition = glossary[head].definition if head in glossary else None
        category = found_terms[0][3] if found_terms else None
        if category is None and definition and glossary_category:
            category = glossary_category(definition)
        if category is None and glossary_category and origin.get(head) == "compound":
            category = glossary_category(label)  # its head noun says: "gastric bypass therapy" is a Treatment
        category = category or "NamedThing"
        line = min((line_of[k] for k in seen if k in line_of),
                   default=_bisect.bisect_right(starts, first_seen[head][0]) if head in first_seen else 0)
        if head in first_seen:
            line = min(line, _bisect.bisect_right(starts, first_seen[head][0]))
        synonyms = tuple(s for s in dict.fromkeys(label_of(s) if s[:1].isupper() else s for s in surfaces)
                         if fold(s) != fold(label))
        origin_name = "glossary" if head in glossary else origin.get(head, "lexicon")
        proposals.append(EntityProposal(entity, label, category, synonyms, identifiers, origin_name, line,
                                        definition=definition))
        categories[entity] = category
        for k in keys:
            entity_of[k] = entity
    spans = tuple(Span(tokens[first][0], tokens[last][1], entity_of[key], text[tokens[first][0]:tokens[last][1]])
                  for first, last, key in matches if key in entity_of)
    return Recognition(spans, tuple(sorted(proposals, key=lambda p: (p.known, p.id))), categories)
