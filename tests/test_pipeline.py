"""Pipeline, fuzzed with Hypothesis: random Unicode, random bytes and shuffled report fragments.

Properties: only :class:`InputError` is ever raised, every mention is the text at
its offsets, inside the body and inside its sentence, and the output is the same
bytes every time. The default profile replays the same examples on every run (CI
stays reproducible); `HYPOTHESIS_PROFILE=fuzz` explores far more, at random.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import InputError
from kg.graph import report_quads, serialise
from kg.ingest import Report, decode, parse
from kg.pipeline import Extraction, extract_report
from tests.conftest import DATA, SEEDS

settings.register_profile(
    "default", max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("fuzz", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

SOURCES = [DATA / "mini.txt", *sorted(SEEDS.glob("*.txt"))]
LINES = sorted({ln for p in SOURCES for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()})
PIECES = sorted(
    {piece for ln in LINES for piece in ln.replace("。", "。\n").replace("，", "，\n").splitlines() if piece}
)
PUNCTUATION = "。，、：；！？“”‘’（）《》—…\n\n\u3000 　\t\r\ufeff"

fragments = st.lists(st.sampled_from(LINES), min_size=1, max_size=40).map("\n".join)
mixed = st.lists(
    st.one_of(
        st.sampled_from(PIECES),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
        st.text(alphabet=PUNCTUATION, min_size=1, max_size=3),
        st.just("政府"),
    ),
    max_size=60,
).map("".join)


def _check(ex: Extraction) -> None:
    r = ex.report
    assert r.sentences == sorted(r.sentences, key=lambda s: s.start)
    for s in r.sentences:
        assert r.body.start <= s.start < s.end <= r.body.end
    sentences = set(r.sentences)
    for m in ex.mentions:
        assert 0 <= m.start < m.end <= len(r.text)
        assert m.text == r.text[m.start : m.end]
        assert r.body.start <= m.start and m.end <= r.body.end
        assert m.sentence in sentences


def _run(text: str) -> tuple[Report, Extraction] | None:
    try:
        report = parse(text, Path("fuzz.txt"))
    except InputError as err:
        assert str(err).startswith("fuzz.txt: ") and "\n" not in str(err)
        return None
    assert report.text == text
    return report, extract_report(report)


def _same_twice(text: str) -> None:
    first = _run(text)
    if first is None:
        return
    _check(first[1])
    second = _run(text)
    assert second is not None
    assert [m.as_json() for m in first[1].mentions] == [m.as_json() for m in second[1].mentions]
    for fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        assert serialise(report_quads(first[1]), fmt) == serialise(report_quads(second[1]), fmt)


@given(st.text(max_size=300))
def test_random_unicode(text: str) -> None:
    _same_twice(text)


@given(mixed)
def test_random_mixtures_of_report_words_and_unicode(text: str) -> None:
    _same_twice(text)


@given(fragments)
def test_shuffled_report_fragments(text: str) -> None:
    _same_twice(text)


@given(st.binary(max_size=400))
def test_random_bytes_decode_or_are_refused(data: bytes) -> None:
    warnings: list[str] = []
    try:
        text, encoding = decode(data, Path("fuzz.txt"), warnings)
    except InputError as err:
        assert str(err).startswith("fuzz.txt: ") and "\n" not in str(err)
        return
    assert len(warnings) <= 1
    codec = {"utf-8-sig": "utf-8"}.get(encoding, encoding)
    cut = len(data) - int(warnings[0].split()[4]) if warnings else len(data)
    assert text == data[:cut].decode(codec)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name[:3])
@settings(max_examples=max(5, settings().max_examples // 4))
@given(data=st.data())
def test_damaged_copies_of_a_report(source: Path, data: st.DataObject) -> None:
    """A real report with a few bytes changed, cut off or inserted is read or refused, never a crash."""
    raw = bytearray(source.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        what = data.draw(st.sampled_from(["replace", "insert", "cut"]))
        if what == "cut":
            del raw[at:]
            if not raw:
                break
        else:
            byte = data.draw(st.integers(0, 255))
            raw[at : at + (what == "replace")] = bytes([byte])
    try:
        text, _ = decode(bytes(raw), Path("fuzz.txt"), [])
    except InputError:
        return
    _same_twice(text)
