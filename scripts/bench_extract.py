#!/usr/bin/env python3
"""Benchmark `kg extract` throughput, stage by stage, over a folder of reports.

Reports characters per CPU-second of this one process (= chars/s per core, robust
to other load on the machine) and wall-clock chars/s, for: reading (ingest),
segmentation alone (jieba through kg's tokenizer), and the whole extraction
(segment + recognise + link). Start-up (imports, dictionaries, patterns) is
timed apart. Plain jieba (`jieba.Tokenizer().cut`) on the same texts is the
reference the issue names.

    python scripts/bench_extract.py [FOLDER] [--repeat N] [--json OUT]

FOLDER defaults to ../shared/corpus.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one call."""
    c0, w0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--repeat", type=int, default=3, help="passes over the corpus; the best is kept")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    a = ap.parse_args()
    folder = Path(a.folder)
    if not folder.is_dir():
        print(f"bench_extract: {folder}: no such folder (give a folder of .txt reports)", file=sys.stderr)
        return 2

    c0, w0 = time.process_time(), time.perf_counter()
    import jieba

    from kg.ingest import iter_report_paths, read_report
    from kg.pipeline import extract, extract_report, nlp

    pipeline = nlp()
    startup = (time.process_time() - c0, time.perf_counter() - w0)

    paths = list(iter_report_paths([folder]))
    reports = []
    ingest = timed(lambda: reports.extend(read_report(p) for p in paths))
    bodies = [r.text[r.body.start : r.body.end] for r in reports]
    chars = sum(len(b) for b in bodies)

    plain = jieba.Tokenizer()
    plain.initialize()
    tokenizer = pipeline.tokenizer

    def best(fn: Callable[[], object]) -> tuple[float, float]:
        runs = [timed(fn) for _ in range(a.repeat)]
        return min(r[0] for r in runs), min(r[1] for r in runs)

    stages = {
        "plain jieba cut": best(lambda: [list(plain.cut(b)) for b in bodies]),
        "segment (kg tokenizer)": best(lambda: [tokenizer(b) for b in bodies]),
        "segment+recognise+link": best(lambda: [extract_report(r) for r in reports]),
        "kg extract (read+all)": best(lambda: [extract(p) for p in paths]),
    }
    ref = stages["plain jieba cut"][0]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}")
    print(f"{len(reports)} reports, {chars} body characters; best of {a.repeat}")
    print(f"start-up (imports, dictionaries, patterns): {startup[0]:.2f} s CPU, {startup[1]:.2f} s wall")
    print(f"ingest: {ingest[0]:.2f} s CPU")
    print(f"{'stage':<26}{'CPU s':>8}{'k chars/CPU-s':>15}{'wall s':>8}{'× jieba':>9}")
    out: dict[str, object] = {"reports": len(reports), "chars": chars, "startup_cpu_s": startup[0]}
    for name, (cpu, wall) in stages.items():
        print(f"{name:<26}{cpu:>8.2f}{chars / cpu / 1000:>15.1f}{wall:>8.2f}{cpu / ref:>9.2f}")
        out[name] = {"cpu_s": cpu, "wall_s": wall, "chars_per_cpu_s": chars / cpu}
    print(f"peak RSS: {peak_mb:.0f} MB")
    out["peak_rss_mb"] = peak_mb
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
