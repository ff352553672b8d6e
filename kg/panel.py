"""Panel export: region × year tables for social scientists, from built graph files.

Two tables in one long CSV, told apart by the `table` column:

* `program`: region × year × program, with the number of mentions and of
  sentences that name the program (year: the year the report was delivered);
* `indicator`: region × year × indicator × status, with value, unit and growth
  (year: the year the figure is for; when a report states the same figure more
  than once, the first statement counts).

The rows come from the saved queries `panel-programs` and `panel-indicators`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kg.graph import write_atomic
from kg.sparql import load_store, resolve_query, run_query, term_text

COLUMNS = ("table", "region", "year", "name", "mentions", "sentences", "status", "value", "unit", "growth", "report")


def panel_rows(data: Iterable[Path] | ox.Store) -> list[dict[str, str]]:
    """The panel's rows (as strings, in a stable order) from graph files or a store loaded from them."""
    store = data if isinstance(data, ox.Store) else load_store(data)
    rows: list[dict[str, str]] = []
    res = run_query(store, resolve_query("panel-programs"))
    for sol in res.rows:
        got = dict(zip(res.variables, (term_text(t) for t in sol), strict=True))
        rows.append(
            {
                "table": "program",
                "region": got["region"],
                "year": got["year"],
                "name": got["program"],
                "mentions": got["mentions"],
                "sentences": got["sentences"],
            }
        )
    res = run_query(store, resolve_query("panel-indicators"))
    seen: set[tuple[str, ...]] = set()
    for sol in res.rows:
        got = dict(zip(res.variables, (term_text(t) for t in sol), strict=True))
        key = (got["region"], got["year"], got["indicator"], got["status"], got["report"])
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            {
                "table": "indicator",
                "region": got["region"],
                "year": got["year"],
                "name": got["indicator"],
                "status": got["status"],
                "value": got["value"],
                "unit": got["unit"],
                "growth": got["growth"],
                "report": got["report"],
            }
        )
    return rows


def panel_csv(rows: Iterable[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write_panel(data: Iterable[Path] | ox.Store, out: Path) -> int:
    """Write the panel of the graph files (or store) `data` to `out` (CSV, atomically); returns the row count."""
    rows = panel_rows(data)
    write_atomic(out, panel_csv(rows).encode("utf-8"))
    return len(rows)
