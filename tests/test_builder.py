"""Builder: atomic output, determinism across runs and across workers, streamed formats, the persistent store."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

import kg.builder
import kg.graph
from kg.builder import ReportFailed, ReportGraph, build, extract_graph, graph_order
from kg.errors import KgError
from kg.graph import FORMATS, graph_iri
from kg.pipeline import Extraction
from kg.resources import build_fingerprint
from kg.vocab import KG
from tests.conftest import DATA, SEED_000, SEED_001, SEEDS

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
        "from kg.builder import build\n"
        "for suffix in sys.argv[3:]:\n"
        "    build([sys.argv[1]], Path(sys.argv[2]) / f'g{suffix}', workers=1)\n"
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


OUT_FORMATS = [".trig", ".nq", ".ttl", ".nt", ".jsonld"]
# File names whose sort order differs from that of their graph IRIs (".txt" sorts before "0", ">" after it).
TRICKY_NAMES = ["a.txt", "a0.txt", "a-b.txt"]


@pytest.fixture(scope="module")
def seeds_one_worker(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("w1")
    return {ext: (build([SEEDS], out / f"g{ext}", workers=1), (out / f"g{ext}").read_bytes())[1] for ext in OUT_FORMATS}


@pytest.mark.parametrize("ext", OUT_FORMATS)
def test_output_bytes_do_not_depend_on_workers(seeds_one_worker: dict[str, bytes], tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"g{ext}"
    summary = build([SEEDS], out, workers=2)
    assert summary.reports == 2 and summary.workers == 2
    assert out.read_bytes() == seeds_one_worker[ext]


def test_workers_started_beside_another_thread_give_the_same_bytes(
    seeds_one_worker: dict[str, bytes], tmp_path: Path
) -> None:
    """With a second thread alive, workers come from a fork server instead of a plain fork."""
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        build([SEEDS], tmp_path / "g.nq", workers=2)
    finally:
        stop.set()
        other.join()
    assert (tmp_path / "g.nq").read_bytes() == seeds_one_worker[".nq"]


def test_output_is_the_sorted_whole(seeds_one_worker: dict[str, bytes]) -> None:
    lines = seeds_one_worker[".nq"].decode("utf-8").splitlines()
    quads = list(ox.parse(seeds_one_worker[".nq"], ox.RdfFormat.N_QUADS))
    keys = [(str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)) for q in quads]
    assert keys == sorted(keys) and len(lines) == len(quads) == len(set(keys))


def test_graphs_are_ordered_by_graph_iri() -> None:
    paths = [Path(n) for n in TRICKY_NAMES]
    ordered = graph_order(paths)
    iris = [str(ox.NamedNode(graph_iri(p.stem))) for p in ordered]
    assert iris == sorted(iris)
    assert [p.name for p in ordered] != sorted(TRICKY_NAMES)


def test_tricky_names_stay_sorted_and_deterministic(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in TRICKY_NAMES:
        shutil.copy(DATA / "mini.txt", folder / name)
    a, b = tmp_path / "a.nq", tmp_path / "b.nq"
    build([folder], a, workers=1)
    build([folder], b, workers=2)
    assert a.read_bytes() == b.read_bytes()
    quads = list(ox.parse(a.read_bytes(), ox.RdfFormat.N_QUADS))
    keys = [(str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)) for q in quads]
    assert keys == sorted(keys)


def test_worker_result_is_the_report_graph() -> None:
    outcome = extract_graph(SEED_001)
    assert isinstance(outcome, ReportGraph)
    quads = list(ox.parse(outcome.nquads, ox.RdfFormat.N_QUADS))
    assert len(quads) == outcome.quads and {q.graph_name for q in quads} == {ox.NamedNode(graph_iri(outcome.report_id))}


def test_worker_reports_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    outcome = extract_graph(bad)
    assert isinstance(outcome, ReportFailed) and "empty file" in str(outcome.error())


def test_same_report_id_twice_is_skipped(tmp_path: Path) -> None:
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
        shutil.copy(DATA / "mini.txt", tmp_path / sub / "mini.txt")
    summary = build([tmp_path / "x", tmp_path / "y"], tmp_path / "out.nq", workers=1)
    assert summary.reports == 1
    assert len(summary.skipped) == 1 and "same report id 'mini'" in str(summary.skipped[0])


def test_nothing_to_build_into() -> None:
    with pytest.raises(KgError, match="--store"):
        build([SEEDS])


def _as_stored(data: bytes) -> set[ox.Quad]:
    """Quads as a pyoxigraph store gives them back (it stores xsd:nonNegativeInteger as xsd:integer)."""
    store = ox.Store()
    store.extend(ox.parse(data, ox.RdfFormat.N_QUADS))
    return set(store)


def _graph_quads(store: ox.Store, report_id: str) -> set[ox.Quad]:
    return set(store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri(report_id))))


def _seed_and_mini(tmp_path: Path) -> tuple[Path, Path]:
    """A folder holding a seed report and mini.txt, and where their store goes."""
    folder, db = tmp_path / "in", tmp_path / "store"
    folder.mkdir()
    shutil.copy(SEED_000, folder / SEED_000.name)
    shutil.copy(DATA / "mini.txt", folder / "mini.txt")
    return folder, db


def test_store_skips_unchanged_and_replaces_only_the_changed_graph(tmp_path: Path) -> None:
    folder, db = _seed_and_mini(tmp_path)
    first = build([folder], store=db, workers=1)
    assert first.reports == 2 and first.unchanged == 0

    again = build([folder], store=db, workers=1)
    assert again.reports == 0 and again.unchanged == 2

    store = ox.Store(str(db))
    seed_before = _graph_quads(store, SEED_000.stem)
    mini_before = _graph_quads(store, "mini")
    del store
    text = (folder / "mini.txt").read_text(encoding="utf-8")
    (folder / "mini.txt").write_text(text.replace("。", "。\n", 1), encoding="utf-8")
    changed = build([folder], store=db, workers=1)
    assert changed.reports == 1 and changed.unchanged == 1

    store = ox.Store(str(db))
    assert _graph_quads(store, SEED_000.stem) == seed_before
    mini_after = _graph_quads(store, "mini")
    assert mini_after and mini_after != mini_before
    assert len(store) == len(seed_before) + len(mini_after)


def test_a_worker_of_another_build_fails_its_reports() -> None:
    """A worker whose kg differs from the build's (other rules or versions) labels no graph as the build's."""
    given = "kg 9.9.9 jieba 0.42.1 spacy 3.8.0 0123456789abcdef"
    outcome = extract_graph(DATA / "mini.txt", built_with=given)
    assert isinstance(outcome, ReportFailed) and "another build of kg" in outcome.problem
    same = extract_graph(DATA / "mini.txt", built_with=build_fingerprint())
    assert isinstance(same, ReportGraph) and f'"{build_fingerprint()}"'.encode() in same.nquads


def test_every_worker_states_the_build_of_the_process_that_started_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool's workers are given the build's kg:builtWith (forked workers see this process's)."""
    given = "kg 0.0.0 jieba 0.42.1 spacy 3.8.0 0123456789abcdef"
    monkeypatch.setattr(kg.builder, "build_fingerprint", lambda: given)
    out = tmp_path / "seeds.nq"
    assert build([SEEDS], out, workers=2).reports == 2
    stated = {
        q.object.value
        for q in ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS)
        if q.predicate.value == str(KG.builtWith)
    }
    assert stated == {given}


# What an older build of kg left in a report's graph: another kg:builtWith, or none (before it was stated).
OLDER_BUILDS = {
    "another build": 'INSERT { GRAPH ?g { ?r kg:builtWith "kg 0.0.1 jieba 0.42.1 spacy 3.8.0 0000000000000000" } }',
    "before kg:builtWith": "",
}


@pytest.mark.parametrize("older", sorted(OLDER_BUILDS))
def test_store_rebuilds_a_graph_that_another_build_of_kg_made(tmp_path: Path, older: str) -> None:
    """After an upgrade of kg (new rules, new shortcuts), unchanged files are extracted again."""
    folder, db = _seed_and_mini(tmp_path)
    build([folder], store=db, workers=1)
    store = ox.Store(str(db))
    store.update(
        f"""PREFIX kg: <{KG}>
        DELETE {{ GRAPH ?g {{ ?r kg:builtWith ?v }} }} {OLDER_BUILDS[older]}
        WHERE {{ GRAPH ?g {{ ?r kg:builtWith ?v }} FILTER(?g = <{graph_iri("mini")}>) }}"""
    )
    del store
    again = build([folder], store=db, workers=1)
    assert (again.reports, again.unchanged) == (1, 1)
    store = ox.Store(str(db))
    built = store.quads_for_pattern(None, ox.NamedNode(str(KG.builtWith)), None, ox.NamedNode(graph_iri("mini")))
    assert [q.object.value for q in built] == [build_fingerprint()]


def test_store_prune_removes_the_reports_of_deleted_files(tmp_path: Path) -> None:
    folder, db = _seed_and_mini(tmp_path)
    build([folder], store=db, workers=1)
    store = ox.Store(str(db))
    other = ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:p"), ox.Literal("kept"), ox.NamedNode("urn:user-graph"))
    store.add(other)
    seed_quads = _graph_quads(store, SEED_000.stem)
    del store
    (folder / "mini.txt").unlink()

    kept = build([folder], store=db, workers=1)  # without --prune the report stays
    assert (kept.unchanged, kept.pruned) == (1, 0)
    store = ox.Store(str(db))
    assert _graph_quads(store, "mini")
    del store

    pruned = build([folder], store=db, workers=1, prune=True)
    assert (pruned.reports, pruned.unchanged, pruned.pruned) == (0, 1, 1)
    store = ox.Store(str(db))
    assert not _graph_quads(store, "mini")
    assert _graph_quads(store, SEED_000.stem) == seed_quads and other in store
    assert len(store) == len(seed_quads) + 1


def test_prune_needs_a_store(tmp_path: Path) -> None:
    with pytest.raises(KgError, match="--prune"):
        build([DATA / "mini.txt"], tmp_path / "g.nq", prune=True)


def test_store_force_rebuilds(tmp_path: Path) -> None:
    db = tmp_path / "store"
    build([DATA / "mini.txt"], store=db, workers=1)
    assert build([DATA / "mini.txt"], store=db, workers=1, force=True).reports == 1


def test_store_and_file_hold_the_same_quads(tmp_path: Path) -> None:
    db, out = tmp_path / "store", tmp_path / "g.nq"
    build([SEEDS], out, store=db, workers=1)
    store = ox.Store(str(db))
    assert set(store) == _as_stored(out.read_bytes())


def test_nquads_bulk_load_path(seeds_one_worker: dict[str, bytes], tmp_path: Path) -> None:
    """The path an Oxigraph server takes (`oxigraph load --file out.nq`): bulk-load N-Quads into a disk store."""
    nq = tmp_path / "g.nq"
    nq.write_bytes(seeds_one_worker[".nq"])
    store = ox.Store(str(tmp_path / "server"))
    store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    store.optimize()
    expected = _as_stored(seeds_one_worker[".nq"])
    assert len(store) == len(expected) and set(store) == expected
    assert {g.value for g in store.named_graphs()} == {graph_iri(SEED_000.stem), graph_iri(SEED_001.stem)}
