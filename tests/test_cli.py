"""CLI: build, extract, query and the exit statuses, through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from tests.conftest import DATA, SEED_000

runner = CliRunner()


@pytest.mark.parametrize("command", [[], ["build"], ["extract"], ["query"], ["queries"], ["eval"]])
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
