"""Build: atomic output (an interrupted or failed build leaves the previous file), determinism across runs."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

import kg.graph
from kg.builder import build
from kg.errors import KgError
from kg.graph import FORMATS
from kg.pipeline import Extraction
from tests.conftest import DATA, SEEDS

PREVIOUS = b"previous output\n"


def _stop_after_first(ex: Extraction) -> None:
    raise KeyboardInterrupt


class _FullDisk:
    """A file object whose writes fail as on a full disk."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)

    def write(self, data: bytes) -> int:
        os.write(self.fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _interrupt_rename(src: str, dst: str) -> None:
    raise KeyboardInterrupt


# (case, what to break, where, with what, the error build raises)
FAILURES: list[tuple[str, str, object, type[BaseException]]] = [
    ("interrupted while rendering", "progress", _stop_after_first, KeyboardInterrupt),
    ("disk full while writing", "kg.graph.os.fdopen", lambda fd, mode: _FullDisk(fd), KgError),
    ("interrupted before the rename", "kg.graph.os.replace", _interrupt_rename, KeyboardInterrupt),
]


@pytest.mark.parametrize(("case", "target", "replacement", "error"), FAILURES, ids=[c[0] for c in FAILURES])
def test_a_failed_build_leaves_the_previous_output(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    target: str,
    replacement: object,
    error: type[BaseException],
) -> None:
    out = tmp_path / "graph.trig"
    out.write_bytes(PREVIOUS)
    progress = None
    if target == "progress":
        progress = replacement
    else:
        monkeypatch.setattr(target, replacement)
    with pytest.raises(error) as err:
        build([DATA / "mini.txt"], out, progress=progress)  # type: ignore[arg-type]
    assert out.read_bytes() == PREVIOUS
    assert [p.name for p in tmp_path.iterdir()] == ["graph.trig"], "a temporary file was left behind"
    if error is KgError:
        assert str(err.value).startswith(f"{out}: cannot write (No space left on device)")


def test_write_atomic_replaces_only_a_complete_file(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "g.nt"
    kg.graph.write_atomic(out, b"<a:s> <a:p> <a:o> .\n")
    kg.graph.write_atomic(out, b"<a:s> <a:p> <a:o2> .\n")
    assert out.read_bytes() == b"<a:s> <a:p> <a:o2> .\n"
    assert [p.name for p in out.parent.iterdir()] == ["g.nt"]


def test_builds_in_separate_processes_are_byte_identical(tmp_path: Path) -> None:
    """Each process has its own hash seed, so set or dict order leaking into the output would show."""
    script = (
        "import sys\nfrom pathlib import Path\n"
        "from kg.builder import BuildSummary, collect_quads\nfrom kg.graph import format_for, serialise\n"
        "quads = collect_quads([sys.argv[1]], BuildSummary())\n"
        "for suffix in sys.argv[3:]:\n"
        "    out = Path(sys.argv[2]) / f'g{suffix}'\n"
        "    out.write_bytes(serialise(quads, format_for(out)))\n"
    )
    runs = []
    for seed in ("1", "2"):
        folder = tmp_path / f"run{seed}"
        folder.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed}
        runs.append(
            subprocess.Popen([sys.executable, "-c", script, str(SEEDS), str(folder), *sorted(FORMATS)], env=env)
        )
    assert [p.wait(timeout=300) for p in runs] == [0, 0]
    for suffix in sorted(FORMATS):
        a, b = (tmp_path / f"run{s}" / f"g{suffix}" for s in ("1", "2"))
        assert a.read_bytes() == b.read_bytes(), f"{suffix} output differs between runs"
        assert a.stat().st_size > 10_000
