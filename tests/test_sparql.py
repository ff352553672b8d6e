"""SPARQL: saved queries, read-only checks, result formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from kg.errors import QueryError
from kg.sparql import check_query, format_result, load_store, resolve_query, run_query, saved_queries

REFUSED = [
    ("insert", "INSERT DATA { <a:x> <a:p> <a:o> }", "updates are refused"),
    ("delete after prefix", "PREFIX a: <http://a/>\nDELETE WHERE { ?s ?p ?o }", "updates are refused"),
    ("drop", "DROP ALL", "updates are refused"),
    ("service", "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
]


@pytest.mark.parametrize(("case", "sparql", "message"), REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_before_any_engine(case: str, sparql: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        check_query(sparql)


def test_service_word_inside_a_string_is_fine() -> None:
    check_query('SELECT * WHERE { ?s ?p "SERVICE INSERT" }')


def test_service_allowed_on_request() -> None:
    check_query("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", allow_service=True)


@pytest.mark.parametrize("name", sorted(saved_queries()))
def test_every_saved_query_runs(seed_trig: Path, name: str) -> None:
    result = run_query(load_store([seed_trig]), resolve_query(name))
    assert result.rows, f"saved query {name} returned no rows on the seeds"


def test_count_quads_matches_the_file(seed_trig: Path) -> None:
    import pyoxigraph as ox

    n = sum(1 for _ in ox.parse(path=str(seed_trig), format=ox.RdfFormat.TRIG))
    result = run_query(load_store([seed_trig]), resolve_query("count-quads"))
    assert int(result.rows[0][0].value) == n  # type: ignore[union-attr]


def test_syntax_error_is_one_line_with_position(seed_trig: Path) -> None:
    with pytest.raises(QueryError) as err:
        run_query(load_store([seed_trig]), "SELECT ?s WHERE { ?s ?p }")
    assert "\n" not in str(err.value)
    assert "syntax error" in str(err.value)


def test_unknown_name_lists_saved_queries() -> None:
    with pytest.raises(QueryError, match="count-quads"):
        resolve_query("no-such-query")


def test_result_formats(seed_trig: Path) -> None:
    result = run_query(load_store([seed_trig]), resolve_query("entities-by-type"))
    rows = list(csv.reader(io.StringIO(format_result(result, "csv"))))
    assert rows[0] == result.variables and len(rows) == len(result.rows) + 1
    doc = json.loads(format_result(result, "json"))
    assert doc["head"]["vars"] == result.variables
    assert len(doc["results"]["bindings"]) == len(result.rows)
    tsv = format_result(result, "tsv").splitlines()
    assert tsv[0].split("\t") == ["?" + v for v in result.variables]
    assert "(10 rows)" in format_result(result, "table") or "rows)" in format_result(result, "table")
