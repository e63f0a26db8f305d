"""Draft claims from the structure of a sentence, and from a table's rows.

A rule system, tested clause by clause (``tests/curation/test_drafting.py``); the words it knows are data
(``data/ingest.yaml``: verbs of change by sign, nouns of change, link phrases, hedges, context
phrases and the function words under ``grammar``). For each verb of change in a sentence:

- **voice**: a participle after a form of *be* (``is suppressed by``), or one directly followed by
  ``by`` (``inflammation caused by insulin resistance``), is passive: the entity after ``by`` is
  the agent and the one before the verb is affected;
- **agent**: the grammatical subject of the verb's clause: the first entity of the clause after
  an introduction (``In women, ...``, ``By reducing X, ...``) that no preposition attaches to
  what comes before it (``high levels of GH`` is GH); after ``that``/``which`` the entity before
  it; a verb after ``and``, ``by``, ``while`` ... shares the agent of the verb before it (or, first
  in the sentence, the main clause's); a bare pronoun (``it``, ``this``, ``they``) takes the
  previous sentence's subject; ``A and B raise X`` is two agents;
- **affected**: the first entity of the object phrase (``lowers the circulating levels of X`` is
  X, with the aspect its words name); ``X suppresses A and B`` is two claims;
- **nouns of change**: ``leads to an increase in X``, ``is a key driver of X``: the noun's sign;
- **anaphora**: ``this axis`` / ``its signaling cascade`` name the entity last named with that
  head noun; ``these molecules`` (subject, object, or before ``which``) the list named before;
- **more shapes**: ``X declines during Y`` (Y lowers X); ``The increase in A and reduction in B
  are drivers of X``; ``its effects on X can vary`` (variable); ``A signaling and subsequent B``
  (A raises B); a parenthesis renaming the object phrase; examples after the object's complements;
- **result participles**: ``X blocks Y, increasing Z`` (Y lowers Z), also after a covariation
  (``As A falls, B falls, lowering C``); **purpose** (``The goal is to lower X``: the previous
  sentence's subject) and **capacity** (``its efficacy in mitigating X``); **event anaphora**
  (``This change in X is a driver of Y``: the change named last before); **moving in**
  (``X is infiltrated by Y``: X raises Y); in the object phrase, a noun of lack or change before
  ``in``/``of`` multiplies the sign (``addressing deficiencies in X``), examples after a plain
  head or a comma are acted on, adjectives in a row stay, and ``removes the N that sabotages X``
  acts on X;
- **negation** (``does not raise``): no claim, reported; **hedges** set the certainty; context
  phrases (``in men``, ``acutely``, ``in adipose tissue``) set the claim's context.

Every sentence with a verb or noun of change that gives no claim is reported with the reason.
Tables: the first column names the agent, each effect column's header the affected entity (or a
cell's own words right after its cue, a bare head noun the entity last named with it), the cell's
words the sign (a word in parentheses wins, and a word a column glosses in parentheses keeps that
sign in its other cells); ``Agent (via X)`` drafts the agent raising X.
Everything is linear in the text: each sentence is read once, left to right.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Grammar", "NoClaim", "draft_sentences", "draft_table_rows", "sentence_items", "times"]

_ITEM = re.compile(r"[^\W_]+(?:[-’'][^\W_]+)*|[^\w\s]")
_ADJECTIVE_ENDINGS = ("ous", "al", "ic", "ful", "ory", "ive", "ary")
_DEMONSTRATIVES = frozenset({"this", "that", "these", "those"})
#: most words between a verb and the entity its object phrase names
MAX_OBJECT_GAP = 8
#: the longest passage quoted whole: a longer sentence is drafted clause by clause
#: (graph.curation.ingest.MAX_SENTENCE), a claim from a longer table row quotes only its cell's part, so
#: the drafts stay proportional to the document (a quote per claim of a 100 KB row would not)
MAX_QUOTE = 2000


def times(a, b):
    """The sign of two effects in a row: a product, where a variable effect stays variable.

    >>> times(-1, -1), times(1, 0), times("variable", -1), times(0, "variable")
    (1, 0, 'variable', 0)
    """
    if a == 0 or b == 0:
        return 0
    if isinstance(a, str) or isinstance(b, str):
        return a if isinstance(a, str) else b
    return a * b


@dataclass(frozen=True)
class Grammar:
    """The words of the drafting rules, by role (``grammar`` and friends in data/ingest.yaml)."""

    verbs: Mapping[tuple[str, ...], int]  # word forms (as tuples of words) -> sign
    nouns: Mapping[str, int]
    links: frozenset[tuple[str, ...]]
    be: frozenset[str]
    auxiliaries: frozenset[str]
    negations: frozenset[str]
    relatives: frozenset[str]
    pronouns: frozenset[str]
    determiners: frozenset[str]
    openers: frozenset[str]
    coordinators: frozenset[str]
    stops: frozenset[str]
    breaks: frozenset[str]
    prepositions: frozenset[str]
    context: tuple[tuple[str, str, str], ...]  # (phrase, key, value)
    tissue_categories: frozenset[str]
    #: nouns that may follow an entity in its own phrase ("TNF-α levels", "fat accumulation")
    aspect_words: frozenset[str] = frozenset()
    #: words that name an agent by its lack ("low testosterone"): the claim's sign flips
    inverters: frozenset[str] = frozenset()
    #: phrases that introduce examples ("such as", "including"), as tuples of items
    examples: tuple[tuple[str, ...], ...] = ()
    #: nouns an object phrase passes through ("a state of X")
    light_nouns: frozenset[str] = frozenset()
    #: pronouns that stand for a list ("they", "these molecules")
    plurals: frozenset[str] = frozenset()
    #: prepositions a verb takes before its object ("interfere with X", "act on X")
    particles: frozenset[str] = frozenset()
    #: prepositions naming what a change happens with ("declines during menopause")
    occasions: frozenset[str] = frozenset()
    #: nouns naming an effect ("its effects on X can vary")
    effect_nouns: frozenset[str] = frozenset()
    #: adjectives of what follows from the thing named before ("A and subsequent B")
    sequels: frozenset[str] = frozenset()
    #: adverbs that make a participle the consequence of the change before ("further reducing Y")
    consequences: frozenset[str] = frozenset()
    #: conjunctions that open a clause of a change the main clause's change goes with ("As A
    #: declines, B falls")
    covariations: frozenset[str] = frozenset()
    #: verbs of an entity's rise by moving in ("glucose enters the blood"), for covariations
    arrivals: frozenset[str] = frozenset()
    #: verbs of moving into a place ("X is infiltrated by Y", "Y infiltrates X"): the place gains
    #: the mover, so X raises Y (its abundance there)
    infiltrations: frozenset[str] = frozenset()
    #: nouns of a purpose ("The goal is to lower X"): the agent is its owner ("of T"), else the
    #: previous sentence's subject
    purposes: frozenset[str] = frozenset()
    #: nouns of an owner's capacity before a gerund ("its efficacy in mitigating X"): the owner acts
    capacities: frozenset[str] = frozenset()
    #: nouns of an event that "this" / "these" name ("This change in fat distribution is ..."):
    #: the change the previous sentence named last
    event_nouns: frozenset[str] = frozenset()
    #: verbs of keeping a state: as a participle after a comma ("..., maintaining X") they name no
    #: consequence of the change before
    keeps: frozenset[str] = frozenset()
    #: words that name what a table's agent acts through, in its cell's parenthesis ("(via IGF-1)")
    mediators: frozenset[str] = frozenset()

    @functools.cached_property
    def verb_starts(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """Verb forms by their first word, longest first."""
        found: dict[str, list[tuple[str, ...]]] = {}
        for form in sorted(self.verbs, key=len, reverse=True):
            found.setdefault(form[0], []).append(form)
        return {word: tuple(forms) for word, forms in found.items()}

    @functools.cached_property
    def link_starts(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """The link phrases by each inflected form of their first word ("leads", "led": lead to)."""
        found: dict[str, list[tuple[str, ...]]] = {}
        for link in self.links:
            head = link[0]
            stem = head[:-1] if head.endswith("e") else head
            forms = {head, head + "s", head + "ed", stem + "ed", stem + "ing", head + "ing", head + "es"}
            forms |= {"led"} if head == "lead" else set()
            for form in forms:
                found.setdefault(form, []).append(link)
        return {form: tuple(links) for form, links in found.items()}

    @functools.cached_property
    def example_starts(self) -> frozenset[str]:
        """The first words of the phrases that introduce examples ("such", "like", "including")."""
        return frozenset(phrase[0] for phrase in self.examples if phrase)

    @functools.cached_property
    def link_ends(self) -> frozenset[str]:
        """The last words of the link phrases ("to" of "lead to")."""
        return frozenset(link[-1] for link in self.links)


@dataclass(frozen=True)
class NoClaim:
    """A sentence with a cue of change that gave no claim, and why."""

    line: int
    cue: str
    reason: str
    sentence: str


@dataclass(frozen=True)
class _Item:
    kind: str  # "E" entity, "W" word, "P" punctuation
    text: str  # entity id, lowercased word or the punctuation mark
    start: int
    end: int


def sentence_items(text: str, start: int, end: int, spans: Sequence, starts: Sequence[int] | None = None) -> list[_Item]:
    """Return a sentence as items: each entity span one item, other words and marks one each.

    ``spans`` are the document's entity spans sorted by start (any with ``start``, ``end`` and
    ``entity``); ``starts`` their starts (computed when not given: pass them for many sentences).
    """
    items: list[_Item] = []
    starts = [s.start for s in spans] if starts is None else starts
    index = bisect.bisect_left(starts, start)
    position = start
    while position < end:
        nxt = spans[index] if index < len(spans) and spans[index].start < end else None
        stop = nxt.start if nxt else end
        for match in _ITEM.finditer(text, position, stop):
            word = match.group()
            items.append(_Item("P" if not word[0].isalnum() else "W", word.lower(), match.start(), match.end()))
        if nxt is None:
            break
        if nxt.end <= end:
            items.append(_Item("E", nxt.entity, nxt.start, nxt.end))
        position, index = max(nxt.end, position), index + 1
    return items


# --- one sentence ----------------------------------------------------------------------------

class _Sentence:
    def __init__(self, items: list[_Item], grammar: Grammar, heads: Mapping[str, str] | None = None):
        self.items, self.g = items, grammar
        #: the last object phrase read named no entity but a list ("these molecules")
        self.plural_object = False
        #: head noun -> the entity last named with it ("the HPG axis": axis -> the HPG axis)
        self.heads = heads or {}
        #: the entity the last object phrase named by its head noun ("this axis"), if any
        self.referred: list[str] = []
        #: the same for the last subject read ("its internal signaling cascade")
        self.subject_referred: list[str] = []

    def word(self, i: int) -> str:
        return self.items[i].text if 0 <= i < len(self.items) and self.items[i].kind != "E" else ""

    def is_entity(self, i: int) -> bool:
        return 0 <= i < len(self.items) and self.items[i].kind == "E"

    def adjective(self, i: int) -> bool:
        """A word with an adjective's ending ("endogenous", "visceral", "systemic") that is no cue."""
        word = self.word(i)
        return (self.items[i].kind == "W" and word.endswith(_ADJECTIVE_ENDINGS) and len(word) > 4
                and (word,) not in self.g.verbs and word not in self.g.nouns) if 0 <= i < len(self.items) else False

    def is_adverb(self, i: int) -> bool:
        word = self.word(i)
        return len(word) > 4 and word.endswith("ly") and self.items[i].kind == "W"

    # cues: (first item, last item, sign, kind "verb" or "noun")
    def cues(self) -> list[tuple[int, int, int, str]]:
        found, i, items = [], 0, self.items
        while i < len(items):
            hit = None
            for form in self.g.verb_starts.get(self.word(i), ()):
                words = tuple(self.word(k) for k in range(i, i + len(form)))
                if words == form:
                    nominal = (len(form) == 1 and words[0] in self.g.nouns and self.word(i + 1) in {"in", "of"}
                               and (self.word(i - 1) in self.g.determiners or self.word(i - 1) in {"and", ","}
                                    or (bool(self.word(i - 1)) and self.word(i - 2) in self.g.determiners)))
                    hit = (i, i + len(form) - 1, self.g.verbs[form], "noun" if nominal else "verb")
                    break
            if hit is None and self.word(i) in self.g.nouns:
                hit = (i, i, self.g.nouns[self.word(i)], "noun")
            if hit is None:  # "contributes to insulin resistance": a link straight to an entity raises it
                for link in self.g.link_starts.get(self.word(i), ()):
                    words = tuple(self.word(k) for k in range(i, i + len(link)))
                    k = i + len(link)
                    while self.word(k) in self.g.determiners:
                        k += 1
                    after = self.word(k + 1)  # the entity is the whole object ("leads to the tyrosine phosphorylation" is not)
                    if (words == link or _inflected(words, link)) and self.is_entity(k) and not self.modifier(k) \
                            and (k + 1 >= len(self.items) or self.items[k + 1].kind == "P" or after in self.g.stops
                                 or after in self.g.prepositions or after in {"and", "or"} or after in self.g.breaks):
                        hit = (i, i + len(link) - 1, 1, "verb")
                        break
            if hit:
                found.append(hit)
                i = hit[1] + 1
            else:
                i += 1
        return found

    def clause_start(self, v: int) -> int:
        """The first item of the clause holding item ``v``, after any introduction."""
        start = 0
        for k in range(v - 1, -1, -1):
            if self.word(k) in self.g.breaks or (self.word(k) == "," and self.word(k + 1) in self.g.breaks):
                start = k + 1
                break
        # an introduction ("In women,") or a subordinate clause ("While GH declines with age,")
        # before the verb's own clause: the clause starts after its comma
        if (self.word(start) in self.g.openers or self.is_adverb(start)
                or (start > 0 and self.word(start - 1) not in {";", ":", ","})):
            # not a comma inside a list of entities ("By raising A, B, and C, T lowers X")
            comma = next((k for k in range(start, v) if self.word(k) == "," and not (
                self.is_entity(k - 1) and k < max(self.coordinated(k - 1), default=-1))), None)
            if comma is not None:
                start = comma + 1
        return start

    def coordinated(self, k: int, forward: bool = True, verb_ends: bool = False) -> list[int]:
        """Entities coordinated with the entity at ``k`` (``A, B and C``), going right; with
        ``verb_ends`` a verb after the last one ends the list instead of starting a clause
        ("agents like A or B are designed to ...")."""
        found, i = [], k + 1
        while True:
            j = i
            if self.word(j) == "(" and self.is_entity(j + 1) and self.word(j + 2) == ")":
                i = j = j + 3
            if self.word(j) not in {",", "and", "or", "/"}:
                break
            if self.word(j) == "," and self.word(j + 1) in {"a", "an"}:
                break  # "Enclomiphene, a modulator (SERM), blocks": an apposition, not a list
            while self.word(j) in {",", "and", "or", "/", "as", "well"} or self.word(j) in self.g.determiners:
                j += 1
            if not self.is_entity(j) and self.adjective(j) and self.is_entity(j + 1):
                j += 1  # "A and endogenous B"
            if not self.is_entity(j):
                break
            after = self.word(j + 1)
            if not verb_ends and (after in self.g.be or after in self.g.auxiliaries
                                  or ((after,) in self.g.verbs and self.word(j + 2) != "by")):
                break  # "... and B raises C": B starts a clause ("and B caused by C" does not)
            found.append(j)
            if verb_ends and (after in self.g.be or after in self.g.auxiliaries or (after,) in self.g.verbs):
                break
            i = j + 1
        return found

    def examples(self, i: int) -> list[int]:
        """Entities named as examples from item ``i`` on: "(such as JNK and IKKβ)", ", including
        A, B and C", "like TNF-α"."""
        while self.word(i) in {",", "("}:
            i += 1
        if self.word(i) not in self.g.example_starts:
            return []
        for phrase in self.g.examples:
            if tuple(self.word(m) for m in range(i, i + len(phrase))) == phrase:
                k = i + len(phrase)
                while self.word(k) in self.g.determiners:
                    k += 1
                if self.is_entity(k):
                    return [k] + [c for c in self.coordinated(k, verb_ends=True) if not self.modifier(c)]
        return []

    def list_at(self, k: int) -> list[str]:
        """The entities listed from the entity at ``k`` on (itself, what it coordinates, examples)."""
        if self.word(k - 1) in {",", "and", "or", "/"} and (
                self.is_entity(k - 2) or (self.word(k - 2) == ")" and self.is_entity(k - 3))):
            return []  # inside a list begun earlier ("A (ABBR), B and C")
        found = [k] + [c for c in self.coordinated(k, verb_ends=True) if not self.modifier(c)]
        return list(dict.fromkeys(self.items[m].text for m in found + self.examples(self._end(k))))

    def _gloss(self, i: int) -> int | None:
        """An entity in parentheses that renames the object phrase continuing from item ``i``
        through a preposition ("fat storage in the hips and thighs (subcutaneous fat)"), or None."""
        if self.word(i) not in self.g.prepositions:
            return None
        for k in range(i + 1, min(len(self.items), i + MAX_OBJECT_GAP)):
            word = self.word(k)
            if word == "(":
                if self.is_entity(k + 1) and self.word(k + 2) == ")" and (
                        k + 3 >= len(self.items) or self.items[k + 3].kind == "P" or self.word(k + 3) in self.g.stops
                        or self.word(k + 3) in self.g.relatives):
                    return k + 1
                return None
            if self.items[k].kind == "P" or (word,) in self.g.verbs or word in self.g.be or word in self.g.relatives \
                    or word in self.g.breaks:
                return None
        return None

    def _next_comma(self, i: int) -> int:
        """The comma that ends the object phrase's complements from item ``i`` on ("genes within
        the pathway in adipocytes, including A"), or ``i`` when a verb, stop or mark comes first."""
        for k in range(i, min(len(self.items), i + MAX_OBJECT_GAP)):
            word = self.word(k)
            if word == ",":
                return k
            if (self.items[k].kind == "P" or (word,) in self.g.verbs or word in self.g.be
                    or word in self.g.breaks or (word in self.g.stops and word not in self.g.prepositions)):
                return i
        return i

    def _end(self, k: int) -> int:
        """The item after an entity and what it coordinates ("A, B (ABBR) and C")."""
        last = max([k, *self.coordinated(k)])
        if self.word(last + 1) == "(" and self.is_entity(last + 2) and self.word(last + 3) == ")":
            last += 3
        return last + 1

    def _coordinated_left(self, k: int, lo: int = 0) -> list[int]:
        """Entities coordinated before the subject at ``k`` (``A and B raise X``), from item ``lo``
        on (not across an introduction: ``By reducing A, B lowers X``)."""
        found = []
        while k - 2 >= lo and self.word(k - 1) in {"and", "or", ","} and self.is_entity(k - 2):
            found.insert(0, k - 2)
            k -= 2
        return found

    def subject(self, v: int, lo: int) -> tuple[list[int] | str, bool]:
        """The agent items of a verb at ``v`` (or "inherit" / "pronoun" / "none") and negation."""
        negated, j = False, v - 1
        while j >= lo and (self.word(j) in self.g.auxiliaries or self.is_adverb(j)
                           or self.word(j) in self.g.negations
                           # "which are known to interfere": the be of a raising verb
                           or (self.word(j) in self.g.be and j + 1 < v and self.word(j + 1) in self.g.auxiliaries)):
            negated = negated or self.word(j) in self.g.negations
            j -= 1
        if j < lo:
            return "none", negated
        purpose = self.purpose(v)
        if purpose is not None:  # "The goal (of T) is to lower X"
            return purpose, negated
        if self.word(v - 1) in {"in", "of"} and self.word(v - 2) in self.g.capacities and self.word(v).endswith("ing") \
                and self.word(v - 3) in {"its", "their"}:  # "Its efficacy in mitigating X": its owner
            return ("pronoun" if self.word(v - 3) == "its" else "plural"), negated
        start = self.clause_start(v)
        if self.word(start) in _DEMONSTRATIVES and self.word(start + 1) in self.g.event_nouns:
            return "event", negated  # "This change in X is a driver of Y": the change named before
        if self.is_entity(j) and self.word(j - 1) not in self.g.prepositions and not self.modifier(j) and all(
                self.word(m) in self.g.auxiliaries or self.is_adverb(m) or self.word(m) in self.g.negations
                for m in range(j + 1, v)):
            start = self.clause_start(v)
            if self.word(start) in _DEMONSTRATIVES and any(self.word(m) == "of" for m in range(start, j)):
                return "demonstrative", negated  # "This state of high insulin is ...": what was named before
            return [j] + self._coordinated_left(j, start), negated
        if self.word(j) == "by" and self.word(v).endswith("ing"):
            return "means", negated  # "X lowers Y by reducing Z": X reduces Z, and Z raises Y
        if (self.word(j) in self.g.coordinators or (self.word(j) == "," and self.word(v).endswith("ing"))) \
                and not self.is_entity(j):
            return "inherit", negated
        if self.word(j) in self.g.relatives:
            k = j - 1
            while k >= 0 and self.word(k) == ",":
                k -= 1
            if self.word(k) == ")" and self.is_entity(k - 1):
                k -= 2
            if self.is_entity(k):
                return [k], negated
            # "these inflammatory molecules, which ...": the list they stand for
            if any(self.word(m) in self.g.plurals and self.word(m) in self.g.determiners for m in range(k - 2, k + 1)):
                return "plural", negated
            # "they are active agents that induce X": the clause's pronoun is the agent
            first = self.word(self.clause_start(v))
            return ("plural" if first in self.g.plurals else "none"), negated
        start = self.clause_start(v)
        region = range(start, j + 1)
        for k in region:
            if (self.is_entity(k) and self.word(k - 1) not in self.g.prepositions and not self.modifier(k)
                    and self.word(k - 1) not in {"and", "or", "/"}):  # not the rest of a list whose head was left
                if any(self.word(m) in self.g.relatives or self.word(m) in self.g.be for m in range(start, k)):
                    break
                if self.word(start) in _DEMONSTRATIVES and any(self.word(m) == "of" for m in range(start, k)):
                    return "demonstrative", negated  # "This state of high insulin is ...": what was named before
                return [k] + [c for c in self.coordinated(k) if c <= j] + [
                    e for e in self.examples(self._end(k)) if e <= j], negated
        for k in region:  # "Peptide therapies, such as A or B, raise X": the examples act
            found = [e for e in self.examples(k) if e <= j]
            if found:
                return found, negated
        words = [self.word(k) for k in region if self.word(k) not in {",", "(", ")"}]
        head = [w for w in words if w not in self.g.be and w not in self.g.auxiliaries]
        if 2 <= len(head) <= 4 and head[0] in {"its", "their"} \
                and head[-1] in self.heads and not any(self.is_entity(k) for k in region):
            self.subject_referred = [self.heads[head[-1]]]  # "its internal signaling cascade": the cascade named before
            return "referred", negated
        if words and len(words) <= 3 and words[0] in self.g.pronouns:
            if len(words) == 2 and words[0] in self.g.plurals and words[1] in self.heads:
                # "these protocols": what was just listed, else the entity last named with that head noun
                self.subject_referred = [self.heads[words[1]]]
                return "plural-head", negated
            if words[0] in self.g.plurals:  # "they", "these molecules": what was just listed
                return "plural", negated
            return ("pronoun" if len(words) == 1 else "demonstrative"), negated
        return "none", negated

    def after_relative(self, v: int) -> bool:
        """The verb at ``v`` opens a relative clause ("Y that (can) secrete Z")."""
        j = v - 1
        while j >= 0 and (self.word(j) in self.g.auxiliaries or self.is_adverb(j) or self.word(j) in self.g.be):
            j -= 1
        return self.word(j) in self.g.relatives

    def purpose(self, v: int) -> list[int] | str | None:
        """The agent of a verb in a clause of purpose, "The goal (of T) is to ... V": T's item, or
        "pronoun" (the previous sentence's subject) when no owner is named; None for any other clause."""
        start = self.clause_start(v)
        k = start
        while self.word(k) in self.g.determiners:
            k += 1
        if self.word(k) not in self.g.purposes:
            return None
        owner, k = None, k + 1
        if self.word(k) == "of":
            k += 1
            while self.word(k) in self.g.determiners:
                k += 1
            if not self.is_entity(k):
                return None
            owner, k = k, self._end(k)
        if self.word(k) not in self.g.be or self.word(k + 1) != "to" or any(
                self.word(m) in self.g.breaks or self.word(m) in self.g.relatives for m in range(k + 2, v)):
            return None
        return [owner] if owner is not None else "pronoun"

    def objects(self, v_end: int) -> tuple[list[int], list[str]]:
        """The entities a verb ending at ``v_end`` acts on, and the words skipped to reach them."""
        skipped, k = [], v_end + 1
        self.plural_object, self.referred, self.object_flip = False, [], 1
        if self.word(k) in self.g.particles:  # "interfere with X"
            k += 1
        while k < len(self.items) and len(skipped) <= MAX_OBJECT_GAP:
            item = self.items[k]
            if item.text == "," and self._coordinate_adjectives(skipped) and self.items[k + 1:k + 2] \
                    and self.items[k + 1].kind != "P" and self.word(k + 1) not in {"and", "or"} \
                    and self.word(k + 1) not in self.g.relatives and self.word(k + 1) not in self.g.stops:
                k += 1  # "a specific, low-grade, chronic inflammatory state": adjectives in a row
                continue
            if item.kind == "E":
                if self.word(k - 1) in self.g.prepositions - {"in", "on"} and skipped:
                    return [], skipped
                if self.modifier(k):  # "glucose-hungry muscle mass": go on to the phrase's head
                    skipped.append(self.items[k].text)
                    k += 1
                    continue
                gloss = self._gloss(self._end(k))
                if gloss is not None:  # "fat storage in the hips and thighs (subcutaneous fat)"
                    return [gloss], skipped
                found = [k] + [c for c in self.coordinated(k) if not self.modifier(c)]
                return found + (self.examples(self._end(k)) or self.examples(self._next_comma(self._end(k)))), skipped
            if item.kind == "P" and item.text not in {"-", "’", "'"}:
                # "activating kinase pathways (such as JNK and IKKβ)", "immune cells, particularly
                # macrophages": the examples are acted on
                self.plural_object = item.text != "(" and self._listed(skipped)
                return (self.examples(k) if item.text in {"(", ","} and skipped else []), skipped
            if skipped and self.examples(k):  # "key hormones like A and B": the examples are acted on
                return self.examples(k), skipped
            if item.text in {"of", "in"} and skipped and (skipped[-1] in self.g.inverters
                                                            or self.g.nouns.get(skipped[-1]) in (1, -1)):
                # "address deficiencies in X", "reduce the loss of X": the noun's change is on X
                self.object_flip = times(self.object_flip, -1 if skipped[-1] in self.g.inverters
                                         else self.g.nouns[skipped[-1]])
                skipped.append(item.text)
                k += 1
                continue
            if item.text in self.g.relatives and skipped and self.g.verbs.get((self.word(k + 1),)) in (1, -1) \
                    and not self._listed(skipped):
                # "removes the interference that sabotages X": what the unnamed thing does to X, inverted
                # by what is done to it
                flip, inner = self.object_flip, self.g.verbs[(self.word(k + 1),)]
                found, more = self.objects(k + 1)
                self.object_flip = times(times(flip, inner), self.object_flip)
                return found, skipped + [item.text, self.word(k + 1)] + more
            if item.text in self.g.stops or item.text in self.g.breaks or item.text in self.g.be:
                self.plural_object = self._listed(skipped)
                return [], skipped
            if item.text in {"this", "that"} and self.word(k + 1) in self.heads and not self.is_entity(k + 2):
                self.referred = [self.heads[self.word(k + 1)]]  # "the integrity of this axis"
                return [], skipped
            # a preposition after a noun that is not an aspect or a change ("fat storage in the
            # hips"): the object phrase ended on that noun, which is no entity
            if item.text in self.g.prepositions | {"of"} and skipped and skipped[-1] not in self.g.determiners \
                    and skipped[-1] not in self.g.aspect_words and skipped[-1] not in self.g.nouns \
                    and skipped[-1] not in self.g.light_nouns \
                    and (skipped[-1],) not in self.g.verbs and skipped[-1] not in self.g.prepositions | {"of"}:
                return [], skipped
            if skipped and skipped[-1] in self.g.determiners and item.text.endswith("ed") \
                    and self.g.nouns.get(item.text) in (1, -1):
                # "the increased risk of X", "a reduced level of X": a participle as an adjective
                self.object_flip = times(self.object_flip, self.g.nouns[item.text])
            elif (item.text,) in self.g.verbs and skipped:
                return [], skipped
            skipped.append(item.text)
            k += 1
        self.plural_object = k >= len(self.items) and self._listed(skipped)
        return [], skipped

    def _coordinate_adjectives(self, skipped: list[str]) -> bool:
        """The object phrase so far is a determiner and adjectives ("a specific", "a specific,
        low-grade"), so a comma next separates adjectives, not clauses."""
        return len(skipped) >= 2 and skipped[0] in self.g.determiners and all(
            (w.endswith(_ADJECTIVE_ENDINGS) or "-" in w)
            and (w,) not in self.g.verbs and w not in self.g.nouns for w in skipped[1:])

    def compound_causes(self) -> list[tuple[int, int, int]]:
        """``(A, B, sign)`` for "A-induced B", "A-mediated B" (a participle of a verb of change
        hyphenated to an entity, before another)."""
        found = []
        for i in range(len(self.items) - 3):
            if (self.is_entity(i) and self.word(i + 1) == "-" and (self.word(i + 2),) in self.g.verbs
                    and self.items[i + 2].start == self.items[i + 1].end == self.items[i].end + 1
                    and self.word(i + 2).endswith(("ed", "en")) and self.is_entity(i + 3)):
                found.append((i, i + 3, self.g.verbs[(self.word(i + 2),)]))
        return found

    def nominal_passives(self) -> list[tuple[int, int, int]]:
        """``(agent, affected, sign)`` for "the reduction of A by X" (X lowers A)."""
        found = []
        for m, item in enumerate(self.items):
            if item.kind == "W" and item.text in self.g.nouns and self.word(m + 1) in {"of", "in"}:
                k = m + 2
                while self.word(k) in self.g.determiners:
                    k += 1
                if self.is_entity(k) and self.word(k + 1) == "by" and self.is_entity(k + 2):
                    found.append((k + 2, k, self.g.nouns[item.text]))
        return found

    def sequels(self) -> list[tuple[int, int]]:
        """``(A, B)`` item pairs for "A [signaling] and subsequent B": B follows from A."""
        found = []
        for i, item in enumerate(self.items):
            if item.kind == "W" and item.text in self.g.sequels and self.word(i - 1) == "and" and self.is_entity(i + 1):
                k = i - 2  # back over the head nouns of A's phrase ("GH pulse", "LH (LH) signaling")
                while k >= max(0, i - 3) and self.items[k].kind == "W" and self.word(k).isalpha() \
                        and self.word(k) not in self.g.stops and self.word(k) not in self.g.prepositions \
                        and self.word(k) not in self.g.determiners and (self.word(k),) not in self.g.verbs:
                    k -= 1
                if self.word(k) == ")" and self.is_entity(k - 1) and self.word(k - 2) == "(":
                    k -= 1
                if k >= 0 and self.is_entity(k):
                    found.append((k, i + 1))
        return found

    def effect_on(self, v: int) -> tuple[str | None, str] | None:
        """``(owner, target)`` when the clause of a word of change at ``v`` is about an effect
        ("its effects on X can vary": owner None, the possessive's; "the effects of A on X
        vary": A), else None."""
        for m in range(self.clause_start(v), v):
            if self.word(m) in self.g.effect_nouns and self.word(m + 1) == "on" and self.is_entity(m + 2):
                if self.word(m - 1) in {"its", "their"}:
                    return None, self.items[m + 2].text
                return None
            if self.word(m) in self.g.effect_nouns and self.word(m + 1) == "of" and self.is_entity(m + 2) \
                    and self.word(m + 3) == "on" and self.is_entity(m + 4):
                return self.items[m + 2].text, self.items[m + 4].text
        return None

    def changed_subjects(self, v: int) -> list[tuple[str, int]]:
        """The entities a subject made of nouns of change names, with each noun's sign: "The
        sustained increase in A and reduction in B" before the verb at ``v``."""
        found = []
        for m in range(self.clause_start(v), v):
            if self.word(m) in self.g.nouns and self.word(m + 1) in {"in", "of"}:
                k = m + 2
                while self.word(k) in self.g.determiners:
                    k += 1
                if self.is_entity(k) and not self.modifier(k):
                    found.append((self.items[k].text, self.g.nouns[self.word(m)]))
        return found

    def occasion(self, v: int) -> str | None:
        """The entity a change at ``v`` happens with ("declines during menopause", "rises with
        obesity"), when the word of change is used as an intransitive verb, else None."""
        if self.word(v) in self.g.determiners or self.word(v - 1) in self.g.determiners or self.word(v + 1) not in self.g.occasions:
            return None
        k = v + 2
        while self.word(k) in self.g.determiners:
            k += 1
        return self.items[k].text if self.is_entity(k) and not self.modifier(k) else None

    def named_heads(self) -> dict[str, str]:
        """The head nouns this sentence names entities with: the noun after an entity ("the HPG
        axis") and the last word of its id ("visceral-adipose-tissue": tissue)."""
        found = {}
        for k, item in enumerate(self.items):
            if item.kind == "E":
                last = item.text.rsplit("-", 1)[-1]
                if last.isalpha() and len(last) > 3:
                    found[last] = item.text
                after = k + 4 if self.word(k + 1) == "(" and self.is_entity(k + 2) and self.word(k + 3) == ")" else k + 1
                noun = self.word(after)  # "the HPG axis", "the hypothalamic-pituitary-gonadal (HPG) axis"
                if noun and noun.isalpha() and len(noun) > 3 \
                        and noun not in self.g.stops and noun not in self.g.prepositions and (noun,) not in self.g.verbs \
                        and noun not in self.g.be and noun not in self.g.auxiliaries and noun not in self.g.coordinators:
                    found[noun] = item.text
        return found

    def _listed(self, skipped: list[str]) -> bool:
        """The object phrase ends on "these/those" and at most two words ("these inflammatory
        molecules"): it stands for what the previous sentence listed."""
        marks = [m for m, w in enumerate(skipped) if w in self.g.plurals and w in self.g.determiners]
        return bool(marks) and len(skipped) - marks[-1] - 1 <= 2

    def link_head(self, v: int) -> int | None:
        """The first item of the link before a noun or participle of change at ``v`` ("leads to
        an increase", "is a key driver", "leads to increased"), or None."""
        j = v - 1
        while j >= 0 and j > v - 4 and self.items[j].kind == "W" and self.word(j) not in self.g.be \
                and self.word(j) not in self.g.link_ends and self.word(j) not in {"and", ","}:
            j -= 1
        for link in self.g.links:
            words = tuple(self.word(m) for m in range(j - len(link) + 1, j + 1))
            if words == link or _inflected(words, link):
                return j - len(link) + 1
        return j if self.word(j) in self.g.be else None

    def before_phrase(self, v: int) -> int:
        """The item before the determiner and adjectives of a noun at ``v`` ("and a corresponding
        decrease": the "and")."""
        k = v - 1
        while k >= 0 and k > v - 4 and self.items[k].kind == "W" and self.word(k) not in {"and", ","} \
                and self.word(k) not in self.g.be and (self.word(k),) not in self.g.verbs:
            k -= 1
        return k

    def inverted(self, subject, v: int) -> int:
        """-1 when the agent is named by its lack ("low testosterone", "the decline of X", "this
        decline" after a sentence about X), else 1."""
        if isinstance(subject, list) and subject:
            before = [self.word(m) for m in range(max(0, subject[0] - 3), subject[0])]
        elif subject == "demonstrative":
            before = [self.word(m) for m in range(self.clause_start(v), v)]
        else:
            return 1
        if len(before) >= 2 and before[-1] in {"of", "in"} and self.g.nouns.get(before[-2]) == -1:
            return -1  # "the reduction of X lowers Y": X raises Y
        if isinstance(subject, list) and subject:
            gerund = self.gerund(subject[0], v)
            if gerund is not None:
                return gerund
        return -1 if any(w in self.g.inverters for w in before) else 1

    def gerund(self, k: int, v: int) -> int | None:
        """The sign of a gerund of change that opens the clause of ``v`` and takes the entity at
        ``k`` as its object ("Reducing X lowers Y": X's fall lowers Y, so X raises Y), else None."""
        m = k - 1
        while m >= 0 and self.word(m) in self.g.determiners:
            m -= 1
        sign = self.g.verbs.get((self.word(m),))
        if m < 0 or not self.word(m).endswith("ing") or sign not in (1, -1) or m != self.clause_start(v):
            return None
        return sign

    def _change(self, i: int) -> int | None:
        """The sign of a word of change used intransitively at ``i`` ("declines", "rises", "is
        released"), else None."""
        word = self.word(i)
        for form in (word, word[:-1] if word.endswith("s") else None):
            if form and form in self.g.nouns and self.g.nouns[form] in (1, -1):
                return self.g.nouns[form]
        sign = self.g.verbs.get((word,))
        return sign if sign in (1, -1) else None

    def covariation(self) -> list[tuple[str, str, int, int, list[str]]]:
        """``(A, B, sign, cue item, the main clause's words)`` for two intransitive changes that go
        together: "As A declines, (the secretion of) B falls" drafts A raising B; "When A enters
        the blood, B is released" too. The clause may follow an introduction ("After a meal, as
        ..."); both clauses must be nothing but an entity, its aspect words and the change. A
        participle of change after them ("..., lowering C") is what both changes do to C."""
        s = 0 if self.word(0) in self.g.covariations else None
        if s is None and self.word(0) in self.g.openers:
            comma = next((k for k in range(len(self.items)) if self.word(k) == ","), None)
            s = comma + 1 if comma is not None and self.word(comma + 1) in self.g.covariations else None
        if s is None:
            return []
        k = s + 1 + (self.word(s + 1) in self.g.determiners)
        if not self.is_entity(k):
            return []
        agent, k = self.items[k].text, k + 1
        if self.word(k) == "(":  # "glucose (sugar)": a gloss
            k = next((m + 1 for m in range(k, min(k + 6, len(self.items))) if self.word(m) == ")"), k)
        while self.word(k) in self.g.aspect_words or self.is_adverb(k):
            k += 1
        first = 1 if self.word(k) in self.g.arrivals else self._change(k)
        comma = next((m for m in range(k, len(self.items)) if self.word(m) in {",", "."} | self.g.breaks
                      or self.is_entity(m)), None)
        if first is None or comma is None or self.word(comma) != "," \
                or (comma != k + 1 and self.word(k) not in self.g.arrivals):  # "enters the blood": a place
            return []
        end = next((m for m in range(comma + 1, len(self.items))
                    if self.word(m) in {",", "."} | self.g.breaks or self.items[m].kind == "P"), len(self.items))
        v2 = end - 1
        while v2 > comma and self.is_adverb(v2):
            v2 -= 1
        second = self._change(v2) if v2 > comma + 1 else None
        if second is None:
            return []
        affected = []
        for m in range(comma + 1, v2):
            if self.is_entity(m):
                affected.append(self.items[m].text)
            elif not (self.word(m) in self.g.determiners or self.word(m) in self.g.aspect_words or self.is_adverb(m)
                      or self.word(m) in {"of", "and", "or", ","} or self.word(m) in self.g.be
                      or self.word(m) in self.g.auxiliaries):
                return []
        words = [self.word(m) for m in range(comma + 1, v2 + 1) if not self.is_entity(m)]
        found = [(agent, b, times(first, second), v2, words) for b in affected if b != agent]
        # "..., lowering the inflammatory load": both changes are what changes it
        result = self.g.verbs.get((self.word(end + 1),)) if self.word(end) == "," else None
        if found and result in (1, -1) and self.word(end + 1).endswith("ing") \
                and self.word(end + 1) not in self.g.keeps:
            targets, more = self.objects(end + 1)
            for c in targets:
                for entity, changed in [(agent, first), *((b, second) for b in affected)]:
                    found.append((entity, self.items[c].text, times(changed, result), end + 1, more))
        return found

    def modifier(self, k: int) -> str | None:
        """The noun after the entity at ``k`` when the entity only modifies it ("insulin
        sensitivity" when only insulin is an entity), else None."""
        if k + 2 < len(self.items) and self.word(k + 1) in {"-", "’", "'"} and self.items[k + 1].start == self.items[k].end:
            return self.word(k + 2)  # "glucose-hungry muscle", "estrogen’s feedback": the entity modifies
        word = self.word(k + 1)
        if (not word or self.items[k + 1].kind != "W" or word in self.g.aspect_words or word in self.g.stops
                or word in self.g.prepositions or word in self.g.coordinators or word in self.g.be
                or word in self.g.auxiliaries or word in self.g.relatives or word in {"and", "or", "of"}
                or (word,) in self.g.verbs or word in self.g.nouns or self.is_adverb(k + 1)
                or word.endswith(("s", "ed"))):
            return None
        return word

    def lead_entity(self) -> str | None:
        """The first entity of the main clause (a copula sentence's subject, for pronouns after it)."""
        start = 0
        if self.word(0) in self.g.openers or self.is_adverb(0):
            start = next((k + 1 for k in range(len(self.items)) if self.word(k) == ","), 0)
        for k in range(start, min(start + 6, len(self.items))):
            if self.is_entity(k) and self.word(k - 1) not in self.g.prepositions:
                return self.items[k].text
        return None

    def passive(self, v: int, v_end: int) -> bool:
        word = self.word(v_end)
        if not word.endswith(("ed", "en")):
            return False
        j = v - 1
        while j >= 0 and (self.is_adverb(j) or self.word(j) in {"not", "also", "further"}):
            j -= 1
        return self.word(j) in self.g.be or self.word(v_end + 1) == "by"

    def adjectival(self, v: int) -> bool:
        """A participle used as an adjective: ``the increased risk``, ``of enhanced sensitivity``."""
        before, word = self.word(v - 1), self.word(v)
        if before in self.g.determiners:
            # "further reducing Y" (an adverb here, as the auxiliaries list it) is a verb
            return not word.endswith("s") and not (before in self.g.auxiliaries and word.endswith("ing"))
        return (before in self.g.prepositions or before == "of") and word.endswith("ed")


def _context_phrases(sentence: str, grammar: Grammar) -> dict[str, str]:
    """The context a sentence's phrases set ("in men", "acutely"): the first phrase of each key."""
    lowered = " ".join(sentence.lower().split())
    found: dict[str, str] = {}
    for phrase, key, value in grammar.context:
        if key not in found and re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", lowered):
            found[key] = value
    return found


def _tissues(items: list[_Item], grammar: Grammar, categories: Mapping[str, str]) -> list[str]:
    """The first three distinct tissues a sentence names after "in"/"within", in order: enough to
    find the first that is neither a claim's agent nor its affected entity."""
    found: list[str] = []
    for k, item in enumerate(items):
        if (item.kind == "E" and k and items[k - 1].text in {"in", "within"} and item.text not in found
                and categories.get(item.text) in grammar.tissue_categories):
            found.append(item.text)
            if len(found) == 3:
                break
    return found


def _context(sentence: str, items: list[_Item], grammar: Grammar, categories: Mapping[str, str],
             exclude: set[str], known: tuple[dict[str, str], list[str]] | None = None) -> dict[str, str]:
    """A claim's context: the sentence's context phrases, and the first tissue it names that is not
    in ``exclude``. ``known`` is ``(phrases, tissues)`` already read from this sentence, so a
    sentence with many claims is read once, not once per claim."""
    phrases, tissues = known or (_context_phrases(sentence, grammar), _tissues(items, grammar, categories))
    found = dict(phrases)
    tissue = next((t for t in tissues if t not in exclude), None)
    if tissue is not None:
        found.setdefault("tissue", tissue)
    return found


def draft_sentences(text: str, sentences: Sequence[tuple[int, int, int, str]], spans: Sequence,
                    grammar: Grammar, categories: Mapping[str, str], hedge, aspect, direct_words,
                    ) -> tuple[list[dict[str, Any]], list[NoClaim]]:
    """Draft claims from sentences ``(start, end, line, section)`` of ``text``.

    Parameters
    ----------
    spans
        The entity spans, sorted by start.
    categories
        Entity id -> Biolink category (for tissue context).
    hedge, aspect
        ``text -> (certainty, hedge)`` and ``text -> aspect or None`` (:mod:`graph.curation.ingest`).
    direct_words
        A compiled pattern of the words that make a claim direct, or None.

    Returns
    -------
    (claims, reasons)
        Claims as dicts of the :class:`graph.curation.ingest.CandidateClaim` fields, and every sentence
        with a cue of change that gave none, with why.
    """
    found, reasons = [], []
    previous_subject: list[str] = []
    previous_last: list[str] = []
    previous_group: list[str] = []  # the last list of two or more entities the previous sentence named
    heads: dict[str, str] = {}  # head noun -> the entity last named with it ("this axis")
    previous_effect: list[tuple[int, list[str]]] = []  # the previous sentence's main change: (sign, affected)
    previous_change: list[tuple[int, list[str]]] = []  # the last change the previous sentence named
    span_starts = [s.start for s in spans]
    for s_start, s_end, line, section in sentences:
        items = sentence_items(text, s_start, s_end, spans, span_starts)
        sent = _Sentence(items, grammar, heads)
        sentence = " ".join(text[s_start:s_end].split())
        drafted: list[tuple[str, str, int, str, list[str]]] = []  # subject, object, sign, cue, words
        why: list[tuple[str, str]] = []
        main_subject: list[str] = []
        pending: list[tuple[int, int, int, str, list[int], list[str]]] = []
        cues = sent.cues()
        starts = {c[0]: c for c in cues}
        consumed: set[int] = set()
        last_agents: list[str] = []
        last_flip = 1
        last_effect: list[tuple[int, list[str]]] = []  # the verb before's change: (sign, affected)
        means: list[tuple[int, list[int], str]] = []
        main_effect: list[tuple[int, list[str]]] = []
        sentence_change: list[tuple[int, list[str]]] = []
        verb_before = ""  # the word of the verb of change before ("..., reducing Y" after "lowers X")
        after_relative = False
        for v, v_end, sign, kind in cues:
            if v in consumed:
                continue
            cue = " ".join(text[items[v].start:items[v_end].end].split())
            verb, verb_before = verb_before, (verb_before if kind == "noun" else sent.word(v_end))
            # the verb before was in a relative clause ("Y that secretes Z")
            in_relative, after_relative = after_relative, (after_relative if kind == "noun" else sent.after_relative(v))
            consequence = False
            subject, listed = None, []
            linked = kind == "noun" or sent.adjectival(v)
            if linked:
                # "leads to an increase in X", "is a key driver of X", "leads to increased X"
                head = sent.link_head(v)
                occasion = sent.occasion(v)
                if occasion is not None:  # "As estrogen levels decline during menopause": menopause lowers estrogen
                    k = v - 1
                    while sent.word(k) in grammar.aspect_words or sent.is_adverb(k):
                        k -= 1
                    if sent.is_entity(k):
                        drafted.append((occasion, items[k].text, sign, cue, []))
                        continue
                effect = sent.effect_on(v) if isinstance(sign, str) else None
                if effect is not None:  # "its effects on X can vary": a variable effect of its owner on X
                    owner, target = effect
                    owners = [owner] if owner else [e for e in [sent.lead_entity()] if e] or list(previous_subject)
                    for agent in owners:
                        drafted.append((agent, target, sign, cue, []))
                    continue
                if kind == "noun" and sent.word(v + 1) not in {"in", "of", "to"}:
                    continue  # a noun of change with no "in X" / "of X": not a cue here
                if head is None and sent.word(sent.before_phrase(v)) in {"and", ","} and last_agents and kind == "noun":
                    # "... and a (corresponding) decrease in Y": the same agent, named the same way
                    agents, negated, flip = list(last_agents), False, last_flip
                elif head is None:
                    why.append((cue, "noun of change with no verb linking it to an agent" if kind == "noun"
                                else "the verb is used as an adjective"))
                    continue
                else:
                    subject, negated = sent.subject(head, 0)
                    agents = _resolve(subject, sent, main_subject, previous_subject, head, previous_last, previous_group)
                    flip = sent.inverted(subject, head)
                last_flip = flip
                objects, words = sent.objects(v + 1 if kind == "noun" else v_end)
                if negated:
                    why.append((cue, "negated"))
                    continue
                sign = times(times(sign, flip), sent.object_flip)
                if subject == "event":  # "This change in X is a driver of Y": what changed before acts on Y
                    for changed, affected in previous_change:
                        for entity in affected:
                            for k in objects:
                                drafted.append((entity, items[k].text, times(sign, changed), cue, words))
                    if objects:
                        sentence_change = [(sign, [items[k].text for k in objects])]
                    continue
                if subject == "pronoun" and sent.word(sent.clause_start(head)) in _DEMONSTRATIVES:
                    # "X stimulates Y. This leads to Z": the event is Y's change, so Y acts on Z too
                    for changed, affected in previous_effect:
                        for entity in affected:
                            for k in objects:
                                drafted.append((entity, items[k].text, times(sign, changed), cue, words))
                changes = sent.changed_subjects(head) if subject == "none" and head is not None else []
                if changes and objects:
                    # "The increase in A and reduction in B are drivers of X": A raises X, B lowers it
                    for entity, changed in changes:
                        for k in objects:
                            drafted.append((entity, items[k].text, times(sign, changed), cue, words))
                    continue
            else:
                if sent.passive(v, v_end):
                    if sent.word(v_end + 1) != "by":
                        why.append((cue, "passive with no agent (no 'by')"))
                        continue
                    agent_items, _ = sent.objects(v_end + 1)
                    agents = [items[k].text for k in agent_items]
                    subject, negated = sent.subject(v, 0)
                    affected = _resolve(subject, sent, main_subject, previous_subject, v, previous_last, previous_group)
                    if not affected:  # a reduced relative: "the inflammation caused by X"
                        k = v - 1
                        affected = [items[k].text] if sent.is_entity(k) else []
                        k -= 1
                        while k >= 0 and (sent.word(k) in {",", "and", "or"} or sent.is_entity(k)):
                            if sent.is_entity(k) and sent.word(k + 1) in {"and", "or", ","}:
                                affected.insert(0, items[k].text)
                            k -= 1
                    if negated:
                        why.append((cue, "negated"))
                        continue
                    if not agents:
                        why.append((cue, "unknown agent"))
                        continue
                    if not affected:
                        why.append((cue, "no affected entity"))
                        continue
                    if sent.word(v_end) in grammar.infiltrations:  # "X is infiltrated by Y": X gains Y
                        agents, affected = affected, agents
                    for agent in agents:
                        for obj in affected:
                            drafted.append((agent, obj, sign, cue, []))
                    sentence_change = [(sign, list(affected))]
                    continue
                subject, negated = sent.subject(v, 0)
                if negated and sign != 0:
                    why.append((cue, "negated"))
                    continue
                agents = _resolve(subject, sent, main_subject, previous_subject, v, previous_last, previous_group)
                consequence = subject == "inherit" and (sent.word(v - 1) in grammar.consequences or (
                    sent.word(v - 1) == "," and sent.word(v).endswith("ing") and sent.word(v) not in grammar.keeps
                    # "by increasing A, reducing B": a list of participles, not a consequence
                    and bool(verb) and not verb.endswith("ing")))
                if consequence and in_relative and main_subject:
                    # "T lowers X by shrinking Y that secretes Z, thereby removing W": T's, not Y's
                    agents, consequence = list(main_subject), False
                elif subject == "inherit" and last_agents:  # "interfere with and disrupt X": the verb before's
                    agents = list(last_agents)
                last_flip = sent.inverted(subject, v)
                sign = times(sign, last_flip)
                objects, words = sent.objects(v_end)
                sign = times(sign, sent.object_flip)
                listed = (list(previous_group) if sent.plural_object else sent.referred) if not objects else []
                # "stimulates the pituitary to produce LH": the change is on what the second verb names
                if len(objects) == 1 and sent.word(objects[0] + 1) == "to" and objects[0] + 2 in starts:
                    second = starts[objects[0] + 2]
                    consumed.add(second[0])
                    more, more_words = sent.objects(second[1])
                    if more:
                        objects, words, sign = more, words + more_words, times(sign, second[2])
                        cue = f"{cue} … {' '.join(text[items[second[0]].start:items[second[1]].end].split())}"
                if subject in ("inherit", "means") and not agents:
                    pending.append((v, v_end, sign, cue, objects, words))
                if subject == "means":
                    means.append((sign, objects, cue))
                if objects:  # the change this verb names, agent or not ("..., promoting X")
                    sentence_change = [(sign, [items[k].text for k in objects])]
            if agents:
                last_agents = agents
            if not agents:
                if subject != "inherit":
                    why.append((cue, "unknown agent"))
                continue
            if not main_subject:
                main_subject[:] = agents
            targets = [items[k].text for k in objects] or (listed if not linked else [])
            if targets and not linked and sent.word(v_end) in grammar.infiltrations:
                # "Y infiltrates X": X gains Y
                for agent in agents:
                    for obj in targets:
                        drafted.append((obj, agent, sign, cue, words))
                sentence_change = [(sign, list(agents))]
                continue
            if not targets:
                why.append((cue, "no affected entity after the verb"))
                continue
            if subject not in ("inherit", "means") and not main_effect:
                main_effect[:] = [(sign, targets)]
            for agent in agents:
                for obj in targets:
                    drafted.append((agent, obj, sign, cue, words))
            if not linked and consequence:
                # "suppress X ..., further reducing Y": the change of X is what changes Y
                for changed, affected in last_effect:
                    for entity in affected:
                        for obj in targets:
                            drafted.append((entity, obj, times(changed, sign), cue, words))
            last_effect = [(sign, targets)]
            sentence_change = [(sign, targets)]
        for agent, obj, changed, v, words in sent.covariation():  # "As A declines, B falls": A raises B
            drafted.append((agent, obj, changed, " ".join(text[items[v].start:items[v].end].split()), words))
        for k, m, changed in sent.compound_causes():  # "obesity-induced inflammation"
            drafted.append((items[k].text, items[m].text, changed, sent.word(k + 2), []))
        for k, m, changed in sent.nominal_passives():  # "the reduction of leptin by fasting"
            drafted.append((items[k].text, items[m].text, changed, sent.word(m - 1 - (sent.word(m - 1) in grammar.determiners)), []))
        for k, m in sent.sequels():  # "LH signaling and subsequent testosterone production": LH raises testosterone
            drafted.append((items[k].text, items[m].text, 1, sent.word(m - 1), []))
        for sign, objects, cue in means:  # "X lowers Y by reducing Z": what Z does to Y
            for main_sign, affected in main_effect:
                for k in objects:
                    for obj in affected:
                        drafted.append((items[k].text, obj, times(sign, main_sign), cue, []))
        for v, v_end, sign, cue, objects, words in pending:  # "By reducing X, T lowers Y": T reduces X
            if main_subject and objects:
                for agent in main_subject:
                    for k in objects:
                        drafted.append((agent, items[k].text, sign, cue, words))
            else:
                why.append((cue, "unknown agent" if not main_subject else "no affected entity after the verb"))
        previous_last = [it.text for it in items if it.kind == "E"][-1:] or previous_last
        heads.update(sent.named_heads())
        groups = [g for g in (sent.list_at(k) for k in range(len(items)) if sent.is_entity(k)) if len(g) > 1]
        previous_group = groups[-1] if groups else []
        previous_effect = list(main_effect)
        previous_change = sentence_change
        if main_subject:
            previous_subject = main_subject
        else:
            lead = sent.lead_entity()
            if lead is not None:
                previous_subject = [lead]
        made = 0
        read = None  # what depends on the sentence alone, read once for all its claims (linear time)
        for agent, obj, sign, cue, words in drafted:
            if agent == obj:
                why.append((cue, "the agent and the affected entity are the same"))
                continue
            if read is None:
                whole = text[s_start:s_end]
                read = (hedge(whole), (_context_phrases(whole, grammar), _tissues(items, grammar, categories)),
                        bool(direct_words and direct_words.search(whole)))
            (certainty, hedge_text), known_context, direct = read
            context = _context(whole, items, grammar, categories, {agent, obj}, known_context)
            found.append(dict(
                subject=agent, object=obj, sign=sign, quote=sentence, line=line, section=section, cue=cue,
                origin="sentence", aspect=aspect(" ".join(words)) or aspect(cue),
                direct=direct, certainty=certainty, hedge=hedge_text, context=context))
            made += 1
        if not made and why:
            cue, reason = why[0]
            reasons.append(NoClaim(line, cue, reason, sentence))
    return found, reasons


def _inflected(words: tuple[str, ...], link: tuple[str, ...]) -> bool:
    """``leads to`` / ``led to`` / ``leading to`` for the link ``lead to``."""
    if len(words) != len(link) or words[1:] != link[1:] or not words[0]:
        return False
    head = link[0]
    stem = head[:-1] if head.endswith("e") else head
    return words[0] in {head, head + "s", head + "ed", stem + "ed", stem + "ing", head + "ing", head + "es"} \
        or (head == "lead" and words[0] == "led")


def _resolve(subject, sent: _Sentence, main_subject: list[str], previous: list[str], v: int,
             last: list[str] | None = None, group: list[str] | None = None) -> list[str]:
    if isinstance(subject, list):
        return [sent.items[k].text for k in subject]
    if subject == "inherit" and not main_subject:
        # "A is infiltrated by cells, and becomes a source of B": the clause's subject, if before
        # (the sentence opens on it, and not as a modifier: "Testosterone therapy ..." is no agent)
        return [sent.items[0].text] if sent.is_entity(0) and not sent.modifier(0) and v > 0 else []
    if subject in ("inherit", "means"):
        return list(main_subject)
    if subject == "pronoun":
        return list(main_subject or previous)
    if subject == "referred":
        return list(sent.subject_referred)
    if subject == "plural-head":  # "these protocols": the list named before, else the protocols named last
        return list(group or []) or list(sent.subject_referred)
    if subject == "plural":  # "they", "these molecules": the list the previous sentence ended on
        return list(group or []) or (list(last[-1:]) if last else [])
    if subject == "demonstrative":  # "this decline": what the sentence named before, else the last one
        # what changed, not what it changed with ("While GH declines with age, this decline ...": GH)
        before = [sent.items[k].text for k in range(sent.clause_start(v)) if sent.is_entity(k)
                  and sent.word(k - 1) not in sent.g.prepositions]
        return before[-1:] or (list(last[-1:]) if last else [])
    return []


# --- tables ----------------------------------------------------------------------------------

_CELL_AGENT = re.compile(r"\b[^\W_]+(?:ed|en)\s+by\s+", re.IGNORECASE)
_CELL_STOP = re.compile(r"\b(?:to|by|via|due|secondary|despite|in|within|at|during)\b|\(", re.IGNORECASE)


def _cells_with_spans(line: str) -> list[tuple[int, int]]:
    spans, position = [], 0
    for part in line.split("|"):
        left = len(part) - len(part.lstrip())
        if part.strip():
            spans.append((position + left, position + len(part.rstrip())))
        position += len(part) + 1
    return spans


def _table_agents(row_line: str, row_base: int, cell: tuple[int, int], entities_in) -> list[str]:
    """The agent a row's first cell names: the entity its phrase ends with, up to any
    parenthesis ("Transdermal Estradiol", "Anastrozole (in men on TRT)"); the examples in a
    parenthesis ("(e.g. Tesamorelin)") are members of it, not agents of the row."""
    a, b = cell
    text = row_line[a:b]
    head_end = text.find("(") if "(" in text else len(text)
    found = entities_in(row_base + a, row_base + a + head_end)
    if found and not row_line[found[0].end - row_base: a + head_end].strip():
        return [found[0].entity]
    return []


def _glossed(cell: str, noun_pattern: re.Pattern, nouns: Mapping[str, int]) -> dict[str, int]:
    """The words of change a cell glosses in parentheses: "Consistent improvement (decrease)"
    gives improvement -> -1 (singular keys)."""
    found = {}
    for match in re.finditer(r"([^\W_]+)\s*\(([^)]*)\)", cell):
        inner = noun_pattern.search(match.group(2))
        if inner and noun_pattern.fullmatch(match.group(1)):
            found[match.group(1).lower().rstrip("s")] = nouns[" ".join(inner.group().lower().split())]
    return found


def _cell_claims(row_line, row_base, a, b, subject, header_objects, line, document, entities_in, nouns,
                 noun_pattern, hedge, aspect, aspect_words=frozenset(), header_text="",
                 glossed: Mapping[str, int] | None = None, heads: Mapping[str, str] | None = None
                 ) -> list[dict[str, Any]]:
    cell = row_line[a:b]
    words = [m for inner in re.findall(r"\(([^)]*)\)", cell) for m in noun_pattern.finditer(inner)]
    cue = words[0] if words else noun_pattern.search(cell)
    if cue is None:
        return []
    cue_word = " ".join(cue.group().lower().split())
    # a word the column glosses elsewhere ("improvement (decrease)") means the same here
    sign = nouns[cue_word] if words or not glossed else glossed.get(cue_word.rstrip("s"), nouns[cue_word])
    if words:  # "Improvement (decrease)": the parenthesis gives the sign, the header the target
        named, unnamed = [], []
    else:  # "Upregulates GLUT4 transporters and insulin receptor expression": each entity named
        named = [m.entity for m in entities_in(row_base + a + cue.end(), row_base + b)
                 if len(row_line[a + cue.end(): m.start - row_base].split()) <= 6
                 and not _CELL_STOP.search(row_line[a + cue.end(): m.start - row_base])]
        rest = _CELL_STOP.split(cell[cue.end():].split("(")[0], maxsplit=1)[0]
        unnamed = [w for w in re.findall(r"[^\W_]+", rest.lower())
                   if w not in aspect_words and not w.endswith(("ed", "en"))]  # "driven": no name
        if not named and unnamed and heads and unnamed[-1] in heads:
            # "... associated with improved sensitivity": the entity last named with that head noun
            named = [heads[unnamed[-1]]]
    # the cell's own words name the target; words that name nothing known but echo the header
    # ("reduction in inflammatory markers" under "Inflammatory Cytokines") leave it to the header
    echo = set(re.findall(r"[^\W_]+", header_text.lower())) - {"in", "of", "on", "the", "effect", "impact", "change"}
    targets = named or (header_objects if not unnamed or echo & set(unnamed) else [])
    quote = " ".join((row_line[:b] if b <= MAX_QUOTE else row_line[a:b]).split())
    certainty, hedge_text = hedge(cell)
    section = document.section_at(row_base)
    # "the improvements driven by testosterone": the entity after a participle's "by" acts too
    agents = {subject: sign}
    for match in _CELL_AGENT.finditer(cell):
        for m in entities_in(row_base + a + match.end(), row_base + b):
            if not row_line[a + match.end(): m.start - row_base].strip():
                agents.setdefault(m.entity, sign)
    # "long-term IGF-1 elevation is associated with improved sensitivity": the entity whose change
    # the cue names acts on the target too (its change times the row's effect)
    before = entities_in(row_base + a, row_base + a + cue.start()) if not words else []
    if before and not row_line[before[-1].end - row_base: a + cue.start()].strip() and targets:
        agents.setdefault(before[-1].entity, times(sign, nouns[cue_word]))
    return [dict(subject=agent, object=obj, sign=changed,
                 quote=quote, line=line, section=section.id if section else "", cue=cue.group(),
                 origin="table", aspect=aspect(cell), direct=False, certainty=certainty, hedge=hedge_text,
                 context={})
            for agent, changed in agents.items() for obj in dict.fromkeys(targets) if obj != agent]


def _mediators(row_line, row_base, cell, agents, line, document, entities_in, mediators, hedge, aspect
               ) -> list[dict[str, Any]]:
    """An agent cell that names what the agent acts through, "Growth Hormone Peptides (via IGF-1)":
    the agent raises each entity named after a word of ``mediators`` in its parenthesis."""
    a, b = cell
    text = row_line[a:b]
    found = []
    for match in re.finditer(r"\(([^)]*)\)", text):
        inner = match.group(1).split()
        if not inner or inner[0].lower() not in mediators:
            continue
        named = entities_in(row_base + a + match.start(1), row_base + a + match.end(1))
        quote = " ".join(row_line[:b].split()) if b <= MAX_QUOTE else " ".join(text.split())
        section = document.section_at(row_base)
        certainty, hedge_text = hedge(text)
        found += [dict(subject=agent, object=m.entity, sign=1, quote=quote, line=line,
                       section=section.id if section else "", cue=inner[0], origin="table", aspect=aspect(text),
                       direct=False, certainty=certainty, hedge=hedge_text, context={})
                  for agent in agents for m in named if m.entity != agent]
    return found


def draft_table_rows(document, spans: Sequence, nouns: Mapping[str, int], noun_pattern: re.Pattern,
                     starts: Sequence[int], hedge, aspect, aspect_words=frozenset(),
                     mediators: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Draft claims from a document's tables: first cell the agent, the header (or the cell's own
    words right after its cue) the affected entity, the cell's words of change the sign; an agent
    cell's "(via X)" (``mediators``) drafts the agent raising X."""
    text = document.clean_text
    lines = text.split("\n")
    span_starts = [s.start for s in spans]
    found = []

    def entities_in(start, end):
        i = bisect.bisect_left(span_starts, start)
        out = []
        while i < len(spans) and spans[i].start < end:
            if spans[i].end <= end:
                out.append(spans[i])
            i += 1
        return out

    heads: dict[str, str] = {}  # head noun -> the entity last named with it ("insulin sensitivity": sensitivity)
    read = 0  # the spans read into heads so far (tables come in order: one pass over the spans)
    for table in sorted(document.tables, key=lambda t: t.line):
        header_line = lines[table.line - 1]
        base = starts[table.line - 1]
        while read < len(spans) and spans[read].start < base:
            words = spans[read].text.lower().split()
            if len(words) > 1 and words[-1].isalpha() and len(words[-1]) > 3:
                heads[words[-1]] = spans[read].entity
            read += 1
        objects = [[m.entity for m in entities_in(base + a, base + b)] for a, b in _cells_with_spans(header_line)]
        headers = [header_line[a:b] for a, b in _cells_with_spans(header_line)]
        glossed: dict[int, dict[str, int]] = {}  # column -> the words its cells gloss
        for row in table.rows:
            for column, cell in enumerate(row.cells):
                glossed.setdefault(column, {}).update(_glossed(cell, noun_pattern, nouns))
        for row in table.rows:
            row_line, row_base = lines[row.line - 1], starts[row.line - 1]
            cells = _cells_with_spans(row_line)
            if not cells:
                continue
            agents = _table_agents(row_line, row_base, cells[0], entities_in)
            if not agents:
                continue
            found.extend(_mediators(row_line, row_base, cells[0], agents, row.line, document, entities_in, mediators,
                                    hedge, aspect))
            for column, (a, b) in enumerate(cells[1:], start=1):
                # each comma-separated part of a cell says one thing: "Increases lean mass, decreases fat"
                parts, position = [], a
                for piece in re.split(r"(,\s+|;\s+)", row_line[a:b]):
                    if piece.strip(" ,;"):
                        parts.append((position, position + len(piece)))
                    position += len(piece)
                for pa, pb in parts:
                    for subject in agents:
                        found.extend(_cell_claims(row_line, row_base, pa, pb, subject,
                                                  objects[column] if column < len(objects) else [],
                                                  row.line, document, entities_in, nouns, noun_pattern, hedge, aspect,
                                                  aspect_words, headers[column] if column < len(headers) else "",
                                                  glossed.get(column), heads))
    return found
