"""Build: report files → one RDF file (named graph per report), written atomically."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.errors import InputError, NothingBuilt
from kg.graph import QUAD_FORMATS, format_for, report_quads, serialise, write_atomic
from kg.pipeline import Extraction, extract_many


@dataclass
class BuildSummary:
    """What a build did: reports built, files skipped (with why), quads written."""

    reports: int = 0
    chars: int = 0
    mentions: int = 0
    quads: int = 0
    seconds: float = 0.0
    skipped: list[InputError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """`file: problem` for reports that were built despite a problem (a truncated last character)."""


def collect_quads(
    paths: Iterable[Path | str],
    summary: BuildSummary,
    progress: Callable[[Extraction], None] | None = None,
    max_bytes: int | None = None,
) -> list[ox.Quad]:
    """Quads of every readable report under `paths`; unreadable ones go to `summary.skipped`."""
    quads: list[ox.Quad] = []
    for ex in extract_many(paths, on_error=summary.skipped.append, max_bytes=max_bytes):
        summary.warnings.extend(f"{ex.report.path}: {w}" for w in ex.report.warnings)
        quads.extend(report_quads(ex))
        summary.reports += 1
        summary.chars += len(ex.report.text)
        summary.mentions += len(ex.mentions)
        if progress is not None:
            progress(ex)
    return quads


def build(
    paths: Iterable[Path | str],
    out: Path | str,
    progress: Callable[[Extraction], None] | None = None,
    max_bytes: int | None = None,
) -> BuildSummary:
    """Build the graph of the reports under `paths` into `out` (format from its extension).

    Nothing is written when no report could be read; an existing `out` is replaced
    only once the new file is complete. Files over `max_bytes` are skipped.
    """
    out = Path(out)
    fmt = format_for(out)
    started = time.perf_counter()
    summary = BuildSummary()
    quads = collect_quads(paths, summary, progress, max_bytes)
    if summary.reports == 0:
        raise NothingBuilt(summary.skipped)
    data = serialise(quads, fmt)
    write_atomic(out, data)
    summary.quads = (
        len(quads) if out.suffix.lower() in QUAD_FORMATS else len({(q.subject, q.predicate, q.object) for q in quads})
    )
    summary.seconds = time.perf_counter() - started
    return summary


def stderr_progress(total_hint: int | None = None) -> Callable[[Extraction], None]:
    """A progress printer for terminals: reports done and characters per second."""
    started = time.perf_counter()
    done = [0, 0]

    def show(ex: Extraction) -> None:
        done[0] += 1
        done[1] += len(ex.report.text)
        rate = done[1] / max(time.perf_counter() - started, 1e-9)
        of = f"/{total_hint}" if total_hint else ""
        print(f"\r[{done[0]}{of}] {ex.report.path.name[:40]:<40} {rate / 1000:7.1f}k chars/s", end="", file=sys.stderr)

    return show
