"""Relation rules: links from triggers, markers, adjacency and phases; rule files fail with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import DataFileError
from kg.facts import Context, Link
from kg.relations import RelationRules, find_links, load_rules
from kg.resources import data_path
from tests.synthetic import synthetic

PL, OR, PJ, PG = "Place", "Organization", "Project", "Program"
# (review text, names, expected (relation, subject, object) set)
CASES = [
    ("青枫研究院落户临江。", {"青枫研究院": OR, "临江": PL}, {("locatedIn", "青枫研究院", "临江")}),
    ("东湖片区云栖大厦竣工。", {"东湖片区": PL, "云栖大厦": PJ}, {("locatedIn", "云栖大厦", "东湖片区")}),
    ("东湖片区石桥街道开展巡查。", {"东湖片区": PL, "石桥街道": PL}, {("partOf", "石桥街道", "东湖片区")}),
    ("以云栖小镇为核心的滨江区块。", {"云栖小镇": PJ, "滨江区块": PL}, {("partOf", "云栖小镇", "滨江区块")}),
    ("云栖广场二期开工。", {"云栖广场二期": PJ}, {("partOf", "云栖广场二期", "云栖广场")}),
    (
        "与北城、南浦、西岭等地开展协作。",
        {"北城": PL, "南浦": PL, "西岭": PL},
        {("cooperatesWith", "临江县", place) for place in ("北城", "南浦", "西岭")},
    ),
    ("县政府与华光银行签约。", {"县政府": OR, "华光银行": OR}, {("cooperatesWith", "县政府", "华光银行")}),
    ("深入实施“清溪行动”。", {"清溪行动": PG}, {("participatesIn", "临江县", "清溪行动")}),
    (
        "石桥社区被列为首批省级未来街区试点。",
        {"石桥社区": PL, "省级未来街区试点": PG},
        {("participatesIn", "石桥社区", "省级未来街区试点")},
    ),
    # Not links: names side by side with a list mark, a trigger far from the program.
    ("北城、南浦开展巡查。", {"北城": PL, "南浦": PL}, set()),
    ("实施了一系列很有意义的清溪行动。", {"清溪行动": PG}, set()),
]


@pytest.mark.parametrize(("review", "names", "want"), CASES)
def test_links(review: str, names: dict[str, str], want: set[tuple[str, str, str]]) -> None:
    links = list(find_links(Context(synthetic(review, "", names))))
    assert {(f.relation, f.subject.label, f.object.label) for f in links} == want


def test_link_evidence_spans_subject_trigger_and_object() -> None:
    ex = synthetic("青枫研究院落户临江。", "", {"青枫研究院": OR, "临江": PL})
    (link,) = find_links(Context(ex))
    assert isinstance(link, Link)
    assert ex.report.text[link.evidence.start : link.evidence.end] == "青枫研究院落户临江"
    assert link.evidence.rule == "located-landed-in"


def test_shipped_rules_name_every_relation() -> None:
    from kg.facts import LINK_RELATIONS

    assert {r.relation for r in load_rules().rules} == set(LINK_RELATIONS)


RULE = """rules:
  - id: my-rule
    relation: locatedIn
    subject: [Project]
    object: [Place]
    triggers: [位于]
    order: [subject, trigger, object]
    scope: clause
"""


@pytest.mark.parametrize(
    ("old", "new", "line", "problem"),
    [
        ("relation: locatedIn", "relation: nextTo", 3, "relation"),
        ("subject: [Project]", "subject: [Building]", 4, "subject"),
        ("scope: clause", "scope: page", 8, "scope"),
        ("    scope: clause\n", "    scope: clause\n    colour: red\n", 9, "colour"),
        ("order: [subject, trigger, object]", "order: [subject, object]", 2, "order names 'trigger'"),
        ("id: my-rule", "id: My Rule", 2, "id"),
    ],
)
def test_bad_rule_file_names_file_line_and_problem(tmp_path: Path, old: str, new: str, line: int, problem: str) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text(RULE.replace(old, new), encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        load_rules(bad)
    assert str(err.value).startswith(f"{bad}:{line}: "), str(err.value)
    assert problem in str(err.value)


def test_a_good_rule_file_loads_and_runs() -> None:
    import yaml

    rules = RelationRules.model_validate(yaml.safe_load(RULE))
    ex = synthetic("云栖大厦位于东湖片区。", "", {"云栖大厦": PJ, "东湖片区": PL})
    assert [(f.subject.label, f.object.label) for f in find_links(Context(ex), rules)] == [("云栖大厦", "东湖片区")]


def test_shipped_file_is_the_default() -> None:
    assert load_rules(data_path("facts", "relations.yaml")) == load_rules()
