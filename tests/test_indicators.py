"""Indicators: value, unit, growth, status and year of the figures a report states."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import DataFileError
from kg.facts import Context
from kg.indicators import find_observations, load_rules
from kg.resources import data_path
from tests.synthetic import synthetic

# (review text, task text, expected (indicator, value, unit, growth, status, year) list)
CASES = [
    ("全年实现地区生产总值518亿元，增长6.3%。", "", [("地区生产总值", "518", "亿元", "6.3", "actual", 2020)]),
    ("", "地区生产总值增长7%左右。", [("地区生产总值", None, None, "7", "target", 2021)]),
    ("全年预计固定资产投资增长4.5%。", "", [("固定资产投资", None, None, "4.5", "estimate", 2020)]),
    ("主要预期目标是：地区生产总值增长8%。", "", [("地区生产总值", None, None, "8", "target", 2021)]),
    ("规上工业增加值下降2.1%。", "", [("规模以上工业增加值", None, None, "-2.1", "actual", 2020)]),
    ("实际利用外资2.6亿美元。", "", [("实际利用外资", "2.6", "亿美元", None, "actual", 2020)]),
    (
        "服务业增加值300亿元，占地区生产总值比重达62%。",
        "",
        [("服务业增加值", "300", "亿元", None, "actual", 2020)],
    ),
    ("城镇登记失业率控制在2.5%。", "", [("城镇登记失业率", "2.5", "%", None, "actual", 2020)]),
    ("单位生产总值能耗下降3%。", "", [("单位生产总值能耗", None, None, "-3", "actual", 2020)]),
    ("", "居民消费价格涨幅控制在3%。", [("居民消费价格", None, None, "3", "target", 2021)]),
    ("", "与五年前相比，地区生产总值增长50%。", [("地区生产总值", None, None, "50", "actual", 2020)]),
    ("万元GDP水耗下降5%。", "", []),
    # Not the region's figure: a sector's, a share, a name with no number.
    ("三大产业实现一般公共预算收入12亿元。", "", []),
    ("占全区一般公共预算收入40%。", "", []),
    ("", "一般公共预算收入在去年任务（5亿元）的基础上增长8%。", []),
    ("地区生产总值稳步提升。", "", []),
]


@pytest.mark.parametrize(("review", "tasks", "want"), CASES)
def test_observations(review: str, tasks: str, want: list[tuple[object, ...]]) -> None:
    obs = list(find_observations(Context(synthetic(review, tasks))))
    assert [(o.indicator, o.value, o.unit, o.growth, o.status, o.year) for o in obs] == want
    for o in obs:
        assert o.region is not None and o.region.label == "临江县"


def test_evidence_is_the_figure() -> None:
    ex = synthetic("全年实现地区生产总值518亿元，增长6.3%。")
    (o,) = find_observations(Context(ex))
    assert ex.report.text[o.evidence.start : o.evidence.end] == "地区生产总值518亿元，增长6.3%"
    assert o.as_json()["value"] == 518 and o.as_json()["growth"] == 6.3


def test_a_name_given_twice_is_refused(tmp_path: Path) -> None:
    text = data_path("facts", "indicators.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "indicators.yaml"
    bad.write_text(text.replace("aliases: [人均生产总值, 人均GDP]", "aliases: [人均生产总值, GDP]"), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"indicators\.yaml:\d+: indicators: .*'GDP' is given for both"):
        load_rules(bad)


def test_bad_growth_sign(tmp_path: Path) -> None:
    text = data_path("facts", "indicators.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "indicators.yaml"
    bad.write_text(text.replace("  回落: -1", "  回落: 2"), encoding="utf-8")
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if ln.startswith("  回落"))
    with pytest.raises(DataFileError) as err:
        load_rules(bad)
    assert str(err.value).startswith(f"{bad}:{line}: growth_words.回落")
