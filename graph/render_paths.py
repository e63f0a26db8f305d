"""Print pathway answers: JSON for scripts, numbered routes with their evidence for people.

A route reads as one line per step, ``Testosterone —(-1)→ Visceral adipose tissue``, with the
quote, its place, certainty, context and the cited studies beneath.
"""

from __future__ import annotations

import textwrap
from typing import Any

from .render import describe_citations, to_json

__all__ = ["render_conflicts", "render_loops", "render_neighbors", "render_paths"]

_WIDTH = 100
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
    return f"{count} {word}{'' if count == 1 else 's'}"


def _step_lines(step: dict[str, Any], number: str) -> list[str]:
    """The lines of one step: the signed arrow, then its evidence indented beneath."""
    pad = " " * (len(number) + 3)
    lines = [f"  {number} {step['subject_label']} —({_signed(step['sign'])})→ {step['object_label']}"]
    if step.get("kind") == "hierarchy":
        relation = _HIERARCHY_WORDS.get(step["relation"], step["relation"])
        lines.append(f"{pad}not a claim: {step['subject_label']} {relation} {step['object_label']} "
                     "(a step through the hierarchy, taken with --via-classes)")
        return lines
    quote = textwrap.wrap(f"“{step.get('quote') or ''}”", width=_WIDTH - len(pad))
    lines.extend(pad + line for line in quote)
    section = step.get("section_title") or step.get("section")
    place = " § ".join(filter(None, [step.get("document"), section]))
    lines.append(f"{pad}{place}")
    level = step.get("knowledge_level")
    inferred = f" · {level.replace('_', ' ')}" if level and level != "knowledge_assertion" else ""
    lines.append(f"{pad}claim {step['claim']} · certainty {step.get('certainty')}{inferred} · "
                 f"context: {_context(step.get('context'))}")
    others = [c for c in step.get("supporting_claims") or [] if c != step["claim"]]
    also = f" · also stated by {_plural(len(others), 'other claim')}" if others else ""
    lines.append(f"{pad}{describe_citations(step.get('citations'))}{also}")
    return lines


def _route_block(title: str, answer: dict[str, Any]) -> list[str]:
    support = answer.get("support") or {}
    studies = f"cited by the document: {', '.join(support.get('document') or []) or 'none'}"
    if support.get("curator"):
        studies += f" · linked by curator in support: {', '.join(support['curator'])}"
    lines = [f"{title} · {_plural(answer['length'], 'step')} · score {answer['score']:g} · {studies}",
             "  " + " → ".join(node["label"] for node in answer["nodes"])]
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
