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

from graph.errors import HkgError
from graph.project import EXPORT_STEM, Project

__all__ = ["HkgCommandError", "HkgGroup", "HkgUsageError", "cli", "main"]


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


class HkgUsageError(click.UsageError):
    """A usage error (bad option value, missing argument, unknown command) told in one line.

    Click prints a usage block and ``Error: ...``; hkg prints ``error: MESSAGE (try 'hkg CMD
    --help')`` like every other error, and keeps click's exit code 2.
    """

    def __init__(self, error: click.UsageError):
        message = error.format_message().strip().rstrip(".")
        message = message[:1].lower() + message[1:]
        if error.ctx is not None:
            message += f" (try '{error.ctx.command_path} --help')"
        super().__init__(message, error.ctx)
        self.exit_code = error.exit_code

    def show(self, file=None) -> None:
        click.echo(f"error: {' '.join(self.format_message().split())}", err=True)


def _one_line(error: click.UsageError) -> click.UsageError:
    """Return the error to raise for a usage error: help stays help, the rest one line."""
    if isinstance(error, (click.exceptions.NoArgsIsHelpError, HkgUsageError)):
        return error
    return HkgUsageError(error)


class HkgGroup(click.Group):
    """A group whose commands report HkgError and usage errors as one clear line."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            raise _one_line(error) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except HkgError as error:
            raise HkgCommandError(error) from None
        except click.UsageError as error:
            raise _one_line(error) from None


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

    ctx.obj = Project.locate(project)


pass_project = click.make_pass_decorator(object)


def _graph(project: Project):
    """The API's view of the project's current build: every question a command asks goes through it."""
    from graph.api import KnowledgeGraph

    return KnowledgeGraph(project)


@cli.command()
@click.option("--whole-html", "--full-exports", "whole_html", is_flag=True,
              help="draw the whole graph in exports/graph.html even when it is too large for a page "
                   "(by default such a graph's most connected entities)")
@click.option("--allow-empty", is_flag=True,
              help="build even with no claims, or without a data file the current build read")
@pass_project
def build(project, whole_html: bool, allow_empty: bool) -> None:
    """Build the graph from data/: validate, write the cache and exports/."""
    from graph.api import build as run_build

    result = run_build(project.root, whole_html=whole_html, allow_empty=allow_empty)
    click.echo(f"built {result.entities} entities, {result.claims} claims, {result.studies} studies "
               f"from {result.documents} document(s): {result.triples} triples")
    for path in result.exports:
        click.echo(f"wrote {os.path.relpath(path)}")
    if result.drawn is not None:  # say what the page leaves out, and how to get it
        click.echo(f"graph.html draws the {result.drawn} most connected entities and the claims among them: "
                   "the graph is too large for one page (`hkg build --whole-html` draws all of it)")


@cli.command()
@click.argument("name")
@FORMAT_OPTION
@pass_project
def entity(project, name: str, output_format: str) -> None:
    """Show an entity: id, label, category, synonyms, definition, identifiers, claim counts.

    NAME may be a label, any synonym, an id or CURIE, in any case, with Greek letters or their
    names ("TNF-alpha", "tnf-α").
    """
    from graph.render import render_entity

    with _graph(project) as kg:
        click.echo(render_entity(kg.entity(name).to_dict(), output_format))


@cli.command()
@click.argument("claim")
@FORMAT_OPTION
@pass_project
def evidence(project, claim: str, output_format: str) -> None:
    """Show the evidence for a claim: quote, document, section, offsets, context, studies."""
    from graph.render import render_evidence

    with _graph(project) as kg:
        click.echo(render_evidence(kg.evidence(claim).to_dict(), output_format))


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True,
              help="replace a different document ingested under the same id; rewrite the draft")
@FORMAT_OPTION
@pass_project
def ingest(project, file: str, force: bool, output_format: str) -> None:
    """Add a document to data/sources/ and draft candidates for a curator in data/drafts/.

    Reports what extraction finds before any curation: sections, glossary definitions (new
    entities or definitions of existing ones), tables, references (proposed studies), mentions
    of known entities, candidate claims and the page-format variants met. Drafts never enter the
    graph until their entries are moved into entities, studies and claims.yaml. Ingesting an
    unchanged document changes nothing.
    """
    from graph.curation.ingest import ingest_document, render_ingest

    click.echo(render_ingest(ingest_document(file, project.data, force=force), output_format))


@cli.command()
@click.argument("document")
@click.option("--accept", "accept", multiple=True, metavar="ID", help="move this draft entry into data/")
@click.option("--reject", "reject", multiple=True, metavar="ID", help="drop this draft entry")
@click.option("--edit", "edits", multiple=True, metavar="ID:KEY=VALUE",
              help="change a field (the value is YAML) and accept the entry")
@click.option("--accept-all", is_flag=True, help="accept every entry not rejected")
@FORMAT_OPTION
@pass_project
def review(project, document: str, accept, reject, edits, accept_all: bool, output_format: str) -> None:
    """Review the draft of an ingested DOCUMENT: list its entries beside their sentences, and
    accept, edit or reject them into data/*.yaml (canonical form). Accepted entries are checked
    as `hkg build` checks them; if anything fails, nothing is changed."""
    from graph.curation.review import apply_review, read_draft, render_review

    if accept or reject or edits or accept_all:
        result = apply_review(project.data, document, tuple(accept), tuple(reject), tuple(edits), accept_all)
        click.echo(render_review(result.remaining, output_format, result))
    else:
        click.echo(render_review(read_draft(project.data, document), output_format))


class LazyChoice(click.Choice):
    """A Choice whose values are loaded when first needed, so `hkg` starts without rdflib."""

    def __init__(self, load, case_sensitive: bool = False):
        self._load, self._values, self.case_sensitive = load, None, case_sensitive

    @property
    def choices(self):
        if self._values is None:
            self._values = tuple(self._load())
        return self._values


def _export_format_names():
    from graph.exports.registry import format_names

    return format_names()


@cli.command()
@click.option("--format", "export_format", type=LazyChoice(_export_format_names), required=True,
              help="an export format of the registry (turtle, graphml, kgx-tsv, cytoscape ...)")
@click.option("-o", "--output", type=click.Path(file_okay=False, allow_dash=True), default=None,
              metavar="DIR", help="folder to write the file(s) into, or - for standard output "
                                  "(one-file formats)  [default: the project's exports/]")
@pass_project
def export(project, export_format: str, output: str | None) -> None:
    """Export the current build's graph in one of the field's formats (hormone-kg.* files).

    RDF (turtle, n-triples, json-ld), GraphML for Cytoscape and Gephi, KGX TSV and JSON Lines
    (nodes and edges files with Biolink fields) and Cytoscape.js JSON; byte-identical on every run.
    The files go into the project's exports/ (where `hkg build` writes the same bytes) unless
    -o says otherwise; `-o -` prints a one-file format.
    """
    from graph.exports.registry import export_build, get_format

    if output == "-":
        files = get_format(export_format).filenames(EXPORT_STEM)
        if len(files) != 1:
            raise click.UsageError(f"{export_format} writes {len(files)} files ({', '.join(files)}); "
                                   "give -o DIR")
        import shutil
        import sys
        import tempfile

        with tempfile.TemporaryDirectory(prefix="hkg-export-") as folder:
            (path,) = export_build(project, export_format, folder)
            sys.stdout.flush()
            with open(path, "rb") as handle:  # streamed: an export may be larger than memory
                shutil.copyfileobj(handle, sys.stdout.buffer)
        return
    for path in export_build(project, export_format, output or project.exports):
        click.echo(f"wrote {os.path.relpath(path)}")


# [commands: pathways] entity-level questions: paths, loops, conflicts, neighbors
CONTEXT_OPTION = click.option(
    "--context", "context", multiple=True, metavar="VALUE",
    help="keep only steps that hold in this context (men, long-term, population=women ...); "
         "repeatable; a claim without context holds in every one")
MAX_LENGTH_OPTION = click.option(
    "--max-length", type=click.IntRange(min=1), default=5, show_default=True, metavar="N",
    help="the most steps a route may have")


@cli.command()
@click.argument("source", required=False)
@click.argument("target", required=False)
@click.option("--from", "from_", metavar="ENTITY", default=None,
              help="routes out of ENTITY to anything it acts on, directly or not")
@click.option("--to", "to", metavar="ENTITY", default=None,
              help="routes into ENTITY from anything that acts on it, directly or not")
@click.option("--sign", type=click.Choice(["up", "down", "variable"]), default=None,
              help="keep routes whose net effect is +1 (up), -1 (down) or depends on context (variable)")
@click.option("--all", "every", is_flag=True,
              help="with --from or --to alone: every route, not only the best for each entity")
@MAX_LENGTH_OPTION
@CONTEXT_OPTION
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="K",
              help="show at most K routes (the best ranked)  [default: 10 in a table, all in json]")
@click.option("--via-classes", is_flag=True, default=False,
              help="let routes climb the hierarchy: from an entity to what it is a kind, member or "
                   "product of (estradiol is an estrogen), so claims about the class apply; such "
                   "steps are marked 'not a claim'. Default: stated claims only")
@FORMAT_OPTION
@pass_project
def paths(project, source: str | None, target: str | None, from_: str | None, to: str | None,
          sign: str | None, every: bool, max_length: int, context: tuple[str, ...], limit: int | None,
          via_classes: bool, output_format: str) -> None:
    """Show the routes from SOURCE to TARGET, with each one's net effect and evidence.

    With --to ENTITY alone, every entity that acts on ENTITY through some route, each with its
    best route ("what lowers testosterone?": --to testosterone --sign down); with --from ENTITY
    alone, everything ENTITY acts on. Routes are ranked shorter first, then better supported:
    studies the document itself cites count fully, studies a curator linked in support half,
    then certainty. A route's net effect is the product of its steps' signs; a step whose
    direction depends on context makes it "variable". A table starts with a summary line and
    shows the best 10 routes unless --limit says otherwise; --format json lists every route.
    """
    from graph.cli.render_paths import render_routes

    if (source is not None and from_ is not None) or (target is not None and to is not None):
        raise click.UsageError("give each end once: SOURCE or --from, TARGET or --to")
    if source is not None and target is None and to is None:
        raise click.UsageError("give a TARGET too, or ask with --from ENTITY or --to ENTITY alone")
    source, target = source if source is not None else from_, target if target is not None else to
    if source is None and target is None:
        raise click.UsageError("give SOURCE and TARGET, or --from ENTITY, or --to ENTITY")
    if every and source is not None and target is not None:
        raise click.UsageError("--all is for --from or --to alone (between two entities every route is shown)")
    with _graph(project) as kg:
        answer = kg.routes(source, target, sign=sign, max_length=max_length, context=context, every=every,
                           limit=limit, via_classes=via_classes)
    click.echo(render_routes(answer.to_dict(), output_format, limit))


@cli.command()
@click.option("--through", metavar="ENTITY", default=None, help="only loops through this entity")
@click.option("--kind", type=click.Choice(["vicious", "self-limiting"]), default=None,
              help="vicious (net +1) or self-limiting (net -1) loops only")
@MAX_LENGTH_OPTION
@CONTEXT_OPTION
@FORMAT_OPTION
@pass_project
def loops(project, through: str | None, kind: str | None, max_length: int,
          context: tuple[str, ...], output_format: str) -> None:
    """Show feedback loops: vicious when their net sign is +1, self-limiting when -1."""
    from graph.cli.render_paths import render_loops

    with _graph(project) as kg:
        found = kg.loops(through, kind=kind, max_length=max_length, context=context)
    click.echo(render_loops([loop.to_dict() for loop in found], output_format))


@cli.command()
@click.argument("entity", required=False)
@FORMAT_OPTION
@pass_project
def conflicts(project, entity: str | None, output_format: str) -> None:
    """Show pairs of claims that disagree, and the contexts that may reconcile them.

    Claims disagree when they have the same subject and object but different signs, or act on an
    entity and its inverse measure in ways that disagree (raising HOMA-IR vs raising insulin
    sensitivity). With ENTITY, only conflicts that involve it.
    """
    from graph.cli.render_paths import render_conflicts

    with _graph(project) as kg:
        found = kg.conflicts(entity)
    click.echo(render_conflicts([conflict.to_dict() for conflict in found], output_format))


@cli.command()
@click.argument("entity")
@click.option("--direction", type=click.Choice(["both", "out", "in"]), default="both",
              show_default=True, help="out: what ENTITY acts on; in: what acts on it")
@click.option("--sign", type=click.Choice(["up", "down"]), default=None,
              help="only links that raise (up) or lower (down)")
@CONTEXT_OPTION
@FORMAT_OPTION
@pass_project
def neighbors(project, entity: str, direction: str, sign: str | None, context: tuple[str, ...],
              output_format: str) -> None:
    """Show what ENTITY does and what acts on it, with the sign and claims of each link.

    `hkg neighbors testosterone --direction in --sign down`: what lowers testosterone directly
    (`hkg paths --to testosterone --sign down` also finds what lowers it through other entities).
    """
    from graph.cli.render_paths import render_neighbors

    with _graph(project) as kg:
        found = kg.neighbors(entity, direction=direction, context=context, sign=sign)
    click.echo(render_neighbors([link.to_dict() for link in found], output_format))



# [commands: sparql] sparql, queries, serve, push
class Seconds(click.ParamType):
    """A time limit: a finite number of seconds above 0 and at most :attr:`MAX` (a week)."""

    name = "seconds"
    MAX = 7 * 24 * 3600.0

    def convert(self, value, param, ctx):
        if isinstance(value, float):
            number = value
        else:
            try:
                number = float(value)
            except ValueError:
                self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not 0 < number <= self.MAX:  # NaN fails too
            self.fail(f"{value!r} is not a number of seconds above 0 and at most {self.MAX:g}", param, ctx)
        return number


class HttpUrl(click.ParamType):
    """An ``http://`` or ``https://`` URL with a host."""

    name = "url"

    def convert(self, value, param, ctx):
        import urllib.parse

        split = urllib.parse.urlsplit(value)
        if split.scheme.lower() not in ("http", "https") or not split.hostname:
            self.fail(f"{value!r} is not an http(s) URL (http://HOST[:PORT]/PATH)", param, ctx)
        return value


SECONDS, HTTP_URL = Seconds(), HttpUrl()
AUTH_OPTION = click.option(
    "--auth", metavar="USER:PASSWORD", envvar="HKG_ENDPOINT_AUTH", default=None,
    help="HTTP basic authentication for the endpoint (or $HKG_ENDPOINT_AUTH)")


@cli.command()
@click.argument("query")
@click.option("--format", "output_format", type=click.Choice(
    ["table", "json", "csv", "tsv", "xml", "turtle", "nt", "jsonld"]), default="table", show_default=True,
    help="table for people; json, csv, tsv, xml: SPARQL 1.1 results; turtle, nt, jsonld: graphs")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="bind ?NAME to VALUE (an entity name, <IRI>, CURIE or literal); repeatable")
@click.option("--endpoint", metavar="URL", default=None, type=HTTP_URL,
              help="ask this SPARQL 1.1 endpoint instead of the embedded store")
@click.option("--allow-service", is_flag=True, help="allow SERVICE calls to other endpoints")
@click.option("--timeout", type=SECONDS, default=60.0, show_default=True,
              metavar="S", help="stop the query after S seconds")
@AUTH_OPTION
@pass_project
def sparql(project, query: str, output_format: str, params: tuple[str, ...], endpoint: str | None,
           allow_service: bool, timeout: float, auth: str | None) -> None:
    """Run a SPARQL query: a library query's NAME, a .rq FILE, the QUERY text, or - (stdin).

    SELECT, ASK, CONSTRUCT and DESCRIBE run on the embedded store of the current build, or on any
    SPARQL 1.1 server with --endpoint. Parameters are bound as RDF terms, never pasted into the
    query: `hkg sparql what-increases --param target="insulin sensitivity"`.
    """
    from graph.sparql.results import render_result
    from graph.sparql.query import answer_query

    result, prepared = answer_query(project, query, params, endpoint=endpoint,
                                    allow_service=allow_service, timeout=timeout, auth=auth)
    click.echo(render_result(result, output_format, prepared.title))


@cli.command()
@FORMAT_OPTION
@pass_project
def queries(project, output_format: str) -> None:
    """List the query library: each question, its parameters, and how to run it."""
    from graph.sparql.library import list_queries
    from graph.render import to_json, to_table

    entries = list_queries(project)
    if output_format == "json":
        click.echo(to_json([entry.record() for entry in entries]))
        return
    rows = [[entry.name, entry.question,
             "\n".join(f"?{p.name} ({p.kind}{', required' if p.required else ''})" for p in entry.parameters)]
            for entry in entries]
    click.echo(to_table("hkg sparql NAME [--param name=value]", ["name", "question", "parameters"], rows))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="interface to listen on")
@click.option("--port", type=click.IntRange(0, 65535), default=7070, show_default=True,
              help="TCP port (0: any free port)")
@click.option("--timeout", type=SECONDS, default=30.0, show_default=True,
              metavar="S", help="stop a query after S seconds (sending its answer included)")
@click.option("--limit", type=click.IntRange(min=1), default=10_000, show_default=True, metavar="N",
              help="the most rows or triples in an answer")
@click.option("--max-body", type=click.IntRange(min=1), default=1 << 20, show_default=True,
              metavar="BYTES", help="the largest request body accepted")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="how many queries may run at once")
@click.option("--max-memory", type=click.IntRange(min=0), default=2048, show_default=True, metavar="MIB",
              help="the memory each query worker may use, in MiB (0: no limit)")
@click.option("--allow-service", is_flag=True, help="allow SERVICE calls to other endpoints")
@click.option("--in-memory", is_flag=True,
              help="load the graph into memory once (slower start, faster queries over the whole graph)")
@click.option("--max-answer", type=click.IntRange(min=1), default=64, show_default=True, metavar="MIB",
              help="the largest answer, in MiB (a larger one is stopped: 503, or cut off once streaming)")
@click.option("--cors", metavar="ORIGIN", default=None,
              help="let web pages of this origin (https://example.org) read answers  [default: none]")
@pass_project
def serve(project, host: str, port: int, timeout: float, limit: int, max_body: int, workers: int,
          max_memory: int, allow_service: bool, in_memory: bool, max_answer: int, cors: str | None) -> None:
    """Serve the graph as a read-only SPARQL 1.1 endpoint (GET and POST on /sparql)."""
    import logging

    from graph.serve.endpoint import EndpointSettings, serve as run_server

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = EndpointSettings(project, host, port, timeout, limit, max_body, workers, allow_service,
                                max_memory=max_memory * 2**20 or None, in_memory=in_memory, cors=cors,
                                max_answer=max_answer * 2**20)
    where = "in memory" if in_memory else "on disk"
    if in_memory:
        click.echo("loading the graph into memory (about 10 s per 3 million triples) ...", err=True)
    run_server(settings, on_ready=lambda url: click.echo(
        f"SPARQL endpoint at {url} (read-only, {where}; {timeout:g} s per query, at most {limit} results); "
        "Ctrl-C stops it"))


@cli.command()
@click.option("--endpoint", metavar="URL", required=True, type=HTTP_URL,
              help="the server's SPARQL 1.1 Graph Store endpoint (Oxigraph: http://HOST:7878/store)")
@click.option("--graph", "graph_iri", metavar="IRI", default=None,
              help="the named graph to write (default: the default graph)")
@click.option("--format", "rdf_format", type=click.Choice(["n-triples", "turtle"]), default="n-triples",
              show_default=True, help="which export to send")
@click.option("--append", is_flag=True, help="POST: add to the graph instead of replacing it (PUT)")
@click.option("--timeout", type=SECONDS, default=600.0, show_default=True,
              metavar="S", help="seconds to wait for the server")
@AUTH_OPTION
@pass_project
def push(project, endpoint: str, graph_iri: str | None, rdf_format: str, append: bool,
         timeout: float, auth: str | None) -> None:
    """Load the graph's export into a SPARQL 1.1 server (Graph Store Protocol PUT or POST)."""
    from graph.sparql.remote import export_path, push_graph

    path = export_path(project, rdf_format)
    report = push_graph(endpoint, path, graph=graph_iri, replace=not append, timeout=timeout, auth=auth)
    click.echo(f"{report.method} {os.path.relpath(path)} ({report.size} bytes, {report.media_type}) "
               f"to {report.url}: HTTP {report.status}")


# [commands: html] html
@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, allow_dash=True),
              default="graph.html", show_default=True, metavar="FILE",
              help="where to write the page (- for standard output)")
@click.option("--focus", metavar="ENTITY", default=None,
              help="show only the neighbourhood of this entity")
@click.option("--depth", type=click.IntRange(min=0), default=None, metavar="N",
              help="with --focus: how many claims away to reach  [default: 1]")
@click.option("--path", "path_between", nargs=2, metavar="SOURCE TARGET", default=None,
              help="highlight the routes from SOURCE to TARGET, each step's evidence a click away")
@click.option("--context", metavar="VALUE", default=None,
              help="start filtered to a context (men, postmenopausal women, long-term ...); "
                   "with --path, only routes that hold in it")
@click.option("--hubs", type=click.IntRange(min=1), default=None, metavar="N",
              help="draw only the N most connected entities and the claims among them (for a graph "
                   "too large to draw whole; the page says so)")
@pass_project
def html(project, output: str, focus: str | None, depth: int | None,
         path_between: tuple[str, str] | None, context: str | None, hubs: int | None) -> None:
    """Write the graph as one self-contained, offline HTML page to explore in a browser.

    Search any name or synonym, filter by category, sign, context, document section and studies,
    and click a node or an edge for its definition, identifiers, quote and cited studies.
    """
    from graph.exports.explorer import write_html

    if depth is not None and focus is None:
        raise click.UsageError("--depth needs --focus")
    if hubs is not None and (focus or path_between or context):
        raise click.UsageError("--hubs draws the most connected part of the whole graph: "
                               "not with --focus, --path or --context")
    if output == "-":
        from graph.exports.explorer import render_html

        click.echo(render_html(project.index(), focus=focus, depth=depth, path_between=path_between,
                               context=context, hubs=hubs), nl=False)
        return
    written = write_html(project.index(), output, focus=focus, depth=depth,
                         path_between=path_between, context=context, hubs=hubs)
    click.echo(f"wrote {os.path.relpath(written)}")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and keep tracebacks away from users."""
    for position, arg in enumerate(sys.argv[1:] if argv is None else argv, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:  # bytes the shell passed that are not UTF-8
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            click.echo(f"error: argument {position} is not valid UTF-8: {shown}", err=True)
            sys.exit(2)
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
