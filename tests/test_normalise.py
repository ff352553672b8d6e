"""Normalise and link: labels, aliases, region-relative names, IRIs."""

from __future__ import annotations

import pytest

from kg.normalise import canonical_label, iri_segment, is_region_relative, link

LABELS = [
    ("“五水共治”", "五水共治"),
    ("中国（杭州）智慧信息产业园", "中国(杭州)智慧信息产业园"),
    ("《服务规范》", "服务规范"),
    ("6＋2", "6+2"),
]


@pytest.mark.parametrize(("text", "label"), LABELS)
def test_canonical_label(text: str, label: str) -> None:
    assert canonical_label(text) == label


@pytest.mark.parametrize(
    ("label", "relative"),
    [
        ("区政府", True),
        ("区委", True),
        ("人大", True),
        ("区图书馆", True),
        ("省政府", True),  # 浙江省's 省政府 in one report, 河南省's in another
        ("商务部", False),
        ("拱墅区", False),
        ("市场", False),
    ],
)
def test_region_relative(label: str, relative: bool) -> None:
    assert is_region_relative(label) is relative


def test_short_form_is_an_alias_of_the_division() -> None:
    e = link("拱墅", "Place", "拱墅区", "拱墅区")
    assert (e.label, e.alias) == ("拱墅区", "拱墅")
    assert e.iri == link("拱墅区", "Place", "拱墅区", "上城区").iri


def test_region_relative_names_are_distinct_per_region() -> None:
    a = link("区政府", "Organization", None, "上城区")
    b = link("区政府", "Organization", None, "拱墅区")
    assert a.iri != b.iri and a.label == b.label == "区政府"
    assert link("商务部", "Organization", None, "上城区").iri == link("商务部", "Organization", None, "拱墅区").iri


def test_iris_are_safe_and_stable() -> None:
    seg = iri_segment("中国(杭州) 园<x>")
    assert " " not in seg and "<" not in seg and "(" not in seg
    assert seg.startswith("中国")
    assert link("万达广场", "Project", None, None).iri == link("万达广场", "Project", None, "x区").iri
