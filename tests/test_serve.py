"""Serve: a real server on localhost, queried by SPARQLWrapper and plain HTTP; read-only."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.builder import build
from kg.serve import CSV, JSON, TSV, XML, Settings, make_server, negotiate
from kg.sparql import (
    MEMORY_QUADS,
    copy_to_memory,
    open_store,
    resolve_query,
    run_query,
    saved_queries,
    serve_from_memory,
    stated_quads,
)
from tests.conftest import SEEDS

SPARQLWrapper = pytest.importorskip(
    "SPARQLWrapper", reason="SPARQLWrapper is not installed (it is in the `test` extra: pip install -e '.[test]')"
)

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
NEGOTIATION = [
    ("", (JSON, XML), JSON),
    ("application/sparql-results+xml", (JSON, XML), XML),
    ("text/csv;q=0.5, application/sparql-results+json", (JSON, XML, CSV), JSON),
    ("text/*", (JSON, XML, CSV, TSV), CSV),
    ("application/json", (JSON, XML), JSON),
    ("image/png", (JSON, XML), None),
    ("*/*;q=0.1, text/tab-separated-values", (JSON, TSV), TSV),
]
REFUSED = [
    ("update as query", {"query": "DELETE WHERE { ?s ?p ?o }"}, 403, "read-only"),
    ("update parameter", {"update": "DELETE WHERE { ?s ?p ?o }"}, 403, "read-only"),
    ("service", {"query": "SELECT * WHERE { SERVICE <http://example.org/s> { ?s ?p ?o } }"}, 403, "SERVICE"),
    ("syntax", {"query": "SELECT ?s WHERE { ?s ?p }"}, 400, "syntax error"),
    ("no query", {"other": "x"}, 400, "query"),
]


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("serve") / "store"
    build([SEEDS], store=db, workers=1)
    return db


@contextmanager
def _serving(store: ox.Store, settings: Settings | None = None) -> Iterator[str]:
    """A server for `store` on a free local port, in a thread; yields its endpoint URL."""
    server = make_server(store, "127.0.0.1", 0, settings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host!s}:{port}/sparql"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def endpoint(store_dir: Path) -> Iterator[str]:
    with _serving(open_store(store_dir), Settings(limit=5)) as url:
        yield url


@pytest.mark.parametrize(("accept", "offered", "expected"), NEGOTIATION)
def test_negotiate(accept: str, offered: tuple[str, ...], expected: str | None) -> None:
    assert negotiate(accept, offered) == expected


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select(endpoint: str, store_dir: Path, method: str) -> None:
    sw = SPARQLWrapper.SPARQLWrapper(endpoint)
    sw.setQuery(COUNT)
    sw.setMethod(method)
    sw.setReturnFormat(SPARQLWrapper.JSON)
    doc = sw.query().convert()
    expected = len(ox.Store.read_only(str(store_dir)))
    assert int(doc["results"]["bindings"][0]["n"]["value"]) == expected


def test_sparqlwrapper_xml_and_ask(endpoint: str) -> None:
    sw = SPARQLWrapper.SPARQLWrapper(endpoint)
    sw.setQuery("ASK { ?s a <https://w3id.org/kg-gov/ontology#Report> }")
    sw.setReturnFormat(SPARQLWrapper.XML)
    xml = sw.query().convert()
    assert xml.getElementsByTagName("boolean")[0].firstChild.data == "true"


def test_sparqlwrapper_construct_turtle(endpoint: str) -> None:
    sw = SPARQLWrapper.SPARQLWrapper(endpoint)
    sw.setQuery("CONSTRUCT { ?r a ?t } WHERE { ?r a ?t . FILTER(?t = <https://w3id.org/kg-gov/ontology#Report>) }")
    sw.setReturnFormat(SPARQLWrapper.TURTLE)
    data = sw.query().convert()
    triples = list(ox.parse(data, ox.RdfFormat.TURTLE))
    assert len(triples) == 2


def _http(endpoint: str, params: dict[str, str], accept: str = "") -> tuple[int, str, dict[str, str]]:
    req = urllib.request.Request(
        endpoint, data=urllib.parse.urlencode(params).encode(), headers={"Accept": accept} if accept else {}
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8"), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8"), dict(err.headers)


@pytest.mark.parametrize(("case", "params", "status", "message"), REFUSED, ids=[c[0] for c in REFUSED])
def test_refused(endpoint: str, store_dir: Path, case: str, params: dict[str, str], status: int, message: str) -> None:
    before = {p.name: p.read_bytes() for p in store_dir.iterdir() if p.suffix == ".sst"}
    code, body, _ = _http(endpoint, params)
    assert code == status and message in body and "\n" not in body.strip()
    assert {p.name: p.read_bytes() for p in store_dir.iterdir() if p.suffix == ".sst"} == before


def test_result_limit_is_marked(endpoint: str) -> None:
    code, body, headers = _http(endpoint, {"query": "SELECT ?s WHERE { ?s ?p ?o }"}, accept=CSV)
    assert code == 200 and headers.get("X-KG-Truncated") == "true"
    assert len(body.strip().splitlines()) == 1 + 5


def test_not_acceptable(endpoint: str) -> None:
    code, body, _ = _http(endpoint, {"query": COUNT}, accept="image/png")
    assert code == 406 and "application/sparql-results+json" in body


def test_memory_copy_answers_as_the_store(store_dir: Path) -> None:
    """`kg serve --memory` serves a copy: every saved query gives the rows the on-disk store gives."""
    disk = open_store(store_dir)
    memory = copy_to_memory(disk)
    assert len(memory) == len(disk) > 1000
    for name in saved_queries():
        sparql = resolve_query(name)
        want = sorted(map(_canonical, run_query(disk, sparql).rows))
        assert sorted(map(_canonical, run_query(memory, sparql).rows)) == want, name


def _canonical(row: list[ox.NamedNode | ox.BlankNode | ox.Literal | None]) -> str:
    """A row as text; a GROUP_CONCAT list (programs-by-region) comes in store order, so its items are sorted."""
    cells = [" ".join(sorted(t.value.split(" "))) if isinstance(t, ox.Literal) else str(t) for t in row]
    return "\t".join(cells)


def test_memory_copy_is_served(store_dir: Path) -> None:
    with _serving(copy_to_memory(open_store(store_dir))) as url:
        sw = SPARQLWrapper.SPARQLWrapper(url)
        sw.setQuery(COUNT)
        sw.setReturnFormat(SPARQLWrapper.JSON)
        n = int(sw.queryAndConvert()["results"]["bindings"][0]["n"]["value"])  # type: ignore[index]
    assert n == len(open_store(store_dir))


def test_stated_quads_count_the_store(store_dir: Path) -> None:
    """The size `kg serve` decides by is read from the graphs' statistics, and it is exact."""
    disk = open_store(store_dir)
    assert stated_quads(disk) == len(disk)
    assert len(disk) <= MEMORY_QUADS and serve_from_memory(disk, None)
    assert serve_from_memory(disk, True) and not serve_from_memory(disk, False)


def test_a_store_without_statistics_is_served_from_disk() -> None:
    """A graph with no void:triples (loaded from elsewhere) leaves the size unknown: no copy by default."""
    store = ox.Store()
    graph = ox.NamedNode("https://example.org/graph")
    store.add(
        ox.Quad(ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"), ox.Literal("o"), graph)
    )
    assert stated_quads(store) is None and not serve_from_memory(store, None)
    assert stated_quads(ox.Store()) is None


def test_default_graph_quads_leave_the_size_unknown(store_dir: Path) -> None:
    """Quads outside the report graphs are not counted by any statement: the size is unknown."""
    store = copy_to_memory(open_store(store_dir))
    assert stated_quads(store) == len(store)
    store.add(ox.Quad(ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"), ox.Literal("o")))
    assert stated_quads(store) is None
