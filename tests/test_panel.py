"""Panel: region × year rows of programs and indicators from a built graph."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kg.panel import COLUMNS, panel_csv, panel_rows


def test_panel_of_the_seeds(seed_trig: Path) -> None:
    rows = panel_rows([seed_trig])
    programs = [r for r in rows if r["table"] == "program"]
    indicators = [r for r in rows if r["table"] == "indicator"]
    assert len(programs) > 50 and len(indicators) >= 10
    assert {r["region"] for r in rows} == {"拱墅区", "上城区"}
    for r in programs:
        assert int(r["mentions"]) >= int(r["sentences"]) >= 1
    for r in indicators:
        assert r["status"] in {"actual", "estimate", "target"}
        assert r["value"] or r["growth"]
    # One row per region, year, indicator, status and report.
    keys = [(r["region"], r["year"], r["name"], r["status"], r["report"]) for r in indicators]
    assert len(keys) == len(set(keys))


def test_panel_csv_round_trips(seed_trig: Path) -> None:
    rows = panel_rows([seed_trig])
    back = list(csv.DictReader(io.StringIO(panel_csv(rows))))
    assert len(back) == len(rows)
    assert tuple(back[0]) == COLUMNS
    assert panel_csv(rows) == panel_csv(panel_rows([seed_trig]))
