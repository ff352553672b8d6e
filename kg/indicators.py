"""Indicators: the figures a report states, as RDF Data Cube observations.

`全年实现地区生产总值372亿元,增长7.9%` gives the observation (地区生产总值,
372 亿元, growth 7.9 %, actual); `地区生产总值增长8%` in the task part gives a
target. Indicator names, units and growth words are data
(`kg/data/facts/indicators.yaml`). Values are kept as written (a decimal
string): nothing is converted, so no precision is lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from kg.facts import Context, Evidence, Observation, Status
from kg.ingest import Span
from kg.resources import Strict, data_path, load_yaml

_NUMBER = r"(\d+(?:\.\d+)?)"


class Indicator(Strict):
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)


class IndicatorRules(Strict):
    """Schema of `kg/data/facts/indicators.yaml`."""

    indicators: list[Indicator] = Field(min_length=1)
    units: list[str] = Field(min_length=1)
    growth_words: dict[str, Literal[1, -1]]
    max_lead: int = Field(ge=0, le=20)
    lead_stops: list[str] = Field(default_factory=list)
    skip_after: list[str] = Field(default_factory=list)
    sector_words: list[str] = Field(default_factory=list)
    estimate_words: list[str] = Field(default_factory=list)
    target_words: list[str] = Field(default_factory=list)
    actual_words: list[str] = Field(default_factory=list)

    @field_validator("indicators")
    @classmethod
    def _names_unique(cls, v: list[Indicator]) -> list[Indicator]:
        seen: dict[str, str] = {}
        for ind in v:
            for name in (ind.name, *ind.aliases):
                if name in seen:
                    raise ValueError(f"name {name!r} is given for both {seen[name]} and {ind.name}; give it one")
                seen[name] = ind.name
        return v


def load_rules(path: Path | None = None) -> IndicatorRules:
    """Load and check an indicator lexicon (the shipped one by default)."""
    return load_yaml(path or data_path("facts", "indicators.yaml"), IndicatorRules)


@cache
def shipped_rules() -> IndicatorRules:
    return load_rules()


@dataclass(frozen=True)
class _Compiled:
    names: re.Pattern[str]
    canonical: dict[str, str]
    value: re.Pattern[str]
    growth: re.Pattern[str]


_CACHE: dict[int, tuple[IndicatorRules, _Compiled]] = {}
_LEAD = r"[^，,。；;：:！？\n\d%％]"


def _compile(r: IndicatorRules) -> _Compiled:
    hit = _CACHE.get(id(r))
    if hit is not None and hit[0] is r:
        return hit[1]
    canonical = {name: ind.name for ind in r.indicators for name in (ind.name, *ind.aliases)}
    names = re.compile("|".join(re.escape(n) for n in sorted(canonical, key=len, reverse=True)))
    units = "|".join(re.escape(u) for u in sorted(r.units, key=len, reverse=True))
    words = "|".join(re.escape(w) for w in sorted(r.growth_words, key=len, reverse=True))
    value = re.compile(rf"(?P<lead>{_LEAD}{{0,{r.max_lead}}}?){_NUMBER}\s*(?P<unit>{units})")
    growth = re.compile(
        rf"[，,]?(?P<lead>{_LEAD}{{0,{r.max_lead}}}?)(?P<word>{words})(?:控制在|为|达到|达|在)?(?P<num>\d+(?:\.\d+)?)\s*[%％]"
    )
    compiled = _Compiled(names, canonical, value, growth)
    _CACHE[id(r)] = (r, compiled)
    return compiled


def find_observations(ctx: Context, rules: IndicatorRules | None = None) -> Iterator[Observation]:
    """Every indicator figure in one report's sentences."""
    r = rules or shipped_rules()
    c = _compile(r)
    text = ctx.text
    for sentence in ctx.sentences():
        for m in c.names.finditer(text, sentence.start, sentence.end):
            if any(text.endswith(w, sentence.start, m.start()) for w in r.skip_after):
                continue
            if _about_a_sector(r, text, sentence, m.start()):
                continue
            obs = _read_figure(ctx, r, c, sentence, m.start(), m.end(), c.canonical[m.group()])
            if obs is not None:
                yield obs


def _read_figure(
    ctx: Context, r: IndicatorRules, c: _Compiled, sentence: Span, start: int, end: int, name: str
) -> Observation | None:
    text = ctx.text
    value = unit = growth = None
    pos = end
    g = c.growth.match(text, end, sentence.end)
    if g is not None and not _stopped(r, g.group("lead")):
        growth = _signed(r, g)
        pos = g.end()
    else:
        v = c.value.match(text, end, sentence.end)
        if v is None or _stopped(r, v.group("lead")) or any(w in v.group("lead") for w in r.growth_words):
            return None
        value, unit = v.group(2), v.group("unit").replace("％", "%")
        pos = v.end()
        if unit == "%" and any(text.endswith(w, start, end) for w in r.growth_words):
            # The name ends with a growth word (居民消费价格涨幅控制在3%): the figure is a growth rate.
            sign = r.growth_words[next(w for w in r.growth_words if text.endswith(w, start, end))]
            return _observation(ctx, r, sentence, start, pos, name, None, None, value if sign > 0 else f"-{value}")
        g = c.growth.match(text, pos, sentence.end)
        if g is not None and not _stopped(r, g.group("lead")):
            growth = _signed(r, g)
            pos = g.end()
    return _observation(ctx, r, sentence, start, pos, name, value, unit, growth)


def _observation(
    ctx: Context,
    r: IndicatorRules,
    sentence: Span,
    start: int,
    end: int,
    name: str,
    value: str | None,
    unit: str | None,
    growth: str | None,
) -> Observation:
    ev = Evidence(ctx.report.report_id, start, end, sentence, f"indicator:{name}")
    status = _status(ctx, r, sentence, start)
    year = ctx.year_at(sentence, start)
    if ctx.explicit_year(sentence, start) is None:
        # A target is for the coming year (also where the task part was not found); an actual
        # told in the task part is for the year reported on.
        if status == "target":
            year = ctx.report.year_delivered
        elif status == "actual":
            year = ctx.report.year_reported
    return Observation(ctx.region, name, value, unit, growth, status, year, ev)


_SEGMENT_END = re.compile(r"[；;。]")


def _about_a_sector(r: IndicatorRules, text: str, sentence: Span, start: int) -> bool:
    """Whether the words before the name, since the last 。 or ；, name a sector (产业, 企业 …)."""
    before = text[sentence.start : start]
    cut = max((m.end() for m in _SEGMENT_END.finditer(before)), default=0)
    return any(w in before[cut:] for w in r.sector_words)


def _stopped(r: IndicatorRules, lead: str) -> bool:
    return any(w in lead for w in r.lead_stops)


def _signed(r: IndicatorRules, g: re.Match[str]) -> str:
    number = g.group("num")
    return number if r.growth_words[g.group("word")] > 0 or float(number) == 0 else f"-{number}"


def _status(ctx: Context, r: IndicatorRules, sentence: Span, start: int) -> Status:
    """Target in the task part (unless told as past); in the review part an estimate or target
    when a word before it in its sentence says so."""
    before = ctx.text[sentence.start : start]
    if ctx.section_kind(start) == "tasks":
        told_as_past = any(w in before for w in r.actual_words) and not any(w in before for w in r.target_words)
        return "actual" if told_as_past else "target"
    if any(w in before for w in r.estimate_words):
        return "estimate"
    if any(w in before for w in r.target_words):
        return "target"
    return "actual"
