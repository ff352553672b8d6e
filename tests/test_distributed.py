"""Distributed: the documented Dask example on a local cluster gives the bytes of a local build."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.builder import build
from kg.errors import KgError
from tests.conftest import DATA, ROOT, SEEDS

pytest.importorskip(
    "distributed", reason="Dask distributed is not installed (extra `dask`, also in `test`: pip install -e '.[test]')"
)


MAX_BYTES = 200_000


def test_example_on_a_local_cluster_matches_a_local_build(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    (folder / "empty.txt").write_bytes(b"")
    shutil.copy(DATA / "mini.txt", folder / "mini.txt")
    mini = (DATA / "mini.txt").read_text(encoding="utf-8")
    (folder / "big.txt").write_text(mini * (MAX_BYTES // len(mini.encode("utf-8")) + 1), encoding="utf-8")
    local, dask_out = tmp_path / "local.nq", tmp_path / "dask.nq"
    build([folder], local, workers=1, max_bytes=MAX_BYTES)
    script = str(ROOT / "scripts" / "dask_build.py")
    run = subprocess.run(
        [sys.executable, script, str(folder), "-o", str(dask_out), "--workers", "2", "--max-bytes", str(MAX_BYTES)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 1, run.stderr  # one file skipped, the others built
    assert "empty.txt: empty file" in run.stderr
    assert "big.txt: too large" in run.stderr  # refused by size, never read nor sent to a worker
    assert "3 report(s)" in run.stderr and "on 2 Dask worker(s)" in run.stderr
    assert dask_out.read_bytes() == local.read_bytes()


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    from kg.distributed import build_on_cluster

    with pytest.raises(KgError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:1"):
        build_on_cluster([SEEDS], tmp_path / "x.nq", "tcp://127.0.0.1:1", connect_timeout=1)
    assert not (tmp_path / "x.nq").exists()
