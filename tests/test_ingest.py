"""Ingest: decoding, page chrome, repeated bodies, metadata, sections, sentences."""

from __future__ import annotations

import codecs
import html
import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest import decode, html_to_text, input_rules, looks_like_html, parse, read_report, split_sentences
from kg.pipeline import extract, extract_report
from tests.conftest import DATA, SEED_000, SEED_001, SEEDS, SHARED, needs_shared

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

MINI = (DATA / "mini.txt").read_text(encoding="utf-8")


def _random(lo: int, hi: int, n: int = 4000, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(lo, hi + 1) for _ in range(n))


def _html(text: str) -> str:
    """`text` as a web page: a head with title, style and script, one <p> per line, entities for quotes."""
    paras = "".join(
        f"<p>{html.escape(line).replace('“', '&ldquo;').replace('”', '&rdquo;')}</p>\n" for line in text.splitlines()
    )
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>临江县2021年政府工作报告</title>"
        "<style>p { margin: 0 }</style><script>var s = '<p>各位代表</p>';</script></head>\n"
        f"<body><div class='nav'>首页 &gt; 信息公开</div>\n{paras}<!-- 页脚 --></body></html>\n"
    )


def _sparse(path: Path, size: int) -> None:
    """A file of `size` bytes that takes no disk space (the limit is checked before reading)."""
    path.write_bytes(MINI.encode("utf-8"))
    os.truncate(path, size)


def _write(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data) and None


NO_HEADINGS = "".join(line + "\n" for line in MINI.splitlines() if "、" not in line)

# (case, writes the file, problem when it is refused (None: it is read), warning when read)
BAD_INPUT: list[tuple[str, Callable[[Path], None], str | None, str | None]] = [
    ("empty file", _write(b""), "empty file: nothing to read", None),
    ("only white space", _write(b" \r\n\t\n"), "empty file: nothing to read", None),
    (
        "binary with NUL bytes (PNG)",
        _write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _random(0, 255)),
        "binary file",
        None,
    ),
    ("binary of control characters", _write(_random(1, 127)), "binary file: ", None),
    ("binary of high bytes, not UTF-8 or GB18030", _write(_random(1, 255)), "not UTF-8 or GB18030 text", None),
    ("binary of high bytes, read as GB18030", _write(_random(0x81, 0xFE, seed=2)), "not a report", None),
    ("truncated UTF-8", _write(MINI.encode("utf-8")[:-2]), None, "truncated UTF-8: the last 2 byte(s)"),
    ("truncated GBK", _write(MINI.encode("gbk")[:-2]), None, "truncated GB18030: the last 1 byte(s)"),
    ("damaged UTF-8", _write(MINI.encode("utf-8").replace("临江".encode(), b"\xff\xfe", 1)), "damaged UTF-8", None),
    ("NUL bytes in text", _write(MINI.encode("utf-8").replace(b"\n", b"\n\x00", 1)), "binary file (NUL byte at", None),
    ("UTF-16 without a BOM", _write(MINI.encode("utf-16-le")), "looks like UTF-16 without a byte-order mark", None),
    ("UTF-16 with a BOM", _write(MINI.encode("utf-16")), None, None),
    ("UTF-8 with a BOM", _write(codecs.BOM_UTF8 + MINI.encode("utf-8")), None, None),
    ("GBK without a declaration", _write(MINI.encode("gbk")), None, None),
    ("GB18030 without a declaration", _write(MINI.encode("gb18030")), None, None),
    ("50 MB file", lambda path: _sparse(path, 50 * 2**20), "too large: 52,428,800 bytes", None),
    ("report with no headings", _write(NO_HEADINGS.encode("utf-8")), None, None),
    ("HTML page saved as .txt", _write(_html(MINI).encode("utf-8")), None, None),
    ("English text", _write(b"This is a README, not a report.\n" * 40), "not a report: no Chinese text found", None),
    (
        "English text quoting Chinese names",
        _write(
            ("The 2021 report of 临江县人民政府 names the 滨江大厦 project and the 清风行动 program. " * 10).encode()
        ),
        "of its characters are Chinese",
        None,
    ),
    (
        "Chinese text that is not a report",
        _write("她推开窗，看见雨还在下。我们明天再去吧。\n".encode() * 30),
        "never mentions 政府",
        None,
    ),
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


@pytest.mark.parametrize(("case", "write", "problem", "warning"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_has_a_clear_outcome(
    tmp_path: Path, case: str, write: Callable[[Path], None], problem: str | None, warning: str | None
) -> None:
    path = tmp_path / "report.txt"
    write(path)
    if problem is not None:
        with pytest.raises(InputError) as err:
            read_report(path)
        assert str(err.value) == f"{path}: {err.value.problem}"
        assert problem in err.value.problem
        assert "\n" not in str(err.value)
        return
    report = read_report(path)
    assert [w for w in report.warnings if warning and w.startswith(warning)] == (
        [report.warnings[0]] if warning else []
    )
    assert len(report.warnings) == (1 if warning else 0)
    ex = extract_report(report)
    assert ex.mentions, f"{case}: no mentions found"
    for m in ex.mentions:
        assert report.text[m.start : m.end] == m.text


def test_the_size_limit_can_be_raised(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text(MINI * 3, encoding="utf-8")
    size = path.stat().st_size
    with pytest.raises(InputError, match=f"too large: {size:,} bytes, over the limit of {size - 1:,}"):
        read_report(path, max_bytes=size - 1)
    assert read_report(path, max_bytes=size).text == MINI * 3
    assert input_rules().max_bytes >= 1_000_000


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16"])
@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_a_re_encoded_report_gives_the_same_mentions(tmp_path: Path, seed: Path, encoding: str) -> None:
    copy = tmp_path / seed.name
    copy.write_bytes(seed.read_text(encoding="utf-8").encode(encoding))
    want = [(m.start, m.end, m.text, m.type, m.entity.iri) for m in extract(seed).mentions]
    got = [(m.start, m.end, m.text, m.type, m.entity.iri) for m in extract(copy).mentions]
    assert got == want and len(want) > 20


def test_truncated_utf8_keeps_every_complete_character(tmp_path: Path) -> None:
    path = tmp_path / "cut.txt"
    data = MINI.encode("utf-8")
    path.write_bytes(data[:-2])
    report = read_report(path)
    assert report.text == MINI[:-2]
    assert report.encoding == "utf-8"


def test_html_page_is_read_as_its_text() -> None:
    page = _html(MINI)
    assert looks_like_html(page)
    assert not looks_like_html(MINI)
    text = html_to_text(page)
    assert "<" not in text and "var s" not in text and "margin" not in text
    assert text.startswith("临江县2021年政府工作报告\n首页 > 信息公开\n")
    assert text.endswith(MINI)


def test_html_page_gives_the_mentions_of_its_text(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(_html(MINI), encoding="utf-8")
    report = read_report(path)
    assert report.media_type == "text/html"
    plain = parse(MINI, Path("mini.txt"))
    shift = report.text.index(MINI)
    got = [
        (m.start - shift, m.end - shift, m.text, m.type) for m in extract_report(report).mentions if m.start >= shift
    ]
    want = [(m.start, m.end, m.text, m.type) for m in extract_report(plain).mentions]
    assert got == want


def test_html_keeps_preformatted_text_and_line_breaks() -> None:
    text = html_to_text("<html><body><pre>一、工作回顾\n  建成公园</pre>甲<br>乙<br/>丙</body></html>")
    assert text == "一、工作回顾\n建成公园\n甲\n乙\n丙\n"


def test_report_without_headings_is_one_section() -> None:
    report = parse(NO_HEADINGS, Path("plain.txt"))
    assert [(s.kind, s.start, s.end) for s in report.sections] == [("review", report.body.start, report.body.end)]
    assert report.region == "临江县"


@needs_shared()
def test_every_real_report_passes_the_input_checks() -> None:
    """The bad-input rules must not refuse a real report: all of ../shared/corpus and the seeds are read."""
    files = sorted((SHARED / "corpus").glob("*.txt")) + sorted(SEEDS.glob("*.txt"))
    assert len(files) >= 36
    for path in files:
        report = read_report(path)
        assert report.warnings == [] and report.media_type == "text/plain", path
