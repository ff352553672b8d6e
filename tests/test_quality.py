"""Extraction quality on the seeds, scored by ../shared/tools/score.py against ../shared/gold.

A regression floor, not the target: the floors sit just under what this build
measures, so that a change that loses quality fails here.
"""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType

import pytest

from kg.pipeline import extract
from tests.conftest import SHARED, needs_shared

pytestmark = needs_shared()

FLOORS = {"overlap": 0.72, "strict": 0.58}


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score", SHARED / "tools" / "score.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def micro() -> dict[str, dict[str, dict[str, float]]]:
    score = _scorer()
    manifest = json.loads((SHARED / "gold" / "manifest.json").read_text(encoding="utf-8"))
    gold: list[dict[str, object]] = []
    system: list[dict[str, object]] = []
    for k, item in enumerate(manifest):
        shift = k * 10**7  # keep documents apart in one micro-averaged scoring
        doc = (SHARED / "gold" / item["doc"]).resolve()
        for m in score.load(SHARED / "gold" / item["gold"]):
            gold.append({**m, "start": m["start"] + shift, "end": m["end"] + shift})
        for men in extract(doc).mentions:
            system.append({"start": men.start + shift, "end": men.end + shift, "type": men.type})
    res = score.score(gold, system)
    return {mode: res[mode]["by_type"] for mode in ("strict", "overlap")}


@pytest.mark.parametrize("mode", sorted(FLOORS))
def test_micro_f1_stays_above_floor(micro: dict[str, dict[str, dict[str, float]]], mode: str) -> None:
    assert micro[mode]["ALL"]["f1"] >= FLOORS[mode], micro[mode]["ALL"]
