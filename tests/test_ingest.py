"""Ingest: decoding, page chrome, repeated bodies, metadata, sections, sentences."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest import decode, parse, read_report, split_sentences
from tests.conftest import SEED_000, SEED_001

REPORT = (
    "各位代表：\n现在，我代表临江县人民政府向大会报告工作。\n"
    "一、2020年工作回顾\n建成滨河公园。\n二、2021年工作安排\n开工建设新港大桥。\n"
)

DECODE_CASES = [
    ("utf-8", REPORT.encode("utf-8"), "utf-8", REPORT),
    ("utf-8 with BOM", codecs.BOM_UTF8 + REPORT.encode("utf-8"), "utf-8-sig", "\ufeff" + REPORT),
    ("gb18030", REPORT.encode("gb18030"), "gb18030", REPORT),
    ("gbk", REPORT.encode("gbk"), "gb18030", REPORT),
    ("utf-16 with BOM", REPORT.encode("utf-16"), "utf-16", REPORT),
]

BAD_BYTES = [
    ("empty", b"", "empty file"),
    ("blank", b"  \n\n", "empty file"),
    ("NUL bytes", b"abc\x00def" * 10, "binary file"),
    ("not text", bytes(range(128, 256)) * 4, "not UTF-8 or GB18030"),
]


@pytest.mark.parametrize(("name", "data", "encoding", "text"), DECODE_CASES, ids=[c[0] for c in DECODE_CASES])
def test_decode(name: str, data: bytes, encoding: str, text: str) -> None:
    assert decode(data, Path("x.txt")) == (text, encoding)


@pytest.mark.parametrize(("name", "data", "problem"), BAD_BYTES, ids=[c[0] for c in BAD_BYTES])
def test_decode_rejects_with_file_name(name: str, data: bytes, problem: str) -> None:
    with pytest.raises(InputError) as err:
        decode(data, Path("bad/report.txt"))
    assert str(err.value).startswith("bad/report.txt: ")
    assert problem in str(err.value)


def test_text_that_is_not_a_report_is_refused() -> None:
    with pytest.raises(InputError, match="no Chinese text"):
        parse("hello world\n" * 50, Path("english.txt"))


def test_metadata_sections_and_years_of_a_plain_report() -> None:
    r = parse(REPORT, Path("linjiang.txt"))
    assert r.region == "临江县"
    assert (r.year_reported, r.year_delivered) == (2020, 2021)
    assert [s.kind for s in r.sections] == ["review", "tasks"]
    tasks = r.sections[1]
    assert REPORT[tasks.start :].startswith("二、2021年工作安排")
    assert r.issuer == "临江县人民政府"


def test_chrome_is_metadata_and_outside_the_body() -> None:
    r = read_report(SEED_001)
    assert r.metadata["identifier"].startswith("K1493206")
    assert r.metadata["issued"] == "2014-02-18"
    assert r.metadata["publisher"] == "区府办"
    assert r.text[r.body.start :].startswith("各位代表")
    assert r.region == "拱墅区"
    assert (r.year_reported, r.year_delivered) == (2013, 2014)


def test_repeated_body_is_detected_by_content() -> None:
    r = read_report(SEED_001)
    repeat = int(r.metadata["repeated_body_at"])
    assert r.text[repeat:].startswith(r.text[r.body.start : r.body.start + 200])
    assert r.body.end < repeat
    assert r.text[r.body.start : r.body.end].rstrip().endswith("。")


def test_repeat_detection_is_general() -> None:
    body = "各位代表：\n" + "".join(f"第{i}段，我们推进了临江新城建设工作，成效明显。\n" for i in range(30))
    text = "发布机构 县府办\n" + body + "\n政府工作\n发布单位\n\n县府办\n\n" + body
    r = parse(text, Path("twice.txt"))
    assert r.body.end <= text.index(body, 20)
    assert r.text[r.body.start : r.body.end] == body.strip()


def test_region_from_most_named_division_when_no_delivery_line() -> None:
    r = read_report(SEED_000)
    assert r.region == "上城区"
    assert r.year_reported == 2019


def test_sentences_keep_offsets_and_stay_in_the_body() -> None:
    r = read_report(SEED_001)
    assert r.sentences
    for s in r.sentences:
        assert r.body.start <= s.start < s.end <= r.body.end
        assert r.text[s.start : s.end].strip() == r.text[s.start : s.end]


def test_split_sentences_cuts_at_final_punctuation_and_lines() -> None:
    from kg.ingest import Span

    text = "甲乙。丙丁！\n戊己"
    assert [text[s.start : s.end] for s in split_sentences(text, [Span(0, len(text))])] == ["甲乙。", "丙丁！", "戊己"]
