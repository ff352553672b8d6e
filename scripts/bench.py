"""Benchmark kg: build time against plain jieba, chars/s per core, peak RSS, saved-query latency.

    python scripts/bench.py                       # ../shared/corpus, factor 100
    python scripts/bench.py --factor 10 --json out/bench.json

Steps, each a whole process (imports and dictionary loads included), timed by wall clock:

0. warm-up: `kg build` of one report, so that kg's dictionary cache is filled (as jieba's own
   cache is) and the timed steps start as every run after the first does.
1. jieba: `jieba.lcut` over every corpus text (the baseline the build is compared with).
2. `kg build CORPUS -o x.nq` with the default workers (one per core), and with `--workers 1`.
   With --runs N, jieba and this build alternate N times and the fastest run of each counts.
3. `kg build --store`: a first build, then again with nothing changed (every report skipped).
4. `kg build` of the corpus replicated FACTOR times (copies under distinct file names, so
   distinct report ids and graphs), written as N-Quads.
5. That N-Quads file bulk-loaded into an on-disk pyoxigraph store (what `kg serve --store`
   and `kg query --store` read), then every saved query run REPEAT times on it; the median
   and the slowest run are reported (after one warm-up run). The same in memory (what
   `kg query --data` builds), unless --no-memory (default: only up to factor 20).

Peak RSS is sampled from /proc every 20 ms over the process and its children (worker
processes included): "tree" is the largest sum seen, "largest" the biggest single process.
Linux only. Numbers go to --json and a printed table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
JIEBA = """
import sys, pathlib, jieba
n = 0
for p in sorted(pathlib.Path(sys.argv[1]).rglob("*.txt")):
    n += len(jieba.lcut(p.read_text(encoding="utf-8", errors="replace")))
print(n)
"""


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return out


def run(cmd: list[str]) -> dict[str, object]:
    """Run `cmd` to the end; wall seconds and peak RSS (MB) of its process tree.

    Bytecode caching is on, as in a normal install, even where PYTHONDONTWRITEBYTECODE is set
    (otherwise kg's own modules, installed in editable mode, are compiled again by every process).
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = {"tree": 0, "largest": 0}

    def sample() -> None:
        while proc.poll() is None:
            sizes = [_rss_kb(p) for p in _tree(proc.pid)]
            peak["tree"] = max(peak["tree"], sum(sizes))
            peak["largest"] = max(peak["largest"], max(sizes, default=0))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _out, err = proc.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"bench: {' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return {
        "seconds": round(seconds, 2),
        "peak_rss_tree_mb": round(peak["tree"] / 1024, 1),
        "peak_rss_largest_mb": round(peak["largest"] / 1024, 1),
        "stderr_last_line": err.strip().splitlines()[-1] if err.strip() else "",
    }


def replicate(corpus: Path, factor: int, dest: Path) -> int:
    """Copy every report of `corpus` `factor` times under distinct names; returns the characters written."""
    chars = 0
    for k in range(factor):
        for p in sorted(corpus.glob("*.txt")):
            shutil.copyfile(p, dest / f"{p.stem}--copy{k:04d}.txt")
            chars += len(p.read_text(encoding="utf-8", errors="replace"))
    return chars


def corpus_chars(corpus: Path) -> int:
    return sum(len(p.read_text(encoding="utf-8", errors="replace")) for p in sorted(corpus.glob("*.txt")))


def _time_queries(store: Any, repeat: int) -> dict[str, dict[str, float]]:
    from kg.sparql import resolve_query, run_query, saved_queries

    queries: dict[str, dict[str, float]] = {}
    for name in saved_queries():
        sparql = resolve_query(name)
        run_query(store, sparql, timeout=None, limit=None)
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            result = run_query(store, sparql, timeout=None, limit=None)
            times.append(time.perf_counter() - t)
        queries[name] = {
            "median_ms": round(statistics.median(times) * 1000, 1),
            "max_ms": round(max(times) * 1000, 1),
            "rows": len(result.rows),
        }
    return queries


def query_latencies(nq: Path, store_dir: Path, repeat: int, memory: bool) -> dict[str, object]:
    """Bulk-load `nq` into an on-disk store (and, with `memory`, an in-memory one), then time every saved query."""
    import pyoxigraph as ox

    started = time.perf_counter()
    store = ox.Store(str(store_dir))
    store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    store.optimize()
    load_s = time.perf_counter() - started
    quads = len(store)
    del store
    out: dict[str, object] = {"quads": quads, "bulk_load_and_optimize_s": round(load_s, 2)}
    out["queries"] = _time_queries(ox.Store.read_only(str(store_dir)), repeat)
    if memory:
        started = time.perf_counter()
        in_memory = ox.Store()
        in_memory.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
        out["memory_load_s"] = round(time.perf_counter() - started, 2)
        out["memory_queries"] = _time_queries(in_memory, repeat)
    return out


def machine() -> dict[str, object]:
    model = ""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
        model = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "")
        mem_kb = next(int(ln.split()[1]) for ln in open("/proc/meminfo", encoding="utf-8") if ln.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "cpu": model or platform.processor(),
        "cores": len(os.sched_getaffinity(0)),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
        "load_average_at_start": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark kg build and saved queries.")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--factor", type=int, default=100, help="replicate the corpus this many times (default 100)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each saved query (default 5)")
    parser.add_argument("--runs", type=int, default=1, help="runs of jieba and the 1x build, fastest kept (default 1)")
    parser.add_argument("--json", type=Path, default=ROOT / "out" / "bench.json")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument(
        "--memory",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also time the saved queries on an in-memory store (default: when FACTOR <= 20; 100x needs ~20 GB)",
    )
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"bench: {args.corpus}: no such corpus folder; pass --corpus", file=sys.stderr)
        return 2
    work = Path(args.workdir or tempfile.mkdtemp(prefix="kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    kg = [sys.executable, "-m", "kg.cli"]
    cores = len(os.sched_getaffinity(0))
    chars = corpus_chars(args.corpus)
    report: dict[str, object] = {"machine": machine(), "corpus": str(args.corpus), "chars": chars}
    print(f"bench: corpus {args.corpus} ({chars} chars), {cores} cores, factor {args.factor}", file=sys.stderr)

    steps: dict[str, dict[str, object]] = {}
    # Not timed against jieba: fills kg's dictionary cache (kg.dictcache) as jieba's own cache is already
    # filled, so that every timed step starts as a second run on the machine does.
    first = next(iter(sorted(args.corpus.glob("*.txt"))))
    steps["warm_up"] = run([*kg, "build", str(first), "-o", str(work / "warm-up.nq"), "-w", "1"])
    # jieba and the build alternate --runs times; the fastest run of each is kept (on a shared
    # machine the fastest is the least disturbed), with every run's time beside it.
    pair: dict[str, list[dict[str, object]]] = {"jieba": [], "build_1x": []}
    for _ in range(args.runs):
        pair["jieba"].append(run([sys.executable, "-c", JIEBA, str(args.corpus)]))
        pair["build_1x"].append(run([*kg, "build", str(args.corpus), "-o", str(work / "1x.nq")]))
    for name, runs in pair.items():
        steps[name] = dict(min(runs, key=lambda r: cast(float, r["seconds"])))
        steps[name]["all_runs_s"] = [r["seconds"] for r in runs]
    steps["build_1x_workers1"] = run([*kg, "build", str(args.corpus), "-o", str(work / "1x-w1.nq"), "-w", "1"])
    steps["store_1x_first"] = run([*kg, "build", str(args.corpus), "--store", str(work / "store-1x")])
    steps["store_1x_unchanged"] = run([*kg, "build", str(args.corpus), "--store", str(work / "store-1x")])
    same = (work / "1x.nq").read_bytes() == (work / "1x-w1.nq").read_bytes()
    big = work / f"corpus-{args.factor}x"
    big.mkdir(exist_ok=True)
    big_chars = replicate(args.corpus, args.factor, big)
    # Names of their own, so that --factor 1 does not overwrite the 1x steps' files.
    big_step, big_nq = f"build_replicated_{args.factor}x", work / f"replicated-{args.factor}x.nq"
    steps[big_step] = run([*kg, "build", str(big), "-o", str(big_nq)])
    shutil.rmtree(big)
    for name, step in steps.items():
        n = big_chars if name == big_step else chars
        w = 1 if name.endswith("workers1") or name == "jieba" else cores
        if name.startswith(("build", "store_1x_first")) and name != "warm_up":
            step["chars_per_s_per_core"] = round(n / cast(float, step["seconds"]) / w)
        print(f"bench: {name}: {step['seconds']} s, peak RSS {step['peak_rss_tree_mb']} MB", file=sys.stderr)
    report["steps"] = steps
    report["bytes_same_for_1_and_default_workers"] = same
    report["build_over_jieba"] = round(
        cast(float, steps["build_1x"]["seconds"]) / cast(float, steps["jieba"]["seconds"]), 2
    )
    report["factor"] = args.factor
    report["estimated_100x_build_s"] = round(cast(float, steps[big_step]["seconds"]) * 100 / args.factor)
    report["factor_chars"] = big_chars
    memory = args.memory if args.memory is not None else args.factor <= 20
    report["query_store"] = query_latencies(big_nq, work / f"store-replicated-{args.factor}x", args.repeat, memory)

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(report))
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def table(report: dict[str, object]) -> str:
    """The report as Markdown tables (what the README shows)."""
    m = cast(dict[str, Any], report["machine"])
    steps = cast(dict[str, dict[str, Any]], report["steps"])
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Python {m['python']}.",
        "",
        "| step | wall s | chars/s/core | peak RSS, tree (MB) | peak RSS, largest process (MB) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, s in steps.items():
        lines.append(
            f"| {name} | {s['seconds']} | {s.get('chars_per_s_per_core', '')} | {s['peak_rss_tree_mb']} "
            f"| {s['peak_rss_largest_mb']} |"
        )
    lines += [
        "",
        f"build / jieba: {report['build_over_jieba']}x; "
        f"same bytes with 1 and default workers: {report['bytes_same_for_1_and_default_workers']}",
    ]
    q = cast(dict[str, Any], report["query_store"])
    mem = q.get("memory_queries", {})
    lines += [
        "",
        f"Saved queries on the {report['factor']}x graph ({q['quads']} quads): on-disk store "
        f"(bulk load + optimize {q['bulk_load_and_optimize_s']} s)"
        + (f" and in memory (load {q['memory_load_s']} s)" if mem else "")
        + ", after one warm-up run:",
        "",
        "| query | on disk, median ms | on disk, max ms | in memory, median ms | rows |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, r in q["queries"].items():
        m = mem.get(name, {})
        lines.append(f"| {name} | {r['median_ms']} | {r['max_ms']} | {m.get('median_ms', '')} | {r['rows']} |")
    lines.append("")
    for label, group in (("on disk", q["queries"]), ("in memory", mem)):
        if group:
            median = statistics.median(r["median_ms"] for r in group.values())
            lines.append(f"Median over the saved queries, {label}: {median:.0f} ms.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
