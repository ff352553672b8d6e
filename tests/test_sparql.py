"""SPARQL: saved queries, read-only checks, result formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import KgError, QueryError
from kg.sparql import check_query, format_result, load_store, open_store, resolve_query, run_query, saved_queries

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


SYNTAX_ERRORS = [
    ("SELECT ?s WHERE { ?s ?p }", "line 1, column"),
    ("SELECT ?s\nWHERE {\n  ?s ?p ?o .\n  FILTER( }", "line 4, column"),
]


@pytest.mark.parametrize(("sparql", "where"), SYNTAX_ERRORS)
def test_syntax_error_names_line_and_column(seed_trig: Path, sparql: str, where: str) -> None:
    with pytest.raises(QueryError, match=rf"syntax error at {where} \d+: ") as err:
        run_query(load_store([seed_trig]), sparql)
    assert "\n" not in str(err.value)


def _slow_store() -> ox.Store:
    """A store where a two-pattern cross product counts 4M rows (well over a millisecond)."""
    store = ox.Store()
    store.extend(
        ox.Quad(ox.NamedNode(f"http://example.org/{i}"), ox.NamedNode("http://example.org/p"), ox.Literal(str(i)))
        for i in range(2000)
    )
    return store


def test_timeout() -> None:
    with pytest.raises(QueryError, match=r"timed out after 0\.001 s"):
        run_query(_slow_store(), "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d }", timeout=0.001)


LIMITS = [(None, 2000, False), (10, 10, True), (2000, 2000, False), (0, 0, True)]


@pytest.mark.parametrize(("limit", "rows", "truncated"), LIMITS)
def test_result_limit(limit: int | None, rows: int, truncated: bool) -> None:
    result = run_query(_slow_store(), "SELECT ?s WHERE { ?s ?p ?o }", limit=limit)
    assert len(result.rows) == rows and result.truncated is truncated


def test_construct_limit() -> None:
    result = run_query(_slow_store(), "CONSTRUCT WHERE { ?s ?p ?o }", limit=3)
    assert result.triples is not None and len(result.triples) == 3 and result.truncated


@pytest.mark.parametrize(("timeout", "limit"), [(0, None), (-1, None), (None, -1)])
def test_bad_timeout_or_limit(timeout: float | None, limit: int | None) -> None:
    with pytest.raises(QueryError, match="must be"):
        run_query(_slow_store(), "ASK { ?s ?p ?o }", timeout=timeout, limit=limit)


def test_open_store_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(KgError, match="kg build REPORTS --store"):
        open_store(tmp_path / "nope")


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
