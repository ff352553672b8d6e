"""Facts: the JSON each kind prints, one fact per statement, graph provenance, identity across reports."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.facts import Link, Milestone, Observation, find_facts
from kg.graph import report_quads
from kg.sparql import load_store, run_query
from tests.conftest import UNION_FORMS, sorted_rows
from tests.synthetic import synthetic

REVIEW = "全年实现地区生产总值518亿元，增长6.3%。云栖大厦主体结顶。青枫研究院落户东湖片区。"
TASKS = "地区生产总值增长7%。竣工云栖大厦。"
NAMES = {"云栖大厦": "Project", "青枫研究院": "Organization", "东湖片区": "Place"}
KEYS = {"relation", "subject", "start", "end", "sentence_start", "sentence_end", "rule", "report", "subject_iri"}


def test_each_kind_prints_its_fields() -> None:
    facts = find_facts(synthetic(REVIEW, TASKS, NAMES))
    kinds = {type(f) for f in facts}
    assert kinds == {Link, Milestone, Observation}
    for f in facts:
        d = f.as_json()
        assert KEYS <= d.keys()
        if isinstance(f, Link):
            assert {"object", "object_iri"} <= d.keys() and d["relation"] in LINKS
        elif isinstance(f, Milestone):
            assert {"stage", "modality", "year"} <= d.keys() and d["relation"] == "hasStatus"
        else:
            assert {"indicator", "value", "unit", "growth", "status", "year"} <= d.keys()
            assert d["relation"] == "indicator" and d["subject"] == "临江县"


LINKS = {"locatedIn", "partOf", "cooperatesWith", "participatesIn"}


def test_facts_are_in_text_order_and_inside_their_sentence() -> None:
    ex = synthetic(REVIEW, TASKS, NAMES)
    facts = find_facts(ex)
    assert [f.evidence.start for f in facts] == sorted(f.evidence.start for f in facts)
    for f in facts:
        s = f.evidence.sentence
        assert s.start <= f.evidence.start < f.evidence.end <= s.end


def test_overlapping_triggers_give_one_fact() -> None:
    ex = synthetic("贯彻落实“清溪行动”。", "", {"清溪行动": "Program"})
    assert len(find_facts(ex)) == 1


def test_promise_and_delivery_share_the_project() -> None:
    facts = [f for f in find_facts(synthetic(REVIEW, TASKS, NAMES)) if isinstance(f, Milestone)]
    facts = [f for f in facts if f.subject.label == "云栖大厦"]
    assert {(f.stage, f.modality, f.year) for f in facts} == {
        ("toppedOut", "achieved", 2020),
        ("completed", "planned", 2021),
    }
    assert len({f.subject.iri for f in facts}) == 1


def _store(*extractions: object) -> ox.Store:
    store = ox.Store()
    for ex in extractions:
        store.extend(report_quads(ex))  # type: ignore[arg-type]
    return store


def test_same_project_in_two_regions_and_years_is_one_entity() -> None:
    gov = {"区政府": "Organization"}
    a = synthetic("云栖大厦主体结顶。区政府牵头。", "", {"云栖大厦": "Project", **gov}, "临江县", 2020)
    b = synthetic("云栖大厦（一期）竣工。区政府牵头。", "", {"云栖大厦（一期）": "Project", **gov}, "石城区", 2021)
    c = synthetic("竣工云栖大厦。", "", {"云栖大厦": "Project"}, "石城区", 2022)
    store = _store(a, b, c)
    q = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT DISTINCT ?e WHERE { ?e skos:prefLabel ?l . FILTER(?l = "%s"@zh) }"""
    assert len(run_query(store, q % "云栖大厦").rows) == 1
    assert len(run_query(store, q % "区政府").rows) == 2  # region-relative names stay apart
    alt = run_query(store, q.replace("prefLabel", "altLabel") % "云栖大厦（一期）").rows
    assert len(alt) == 1  # the full-width form is an alias of the half-width label


def test_graph_states_facts_with_provenance(seed_trig: Path) -> None:
    store = load_store([seed_trig])
    rows = run_query(
        store,
        """PREFIX kg: <https://w3id.org/kg-gov/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
        SELECT ?f ?s ?e ?b ?end ?rule WHERE {
          ?f a kg:Fact ; kg:evidenceStart ?s ; kg:evidenceEnd ?e ; kg:byRule ?rule ;
             prov:wasDerivedFrom [ nif:beginIndex ?b ; nif:endIndex ?end ] ; prov:hadPrimarySource ?r .
          ?r a kg:Report }""",
    ).rows
    assert len(rows) > 100
    for _, s, e, b, end, _ in rows:
        assert int(b.value) <= int(s.value) < int(e.value) <= int(end.value)  # type: ignore[union-attr]


def test_links_are_also_stated_directly(seed_trig: Path) -> None:
    store = load_store([seed_trig])
    reified = run_query(
        store,
        """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX kg: <https://w3id.org/kg-gov/ontology#>
        SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?f a kg:Link ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
          FILTER NOT EXISTS { ?s ?p ?o } } }""",
    ).rows
    assert int(reified[0][0].value) == 0  # type: ignore[union-attr]


def test_saved_queries_match_promises_and_targets_across_reports() -> None:
    from kg.sparql import resolve_query

    names = {"云栖大厦": "Project", "明湖中心": "Project"}
    plan = synthetic("", "竣工云栖大厦、明湖中心。地区生产总值增长7%。", names, "临江县", 2020)
    done = synthetic("云栖大厦竣工。全年实现地区生产总值530亿元，增长6.8%。", "", names, "临江县", 2021)
    elsewhere = synthetic("明湖中心竣工。", "", names, "石城区", 2021)
    unplaced = synthetic("", "竣工明湖中心。", names, "", 2020)  # a report whose region is not known
    store = _store(plan, done, elsewhere, unplaced)
    res = run_query(store, resolve_query("promises-vs-delivery"))
    rows = [dict(zip(res.variables, (t.value if t else None for t in row), strict=True)) for row in res.rows]
    kept = {(r["region"], r["project"], r["delivered"], r["deliveredYear"]) for r in rows if r["delivered"]}
    # 明湖中心 was completed in another region than promised; a promise of no known region matches
    # delivery in any region.
    assert kept == {("临江县", "云栖大厦", "completed", "2021"), (None, "明湖中心", "completed", "2021")}
    res = run_query(store, resolve_query("targets-vs-actuals"))
    rows = [dict(zip(res.variables, (t.value if t else None for t in row), strict=True)) for row in res.rows]
    assert [(r["indicator"], r["year"], r["targetGrowth"], r["actualGrowth"]) for r in rows] == [
        ("地区生产总值", "2021", "7", "6.8")
    ]
    for name in ("promises-vs-delivery", "targets-vs-actuals"):
        union = (UNION_FORMS / f"{name}.rq").read_text(encoding="utf-8")
        assert sorted_rows(run_query(store, resolve_query(name))) == sorted_rows(run_query(store, union)), name


def test_the_issue_examples_on_a_seed() -> None:
    """Seed 001: a topping-out in the review, a GDP actual and target, a list of planned starts."""
    from collections import Counter

    from kg.pipeline import extract
    from tests.conftest import SEED_001

    ex = extract(SEED_001)
    text, facts = ex.report.text, find_facts(ex)
    milestones = [f for f in facts if isinstance(f, Milestone)]
    topped = text.index("主体结顶")
    assert any(
        (m.stage, m.modality, m.year) == ("toppedOut", "achieved", 2013) and m.evidence.start <= topped < m.evidence.end
        for m in milestones
    )
    assert any((m.stage, m.modality, m.year) == ("completed", "planned", 2014) for m in milestones)
    starts = Counter((m.evidence.start, m.evidence.end) for m in milestones if m.stage == "started")
    assert max(starts.values()) >= 2  # 开工A、B: one milestone per name, same evidence

    def figure(at: str) -> list[tuple[object, ...]]:
        pos = text.index(at)
        return [
            (o.indicator, o.value, o.unit, o.growth, o.status, o.year)
            for o in facts
            if isinstance(o, Observation) and o.evidence.start <= pos < o.evidence.end
        ]

    assert figure("372亿元") == [("地区生产总值", "372", "亿元", "7.9", "actual", 2013)]
    assert figure("地区生产总值增长8%") == [("地区生产总值", None, None, "8", "target", 2014)]
