"""Print pathway answers: JSON for scripts, numbered routes with their evidence for people.

A route reads as one line per step, ``Testosterone —(-1)→ Visceral adipose tissue``, with the
quote, its place, certainty, context and the cited studies beneath.
"""

from __future__ import annotations

import textwrap
from typing import Any

from graph.render import describe_citations, shown_quote, table_width, to_json

__all__ = ["DEFAULT_LIMIT", "render_conflicts", "render_loops", "render_neighbors", "render_paths",
           "render_routes", "route_summary"]

#: the most routes a table shows unless ``--limit`` says otherwise
DEFAULT_LIMIT = 10
_HIERARCHY_WORDS = {"is_a": "is a kind of", "member_of": "is a member of",
                    "has_active_ingredient": "has the active ingredient"}
_EFFECT = {1: "+1 increases", -1: "-1 decreases", 0: "0 no net effect",
           "variable": "variable (a step's direction depends on context)"}


def _signed(sign: int | str) -> str:
    """Return a sign as text.

    >>> _signed(1), _signed(-1), _signed(0), _signed("variable")
    ('+1', '-1', '0', 'variable')
    """
    return sign if isinstance(sign, str) else f"{sign:+d}" if sign else "0"


def _context(context: dict[str, Any] | None) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted((context or {}).items())) or "any"


def _plural(count: int, word: str) -> str:
    """Return a count and its noun.

    >>> _plural(1, "step"), _plural(2, "step"), _plural(3, "entity")
    ('1 step', '2 steps', '3 entities')
    """
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") else f"{count} {word}s"


def _step_lines(step: dict[str, Any], number: str) -> list[str]:
    """The lines of one step: the signed arrow, then its evidence indented beneath."""
    pad = " " * (len(number) + 3)
    lines = _wrap(f"{number} {step['subject_label']} —({_signed(step['sign'])})→ {step['object_label']}", "  ", pad)
    if step.get("kind") == "hierarchy":
        relation = _HIERARCHY_WORDS.get(step["relation"], step["relation"])
        lines += _wrap(f"not a claim: {step['subject_label']} {relation} {step['object_label']} "
                       "(a step through the hierarchy, taken with --via-classes)", pad)
        return lines
    lines += _wrap(shown_quote(step), pad)
    section = step.get("section_title") or step.get("section")
    lines += _wrap(" § ".join(filter(None, [step.get("document"), section])), pad)
    level = step.get("knowledge_level")
    inferred = f" · {level.replace('_', ' ')}" if level and level != "knowledge_assertion" else ""
    lines += _wrap(f"claim {step['claim']} · certainty {step.get('certainty')}{inferred} · "
                   f"context: {_context(step.get('context'))}", pad)
    others = [c for c in step.get("supporting_claims") or [] if c != step["claim"]]
    also = f" · also stated by {_plural(len(others), 'other claim')}" if others else ""
    lines += _wrap(f"{describe_citations(step.get('citations'))}{also}", pad)
    return lines


def _wrap(text: str, indent: str, later: str | None = None) -> list[str]:
    """Wrap a line to the terminal (at most 100 columns); only a word longer than a line is cut.

    >>> _wrap("a b", "  ")
    ['  a b']
    """
    width = max(40, min(100, table_width()))
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=later or indent,
                         break_on_hyphens=False) or [indent.rstrip()]


def _route_block(title: str, answer: dict[str, Any]) -> list[str]:
    support = answer.get("support") or {}
    studies = f"cited by the document: {', '.join(support.get('document') or []) or 'none'}"
    if support.get("curator"):
        studies += f" · linked by curator in support: {', '.join(support['curator'])}"
    lines = _wrap(f"{title} · {_plural(answer['length'], 'step')} · score {answer['score']:g} · {studies}",
                  "", "  ")
    lines += _wrap(" → ".join(node["label"] for node in answer["nodes"]), "  ", "    ")
    for number, step in enumerate(answer["steps"], 1):
        lines.extend(_step_lines(step, f"{number}."))
    return lines


def _blocks(blocks: list[list[str]]) -> str:
    return "\n\n".join("\n".join(block) for block in blocks)


def render_paths(answers: list[dict[str, Any]], fmt: str) -> str:
    """Render ``hkg paths``: each route numbered with its net effect, each step with its evidence.

    >>> render_paths([], "json"), render_paths([], "table")
    ('[]', 'No routes found.')
    """
    if fmt == "json":
        return to_json(answers)
    if not answers:
        return "No routes found."
    return _blocks([_route_block(f"Route {n}: net effect {_EFFECT[a['sign']]}", a)
                    for n, a in enumerate(answers, 1)])


def _where(answer: dict[str, Any]) -> str:
    if answer["open"] == "source":
        return f"into {answer['target']['label']}"
    if answer["open"] == "target":
        return f"out of {answer['source']['label']}"
    return f"from {answer['source']['label']} to {answer['target']['label']}"


def route_summary(answer: dict[str, Any]) -> str:
    """Return the first line of ``hkg paths``: how many routes, of which sign, how short.

    >>> route_summary({"total": 31, "at_least": False, "signs": {"+1": 31, "-1": 0, "0": 0},
    ...                "shortest": 2, "open": None, "source": {"label": "A"}, "target": {"label": "B"}})
    '31 routes from A to B: 31 increase, 0 decrease; shortest 2 steps'
    """
    total = f"{answer['total']}{'+' if answer.get('at_least') else ''}"
    head = f"{total} route{'' if answer['total'] == 1 else 's'} {_where(answer)}"
    if answer["open"] and not answer.get("every"):
        way = "from" if answer["open"] == "source" else "to"
        head += f", the best {way} each of {_plural(answer['ends'], 'entity')} (--all for every route)"
    signs = answer["signs"]
    counts = f"{signs['+1']} increase, {signs['-1']} decrease"
    if signs.get("0"):
        counts += f", {signs['0']} no effect"
    if signs.get("variable"):
        counts += f", {signs['variable']} variable"
    if answer["shortest"] is None:
        return head
    return f"{head}: {counts}; shortest {_plural(answer['shortest'], 'step')}"


def render_routes(answer: dict[str, Any], fmt: str, limit: int | None = None) -> str:
    """Render ``hkg paths``: the summary line, the first ``limit`` routes and how many more.

    JSON is the list of routes (as :func:`render_paths` prints it); a table shows
    :data:`DEFAULT_LIMIT` routes unless ``limit`` says otherwise.
    """
    routes = answer["routes"]
    if fmt == "json":
        return to_json(routes if limit is None else routes[:limit])
    if not routes:
        return f"No routes {_where(answer)} found."
    shown = routes[:limit or DEFAULT_LIMIT]
    text = "\n".join(_wrap(route_summary(answer), "", "  ")) + "\n\n" + render_paths(shown, fmt)
    more = answer["total"] - len(shown)
    if more > 0:
        plus = "+" if answer.get("at_least") else ""
        text += "\n\n" + "\n".join(_wrap(
            f"{more}{plus} more route{'' if more == 1 else 's'} not shown (--limit {answer['total']} "
            f"shows {'them' if more > 1 else 'it'}; --format json lists every one)", "", "  "))
    return text


def render_loops(answers: list[dict[str, Any]], fmt: str) -> str:
    """Render ``hkg loops``: each loop numbered with its kind and net sign.

    >>> render_loops([], "json"), render_loops([], "table")
    ('[]', 'No feedback loops found.')
    """
    if fmt == "json":
        return to_json(answers)
    if not answers:
        return "No feedback loops found."
    return _blocks([_route_block(f"Loop {n}: {a['kind']} ({_signed(a['sign'])})", a)
                    for n, a in enumerate(answers, 1)])


def render_conflicts(answers: list[dict[str, Any]], fmt: str) -> str:
    """Render ``hkg conflicts``: both claims with their evidence, then what may reconcile them.

    >>> render_conflicts([], "json"), render_conflicts([], "table")
    ('[]', 'No conflicting claims found.')
    """
    if fmt == "json":
        return to_json(answers)
    if not answers:
        return "No conflicting claims found."
    blocks = []
    for number, answer in enumerate(answers, 1):
        first, second = answer["claims"]
        on = answer["object_label"]
        if answer.get("inverse"):
            on += f" and its inverse measure {second['object_label']}"
        lines = [f"Conflict {number}: {answer['subject_label']} on {on}"]
        lines.extend(_step_lines(first, "A."))
        lines.extend(_step_lines(second, "B."))
        if answer.get("inverse"):
            lines.append(f"  read on {answer['object_label']}: A {_signed(answer['effects'][0])}, "
                         f"B {_signed(answer['effects'][1])}")
        if answer["reconcile"]:
            parts = [f"{r['key']} ({r['contexts'][0] or 'any'} vs {r['contexts'][1] or 'any'})"
                     for r in answer["reconcile"]]
            lines.append("  may be reconciled by context: " + "; ".join(parts))
        else:
            lines.append("  no context tells them apart")
        blocks.append(lines)
    return _blocks(blocks)


def render_neighbors(answers: list[dict[str, Any]], fmt: str) -> str:
    """Render ``hkg neighbors``: what the entity acts on, then what acts on it, with evidence.

    >>> render_neighbors([], "json"), render_neighbors([], "table")
    ('[]', 'No claims found.')
    """
    if fmt == "json":
        return to_json(answers)
    if not answers:
        return "No claims found."
    blocks = []
    for way in ("out", "in"):
        group = [a for a in answers if a["direction"] == way]
        if not group:
            continue
        first = group[0]["claims"][0]
        title = (f"What {first['subject_label']} acts on:" if way == "out"
                 else f"What acts on {first['object_label']}:")
        lines = [title]
        for number, answer in enumerate(group, 1):
            step = {**answer["claims"][0], "supporting_claims": [c["claim"] for c in answer["claims"]]}
            lines.extend(_step_lines(step, f"{number}."))
        blocks.append(lines)
    return _blocks(blocks)
