"""Small synthetic reports with hand-placed mentions, so fact tests do not depend on recognition."""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from kg.ingest import parse
from kg.normalise import link
from kg.pipeline import Extraction, Mention

HEAD = "各位代表：\n现在，我代表临江县人民政府向大会报告工作。\n"


def report_text(review: str, tasks: str = "", region: str = "临江县", year: int = 2020) -> str:
    head = HEAD.replace("临江县", region)
    return f"{head}一、{year}年工作回顾\n{review}\n二、{year + 1}年工作安排\n{tasks}\n"


def synthetic(
    review: str, tasks: str = "", names: dict[str, str] | None = None, region: str = "临江县", year: int = 2020
) -> Extraction:
    """A parsed report whose mentions are every occurrence of `names` (name → entity type)."""
    text = report_text(review, tasks, region, year)
    report = parse(text, Path(f"{region}-{year}.txt"))
    starts = [s.start for s in report.sentences]
    mentions = []
    for name, type_ in (names or {}).items():
        for m in re.finditer(re.escape(name), text):
            sentence = report.sentences[max(bisect.bisect_right(starts, m.start()) - 1, 0)]
            entity = link(name, type_, None, report.region)
            mentions.append(Mention(m.start(), m.end(), name, type_, sentence, entity))  # type: ignore[arg-type]
    mentions.sort(key=lambda m: (m.start, m.end))
    return Extraction(report, mentions)
