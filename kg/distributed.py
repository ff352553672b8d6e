"""Distributed: extract reports on a Dask cluster; the output is byte-identical to a local build.

Dask distributed is an optional extra (`pip install 'kg[dask]'`). Each task gets one
report's bytes (workers need not share a file system with the client) and returns its
named graph as sorted N-Quads; the client writes graphs in graph order, as
:func:`kg.builder.build` does, holding only a bounded window of finished reports.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.builder import BuildSummary, Outcome, Progress, ReportFailed, build, extract_graph
from kg.errors import InputError, KgError
from kg.ingest import read_report_bytes
from kg.resources import build_fingerprint

if TYPE_CHECKING:
    from distributed import Client


def _client_class() -> Any:
    try:
        from distributed import Client
    except ImportError as exc:
        raise KgError("Dask distributed is not installed; install the extra with: pip install 'kg[dask]'") from exc
    return Client


def _threads(client: Any) -> int:
    return int(sum(client.nthreads().values()))


def dask_graphs(
    client: Client, paths: list[Path], window: int | None = None, max_bytes: int | None = None
) -> Iterator[Outcome]:
    """Extract `paths` as tasks on `client`'s cluster, yielding outcomes in the order of `paths`.

    At most `window` tasks (default: four per worker thread) are submitted or waiting at once.
    A file over `max_bytes` (default from `kg/data/input.yaml`) is skipped unread, as in a local build.
    """
    if window is None:
        window = max(4 * _threads(client), 4)
    built_with = build_fingerprint()  # every worker's graphs state this process's build of kg
    pending: deque[tuple[Path, Any]] = deque()
    it = iter(paths)

    def submit(p: Path) -> None:
        try:
            data = read_report_bytes(p, max_bytes)
        except InputError as exc:
            pending.append((p, ReportFailed(str(exc.path), exc.problem)))
            return
        pending.append((p, client.submit(extract_graph, str(p), data, None, built_with, pure=False)))

    for p in it:
        submit(p)
        if len(pending) >= window:
            break
    while pending:
        _, task = pending.popleft()
        outcome: Outcome = task if isinstance(task, ReportFailed) else task.result()
        nxt = next(it, None)
        if nxt is not None:
            submit(nxt)
        yield outcome


def build_on_cluster(
    paths: Iterable[Path | str],
    out: Path | str | None = None,
    address: str | Client | None = None,
    store: Path | str | None = None,
    progress: Progress | None = None,
    connect_timeout: float = 30.0,
    max_bytes: int | None = None,
) -> BuildSummary:
    """Build like :func:`kg.builder.build`, extracting on a Dask cluster.

    `address` is a running scheduler ("tcp://host:8786") or a `distributed.Client`;
    None starts a local cluster (one worker process per core) for the build. A scheduler
    not reached within `connect_timeout` seconds is a :class:`KgError`. Files over
    `max_bytes` are skipped, as in a local build.
    """
    client_class = _client_class()

    def run(client: Any) -> BuildSummary:
        summary = build(
            paths, out, progress, store=store, extractor=lambda todo: dask_graphs(client, todo, max_bytes=max_bytes)
        )
        summary.workers = len(client.nthreads())
        return summary

    if address is not None and not isinstance(address, str):
        return run(address)
    if address is None:
        with client_class(dashboard_address=None) as client:
            return run(client)
    try:
        client = client_class(address, timeout=connect_timeout)
    except (OSError, TimeoutError) as exc:
        raise KgError(
            f"cannot reach the Dask scheduler at {address} ({exc}); start one with `dask scheduler` "
            "or check the address"
        ) from exc
    with client:
        return run(client)
