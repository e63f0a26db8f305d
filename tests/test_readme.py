"""The README's examples, re-run: each ``$ .venv/bin/hkg ...`` block prints what the README shows.

A README line ``...`` stands for any number of lines. The examples run at 100 columns on the
real data, so a change in output (or in the data) that the README does not show fails here.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.cli.commands import cli

README = Path(__file__).resolve().parent.parent / "README.md"


def examples() -> list[tuple[str, list[str]]]:
    """Return ``(command line, expected lines)`` for every ``$ .venv/bin/hkg`` example."""
    found: list[tuple[str, list[str]]] = []
    current = None
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("    $ .venv/bin/hkg "):
            current = (line[len("    $ .venv/bin/hkg "):], [])
            found.append(current)
        elif current is not None and (line.startswith("    ") or not line.strip()):
            current[1].append(line[4:])
        else:
            current = None
    return [(command, _trimmed(lines)) for command, lines in found]


def _trimmed(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _pattern(lines: list[str]) -> re.Pattern:
    parts = [r"(?:.*\n)*?" if line.strip() == "..." else re.escape(line) + r"\n" for line in lines]
    return re.compile("".join(parts) + r"\Z")


def test_the_readme_has_examples():
    assert len(examples()) >= 4


@pytest.mark.parametrize("command, expected", examples(), ids=[c for c, _ in examples()])
def test_readme_example_prints_what_the_readme_shows(real_project, command, expected):
    result = CliRunner().invoke(cli, ["--project", str(real_project), *shlex.split(command)],
                                env={"COLUMNS": "100"})
    printed = "\n".join(line.rstrip() for line in result.output.splitlines()) + "\n"
    assert _pattern(expected).match(printed), f"README shows:\n{chr(10).join(expected)}\n\nhkg prints:\n{printed}"
