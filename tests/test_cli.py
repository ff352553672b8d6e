"""CLI: build, extract, query and the exit statuses, through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from tests.conftest import DATA, SEED_000

runner = CliRunner()


@pytest.mark.parametrize(
    "command", [[], ["build"], ["extract"], ["query"], ["queries"], ["eval"], ["facts"], ["panel"]]
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
    result = runner.invoke(app, ["query", "count-quads", "--data", str(out), "--format", "csv"])
    assert result.exit_code == 0
    assert int(result.output.splitlines()[1]) > 50


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
