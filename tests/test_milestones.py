"""Milestones: stage triggers before and after names, lists, frames, modality and year."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import DataFileError
from kg.facts import Milestone, find_facts
from kg.milestones import load_rules
from kg.resources import data_path
from tests.synthetic import synthetic

P, ORG, E = "Project", "Organization", "Event"
# (review text, task text, names, expected (subject, stage, modality, year) set)
CASES = [
    ("云栖大厦主体结顶。", "", {"云栖大厦": P}, {("云栖大厦", "toppedOut", "achieved", 2020)}),
    ("", "竣工云栖大厦。", {"云栖大厦": P}, {("云栖大厦", "completed", "planned", 2021)}),
    (
        "",
        "开工青枫城、明湖中心。",
        {"青枫城": P, "明湖中心": P},
        {("青枫城", "started", "planned", 2021), ("明湖中心", "started", "planned", 2021)},
    ),
    ("青枫城实现开业。", "", {"青枫城": P}, {("青枫城", "opened", "achieved", 2020)}),
    (
        "",
        "加快青枫城和明湖中心建设。",
        {"青枫城": P, "明湖中心": P},
        {
            ("青枫城", "underConstruction", "planned", 2021),
            ("明湖中心", "underConstruction", "planned", 2021),
        },
    ),
    ("成功举办第二届临江灯会。", "", {"临江灯会": E}, {("临江灯会", "held", "achieved", 2020)}),
    ("设立青枫小贷公司。", "", {"青枫小贷公司": ORG}, {("青枫小贷公司", "established", "achieved", 2020)}),
    ("明湖中心等5个项目投入使用。", "", {"明湖中心": P}, {("明湖中心", "opened", "achieved", 2020)}),
    ("2018年云栖大厦竣工。", "", {"云栖大厦": P}, {("云栖大厦", "completed", "achieved", 2018)}),
    ("", "近年来云栖大厦竣工。", {"云栖大厦": P}, {("云栖大厦", "completed", "achieved", 2020)}),
    # Not milestones: a plan noun after a name, a held stage for a project, a trigger inside a name.
    ("编制云栖规划。", "", {"云栖规划": "Program"}, set()),
    ("云栖大厦规划获批。", "", {"云栖大厦": P}, set()),
    ("举办云栖大厦。", "", {"云栖大厦": P}, set()),
    ("建成区绿化提升。", "", {"建成区": "Place"}, set()),
    ("开工物业项目和云栖大厦。", "", {"云栖大厦": P}, set()),
    ("完成青枫银行设立分行报批。", "", {"青枫银行": ORG}, set()),
]


@pytest.mark.parametrize(("review", "tasks", "names", "want"), CASES)
def test_milestones(review: str, tasks: str, names: dict[str, str], want: set[tuple[str, str, str, int]]) -> None:
    facts = [f for f in find_facts(synthetic(review, tasks, names)) if isinstance(f, Milestone)]
    assert {(f.subject.label, f.stage, f.modality, f.year) for f in facts} == want


def test_evidence_covers_trigger_and_name() -> None:
    ex = synthetic("云栖大厦主体结顶。", "", {"云栖大厦": P})
    (fact,) = find_facts(ex)
    text = ex.report.text[fact.evidence.start : fact.evidence.end]
    assert text == "云栖大厦主体结顶"
    assert fact.evidence.rule == "milestone-toppedOut:主体结顶"
    s = fact.evidence.sentence
    assert s.start <= fact.evidence.start < fact.evidence.end <= s.end


def test_every_seed_milestone_takes_its_modality_from_the_section() -> None:
    from kg.pipeline import extract
    from tests.conftest import SEED_001

    ex = extract(SEED_001)
    milestones = [f for f in find_facts(ex) if isinstance(f, Milestone)]
    assert len(milestones) >= 30
    for m in milestones:
        if any(w in ex.report.text[m.evidence.sentence.start : m.evidence.start] for w in load_rules().achieved_words):
            continue
        kind = ex.report.section_at(m.evidence.start)
        assert kind is not None
        assert m.modality == ("planned" if kind.kind == "tasks" else "achieved")
        assert m.year == (ex.report.year_delivered if kind.kind == "tasks" else ex.report.year_reported)


def test_shipped_rules_cover_the_controlled_list() -> None:
    from kg.facts import STAGES

    assert {s.stage for s in load_rules().stages} == set(STAGES)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (("stage: held", "stage: hosted"), "stage"),
        (("gap_after: 4", "gap_after: far"), "gap_after"),
        (("triggers: [举办, 承办, 召开, 举行]", "triggers: [举办, 开工]"), "listed under started and held"),
        (("triggers: [结顶, 封顶", "triggers: [结…顶…, 封顶"), "frame"),
    ],
)
def test_bad_milestone_file_names_file_and_line(tmp_path: Path, edit: tuple[str, str], problem: str) -> None:
    text = data_path("facts", "milestones.yaml").read_text(encoding="utf-8")
    assert edit[0] in text
    bad = tmp_path / "milestones.yaml"
    bad.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        load_rules(bad)
    assert str(err.value).startswith(f"{bad}:")
    assert err.value.line is not None
    assert problem in str(err.value)
