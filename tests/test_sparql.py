"""SPARQL: saved queries, read-only checks, result formats."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg.builder import build
from kg.cli import app
from kg.errors import KgError, QueryError
from kg.graph import FORMATS
from kg.sparql import (
    check_query,
    format_result,
    load_store,
    open_store,
    resolve_query,
    run_query,
    saved_queries,
)
from tests.conftest import DATA, UNION_FORMS, sorted_rows

# Saved queries that read the statistics written at build time, as counted from the graph itself.
COUNTED_FORMS = DATA / "counted-queries"


REFUSED = [
    ("insert", "INSERT DATA { <a:x> <a:p> <a:o> }", "updates are refused"),
    ("delete after prefix", "PREFIX a: <http://a/>\nDELETE WHERE { ?s ?p ?o }", "updates are refused"),
    ("drop", "DROP ALL", "updates are refused"),
    ("service", "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
]


# Updates in various disguises; none may change a data file. {g} is a graph IRI, {file} a data file.
UPDATES = [
    "INSERT DATA { <a:x> <a:p> <a:o> }",
    "delete where { ?s ?p ?o }",
    "PREFIX kg: <https://w3id.org/kg-gov/ontology#>\nDROP ALL",
    "# a comment first\nCLEAR ALL",
    "BASE <http://a/> CLEAR DEFAULT",
    "LOAD <file://{file}> INTO GRAPH <{g}>",
    "WITH <{g}> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "CREATE GRAPH <urn:x>",
    "COPY DEFAULT TO <{g}>",
    "SELECT * WHERE { ?s ?p ?o } ; DROP ALL",
    "SELECT * WHERE { ?s ?p ?o }\nDELETE WHERE { ?s ?p ?o }",
]
# SERVICE in disguises; {ep} is the address of an endpoint that records every connection.
SERVICES = [
    "SELECT * WHERE { SERVICE <{ep}> { ?s ?p ?o } }",
    "select * where { service silent <{ep}> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE # comment\n <{ep}> { ?s ?p ?o } }",
    "PREFIX ep: <{ep}>\nSELECT * WHERE { SERVICE ep: { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?e { <{ep}> } SERVICE ?e { ?s ?p ?o } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <{ep}> { ?s ?p ?o } } } }",
    "ASK { SERVICE <{ep}> { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{ep}> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <{ep}> { ?s ?p ?o } }",
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


# Columns a saved query may leave out of its ORDER BY, because the sorted columns fix them.
FIXED_BY_ORDER = {"entities-by-type": {"entities", "mentions"}}  # one value per report and type


@pytest.mark.parametrize("name", sorted(saved_queries()))
def test_saved_query_order_is_total(seed_trig: Path, name: str) -> None:
    """Rows come in the same order from any store: every plain column is a sort key."""
    text = re.sub(r"(^|\s)#.*", "", resolve_query(name), flags=re.MULTILINE)  # comments, not IRIs' #
    order = text[text.rindex("}") :]  # the outer query's ORDER BY, not a subquery's
    if "ORDER BY" not in order:
        rows = run_query(load_store([seed_trig]), text).rows
        assert len(rows) == 1, f"{name}: no ORDER BY, so one row at most, not {len(rows)}"
        return
    projected = text[text.index("SELECT") : text.index("WHERE")]
    projected = re.sub(r"\([^()]*(\([^()]*\))?[^()]*\)", "", projected)  # drop (expression AS ?x)
    missing = set(re.findall(r"\?(\w+)", projected)) - set(re.findall(r"\?(\w+)", order))
    assert missing <= FIXED_BY_ORDER.get(name, set()), f"{name}: ORDER BY leaves out {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(p.stem for p in UNION_FORMS.glob("*.rq")))
def test_per_graph_query_answers_as_its_union_form(seed_trig: Path, name: str) -> None:
    """Joining inside each report graph (GRAPH ?g) gives the rows the union default graph gives."""
    assert name in saved_queries()
    store = load_store([seed_trig])
    per_graph = run_query(store, resolve_query(name))
    union = run_query(store, (UNION_FORMS / f"{name}.rq").read_text(encoding="utf-8"))
    assert "GRAPH ?g" in resolve_query(name) and "GRAPH" not in (UNION_FORMS / f"{name}.rq").read_text("utf-8")
    assert per_graph.rows and sorted_rows(per_graph) == sorted_rows(union)


def test_corpus_size_matches_the_file(seed_trig: Path) -> None:
    """corpus-size sums the graphs' statistics; they agree with counting the quads and mentions."""
    quads = list(ox.parse(path=str(seed_trig), format=ox.RdfFormat.TRIG))
    mention = ox.NamedNode("https://w3id.org/kg-gov/ontology#Mention")
    result = run_query(load_store([seed_trig]), resolve_query("corpus-size"))
    assert result.variables == ["reports", "quads", "mentions"]
    reports, n, mentions = (int(term.value) for term in result.rows[0])  # type: ignore[union-attr]
    assert reports == len({q.graph_name for q in quads}) == 2
    assert n == len(quads)
    assert mentions == sum(1 for q in quads if q.object == mention)


def test_entities_by_type_statistics_match_counts(seed_trig: Path) -> None:
    """The per-type statistics written at build time give the rows that counting mentions gives."""
    store = load_store([seed_trig])
    read = run_query(store, resolve_query("entities-by-type"))
    counted = run_query(store, (COUNTED_FORMS / "entities-by-type.rq").read_text(encoding="utf-8"))
    assert len(read.rows) == 10 and sorted_rows(read) == sorted_rows(counted)


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


def test_a_timed_out_query_stops_reading_its_results() -> None:
    """Past its timeout, a query that streams results ends at its next result instead of running on."""
    before = {t for t in threading.enumerate() if t.name == "kg-query"}
    with pytest.raises(QueryError, match="timed out"):
        run_query(_slow_store(), "SELECT ?a WHERE { ?a ?p ?b . ?c ?q ?d }", timeout=0.2)
    left = [t for t in threading.enumerate() if t.name == "kg-query" and t not in before]
    for t in left:
        t.join(3)
    assert not any(t.is_alive() for t in left)


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
    with pytest.raises(QueryError, match="corpus-size"):
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


@pytest.fixture
def endpoint() -> Iterator[tuple[str, list[bytes]]]:
    """A local TCP endpoint that records what each connection sends (nothing leaves the machine)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    seen.append(conn.recv(4096))
                except TimeoutError:
                    seen.append(b"")
                conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/sparql", seen
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize("sparql", SERVICES)
def test_service_never_reaches_the_network(seed_trig: Path, endpoint: tuple[str, list[bytes]], sparql: str) -> None:
    ep, seen = endpoint
    with pytest.raises(QueryError):
        run_query(load_store([seed_trig]), sparql.replace("{ep}", ep))
    assert seen == []


def test_allowed_service_does_call_the_endpoint(seed_trig: Path, endpoint: tuple[str, list[bytes]]) -> None:
    """The other side of the check above: the local endpoint does see a call once SERVICE is allowed."""
    ep, seen = endpoint
    with pytest.raises(QueryError, match="query failed"):
        run_query(load_store([seed_trig]), SERVICES[0].replace("{ep}", ep), allow_service=True)
    assert len(seen) == 1
    assert seen[0].startswith((b"POST /sparql", b"GET /sparql"))


@pytest.fixture(scope="module")
def data_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("data")
    paths = [folder / f"mini{suffix}" for suffix in sorted(FORMATS)]
    for path in paths:
        build([DATA / "mini.txt"], path)
    return paths


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_and_data_files_unchanged(data_files: list[Path], update: str) -> None:
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in data_files}
    sparql = update.replace("{g}", "https://w3id.org/kg-gov/id/graph/mini").replace("{file}", str(data_files[0]))
    args = ["query", sparql]
    for p in data_files:
        args += ["--data", str(p)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("kg: error: ") and len(result.stderr.splitlines()) == 1
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in data_files} == before
    assert sorted(p.name for p in data_files[0].parent.iterdir()) == sorted(p.name for p in data_files)


def test_the_store_is_a_copy_in_memory(data_files: list[Path]) -> None:
    """Even an update run on the loaded store directly (past every check) cannot reach the files."""
    before = {p: p.read_bytes() for p in data_files}
    store = load_store(data_files)
    store.update("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }")
    store.update("DELETE WHERE { ?s ?p ?o }")
    assert len(store) == 0
    assert {p: p.read_bytes() for p in data_files} == before
