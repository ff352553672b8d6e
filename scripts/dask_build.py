"""Example: build the graph on a Dask cluster (install the extra: pip install 'kg[dask]').

On a local cluster of worker processes (started for the run):
    python scripts/dask_build.py seeds -o out/seeds.nq --workers 2

On a running cluster (`dask scheduler` on one machine, `dask worker tcp://HOST:8786` on each
of the others, every one with kg installed):
    python scripts/dask_build.py reports/ -o out/all.nq --scheduler tcp://HOST:8786

The workers get each report's bytes from this process, so they need not see its files. The
output is byte-identical to `kg build` of the same reports.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kg.distributed import build_on_cluster
from kg.errors import KgError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("paths", nargs="+", type=Path, help="report files or folders")
    parser.add_argument("-o", "--out", type=Path, required=True, help="output file (.nq, .trig, ...)")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler (default: a local cluster)")
    parser.add_argument("--workers", type=int, default=None, help="local cluster: worker processes (default: cores)")
    parser.add_argument("--max-bytes", type=int, default=None, help="skip report files larger than this many bytes")
    args = parser.parse_args(argv)
    try:
        if args.scheduler:
            summary = build_on_cluster(args.paths, args.out, args.scheduler, max_bytes=args.max_bytes)
        else:
            from distributed import Client, LocalCluster

            cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None)
            with cluster, Client(cluster) as client:
                summary = build_on_cluster(args.paths, args.out, client, max_bytes=args.max_bytes)
    except (KgError, ImportError) as exc:
        print(f"dask_build: error: {exc}", file=sys.stderr)
        return 2
    for skipped in summary.skipped:
        print(f"dask_build: skipped {skipped}", file=sys.stderr)
    print(
        f"dask_build: built {args.out}: {summary.reports} report(s), {summary.quads} quads "
        f"on {summary.workers} Dask worker(s) in {summary.seconds:.1f} s",
        file=sys.stderr,
    )
    return 1 if summary.skipped else 0


if __name__ == "__main__":
    sys.exit(main())
