"""Query: run SPARQL over built graph files with pyoxigraph, read-only.

A query is checked before it reaches the engine: updates are refused, and so is
SERVICE (a network call) unless explicitly allowed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import traceback
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError, QueryError
from kg.resources import build_fingerprint, data_path
from kg.vocab import KG, RDF, VOID

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
"""Any RDF term pyoxigraph returns in a solution or a triple."""

INPUT_FORMATS: dict[str, ox.RdfFormat] = {
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
}
RESULT_FORMATS = ("table", "csv", "tsv", "json")
DEFAULT_TIMEOUT = 60.0
"""Seconds a `kg query` or `kg serve` query may run by default (pyoxigraph has no timeout; see run_query)."""
DEFAULT_LIMIT = 100_000
"""Rows (or triples) `kg query` and `kg serve` return by default; more are cut off and the result says so."""
# Matched after IRIs, strings and comments are blanked out by _STRIP.
_UPDATE = re.compile(
    r"^\s*(?:(?:PREFIX\s+[\w.-]*:|BASE)\s*)*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.I
)
_STRIP = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
)
_SHORT_IRIS = {
    "https://w3id.org/kg-gov/id/": "kgr:",
    "https://w3id.org/kg-gov/ontology#": "kg:",
}


def saved_queries() -> dict[str, Path]:
    """Saved queries shipped with kg, by name (file name without `.rq`)."""
    return {p.stem: p for p in sorted(data_path("queries").glob("*.rq"))}


def resolve_query(query: str) -> str:
    """QUERY may be a saved query's name, a `.rq` file, or SPARQL text."""
    saved = saved_queries()
    if query in saved:
        return saved[query].read_text(encoding="utf-8")
    if query.endswith(".rq") or ("\n" not in query and len(query) < 256 and Path(query).is_file()):
        path = Path(query)
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise QueryError(f"{query}: cannot read query file ({exc.strerror or exc})") from exc
    if re.fullmatch(r"[\w.-]+", query.strip()):
        names = ", ".join(saved) or "none"
        raise QueryError(f"{query!r} is neither SPARQL nor a saved query; saved queries are: {names}")
    return query


def check_query(sparql: str, allow_service: bool = False) -> None:
    """Refuse updates, and SERVICE unless allowed, before any engine sees the query."""
    if _UPDATE.match(_STRIP.sub(" ", sparql)):
        raise QueryError("SPARQL updates are refused: kg query is read-only; use SELECT, ASK, CONSTRUCT or DESCRIBE")
    if not allow_service and re.search(r"\bSERVICE\b", _STRIP.sub(" ", sparql), re.I):
        raise QueryError("SERVICE (a call to a remote endpoint) is refused; pass --allow-service to permit it")


def load_store(paths: Iterable[Path]) -> ox.Store:
    """An in-memory store holding the given graph files (format from the extension)."""
    store = ox.Store()
    for path in paths:
        fmt = INPUT_FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise KgError(f"{path}: unknown data format {path.suffix!r}; use one of {', '.join(INPUT_FORMATS)}")
        if not path.is_file():
            raise KgError(f"{path}: no such data file")
        try:
            store.bulk_load(path=str(path), format=fmt)
        except (SyntaxError, ValueError, OSError) as exc:
            raise KgError(f"{path}: cannot load as {fmt.name}: {exc}") from exc
    return store


def open_store(path: Path) -> ox.Store:
    """A persistent store built by `kg build --store`, opened read-only (its files are never changed)."""
    if not path.is_dir():
        raise KgError(f"{path}: no such store folder; build one with `kg build REPORTS --store {path}`")
    try:
        return ox.Store.read_only(str(path))
    except OSError as exc:
        raise KgError(f"{path}: cannot open as a kg store ({exc})") from exc


# `kg serve` copies a store of at most this many quads into memory unless told otherwise
# (about 2 GB of memory and 25 s of start-up on a 2-core machine).
MEMORY_QUADS = 2_000_000


def stated_quads(store: ox.Store) -> int | None:
    """The quads a store holds, from the statistics every report graph states (void:triples);
    None when a graph states none (counting them would read the whole store)."""
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        return None  # kg writes only report graphs; a default graph states nothing
    triples = ox.NamedNode(str(VOID.triples))
    graphs = total = 0
    for graph in store.named_graphs():
        stated = [q.object for q in store.quads_for_pattern(graph, triples, None, graph)]
        if len(stated) != 1 or not isinstance(stated[0], ox.Literal) or not stated[0].value.isdigit():
            return None
        graphs += 1
        total += int(stated[0].value)
    return total if graphs else None


def states_literal(
    store: ox.Store,
    subject: ox.NamedNode | ox.BlankNode,
    predicate: str,
    value: str,
    graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph,
) -> bool:
    """Whether `graph` of `store` states `subject predicate "value"`."""
    stated = store.quads_for_pattern(subject, ox.NamedNode(predicate), None, graph)
    return any(isinstance(q.object, ox.Literal) and q.object.value == value for q in stated)


def reports_of_other_builds(store: ox.Store) -> tuple[list[str], int]:
    """(the reports whose graphs another build of kg made, how many reports `store` holds):
    their kg:builtWith is not this kg's, so they may lack facts and shortcuts the saved queries read."""
    current = build_fingerprint()
    reports, other = 0, []
    for quad in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(KG.Report)), None):
        reports += 1
        if isinstance(quad.subject, ox.Triple) or not states_literal(
            store, quad.subject, str(KG.builtWith), current, quad.graph_name
        ):
            other.append(quad.subject.value if isinstance(quad.subject, ox.NamedNode) else str(quad.subject))
    return sorted(other), reports


def serve_from_memory(store: ox.Store, memory: bool | None) -> bool:
    """Whether `kg serve` copies `store` into memory: as told, else when it states at most MEMORY_QUADS."""
    if memory is not None:
        return memory
    quads = stated_quads(store)
    return quads is not None and quads <= MEMORY_QUADS


def copy_to_memory(store: ox.Store) -> ox.Store:
    """An in-memory copy of `store`, for a long-running server.

    The same queries answer 2–4 times faster than from the on-disk (RocksDB) store, at the
    price of the copy (about 13 s and 1 GB of memory per million quads on a 2-core machine).
    """
    copy = ox.Store()
    # Graph by graph, as the N-Quads files are laid out: a copy in the store's own quad order
    # answers the saved queries up to 2 times slower (its quads of one report lie apart).
    copy.bulk_extend(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    for graph in sorted(store.named_graphs(), key=str):
        copy.bulk_extend(store.quads_for_pattern(None, None, None, graph))
    return copy


@dataclass
class Result:
    """A query's answer: rows for SELECT, a boolean for ASK, triples for CONSTRUCT/DESCRIBE.

    `truncated` is true when the answer had more rows (or triples) than the limit allowed.
    """

    variables: list[str]
    rows: list[list[Term | None]]
    boolean: bool | None = None
    triples: list[ox.Triple] | None = None
    truncated: bool = False


class _Stopped(Exception):
    """The caller stopped waiting (timeout): the query's results are dropped unread."""


def _evaluate(store: ox.Store, sparql: str, limit: int | None, stop: threading.Event | None = None) -> Result:
    res: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | None = None
    try:
        res = store.query(sparql, use_default_graph_as_union=True)
        # Results are computed lazily: errors (a failed SERVICE call) surface while reading them.
        return _collect(res, limit, stop)
    except SyntaxError as exc:
        traceback.clear_frames(exc.__traceback__)
        raise QueryError(_syntax_message(str(exc))) from exc
    except OSError as exc:
        # pyoxigraph's result iterators must be dropped on the thread that made them: the
        # traceback, handed to another thread, must not keep them alive in its frames.
        traceback.clear_frames(exc.__traceback__)
        raise QueryError(f"query failed: {str(exc).splitlines()[0]}") from exc
    finally:
        del res


def _collect(
    res: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, limit: int | None, stop: threading.Event | None = None
) -> Result:
    """Read a query's results; once `stop` is set, reading ends (and with it the evaluation) at the next result."""
    if isinstance(res, ox.QueryBoolean):
        return Result([], [], boolean=bool(res))
    if isinstance(res, ox.QueryTriples):
        triples: list[ox.Triple] = []
        for t in res:
            if stop is not None and stop.is_set():
                raise _Stopped
            if limit is not None and len(triples) >= limit:
                return Result([], [], triples=triples, truncated=True)
            triples.append(t)
        return Result([], [], triples=triples)
    variables = [v.value for v in res.variables]
    rows: list[list[Term | None]] = []
    for sol in res:
        if stop is not None and stop.is_set():
            raise _Stopped
        if limit is not None and len(rows) >= limit:
            return Result(variables, rows, truncated=True)
        rows.append(list(sol))  # in the order of `variables`; faster than looking each one up
    return Result(variables, rows)


def _syntax_message(message: str) -> str:
    """One line naming line and column: pyoxigraph says 'error at 2:9: expected one of …' over several lines.

    A plain-words reason in the expected list ('Prefix not found') is shown alone; character
    classes are dropped and a long list of keywords is cut.
    """
    flat = " ".join(message.split()) or "unknown problem"
    m = re.match(r"error at (\d+):(\d+)(?:-\d+:\d+)?: (.*)", flat)
    if not m:
        return f"SPARQL syntax error: {flat[:200]}"
    where, rest = f"at line {m[1]}, column {m[2]}", m[3]
    if rest.startswith("expected one of "):
        items = [i.strip() for i in re.split(r", (?![^\[]*\])", rest[len("expected one of ") :])]
        reasons = [i for i in items if " " in i and not i.startswith("[")]
        if reasons:
            return f"SPARQL syntax error {where}: {'; '.join(reasons)}"
        words = [i for i in items if not i.startswith("[")]
        shown = ", ".join(words[:10]) + (", …" if len(words) > 10 else "")
        return f"SPARQL syntax error {where}: expected one of {shown or 'a term'}"
    return f"SPARQL syntax error {where}: {rest[:200]}"


def run_query(
    store: ox.Store,
    sparql: str,
    allow_service: bool = False,
    timeout: float | None = None,
    limit: int | None = None,
) -> Result:
    """Run one checked query; the default graph is the union of all report graphs.

    pyoxigraph has no query timeout, so the query runs in a daemon thread (pyoxigraph
    releases the GIL while it evaluates) and we stop waiting after `timeout` seconds. The
    thread then stops at the next result it reads, which ends the evaluation; a query still
    computing its first result (a sort or a grouping over everything) runs on until it has
    one. A CLI process exits without waiting for it.
    At most `limit` rows or triples are kept; `Result.truncated` tells when more were cut off.
    `None` (the default for library callers) means no timeout, or no limit; `kg query`
    and `kg serve` pass DEFAULT_TIMEOUT and DEFAULT_LIMIT unless told otherwise.
    """
    check_query(sparql, allow_service)
    if timeout is not None and timeout <= 0:
        raise QueryError(f"timeout must be a positive number of seconds, not {timeout}")
    if limit is not None and limit < 0:
        raise QueryError(f"result limit must be 0 or more, not {limit}")
    if timeout is None:
        return _evaluate(store, sparql, limit)
    box: list[Result | BaseException] = []
    stop = threading.Event()

    def work() -> None:
        try:
            box.append(_evaluate(store, sparql, limit, stop))
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the waiting thread
            box.append(exc)

    thread = threading.Thread(target=work, name="kg-query", daemon=True)
    thread.start()
    thread.join(timeout)
    if not box:
        stop.set()
        raise QueryError(f"query timed out after {timeout:g} s; raise the timeout (--timeout) or narrow the query")
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


def term_text(term: Term | None) -> str:
    """A readable form of a term: literal values bare, IRIs shortened where known."""
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.NamedNode):
        for long, short in _SHORT_IRIS.items():
            if term.value.startswith(long):
                return short + term.value[len(long) :]
        return term.value
    return str(term)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out) + "\n"


def format_result(result: Result, fmt: str) -> str:
    """Render a result as an aligned table, or as W3C SPARQL results CSV/TSV/JSON."""
    if fmt not in RESULT_FORMATS:
        raise QueryError(f"unknown result format {fmt!r}; use one of {', '.join(RESULT_FORMATS)}")
    if result.triples is not None:
        data = ox.serialize(result.triples, None, ox.RdfFormat.N_TRIPLES)
        return data.decode("utf-8") if data else ""
    if fmt == "json":
        # No indent: an indented dump runs json's pure-Python encoder, 25 times slower.
        return json.dumps(results_json(result), ensure_ascii=False) + "\n"
    if result.boolean is not None:
        return ("true" if result.boolean else "false") + "\n"
    if fmt == "table":
        rows = [[term_text(t) for t in row] for row in result.rows]
        return _table(result.variables, rows) + f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(result.variables)
        for row in result.rows:
            w.writerow(
                [t.value if isinstance(t, (ox.Literal, ox.NamedNode)) else ("" if t is None else str(t)) for t in row]
            )
        return buf.getvalue()
    lines = ["\t".join("?" + v for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if t is None else str(t) for t in row))
    return "\n".join(lines) + "\n"


def results_json(result: Result) -> dict[str, object]:
    """A SELECT or ASK answer as a W3C SPARQL 1.1 Query Results JSON document."""
    if result.boolean is not None:
        return {"head": {}, "boolean": result.boolean}
    bindings = []
    seen: dict[Term, dict[str, str]] = {}  # a term repeats down a column; convert it once
    for row in result.rows:
        b: dict[str, dict[str, str]] = {}
        for var, t in zip(result.variables, row, strict=True):
            if t is not None:
                term = seen.get(t)
                if term is None:
                    term = seen[t] = _json_term(t)
                b[var] = term
        bindings.append(b)
    return {"head": {"vars": result.variables}, "results": {"bindings": bindings}}


def _json_term(t: Term) -> dict[str, str]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        out = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = t.datatype.value
        return out
    return {"type": "triple", "value": str(t)}
