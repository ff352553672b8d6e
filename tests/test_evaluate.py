"""Evaluate: score.py's matching and numbers, gold folders, `kg eval`."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import DataFileError, KgError
from kg.evaluate import MentionSpan, evaluate, match, score_doc
from kg.pipeline import extract
from tests.conftest import DATA, SHARED, needs_shared

runner = CliRunner()

P = "Place"
ORG = "Organization"

# gold spans, system spans, strict?, expected (gold index, system index) pairs
MATCHES = [
    ("exact match", [(0, 3, P)], [(0, 3, P)], True, [(0, 0)]),
    ("boundary differs: no strict match", [(0, 3, P)], [(0, 4, P)], True, []),
    ("boundary differs: overlap match", [(0, 3, P)], [(0, 4, P)], False, [(0, 0)]),
    ("type differs: no match", [(0, 3, P)], [(0, 3, ORG)], False, []),
    ("largest overlap wins", [(0, 4, P)], [(0, 2, P), (0, 4, P)], False, [(0, 1)]),
    ("each mention once", [(0, 4, P), (2, 6, P)], [(1, 5, P)], False, [(1, 0)]),
    ("touching is not overlapping", [(0, 3, P)], [(3, 5, P)], False, []),
]


@pytest.mark.parametrize(("case", "gold", "system", "strict", "pairs"), MATCHES, ids=[m[0] for m in MATCHES])
def test_match(
    case: str,
    gold: list[tuple[int, int, str]],
    system: list[tuple[int, int, str]],
    strict: bool,
    pairs: list[tuple[int, int]],
) -> None:
    g = [MentionSpan(*x) for x in gold]
    s = [MentionSpan(*x) for x in system]
    assert sorted(match(g, s, strict)) == pairs


def test_counts_per_type_and_all() -> None:
    gold = [MentionSpan(0, 3, P), MentionSpan(5, 9, ORG)]
    system = [MentionSpan(0, 3, P), MentionSpan(5, 8, ORG), MentionSpan(20, 22, P)]
    d = score_doc(Path("x.txt"), gold, system)
    strict, overlap = d.counts["strict"], d.counts["overlap"]
    assert (strict["ALL"].gold, strict["ALL"].system, strict["ALL"].tp) == (2, 3, 1)
    assert (overlap["ALL"].tp, overlap[ORG].tp, overlap[P].system) == (2, 1, 2)
    assert overlap["ALL"].p == pytest.approx(2 / 3)
    assert overlap["ALL"].r == 1.0
    assert [s.start for s in d.false_alarms] == [20]
    assert d.missed == []


def _gold_folder(tmp: Path, lines: list[str], manifest: object | None = None) -> Path:
    (tmp / "mini.txt").write_bytes((DATA / "mini.txt").read_bytes())
    (tmp / "mini.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    entry = manifest if manifest is not None else [{"doc": "mini.txt", "gold": "mini.jsonl", "ranges": None}]
    (tmp / "manifest.json").write_text(json.dumps(entry), encoding="utf-8")
    return tmp


# Hand-written gold for tests/data/mini.txt (an invented report).
MINI_GOLD = [
    '{"start": 12, "end": 19, "text": "临江县人民政府", "type": "Organization"}',
    '{"start": 55, "end": 59, "text": "滨江大厦", "type": "Project"}',
    '{"start": 84, "end": 88, "text": "华兴银行", "type": "Organization"}',
    '{"start": 120, "end": 123, "text": "河长制", "type": "Program"}',
    '{"start": 100, "end": 104, "text": "不存在的", "type": "Place"}',
]


def test_evaluate_a_gold_folder(tmp_path: Path) -> None:
    result = evaluate(_gold_folder(tmp_path, MINI_GOLD))
    c = result.counts["strict"]
    assert c["ALL"].gold == 5
    assert c["Organization"].tp == 2
    assert c["Program"].tp == 1
    assert c["Place"].tp == 0
    assert c["ALL"].system == len(result.docs[0].false_alarms) + result.counts["overlap"]["ALL"].tp


def test_ranges_limit_what_is_scored(tmp_path: Path) -> None:
    manifest = [{"doc": "mini.txt", "gold": "mini.jsonl", "ranges": [[0, 60]]}]
    result = evaluate(_gold_folder(tmp_path, MINI_GOLD, manifest))
    c = result.counts["strict"]["ALL"]
    assert c.gold == 2  # 临江县人民政府, 滨江大厦
    assert c.system == sum(1 for m in extract(DATA / "mini.txt").mentions if m.end <= 60)


@pytest.mark.parametrize(
    ("lines", "manifest", "message"),
    [
        (MINI_GOLD, [{"doc": "mini.txt"}], "entry 1: gold: Field required"),
        (MINI_GOLD, {"doc": "mini.txt"}, "expected a JSON list"),
        (MINI_GOLD, [{"doc": "mini.txt", "gold": "mini.jsonl", "extra": 1}], "entry 1: extra"),
        ([*MINI_GOLD[:1], '{"start": 1, "end": 2, "type": "Person"}'], None, "mini.jsonl:2:"),
        (["not json"], None, "mini.jsonl:1: not valid JSON"),
    ],
)
def test_bad_gold_folder(tmp_path: Path, lines: list[str], manifest: object | None, message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        evaluate(_gold_folder(tmp_path, lines, manifest))


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(KgError, match=r"no manifest\.json"):
        evaluate(tmp_path)


def test_cli_eval_and_fail_under(tmp_path: Path) -> None:
    folder = _gold_folder(tmp_path, MINI_GOLD)
    result = runner.invoke(app, ["eval", str(folder)])
    assert result.exit_code == 0, result.output
    assert "[strict]" in result.output and "[overlap]" in result.output
    result = runner.invoke(app, ["eval", str(folder), "--json"])
    data = json.loads(result.output)
    assert data["micro"]["strict"]["ALL"]["gold"] == 5
    result = runner.invoke(app, ["eval", str(folder), "--fail-under", "0.99"])
    assert result.exit_code == 1
    result = runner.invoke(app, ["eval", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "no manifest.json" in result.output


@needs_shared()
def test_same_numbers_as_score_py() -> None:
    """kg eval's micro-average equals score.py run on all documents put in one file."""
    spec = importlib.util.spec_from_file_location("score", SHARED / "tools" / "score.py")
    assert spec is not None and spec.loader is not None
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    gold: list[dict[str, object]] = []
    system: list[dict[str, object]] = []
    manifest = json.loads((SHARED / "gold" / "manifest.json").read_text(encoding="utf-8"))
    for k, item in enumerate(manifest):
        shift = k * 10**7  # keep documents apart in one file
        for m in score.load(SHARED / "gold" / item["gold"]):
            gold.append({**m, "start": m["start"] + shift, "end": m["end"] + shift})
        for men in extract((SHARED / "gold" / item["doc"]).resolve()).mentions:
            system.append({"start": men.start + shift, "end": men.end + shift, "type": men.type})
    want = score.score(gold, system)
    result = evaluate(SHARED / "gold")
    for mode in ("strict", "overlap"):
        for row, got in result.counts[mode].items():
            w = want[mode]["by_type"][row]
            assert (got.gold, got.system, got.tp) == (w["gold"], w["system"], w["tp"]), (mode, row)
