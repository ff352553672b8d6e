"""Milestones: `hasStatus` facts — a project, organization or event reaches a stage in a year.

Stage triggers are data (`kg/data/facts/milestones.yaml`), one list of words per
stage of the controlled list in ANNOTATION.md. A trigger finds its subject
right after it (verb first: `开工天马总部大楼、大运河钢贸城`, one milestone per
list member) or just before it (subject first: `…主体结顶`, `…实现开业`). A
trigger written as a frame with `…` (`加快…建设`) takes the names between its
two halves. The modality comes from the part of the report (`achieved` in the
review, `planned` in the tasks) and the year from :meth:`Context.year_at`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from kg.facts import STAGES, Context, EntityTypeName, Evidence, Milestone, Modality, Stage, coordinated
from kg.ingest import Span
from kg.pipeline import Mention
from kg.resources import Strict, data_path, load_yaml

_CUT = re.compile(r"[，,；;：:。！？!?\n、和及与]")


class StageTriggers(Strict):
    """The trigger words of one stage."""

    stage: Stage
    triggers: list[str] = Field(min_length=1)
    types: list[EntityTypeName] | None = None
    before: bool = True

    @field_validator("triggers")
    @classmethod
    def _frames(cls, v: list[str]) -> list[str]:
        for t in v:
            if t.count("…") > 1 or t.strip() != t or t in ("", "…"):
                raise ValueError(f"trigger {t!r}: a word, or a frame with one … for the names (加快…建设)")
        return v


class MilestoneRules(Strict):
    """Schema of `kg/data/facts/milestones.yaml`."""

    subject_types: list[EntityTypeName] = Field(min_length=1)
    gap_after: int = Field(ge=0, le=10)
    gap_before: int = Field(ge=0, le=20)
    achieved_words: list[str] = Field(default_factory=list)
    not_before: list[str] = Field(default_factory=list)
    stages: list[StageTriggers] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_stage_per_trigger(self) -> MilestoneRules:
        seen: dict[str, str] = {}
        for st in self.stages:
            for t in st.triggers:
                if t in seen:
                    raise ValueError(f"trigger {t!r} is listed under {seen[t]} and {st.stage}; give it one stage")
                seen[t] = st.stage
        unknown = {st.stage for st in self.stages} - set(STAGES)
        if unknown:  # pragma: no cover - the Literal type rules this out
            raise ValueError(f"unknown stages {sorted(unknown)}")
        return self


def load_rules(path: Path | None = None) -> MilestoneRules:
    """Load and check a milestone trigger file (the shipped one by default)."""
    return load_yaml(path or data_path("facts", "milestones.yaml"), MilestoneRules)


@cache
def shipped_rules() -> MilestoneRules:
    return load_rules()


@dataclass(frozen=True)
class _Trigger:
    word: str
    head: str
    tail: str
    stage: Stage
    types: tuple[str, ...]
    before: bool


_COMPILED: dict[int, tuple[MilestoneRules, re.Pattern[str], dict[str, list[_Trigger]]]] = {}


def _compiled(rules: MilestoneRules) -> tuple[re.Pattern[str], dict[str, list[_Trigger]]]:
    """The trigger pattern and trigger table of a rule set (built once per rule set)."""
    hit = _COMPILED.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1], hit[2]
    by_head: dict[str, list[_Trigger]] = {}
    for st in rules.stages:
        types = tuple(st.types or rules.subject_types)
        for word in st.triggers:
            head, _, tail = word.partition("…")
            by_head.setdefault(head, []).append(_Trigger(word, head, tail, st.stage, types, st.before))
    # Frames first (they are more specific), then longer words.
    for triggers in by_head.values():
        triggers.sort(key=lambda t: (not t.tail, -len(t.word)))
    pattern = re.compile("|".join(re.escape(h) for h in sorted(by_head, key=len, reverse=True)))
    _COMPILED[id(rules)] = (rules, pattern, by_head)
    return pattern, by_head


def find_milestones(ctx: Context, rules: MilestoneRules | None = None) -> Iterator[Milestone]:
    """Every milestone the stage triggers find in one report."""
    r = rules or shipped_rules()
    pattern, by_head = _compiled(r)
    for sentence, unit, mentions in ctx.mention_units("clause"):
        for m in pattern.finditer(ctx.text, unit.start, unit.end):
            if ctx.inside_mention(m.start(), m.end()):
                continue
            for trig in by_head[m.group()]:
                found = _match(ctx, r, trig, mentions, m.start(), m.end(), unit)
                if found is not None:
                    subjects, lo, hi = found
                    yield from _milestones(ctx, r, trig, subjects, sentence, lo, hi)
                    break


def _match(
    ctx: Context, r: MilestoneRules, trig: _Trigger, mentions: list[Mention], start: int, end: int, unit: Span
) -> tuple[list[Mention], int, int] | None:
    after = _list_after(ctx, mentions, end, r.gap_after, trig.types)
    if trig.tail:
        if not after:
            return None
        tail_at = after[-1].end
        while tail_at < unit.end and ctx.text[tail_at] in "等的":
            tail_at += 1
        if not ctx.text.startswith(trig.tail, tail_at):
            return None
        return after, start, tail_at + len(trig.tail)
    if after:
        return after, start, after[-1].end
    if trig.before and not any(ctx.text.startswith(w, end) for w in r.not_before):
        before = _list_before(ctx, mentions, start, r.gap_before, trig.types)
        if before:
            return before, before[0].start, end
    return None


def _list_after(ctx: Context, mentions: list[Mention], end: int, gap: int, types: tuple[str, ...]) -> list[Mention]:
    for i, m in enumerate(mentions):
        if m.start >= end:
            if m.type in types and m.start - end <= gap and not _CUT.search(ctx.text, end, m.start):
                return coordinated(ctx, mentions, i, types, forward=True)
            return []
    return []


def _list_before(ctx: Context, mentions: list[Mention], start: int, gap: int, types: tuple[str, ...]) -> list[Mention]:
    for i in range(len(mentions) - 1, -1, -1):
        m = mentions[i]
        if m.end <= start:
            if m.type in types and start - m.end <= gap and not _CUT.search(ctx.text, m.end, start):
                return coordinated(ctx, mentions, i, types, forward=False)
            return []
    return []


def _milestones(
    ctx: Context, r: MilestoneRules, trig: _Trigger, subjects: list[Mention], sentence: Span, lo: int, hi: int
) -> Iterator[Milestone]:
    modality: Modality = "planned" if ctx.section_kind(lo) == "tasks" else "achieved"
    year = ctx.year_at(sentence, lo)
    if modality == "planned" and any(w in ctx.text[sentence.start : lo] for w in r.achieved_words):
        modality = "achieved"
        year = ctx.explicit_year(sentence, lo) or ctx.report.year_reported
    rule = f"milestone-{trig.stage}:{trig.word}"
    for s in subjects:
        ev = Evidence(ctx.report.report_id, min(lo, s.start), max(hi, s.end), sentence, rule)
        yield Milestone(s.entity, trig.stage, modality, year, ev)
