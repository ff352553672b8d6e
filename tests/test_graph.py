"""Graph: the seed graph's shape, SHACL conformance, determinism, every output format."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from pyshacl import validate
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.builder import build
from kg.graph import FORMATS
from kg.ingest import read_report
from kg.resources import ontology_dir
from tests.conftest import DATA, SEED_001, SEEDS


def _store(path: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(path), format=FORMATS[path.suffix])
    return store


def test_seed_graph_read_by_pyoxigraph(seed_trig: Path) -> None:
    quads = list(ox.parse(path=str(seed_trig), format=ox.RdfFormat.TRIG))
    assert len(quads) > 500
    graphs = {q.graph_name for q in quads}
    assert len(graphs) == 2 and all(isinstance(g, ox.NamedNode) for g in graphs)


def test_district_government_is_two_entities(seed_trig: Path) -> None:
    rows = list(
        _store(seed_trig).query(
            'SELECT DISTINCT ?e WHERE { ?e <http://www.w3.org/2004/02/skos/core#prefLabel> "区政府"@zh }',
            use_default_graph_as_union=True,
        )
    )
    assert len(rows) == 2


def test_no_mention_from_the_repeated_body(seed_trig: Path) -> None:
    report = read_report(SEED_001)
    repeat = int(report.metadata["repeated_body_at"])
    rows = list(
        _store(seed_trig).query(
            """PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
           PREFIX kg: <https://w3id.org/kg-gov/ontology#>
           SELECT ?b WHERE { ?m a kg:Mention ; nif:beginIndex ?b ;
                              nif:referenceContext/kg:sourceFile "001_db1b2a7e58f2f446.txt" }""",
            use_default_graph_as_union=True,
        )
    )
    assert rows and max(int(r["b"].value) for r in rows) < repeat


def test_each_report_graph_conforms_to_the_shapes(seed_trig: Path) -> None:
    ds = rdflib.Dataset()
    ds.parse(seed_trig, format="trig")
    shapes = rdflib.Graph().parse(ontology_dir() / "shapes.ttl")
    ontology = rdflib.Graph().parse(ontology_dir() / "kg.ttl")
    checked = 0
    for g in ds.graphs():
        if len(g) == 0:
            continue
        conforms, _, text = validate(g, shacl_graph=shapes, ont_graph=ontology, inference="rdfs")
        assert conforms, text
        checked += 1
    assert checked == 2


@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_every_format_is_read_back_by_a_second_parser(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"mini{suffix}"
    build([DATA / "mini.txt"], out)
    fmt = {".trig": "trig", ".nq": "nquads", ".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld"}[suffix]
    ds = rdflib.Dataset()
    ds.parse(out, format=fmt)
    assert len(ds) > 0 or sum(len(g) for g in ds.graphs()) > 50


def test_build_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.trig", tmp_path / "b.trig"
    build([SEEDS], a)
    build([SEEDS], b)
    assert a.read_bytes() == b.read_bytes()


def test_golden_graph_of_a_small_report(tmp_path: Path) -> None:
    out = tmp_path / "mini.ttl"
    build([DATA / "mini.txt"], out)
    got = to_isomorphic(rdflib.Graph().parse(out))
    want = to_isomorphic(rdflib.Graph().parse(DATA / "mini.golden.ttl"))
    if not isomorphic(got, want):
        _, only_want, only_got = graph_diff(want, got)
        missing = "\n".join(sorted(only_want.serialize(format="nt").splitlines()))
        extra = "\n".join(sorted(line for line in only_got.serialize(format="nt").splitlines()))
        pytest.fail(f"graph differs from the golden file\nmissing:\n{missing}\nunexpected:\n{extra}")
