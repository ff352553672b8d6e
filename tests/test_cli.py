"""CLI: build, extract, query and the exit statuses, through typer's CliRunner."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

import kg.pipeline
from kg.cli import app
from kg.ingest import Report
from kg.pipeline import Extraction
from kg.resources import build_fingerprint
from kg.vocab import KG
from tests.conftest import DATA, SEED_000, SEEDS
from tests.test_ingest import BAD_INPUT, MINI

runner = CliRunner()


@pytest.mark.parametrize(
    "command", [[], ["build"], ["extract"], ["query"], ["queries"], ["serve"], ["eval"], ["facts"], ["panel"]]
)
def test_help_has_an_example(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    if command and command != ["queries"]:
        assert "Example" in result.output


def test_build_then_query(tmp_path: Path) -> None:
    out = tmp_path / "mini.trig"
    result = runner.invoke(app, ["build", str(DATA / "mini.txt"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    result = runner.invoke(app, ["query", "corpus-size", "--data", str(out), "--format", "csv"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "reports,quads,mentions"
    reports, quads, _ = result.output.splitlines()[1].split(",")
    assert reports == "1" and int(quads) > 50


@pytest.mark.parametrize("suffix", [".nq", ".ttl"])  # report graphs, and one default graph
def test_query_and_panel_warn_of_graphs_another_build_of_kg_made(tmp_path: Path, suffix: str) -> None:
    out, csv = tmp_path / f"mini{suffix}", str(tmp_path / "panel.csv")
    runner.invoke(app, ["build", str(DATA / "mini.txt"), "-o", str(out), "-q"])
    commands = [["query", "corpus-size", "--data", str(out)], ["panel", csv, "--data", str(out)]]
    for command in commands:
        result = runner.invoke(app, command)
        assert result.exit_code == 0 and "warning" not in result.stderr
    old = "kg 0.0.1 jieba 0.42.1 spacy 3.8.0 0123456789abcdef"
    out.write_text(out.read_text(encoding="utf-8").replace(build_fingerprint(), old), "utf-8")
    for command in commands:
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.stderr
        assert "1 of 1 reports (mini) were built by another build of kg" in result.stderr
        assert "kg build REPORTS -o FILE" in result.stderr


def test_store_query_warns_of_a_store_built_before_kg_stated_its_build(tmp_path: Path) -> None:
    db = tmp_path / "store"
    runner.invoke(app, ["build", str(DATA / "mini.txt"), "--store", str(db), "-w", "1", "-q"])
    result = runner.invoke(app, ["query", "corpus-size", "--store", str(db)])
    assert result.exit_code == 0 and "warning" not in result.stderr
    store = ox.Store(str(db))
    store.update(f"DELETE WHERE {{ GRAPH ?g {{ ?r <{KG.builtWith}> ?v }} }}")
    del store
    result = runner.invoke(app, ["query", "corpus-size", "--store", str(db)])
    assert result.exit_code == 0 and f"kg build REPORTS --store {db}" in result.stderr
    assert "1 of 1 reports (mini) were built by another build of kg" in result.stderr


def test_extract_jsonl_is_what_score_reads() -> None:
    result = runner.invoke(app, ["extract", str(SEED_000)])
    assert result.exit_code == 0
    text = SEED_000.read_text(encoding="utf-8")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows
    for row in rows:
        assert {"start", "end", "text", "type"} <= row.keys()
        assert text[row["start"] : row["end"]] == row["text"]


def test_a_bad_file_is_skipped_and_the_rest_built(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "good.txt").write_text((DATA / "mini.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    out = tmp_path / "out.nq"
    result = runner.invoke(app, ["build", str(folder), "-o", str(out)])
    assert result.exit_code == 1
    assert "empty.txt: empty file" in result.output
    assert out.is_file() and out.stat().st_size > 0


def test_nothing_readable_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02")
    out = tmp_path / "out.trig"
    result = runner.invoke(app, ["build", str(bad), "-o", str(out)])
    assert result.exit_code == 2
    assert not out.exists()
    assert "Traceback" not in result.output


def test_unknown_output_format_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(DATA / "mini.txt"), "-o", str(tmp_path / "x.rdf")])
    assert result.exit_code == 2
    assert "unknown output format '.rdf'" in result.output


def test_update_is_refused_from_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "mini.ttl"
    runner.invoke(app, ["build", str(DATA / "mini.txt"), "-o", str(out)])
    before = out.read_bytes()
    result = runner.invoke(app, ["query", "DELETE WHERE { ?s ?p ?o }", "--data", str(out)])
    assert result.exit_code == 2 and "read-only" in result.output
    assert out.read_bytes() == before


def test_workers_give_the_same_bytes_and_one_summary_line(tmp_path: Path) -> None:
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}.trig"
        result = runner.invoke(app, ["build", str(SEEDS), "-o", str(out), "--workers", workers])
        assert result.exit_code == 0, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"kg: built {out}: 2 report(s)")
        assert f"{workers} worker(s)" in lines[0]
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_quiet_build_prints_nothing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(DATA / "mini.txt"), "-o", str(tmp_path / "m.nq"), "-q"])
    assert result.exit_code == 0 and result.output == ""


def test_store_build_skip_and_query(tmp_path: Path) -> None:
    db = tmp_path / "store"
    result = runner.invoke(app, ["build", str(DATA / "mini.txt"), "--store", str(db), "-w", "1"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["build", str(DATA / "mini.txt"), "--store", str(db), "-w", "1"])
    assert result.exit_code == 0 and "1 unchanged" in result.output
    result = runner.invoke(app, ["query", "corpus-size", "--store", str(db), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].startswith("1,")


def test_store_prune(tmp_path: Path) -> None:
    folder, db = tmp_path / "in", tmp_path / "store"
    folder.mkdir()
    for name in ("a.txt", "b.txt"):
        shutil.copy(DATA / "mini.txt", folder / name)
    assert runner.invoke(app, ["build", str(folder), "--store", str(db), "-w", "1"]).exit_code == 0
    (folder / "b.txt").unlink()
    result = runner.invoke(app, ["build", str(folder), "--store", str(db), "-w", "1", "--prune"])
    assert result.exit_code == 0 and "1 unchanged, 1 pruned" in result.output, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", str(DATA / "mini.txt")], "--store"),
        (["build", str(DATA / "mini.txt"), "-o", "x.nq", "--prune"], "--prune"),
        (["query", "corpus-size"], "--data FILE... or --store DIR"),
        (["query", "corpus-size", "--store", "no-such-store"], "no such store folder"),
        (["serve", "--store", "no-such-store", "--memory"], "no such store folder"),
    ],
)
def test_missing_graph_is_a_usage_error(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and message in result.output


def test_limit_says_the_result_was_cut(tmp_path: Path) -> None:
    out = tmp_path / "mini.nq"
    runner.invoke(app, ["build", str(DATA / "mini.txt"), "-o", str(out), "-q"])
    result = runner.invoke(
        app, ["query", "SELECT ?s WHERE { ?s ?p ?o }", "--data", str(out), "--limit", "3", "--format", "csv"]
    )
    assert result.exit_code == 0
    assert "cut off at 3 rows" in result.output
    assert len([ln for ln in result.output.splitlines() if ln.startswith("http")]) == 3


def test_syntax_error_is_one_line_with_line_and_column(tmp_path: Path) -> None:
    out = tmp_path / "mini.nq"
    runner.invoke(app, ["build", str(DATA / "mini.txt"), "-o", str(out), "-q"])
    result = runner.invoke(app, ["query", "SELECT ?s WHERE {\n ?s ?p }", "--data", str(out)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "syntax error at line 2, column 9:" in result.output


FACT_FIELDS = {
    "hasStatus": {"stage", "modality", "year"},
    "indicator": {"indicator", "value", "unit", "growth", "status", "year"},
}


def test_facts_jsonl_has_the_fields_of_each_kind() -> None:
    result = runner.invoke(app, ["facts", str(DATA / "mini.txt")])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert {r["relation"] for r in rows} >= {"hasStatus", "participatesIn"}
    text = (DATA / "mini.txt").read_text(encoding="utf-8")
    for row in rows:
        assert {"relation", "subject", "start", "end"} <= row.keys()
        assert FACT_FIELDS.get(row["relation"], {"object"}) <= row.keys()
        assert 0 <= row["start"] < row["end"] <= len(text)


def test_facts_table_and_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["facts", str(DATA / "mini.txt"), "--format", "table"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0].split() == ["start", "end", "relation", "subject", "detail"]
    result = runner.invoke(app, ["facts", str(tmp_path / "none.txt")])
    assert result.exit_code == 2 and "none.txt" in result.output and "Traceback" not in result.output


def test_panel_writes_a_csv(tmp_path: Path) -> None:
    graph = tmp_path / "mini.trig"
    runner.invoke(app, ["build", str(DATA / "mini.txt"), "-o", str(graph)])
    out = tmp_path / "panel.csv"
    result = runner.invoke(app, ["panel", str(out), "--data", str(graph)])
    assert result.exit_code == 0, result.output
    header, *rows = out.read_text(encoding="utf-8").splitlines()
    assert header.startswith("table,region,year,name,mentions,sentences")
    from kg.pipeline import extract

    programs = {m.entity.label for m in extract(DATA / "mini.txt").mentions if m.type == "Program"}
    assert programs  # mini.txt names at least one program
    assert {r.split(",")[3] for r in rows if r.startswith("program,临江县,2021,")} == programs
    result = runner.invoke(app, ["panel", str(tmp_path / "p2.csv"), "--data", str(tmp_path / "missing.trig")])
    assert result.exit_code == 2 and not (tmp_path / "p2.csv").exists()


def _folder(tmp_path: Path, bad: Callable[[Path], None] | None = None) -> Path:
    """A folder with one good report (`good.txt`) and, if given, a bad one (`bad.txt`)."""
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "good.txt").write_text(MINI, encoding="utf-8")
    if bad is not None:
        bad(folder / "bad.txt")
    return folder


@pytest.mark.parametrize(("case", "write", "problem", "warning"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_build_with_one_bad_input(
    tmp_path: Path, case: str, write: Callable[[Path], None], problem: str | None, warning: str | None
) -> None:
    folder = _folder(tmp_path, write)
    out = tmp_path / "out.trig"
    result = runner.invoke(app, ["build", str(folder), "-o", str(out)])
    assert "Traceback" not in result.output
    lines = [ln for ln in result.stderr.splitlines() if str(folder / "bad.txt") in ln]
    if problem is not None:
        assert result.exit_code == 1, result.output
        assert len(lines) == 1 and lines[0].startswith(f"kg: skipped {folder / 'bad.txt'}: "), result.stderr
        assert problem in lines[0]
        assert "1 report(s)" in result.stderr
    else:
        assert result.exit_code == 0, result.output
        assert lines == ([f"kg: warning: {folder / 'bad.txt'}: {lines[0].split(': ', 3)[3]}"] if warning else [])
        assert "2 report(s)" in result.stderr
    assert out.is_file()


_real_extract_report = kg.pipeline.extract_report


def _boom(report: Report) -> Extraction:
    """A bug that strikes one report (`bug.txt`)."""
    if report.path.name == "bug.txt":
        raise RuntimeError("boom in " + report.path.name)
    return _real_extract_report(report)


def _interrupt(report: Report) -> Extraction:
    raise KeyboardInterrupt


EXIT_STATUS = [
    # (case, files in the folder besides good.txt, replacement for extract_report, options, exit status, stderr has)
    ("all reports built", {}, None, [], 0, "kg: built"),
    ("one file skipped", {"empty.txt": b""}, None, [], 1, "empty.txt: empty file"),
    ("a bug in one report", {"bug.txt": MINI.encode()}, _boom, [], 1, "internal error (RuntimeError: boom in bug.txt)"),
    ("file over --max-bytes", {}, None, ["--max-bytes", "10"], 2, "over the limit of 10 (--max-bytes)"),
    ("nothing readable", {"empty.txt": b""}, None, ["--max-bytes", "10"], 2, "nothing written (2 skipped)"),
    ("unknown output format", {}, None, ["-o", "x.rdf"], 2, "unknown output format '.rdf'"),
    ("interrupted", {}, _interrupt, [], 130, "kg: interrupted; no output file was changed"),
]


@pytest.mark.parametrize(
    ("case", "files", "replace", "options", "status", "message"), EXIT_STATUS, ids=[c[0] for c in EXIT_STATUS]
)
def test_build_exit_status(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    files: dict[str, bytes],
    replace: Callable[[Report], Extraction] | None,
    options: list[str],
    status: int,
    message: str,
) -> None:
    folder = _folder(tmp_path)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    if replace is not None:
        monkeypatch.setattr(kg.pipeline, "extract_report", replace)
    out = tmp_path / "out.trig"
    out.write_bytes(b"previous output\n")
    opts = [o if o != "x.rdf" else str(tmp_path / o) for o in options]
    result = runner.invoke(app, ["build", str(folder), "-o", str(out), *opts])
    assert result.exit_code == status, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert (out.read_bytes() == b"previous output\n") == (status >= 2 or status == 130)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.trig", "reports"]


def test_debug_shows_the_traceback_of_a_bug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kg.pipeline, "extract_report", _boom)
    folder = _folder(tmp_path)
    (folder / "bug.txt").write_text(MINI, encoding="utf-8")
    result = runner.invoke(app, ["--debug", "build", str(folder), "-o", str(tmp_path / "out.trig")])
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "RuntimeError: boom in bug.txt" in result.stderr


def test_unexpected_error_is_one_line_without_debug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise ValueError("unexpected")

    monkeypatch.setattr("kg.sparql.load_store", fail)
    result = runner.invoke(app, ["query", "corpus-size", "--data", str(tmp_path / "x.trig")])
    assert result.exit_code == 2
    assert result.stderr.startswith("kg: internal error: ValueError: unexpected; this is a bug in kg")
    assert len(result.stderr.splitlines()) == 1
    result = runner.invoke(app, ["--debug", "query", "corpus-size", "--data", str(tmp_path / "x.trig")])
    assert isinstance(result.exception, ValueError)


@pytest.mark.parametrize(("case", "write", "problem", "warning"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_extract_one_bad_input(
    tmp_path: Path, case: str, write: Callable[[Path], None], problem: str | None, warning: str | None
) -> None:
    path = tmp_path / "bad.txt"
    write(path)
    result = runner.invoke(app, ["extract", str(path)])
    assert "Traceback" not in result.output
    if problem is not None:
        assert result.exit_code == 2
        assert result.stderr.startswith(f"kg: error: {path}: ") and problem in result.stderr
        assert len(result.stderr.splitlines()) == 1 and result.stdout == ""
    else:
        assert result.exit_code == 0
        assert result.stdout
        assert (warning is not None) == (f"kg: warning: {path}: {warning}" in result.stderr)
