"""The ``hkg`` command line: parse arguments, call one function, print the result.

Every command takes ``--format table|json`` where it prints results: tables for people, JSON for
scripts (stable keys, UTF-8, deterministic order). Errors are one line on stderr, never a
traceback: :class:`~graph.errors.HkgError` maps to its exit code (2 for an unknown entity or
format), anything unexpected to exit 1 (set ``HKG_DEBUG=1`` to see the traceback).
"""

from __future__ import annotations

import os
import sys

import click

from .errors import HkgError

__all__ = ["cli", "main"]


class HkgCommandError(click.ClickException):
    """A ClickException carrying an HkgError's message and exit code."""

    def __init__(self, error: HkgError):
        super().__init__(str(error))
        self.exit_code = error.exit_code

    def show(self, file=None) -> None:
        lines = self.format_message().splitlines() or [""]
        click.echo(f"error: {lines[0]}", err=True)
        for line in lines[1:]:
            click.echo(f"error: {line}", err=True)


class HkgGroup(click.Group):
    """A group whose commands report HkgError as one clear line."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except HkgError as error:
            raise HkgCommandError(error) from None


FORMAT_OPTION = click.option(
    "--format", "output_format", type=click.Choice(["table", "json"]), default="table",
    show_default=True, help="table for people, json for scripts")


@click.group(cls=HkgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", type=click.Path(file_okay=False), envvar="HKG_PROJECT",
              help="folder holding data/ (default: current directory)", metavar="DIR")
@click.version_option(package_name="hormone-kg")
@click.pass_context
def cli(ctx: click.Context, project: str | None) -> None:
    """hormone-kg: hormones, mechanisms and the evidence behind them."""
    from .build import Project

    ctx.obj = Project.locate(project)


pass_project = click.make_pass_decorator(object)


@cli.command()
@pass_project
def build(project) -> None:
    """Build the graph from data/: validate, write the cache and exports/."""
    from .build import build as run_build

    result = run_build(project)
    click.echo(f"built {result.entities} entities, {result.claims} claims, {result.studies} studies "
               f"from {result.documents} document(s): {result.triples} triples")
    for path in result.exports:
        click.echo(f"wrote {os.path.relpath(path)}")


@cli.command()
@click.argument("name")
@FORMAT_OPTION
@pass_project
def entity(project, name: str, output_format: str) -> None:
    """Show an entity: id, label, category, synonyms, definition, identifiers, claim counts.

    NAME may be a label, any synonym, an id or CURIE, in any case, with Greek letters or their
    names ("TNF-alpha", "tnf-α").
    """
    from .render import render_entity
    from .lookup import describe_entity

    click.echo(render_entity(describe_entity(project.index(), name), output_format))


@cli.command()
@click.argument("claim")
@FORMAT_OPTION
@pass_project
def evidence(project, claim: str, output_format: str) -> None:
    """Show the evidence for a claim: quote, document, section, offsets, context, studies."""
    from .lookup import describe_claim
    from .render import render_evidence

    click.echo(render_evidence(describe_claim(project.index(), claim), output_format))


# [commands: pathways] entity-level questions: paths, loops, conflicts, neighbors


# [commands: sparql] sparql, queries, serve, push


# [commands: html] html


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and keep tracebacks away from users."""
    try:
        cli.main(args=argv, prog_name="hkg", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(130)
    except Exception as error:  # pragma: no cover - the last line of defence
        if os.environ.get("HKG_DEBUG"):
            raise
        click.echo(f"error: internal error: {type(error).__name__}: {error} "
                   "(set HKG_DEBUG=1 for the traceback)", err=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
