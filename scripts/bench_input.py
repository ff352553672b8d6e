"""Measure time and peak memory of `kg build` on one large report file, to choose `max_bytes`.

Each size runs in a fresh Python process (peak RSS is per process). The text is
built from the lines of the seed reports (and ../shared/corpus when present), in
a fixed shuffled order, under a unique opening line so that it is not read as a
repeated body. Run:

    python scripts/bench_input.py                 # 0.1, 1, 2, 5 MB built; 50 MB refused
    python scripts/bench_input.py 1 10 --max-bytes 20000000

Prints a Markdown table (size, chars, outcome, seconds, peak RSS).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
import kg.builder
from kg.errors import KgError
path, out, limit = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
try:
    s = kg.builder.build([path], out, max_bytes=limit)
    outcome = f"built: {s.mentions} mentions, {s.quads} quads"
except KgError as exc:
    outcome = "refused: " + ("; ".join(e.problem.split(";")[0] for e in getattr(exc, "skipped", [])) or str(exc))
print(json.dumps({"seconds": time.perf_counter() - started,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "outcome": outcome}))
"""


def source_lines() -> list[str]:
    files = sorted((ROOT / "seeds").glob("*.txt"))
    corpus = ROOT.parent / "shared" / "corpus"
    if corpus.is_dir():
        files += sorted(corpus.glob("*.txt"))
    lines = [ln for f in files for ln in f.read_text(encoding="utf-8").splitlines() if len(ln.strip()) > 10]
    return sorted(set(lines))


def make_report(path: Path, size: int, lines: list[str]) -> int:
    """Write a UTF-8 report of at most `size` bytes; returns its length in characters."""
    rng = random.Random(0)
    parts = ["各位代表：本文件由 kg 的基准脚本生成，用于测量处理大文件所需的时间和内存。\n"]
    total = len(parts[0].encode("utf-8"))
    while True:
        line = rng.choice(lines) + "\n"
        n = len(line.encode("utf-8"))
        if total + n > size:
            break
        parts.append(line)
        total += n
    text = "".join(parts)
    path.write_text(text, encoding="utf-8")
    return len(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sizes_mb", nargs="*", type=float, default=[0.1, 1, 2, 5, 50])
    ap.add_argument("--max-bytes", type=int, default=5_000_000, help="the limit passed to build")
    args = ap.parse_args()
    lines = source_lines()
    print("| file size | characters | outcome | seconds | peak RSS |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for mb in args.sizes_mb:
            path = Path(tmp) / f"report-{mb:g}MB.txt"
            chars = make_report(path, int(mb * 1_000_000), lines)
            proc = subprocess.run(
                [sys.executable, "-c", CHILD, str(path), str(Path(tmp) / "out.nq"), str(args.max_bytes)],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"| {mb:g} MB | {chars:,} | {r['outcome']} | {r['seconds']:.1f} | {r['rss_mb']:.0f} MB |", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
