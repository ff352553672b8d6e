"""Command line: a thin typer layer over kg's functions.

Exit status: 0 on success; 1 when some input files were skipped (the others
were built); 2 on a usage error or when nothing could be done; 130 when
interrupted (no output file is changed). No traceback is shown unless --debug.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from kg.errors import InputError, KgError, NothingBuilt
from kg.sparql import DEFAULT_LIMIT, DEFAULT_TIMEOUT, MEMORY_QUADS

if TYPE_CHECKING:
    import pyoxigraph as ox

app = typer.Typer(
    name="kg",
    help=(
        "Build a knowledge graph from Chinese government work reports (政府工作报告) and query it with SPARQL.\n\n"
        "Example:  kg build seeds -o out/seeds.trig && kg query corpus-size --data out/seeds.trig"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_state = {"debug": False}


class MentionFormat(StrEnum):
    jsonl = "jsonl"
    table = "table"


class ResultFormat(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


def _fail(exc: BaseException, code: int = 2) -> NoReturn:
    if _state["debug"]:
        raise exc
    typer.echo(f"kg: error: {exc}", err=True)
    raise typer.Exit(code)


def _warn_other_builds(db: ox.Store, data: list[Path] | None = None, store: Path | None = None) -> None:
    """One line on stderr when report graphs of the graph files `data` or the store folder `store`
    were made by another build of kg than this one (they may lack what the saved queries read)."""
    from kg.sparql import reports_of_other_builds

    other, reports = reports_of_other_builds(db)
    if not other:
        return
    files = [str(p) for p in data or []]
    more = f" (+{len(files) - 3} files)" if len(files) > 3 else ""
    where = str(store) if store is not None else ", ".join(files[:3]) + more
    rebuild = f"kg build REPORTS --store {store}" if store is not None else "kg build REPORTS -o FILE"
    named = ", ".join(iri.rsplit("/", 1)[-1] for iri in other[:3]) + (", …" if len(other) > 3 else "")
    typer.echo(
        f"kg: warning: {where}: {len(other)} of {reports} reports ({named}) were built by another build of kg"
        f" and may lack what the saved queries read; rebuild them with `{rebuild}`",
        err=True,
    )


@contextmanager
def _guard() -> Iterator[None]:
    """Turn any error into one line on stderr and an exit status (tracebacks only with --debug)."""
    try:
        yield
    except NothingBuilt as exc:
        for skipped in exc.skipped:
            _echo_skipped(skipped)
        _fail(exc)
    except KgError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        if _state["debug"]:
            raise
        typer.echo("kg: interrupted; no output file was changed", err=True)
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:
        if _state["debug"]:
            raise
        typer.echo(
            f"kg: internal error: {type(exc).__name__}: {exc}; this is a bug in kg, "
            "please report it (kg --debug … shows the traceback)",
            err=True,
        )
        raise typer.Exit(2) from None


def _echo_skipped(skipped: InputError) -> None:
    """One line per skipped file; with --debug, the traceback of its cause before it."""
    if _state["debug"] and skipped.__cause__ is not None:
        traceback.print_exception(skipped.__cause__)
    typer.echo(f"kg: skipped {skipped}", err=True)


_MAX_BYTES_HELP = "Skip report files larger than this many bytes (default: max_bytes in kg/data/input.yaml)."


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    """kg: reports → RDF knowledge graph → SPARQL."""
    _state["debug"] = debug
    logging.basicConfig(level=logging.WARNING, format="kg: %(message)s")


@app.command()
def build(
    paths: Annotated[list[Path], typer.Argument(help="Report files (.txt) or folders of them.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output file: .trig, .nq, .ttl, .nt or .jsonld.")
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="Folder of a persistent on-disk store; unchanged reports are skipped."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", min=1, help="Worker processes (default: one per core; 1: none).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="With --store: rebuild unchanged reports too.")] = False,
    prune: Annotated[
        bool,
        typer.Option("--prune", help="With --store: remove the reports whose files are not among PATHS (deleted)."),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary on stderr.")] = False,
    max_bytes: Annotated[int | None, typer.Option("--max-bytes", min=1, help=_MAX_BYTES_HELP)] = None,
) -> None:
    """Build the graph of the reports: one named graph per report.

    Give --out for a file, --store for a persistent store (or both). A file that
    cannot be read as a report is skipped with one line on stderr; the others are
    built and the exit status is 1. Progress shows on stderr when it is a
    terminal; a one-line summary ends every build.

    Example:  kg build seeds -o out/seeds.trig
    Example:  kg build ../shared/corpus --store out/store --workers 2
    """
    from kg.builder import build as run_build
    from kg.builder import default_workers
    from kg.ingest import iter_report_paths
    from kg.progress import ProgressLine

    if out is None and store is None:
        _fail(KgError("give an output file (--out FILE) and/or a store folder (--store DIR)"))
    progress = None
    with _guard():
        try:
            if not quiet and sys.stderr.isatty():
                progress = ProgressLine(len(list(iter_report_paths(paths))), sys.stderr)
            summary = run_build(
                paths,
                out,
                progress=progress,
                workers=workers,
                store=store,
                force=force,
                max_bytes=max_bytes,
                prune=prune,
            )
        finally:
            if progress is not None:
                progress.finish()
    for warning in summary.warnings:
        typer.echo(f"kg: warning: {warning}", err=True)
    for skipped in summary.skipped:
        _echo_skipped(skipped)
    if not quiet:
        where = " and ".join(str(p) for p in (out, store) if p is not None)
        unit = "triples" if out is not None and out.suffix.lower() in (".ttl", ".nt") else "quads"
        cores = summary.workers if summary.workers else default_workers()
        rate = summary.chars / max(summary.seconds, 1e-9)
        typer.echo(
            f"kg: built {where}: {summary.reports} report(s), {summary.mentions} mentions, {summary.quads} {unit}"
            + (f", {summary.unchanged} unchanged" if summary.unchanged else "")
            + (f", {summary.pruned} pruned" if summary.pruned else "")
            + (f", {len(summary.skipped)} skipped" if summary.skipped else "")
            + f" in {summary.seconds:.1f} s"
            + (f" ({rate / 1000:.0f}k chars/s, {cores} worker(s))" if summary.chars else ""),
            err=True,
        )
    if summary.skipped:
        raise typer.Exit(1)


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(help="One report file.")],
    format: Annotated[MentionFormat, typer.Option("--format", "-f", help="jsonl (for score.py) or table.")] = (
        MentionFormat.jsonl
    ),
    max_bytes: Annotated[int | None, typer.Option("--max-bytes", min=1, help=_MAX_BYTES_HELP)] = None,
) -> None:
    """Print the entity mentions of one report.

    JSONL has one object per line with start, end, text, type (the format
    ../shared/tools/score.py reads), plus the linked label and IRI.

    Example:  kg extract seeds/000_d850761e47ed951d.txt --format table
    """
    from kg.pipeline import extract as run_extract
    from kg.sparql import _table

    with _guard():
        ex = run_extract(file, max_bytes)
    for warning in ex.report.warnings:
        typer.echo(f"kg: warning: {ex.report.path}: {warning}", err=True)
    if format is MentionFormat.jsonl:
        for m in ex.mentions:
            typer.echo(json.dumps(m.as_json(), ensure_ascii=False))
    else:
        rows = [[str(m.start), str(m.end), m.type, m.text, m.entity.label] for m in ex.mentions]
        typer.echo(_table(["start", "end", "type", "text", "label"], rows), nl=False)


def _positive(value: float | None) -> float | None:
    return None if value is None or value <= 0 else value


@app.command()
def facts(
    file: Annotated[Path, typer.Argument(help="One report file.")],
    format: Annotated[MentionFormat, typer.Option("--format", "-f", help="jsonl or table.")] = MentionFormat.jsonl,
) -> None:
    """Print the facts of one report: links, milestones (hasStatus) and indicator figures.

    JSONL has one object per fact with relation, subject and, by kind, object;
    stage, modality, year; or indicator, value, unit, growth, status, year;
    plus start/end of the evidence, its sentence and the rule that made it.

    Example:  kg facts seeds/001_db1b2a7e58f2f446.txt --format table
    """
    from kg.facts import find_facts
    from kg.pipeline import extract as run_extract
    from kg.sparql import _table

    try:
        found = find_facts(run_extract(file))
    except KgError as exc:
        _fail(exc)
    if format is MentionFormat.jsonl:
        for f in found:
            typer.echo(json.dumps(f.as_json(), ensure_ascii=False))
    else:
        rows = [[str(f.evidence.start), str(f.evidence.end), *_fact_cells(f.as_json())] for f in found]
        typer.echo(_table(["start", "end", "relation", "subject", "detail"], rows), nl=False)


def _fact_cells(d: dict[str, object]) -> list[str]:
    if d["relation"] == "hasStatus":
        detail = f"{d['stage']} {d['modality']} {d['year'] or ''}"
    elif d["relation"] == "indicator":
        value = f"{d['value']}{d['unit']}" if d["value"] is not None else ""
        growth = f"{d['growth']:+}%" if isinstance(d["growth"], int | float) else ""
        detail = " ".join(x for x in (str(d["indicator"]), value, growth, str(d["status"]), str(d["year"] or "")) if x)
    else:
        detail = str(d["object"])
    return [str(d["relation"]), str(d["subject"] or ""), detail.strip()]


@app.command()
def panel(
    out: Annotated[Path, typer.Argument(help="The CSV file to write.")],
    data: Annotated[list[Path], typer.Option("--data", "-d", help="Graph file(s) built by kg build.")],
) -> None:
    """Write a region × year panel (CSV) of programs and indicators, for statistics software.

    Rows with table=program: region, year, program, mentions, sentences.
    Rows with table=indicator: region, year, indicator, status, value, unit, growth, report.

    Example:  kg panel out/panel.csv --data out/seeds.trig
    """
    from kg.panel import write_panel
    from kg.sparql import load_store

    try:
        db = load_store(data)
        _warn_other_builds(db, data)
        n = write_panel(db, out)
    except KgError as exc:
        _fail(exc)
    typer.echo(f"kg: wrote {out}: {n} rows", err=True)


@app.command()
def query(
    query: Annotated[str, typer.Argument(help="SPARQL text, a .rq file, or the name of a saved query.")],
    data: Annotated[
        list[Path] | None, typer.Option("--data", "-d", help="Graph file(s) to query (.trig .nq .ttl .nt .jsonld).")
    ] = None,
    store: Annotated[Path | None, typer.Option("--store", help="A store folder built by `kg build --store`.")] = None,
    format: Annotated[
        ResultFormat, typer.Option("--format", "-f", help="table, or W3C SPARQL results csv/tsv/json.")
    ] = (ResultFormat.table),
    allow_service: Annotated[
        bool, typer.Option("--allow-service", help="Permit SERVICE calls to remote endpoints.")
    ] = (False),
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds before the query is abandoned; 0: none.")] = (
        DEFAULT_TIMEOUT
    ),
    limit: Annotated[int, typer.Option("--limit", help="Most rows (or triples) returned; 0: no limit.")] = (
        DEFAULT_LIMIT
    ),
) -> None:
    """Run a read-only SPARQL query over built graph files or a store.

    The default graph is the union of all report graphs; GRAPH ?g selects one report.
    Saved queries: see `kg queries` (projects-by-stage, promises-vs-delivery,
    program-sentences, targets-vs-actuals, project-links, …).
    Updates are refused and data files are never changed.

    Example:  kg query "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }" --data out/seeds.trig
    Example:  kg query entities-by-type --store out/store --format csv
    """
    from kg.sparql import format_result, load_store, open_store, resolve_query, run_query

    with _guard():
        if (data is None) == (store is None):
            raise KgError("give the graph to query: --data FILE... or --store DIR (one of the two)")
        sparql = resolve_query(query)
        db = load_store(data) if data is not None else open_store(store)  # type: ignore[arg-type]
        _warn_other_builds(db, data, store)
        result = run_query(
            db, sparql, allow_service=allow_service, timeout=_positive(timeout), limit=limit if limit > 0 else None
        )
        typer.echo(format_result(result, format.value), nl=False)
    if result.truncated:
        typer.echo(f"kg: result cut off at {limit} rows; raise --limit to see more", err=True)


@app.command("eval")
def eval_(
    gold_dir: Annotated[Path, typer.Argument(help="Gold folder with manifest.json and one JSONL file per document.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as one JSON object.")] = False,
    errors: Annotated[
        int, typer.Option("--errors", help="List up to N misses and false alarms per document (overlap mode).")
    ] = 0,
    fail_under: Annotated[
        float | None,
        typer.Option("--fail-under", help="Exit 1 when the micro overlap F1 over all types is below this."),
    ] = None,
) -> None:
    """Score kg's mentions against gold annotations (the numbers of shared/tools/score.py).

    Each document the manifest lists is extracted and scored; counts are summed
    over documents (micro-average), strict and overlap, per type.

    Example:  kg eval ../shared/gold --errors 20
    """
    from kg.evaluate import evaluate, format_errors, format_table

    try:
        result = evaluate(gold_dir)
    except KgError as exc:
        _fail(exc)
    counts = result.counts
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False, sort_keys=True))
    else:
        typer.echo(format_table(counts), nl=False)
        if len(result.docs) > 1:
            for d in result.docs:
                s, o = d.counts["strict"]["ALL"], d.counts["overlap"]["ALL"]
                typer.echo(f"{d.doc.name}: strict F1 {s.f1:.3f}, overlap F1 {o.f1:.3f}")
    if errors:
        typer.echo(format_errors(result.docs, errors), nl=False)
    if fail_under is not None and counts["overlap"]["ALL"].f1 < fail_under:
        typer.echo(f"kg: overlap F1 {counts['overlap']['ALL'].f1:.3f} is below --fail-under {fail_under}", err=True)
        raise typer.Exit(1)


@app.command()
def serve(
    store: Annotated[Path, typer.Option("--store", help="A store folder built by `kg build --store`.")],
    host: Annotated[str, typer.Option("--host", help="Address to bind; the default serves this machine only.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", "-p", help="TCP port (0: any free port).")] = 7878,
    allow_service: Annotated[
        bool, typer.Option("--allow-service", help="Permit SERVICE calls to remote endpoints.")
    ] = (False),
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds before a query is abandoned; 0: none.")] = (
        DEFAULT_TIMEOUT
    ),
    limit: Annotated[int, typer.Option("--limit", help="Most rows (or triples) per answer; 0: no limit.")] = (
        DEFAULT_LIMIT
    ),
    memory: Annotated[
        bool | None,
        typer.Option(
            "--memory/--no-memory",
            help="Copy the store into memory at start-up: queries answer 2-4x faster; costs about "
            "13 s and 1 GB of memory per million quads. Default: when the store holds at most "
            f"{MEMORY_QUADS:,} quads.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve a store as a read-only SPARQL 1.1 Protocol endpoint (SPARQLWrapper, YASGUI, curl).

    Answers GET and POST queries at any path, in SPARQL results JSON, XML, CSV or
    TSV (Turtle, N-Triples, RDF/XML or JSON-LD for CONSTRUCT), by the Accept header.
    Updates get 403 and the store is opened read-only. Stop it with Ctrl-C.

    Example:  kg serve --store out/store --port 7878
              curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * { ?s ?p ?o } LIMIT 3' localhost:7878
    """
    from kg.serve import Settings, make_server
    from kg.sparql import copy_to_memory, open_store, serve_from_memory

    try:
        db = open_store(store)
        _warn_other_builds(db, store=store)
        if serve_from_memory(db, memory):
            started = time.perf_counter()
            typer.echo(f"kg: copying {store} into memory (--no-memory serves it from disk)...", err=True)
            db = copy_to_memory(db)
            typer.echo(f"kg: {len(db):,} quads in memory in {time.perf_counter() - started:.1f} s", err=True)
        server = make_server(db, host, port, Settings(allow_service, _positive(timeout), limit if limit > 0 else None))
    except KgError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(KgError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); pick another --port"))
    bound_host, bound_port = server.server_address[:2]
    typer.echo(f"kg: serving {store} read-only at http://{bound_host!s}:{bound_port}/sparql (Ctrl-C stops)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command("queries")
def list_queries() -> None:
    """List the saved queries shipped with kg (run them with `kg query NAME`)."""
    from kg.sparql import saved_queries

    for name, path in saved_queries().items():
        first = next((ln[1:].strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.startswith("#")), "")
        typer.echo(f"{name:<22} {first}")


if __name__ == "__main__":  # pragma: no cover
    app()
