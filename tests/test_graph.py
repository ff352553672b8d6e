"""Graph: the seed graph's shape, SHACL conformance, determinism, every output format."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from pyshacl import validate
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.builder import build
from kg.graph import FORMATS, _lit, _zh, report_nquads
from kg.ingest import read_report
from kg.pipeline import extract
from kg.resources import build_fingerprint, ontology_dir
from kg.vocab import DCTERMS, KG
from tests.conftest import DATA, SEED_001, SEEDS

DCTERMS_FORMAT = rdflib.URIRef(str(DCTERMS.format))
# Every character pyoxigraph escapes in a literal, and some it writes as they are.
LITERALS = [
    "".join(map(chr, range(0x80))),
    "\u0080\u00a0\u2028\u2029\ufeff\ufffd\ufffe\uffff\U0001f600",
    '拱墅区\r\n“运河”\\"',
    "",
]

# Each query shortcut broken in one way (a SPARQL update with the kg: prefix), and words of the
# shape's message that must then appear.
KG_PREFIX = "PREFIX kg: <https://w3id.org/kg-gov/ontology#>\n"
BROKEN_SHORTCUTS = [
    (
        "sentence text changed",
        'DELETE { ?f kg:sentenceText ?t } INSERT { ?f kg:sentenceText "另一句。" } WHERE { ?f kg:sentenceText ?t }',
        "kg:sentenceText is not the text",
    ),
    (
        "stage notation changed",
        'DELETE { ?m kg:stageNotation ?n } INSERT { ?m kg:stageNotation "opened" } WHERE { ?m kg:stageNotation ?n }',
        "kg:stageNotation is not the notation",
    ),
    (
        "subject label changed",
        'DELETE { ?m kg:subjectLabel ?l } INSERT { ?m kg:subjectLabel "别的项目"@zh } WHERE { ?m kg:subjectLabel ?l }',
        "kg:subjectLabel is not the label",
    ),
    ("subject label dropped", "DELETE WHERE { ?m kg:subjectLabel ?l }", "kg:subjectLabel is not the label"),
    (
        "indicator label changed",
        'DELETE { ?o kg:indicatorLabel ?l } INSERT { ?o kg:indicatorLabel "人口"@zh }'
        " WHERE { ?o kg:indicatorLabel ?l }",
        "kg:indicatorLabel is not the label",
    ),
    ("area label dropped", "DELETE WHERE { ?o kg:areaLabel ?l }", "kg:areaLabel is not the label"),
    ("project milestone untyped", "DELETE WHERE { ?m a kg:ProjectMilestone }", "exactly when its subject"),
    (
        "event milestone typed as a project's",
        "INSERT { ?m a kg:ProjectMilestone } WHERE { ?e kg:hasStatus ?m ; a kg:Event }",
        "exactly when its subject is a kg:Project",
    ),
]


def _store(path: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(path), format=FORMATS[path.suffix])
    return store


@pytest.mark.parametrize("text", LITERALS)
def test_literals_are_written_as_pyoxigraph_writes_them(text: str) -> None:
    assert _lit(text) == str(ox.Literal(text))
    assert _zh(text) == str(ox.Literal(text, language="zh"))


def _spo(q: ox.Quad) -> tuple[str, str, str]:
    return (str(q.subject), str(q.predicate), str(q.object))


@pytest.mark.parametrize("path", [SEED_001, DATA / "mini.txt"])
def test_report_nquads_are_the_bytes_pyoxigraph_writes(path: Path) -> None:
    """The N-Quads written directly are those pyoxigraph serialises from the same quads, sorted."""
    data = report_nquads(extract(path))
    quads = list(ox.parse(data, ox.RdfFormat.N_QUADS))
    assert ox.serialize(sorted(quads, key=_spo), None, ox.RdfFormat.N_QUADS) == data
    assert len(quads) == len(set(quads)) == data.count(b"\n") > 100


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


@pytest.mark.parametrize(("case", "update", "message"), BROKEN_SHORTCUTS, ids=[c[0] for c in BROKEN_SHORTCUTS])
def test_shapes_catch_a_shortcut_that_disagrees_with_its_path(
    tmp_path: Path, case: str, update: str, message: str
) -> None:
    """The shortcuts written for queries must hold exactly the values at the end of their paths."""
    report = tmp_path / "mini.txt"
    text = (DATA / "mini.txt").read_text(encoding="utf-8")
    report.write_text(text.replace("成功举办", "全年实现地区生产总值518亿元，增长6.3%。成功举办"), encoding="utf-8")
    out = tmp_path / "mini.ttl"
    build([report], out)
    g = rdflib.Graph().parse(out)
    shapes = rdflib.Graph().parse(ontology_dir() / "shapes.ttl")
    ontology = rdflib.Graph().parse(ontology_dir() / "kg.ttl")
    assert validate(g, shacl_graph=shapes, ont_graph=ontology, inference="rdfs")[0]
    before = set(g)
    g.update(KG_PREFIX + update)
    assert set(g) != before, f"{case}: the update changed nothing"
    conforms, _, text = validate(g, shacl_graph=shapes, ont_graph=ontology, inference="rdfs")
    assert not conforms and message in text, f"{case}: {text}"


RDFLIB_FORMATS = {".trig": "trig", ".nq": "nquads", ".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld"}


@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_every_format_is_read_back_by_a_second_parser(seed_trig: Path, tmp_path: Path, suffix: str) -> None:
    """rdflib (an independent parser) reads each output file; what it read, written out again by
    rdflib as N-Quads and read by pyoxigraph, is exactly what pyoxigraph reads from the file."""
    out = tmp_path / f"seeds{suffix}"
    build([SEEDS], out)
    quad_format = suffix in {".trig", ".nq", ".jsonld"}
    parsed: rdflib.Graph = rdflib.Dataset() if quad_format else rdflib.Graph()
    parsed.parse(out, format=RDFLIB_FORMATS[suffix])
    rewritten = parsed.serialize(format="nquads" if quad_format else "nt", encoding="utf-8")
    via_rdflib = _statements(ox.parse(rewritten, format=ox.RdfFormat.N_QUADS), quad_format)
    direct = _statements(ox.parse(path=str(out), format=FORMATS[suffix]), quad_format)
    assert len(direct) > 1000
    assert via_rdflib == direct
    assert direct == _statements(ox.parse(path=str(seed_trig), format=ox.RdfFormat.TRIG), quad_format)


def _statements(parsed: Iterable[ox.Quad | ox.Triple], with_graph: bool) -> set[tuple[object, ...]]:
    """(s, p, o, g) of each quad, or (s, p, o) when graphs are not compared."""
    out: set[tuple[object, ...]] = set()
    for q in parsed:
        graph = q.graph_name if isinstance(q, ox.Quad) else None
        out.add((q.subject, q.predicate, q.object, graph) if with_graph else (q.subject, q.predicate, q.object))
    return out


def test_graphs_of_awkward_inputs_conform_to_the_shapes(tmp_path: Path) -> None:
    """Reports read from GBK, UTF-16, an HTML page, a truncated file and a text without headings."""
    mini = (DATA / "mini.txt").read_text(encoding="utf-8")
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "gbk.txt").write_bytes(mini.encode("gbk"))
    (folder / "utf16.txt").write_bytes(mini.encode("utf-16"))
    (folder / "cut.txt").write_bytes(mini.encode("utf-8")[:-2])
    (folder / "page.txt").write_text("<html><body>" + "".join(f"<p>{ln}</p>" for ln in mini.splitlines()), "utf-8")
    (folder / "flat.txt").write_text("".join(ln + "\n" for ln in mini.splitlines() if "、" not in ln), "utf-8")
    out = tmp_path / "g.trig"
    summary = build([folder], out)
    assert (summary.reports, summary.skipped) == (5, [])
    ds = rdflib.Dataset()
    ds.parse(out, format="trig")
    shapes = rdflib.Graph().parse(ontology_dir() / "shapes.ttl")
    ontology = rdflib.Graph().parse(ontology_dir() / "kg.ttl")
    graphs = [g for g in ds.graphs() if len(g)]
    assert len(graphs) == 5
    for g in graphs:
        conforms, _, text = validate(g, shacl_graph=shapes, ont_graph=ontology, inference="rdfs")
        assert conforms, text
    formats = {str(o) for g in graphs for o in g.objects(None, DCTERMS_FORMAT)}
    assert formats == {"text/html"}


def test_build_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.trig", tmp_path / "b.trig"
    build([SEEDS], a)
    build([SEEDS], b)
    assert a.read_bytes() == b.read_bytes()


def test_golden_graph_of_a_small_report(tmp_path: Path) -> None:
    out = tmp_path / "mini.ttl"
    build([DATA / "mini.txt"], out)
    parsed = rdflib.Graph().parse(out)
    built_with = rdflib.URIRef(str(KG.builtWith))
    assert [str(o) for o in parsed.objects(None, built_with)] == [build_fingerprint()]
    for report in list(parsed.subjects(built_with, None)):  # differs with every change to kg
        parsed.set((report, built_with, rdflib.Literal("FINGERPRINT")))
    got = to_isomorphic(parsed)
    want = to_isomorphic(rdflib.Graph().parse(DATA / "mini.golden.ttl"))
    if not isomorphic(got, want):
        _, only_want, only_got = graph_diff(want, got)
        missing = "\n".join(sorted(only_want.serialize(format="nt").splitlines()))
        extra = "\n".join(sorted(line for line in only_got.serialize(format="nt").splitlines()))
        pytest.fail(f"graph differs from the golden file\nmissing:\n{missing}\nunexpected:\n{extra}")
