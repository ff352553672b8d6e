"""Build: report files → one RDF file (named graph per report) and/or a persistent store.

Reports are extracted one per task, in worker processes by default. A worker sends back
its report's named graph as sorted N-Quads bytes (never a spaCy Doc), and the parent
writes the graphs in the order of their graph IRIs. Because every graph is sorted on its
own and the graphs are written in a fixed order, the bytes of the output do not depend on
the number of workers, and quad formats are written as a stream (memory stays flat).
"""

from __future__ import annotations

import gc
import hashlib
import logging
import multiprocessing
import os
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from kg.errors import InputError, KgError, NothingBuilt
from kg.graph import QUAD_FORMATS, atomic_output, format_for, graph_iri, report_iri, report_nquads, serialise
from kg.ingest import iter_report_paths, report_from_bytes, report_id_for
from kg.pipeline import extract, extract_report, nlp
from kg.resources import build_fingerprint
from kg.sparql import states_literal
from kg.vocab import KG, PREFIXES

log = logging.getLogger(__name__)


@dataclass
class BuildSummary:
    """What a build did: reports built, files skipped (with why), quads written."""

    reports: int = 0
    chars: int = 0
    mentions: int = 0
    quads: int = 0
    seconds: float = 0.0
    unchanged: int = 0
    pruned: int = 0
    """Report graphs removed from the store (with `prune`) because their file is no longer among the inputs."""
    workers: int = 1
    skipped: list[InputError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """`file: problem` for reports that were built despite a problem (a truncated last character)."""


@dataclass(frozen=True)
class ReportGraph:
    """One extracted report as a worker sends it back: its named graph as sorted N-Quads."""

    path: str
    report_id: str
    sha256: str
    chars: int
    mentions: int
    quads: int
    nquads: bytes
    warnings: tuple[str, ...] = ()


class WorkerTraceback(Exception):
    """The formatted traceback of an unexpected error in a worker, kept as the cause of the report's InputError."""


@dataclass(frozen=True)
class ReportFailed:
    """A report that could not be read (an exception with a custom __init__ does not pickle).

    `trace` holds the formatted traceback of an unexpected error (a bug in kg), for --debug.
    """

    path: str
    problem: str
    trace: str = ""

    def error(self) -> InputError:
        err = InputError(self.path, self.problem)
        if self.trace:
            err.__cause__ = WorkerTraceback("\n" + self.trace.rstrip())
        return err


Outcome = ReportGraph | ReportFailed
Progress = Callable[[Outcome], None]
Extractor = Callable[[list[Path]], Iterable[Outcome]]
"""Extracts reports, yielding one outcome per path in the order given (local pool, Dask, ...)."""


def extract_graph(
    path: Path | str, data: bytes | None = None, max_bytes: int | None = None, built_with: str | None = None
) -> Outcome:
    """Extract one report and serialise its named graph (runs in a worker process).

    With `data`, the report is read from those bytes instead of the file (a worker on
    another machine need not see the file); `path` still names it. `built_with` is the
    kg:builtWith of the process that started the build: a worker running another build of kg
    (other rules or versions) fails the report rather than label its graph as that build's.
    Any failure becomes a :class:`ReportFailed`, so that one report never stops the others.
    """
    own = build_fingerprint()
    if built_with is not None and built_with != own:
        return ReportFailed(
            str(path),
            f"this worker runs another build of kg ({own}) than the build's ({built_with});"
            " install the same kg, jieba and spaCy on every worker, and do not edit kg's rules during a build",
        )
    try:
        if data is None:
            ex = extract(path, max_bytes)
        else:
            ex = extract_report(report_from_bytes(Path(path), data))
    except InputError as exc:
        return ReportFailed(str(exc.path), exc.problem)
    except Exception as exc:
        log.debug("extracting %s failed", path, exc_info=True)
        return ReportFailed(
            str(path),
            f"internal error ({type(exc).__name__}: {exc}); this is a bug in kg, please report it",
            traceback.format_exc(),
        )
    data = report_nquads(ex, built_with)
    r = ex.report
    return ReportGraph(
        str(path), r.report_id, r.sha256, len(r.text), len(ex.mentions), data.count(b"\n"), data, tuple(r.warnings)
    )


def default_workers() -> int:
    """Worker processes used by default: the cores this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not on Linux
        return max(os.cpu_count() or 1, 1)


def graph_order(paths: Iterable[Path]) -> list[Path]:
    """Report files in the order their graphs are written: by graph IRI, as the sorted output has them."""
    return sorted(paths, key=lambda p: (str(ox.NamedNode(graph_iri(report_id_for(p)))), str(p)))


def _pool_context() -> multiprocessing.context.BaseContext:
    """fork starts workers at once with kg imported, but is only safe while this process has one thread
    (a lock held by another thread would stay locked in the child); otherwise forkserver, or spawn
    where neither exists (macOS, Windows)."""
    if sys.platform == "linux":
        if threading.active_count() == 1:
            return multiprocessing.get_context("fork")
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def load_shared() -> None:
    """Build what extracting any report needs (spaCy pipeline, jieba dictionary, fact rules) once.

    Called before worker processes fork, so that every worker inherits it instead of
    building its own. Collections are off meanwhile: nothing built here is garbage.
    """
    from kg.indicators import shipped_rules as indicator_rules
    from kg.milestones import shipped_rules as milestone_rules
    from kg.relations import shipped_rules as relation_rules

    enabled = gc.isenabled()
    gc.disable()
    try:
        nlp()
        relation_rules()
        milestone_rules()
        indicator_rules()
    finally:
        if enabled:
            gc.enable()


def extract_graphs(paths: list[Path], workers: int = 1, max_bytes: int | None = None) -> Iterator[Outcome]:
    """Extract each report of `paths`, yielding outcomes in the order of `paths`.

    With `workers` > 1, reports are extracted in that many worker processes; forked workers
    inherit the pipeline built here (:func:`load_shared`), others build their own once. At
    most a few reports per worker wait in memory at a time.
    """
    if not paths:
        return
    built_with = build_fingerprint()  # before the rules load: it names what they are read from
    context = _pool_context() if workers > 1 and len(paths) > 1 else None
    if context is None:
        load_shared()
        for p in paths:
            yield extract_graph(p, None, max_bytes, built_with)
        return
    forked = context.get_start_method() == "fork"
    if forked:
        load_shared()
        # While the workers fork, everything this process holds is kept out of the collector's
        # reach: a collection in a worker would walk the inherited pipeline, costing time and
        # copying the pages the workers share. This process takes them back once they are done.
        gc.freeze()
    try:
        yield from _pooled(paths, workers, max_bytes, context, built_with)
    finally:
        if forked:
            gc.unfreeze()


def _pooled(
    paths: list[Path],
    workers: int,
    max_bytes: int | None,
    context: multiprocessing.context.BaseContext,
    built_with: str,
) -> Iterator[Outcome]:
    """Extract `paths` in a pool of `workers` processes, at most four reports per worker in flight."""
    window = workers * 4
    with ProcessPoolExecutor(max_workers=min(workers, len(paths)), mp_context=context) as pool:
        pending: deque[Future[Outcome]] = deque()
        it = iter(paths)
        for p in it:
            pending.append(pool.submit(extract_graph, p, None, max_bytes, built_with))
            if len(pending) >= window:
                break
        while pending:
            outcome = pending.popleft().result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append(pool.submit(extract_graph, nxt, None, max_bytes, built_with))
            yield outcome


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a file's bytes (what the graph records as kg:sha256), or None if unreadable."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def build(
    paths: Iterable[Path | str],
    out: Path | str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    store: Path | str | None = None,
    force: bool = False,
    extractor: Extractor | None = None,
    max_bytes: int | None = None,
    prune: bool = False,
) -> BuildSummary:
    """Build the graph of the reports under `paths` into `out` (format from its extension) and/or `store`.

    `workers` worker processes extract reports (default: one per core; 1 runs in this
    process). Nothing is written to `out` when no report could be read, and an existing
    `out` is replaced only once the new file is complete. With `store` (a folder holding
    a persistent pyoxigraph store), each report's named graph is replaced, and a report
    whose file is unchanged since it was stored (same SHA-256) by this build of kg (same
    kg:builtWith, see :func:`kg.resources.build_fingerprint`) is not extracted again,
    unless `force` or `out` is given (the file needs every report). `extractor` replaces
    the local worker pool (see :mod:`kg.distributed`). Files over `max_bytes` are skipped.
    With `prune`, the store keeps only the reports of `paths`: the graph of a report whose
    file is no longer among them (deleted, moved, renamed) is removed.
    """
    if out is None and store is None:
        raise KgError("nothing to build into; give an output file (--out) and/or a store folder (--store)")
    if prune and store is None:
        raise KgError("--prune removes reports from a store; give the store folder with --store")
    out = Path(out) if out is not None else None
    if out is not None:
        format_for(out)
    started = time.perf_counter()
    summary = BuildSummary(workers=workers if workers is not None else default_workers())
    if summary.workers < 1:
        raise KgError(f"--workers must be at least 1, not {summary.workers}")
    ordered = graph_order(iter_report_paths(paths))
    db = _open_store(Path(store)) if store is not None else None
    todo = ordered
    if db is not None and out is None and not force:
        todo = [p for p in ordered if not _unchanged(db, p)]
        summary.unchanged = len(ordered) - len(todo)
    seen: dict[str, str] = {}

    def built() -> Iterator[ReportGraph]:
        outcomes = extractor(todo) if extractor is not None else extract_graphs(todo, summary.workers, max_bytes)
        for outcome in outcomes:
            if isinstance(outcome, ReportGraph) and outcome.report_id in seen:
                outcome = ReportFailed(
                    outcome.path,
                    f"same report id {outcome.report_id!r} as {seen[outcome.report_id]}; rename one of the files",
                )
            if isinstance(outcome, ReportFailed):
                summary.skipped.append(outcome.error())
            else:
                seen[outcome.report_id] = outcome.path
                summary.warnings.extend(f"{outcome.path}: {w}" for w in outcome.warnings)
                if db is not None:
                    _replace_graph(db, outcome)
                summary.reports += 1
                summary.chars += outcome.chars
                summary.mentions += outcome.mentions
                summary.quads += outcome.quads
            if progress is not None:
                progress(outcome)
            if isinstance(outcome, ReportGraph):
                yield outcome

    with _maybe_output(out) as f:
        if out is None or f is None:
            for _ in built():
                pass
        else:
            n = write_graphs(built(), f, format_for(out))
            if out.suffix.lower() not in QUAD_FORMATS:
                summary.quads = n
        if summary.reports == 0 and (out is not None or summary.unchanged == 0):
            raise NothingBuilt(summary.skipped)
    if db is not None:
        if prune:
            summary.pruned = prune_store(db, {report_id_for(p) for p in ordered})
        db.flush()
    summary.seconds = time.perf_counter() - started
    return summary


def write_graphs(graphs: Iterable[ReportGraph], f: IO[bytes], fmt: ox.RdfFormat) -> int:
    """Write report graphs (already in graph order) to `f`; returns the number of triples for triple formats.

    N-Quads is the graphs' bytes one after the other; TriG and JSON-LD go through one
    streaming serializer. Turtle and N-Triples hold the union of the graphs (deduplicated
    and sorted), so only they grow with the corpus.
    """
    if fmt == ox.RdfFormat.N_QUADS:
        for g in graphs:
            f.write(g.nquads)
        return 0
    quads = (q for g in graphs for q in ox.parse(g.nquads, ox.RdfFormat.N_QUADS))
    if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.JSON_LD):
        ox.serialize(quads, f, fmt, prefixes=PREFIXES)
        return 0
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    f.write(serialise((ox.Quad(t.subject, t.predicate, t.object) for t in triples), fmt))
    return len(triples)


def prune_store(db: ox.Store, keep: set[str]) -> int:
    """Remove every report graph whose report id is not in `keep`; returns how many were removed.

    Only kg's report graphs (`…/id/graph/ID`) are touched: other graphs a user loaded stay.
    """
    prefix = graph_iri("")
    gone = [
        g
        for g in db.named_graphs()
        if isinstance(g, ox.NamedNode) and g.value.startswith(prefix) and g.value[len(prefix) :] not in keep
    ]
    for g in gone:
        db.remove_graph(g)
    return len(gone)


def _replace_graph(db: ox.Store, g: ReportGraph) -> None:
    """Replace one report's named graph in the store, leaving every other graph as it was."""
    db.remove_graph(ox.NamedNode(graph_iri(g.report_id)))
    db.extend(ox.parse(g.nquads, ox.RdfFormat.N_QUADS))


@contextmanager
def _maybe_output(out: Path | None) -> Iterator[IO[bytes] | None]:
    if out is None:
        yield None
        return
    with atomic_output(out) as f:
        yield f


def _open_store(path: Path) -> ox.Store:
    if path.exists() and not path.is_dir():
        raise KgError(f"{path}: not a folder; --store needs a folder for the on-disk store")
    try:
        path.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(path))
    except OSError as exc:
        hint = "; is another kg process using it?" if "lock" in str(exc).lower() else ""
        raise KgError(f"{path}: cannot open the store ({exc}){hint}") from exc


def _unchanged(db: ox.Store, path: Path) -> bool:
    """True when the store already holds this file's graph, built from the same bytes by this build of kg."""
    rid = report_id_for(path)
    sha = file_sha256(path)
    if sha is None:
        return False
    report, graph = ox.NamedNode(report_iri(rid)), ox.NamedNode(graph_iri(rid))
    return states_literal(db, report, str(KG.sha256), sha, graph) and states_literal(
        db, report, str(KG.builtWith), build_fingerprint(), graph
    )
