"""Relation rules: link entities (`locatedIn`, `partOf`, `cooperatesWith`, `participatesIn`).

Rules are data (`kg/data/facts/relations.yaml`). A rule names its relation, the
entity types it links, its trigger words, the order of the parts in the text
and its scope (a clause, or the whole sentence). The matcher finds a trigger,
then the object mention (or coordinated list) beside it, then the subject;
when the text names no subject and the rule allows it, the subject is the
report's region (`与北京、开封、绍兴等地开展…共建` links the region to each city).
A second kind of rule needs no trigger: a phase (`一期`, `二期`) is `partOf` the
project whose name it extends.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from kg.facts import LINK_RELATIONS, Context, EntityTypeName, Evidence, Link, LinkRelation, coordinated
from kg.ingest import Span
from kg.normalise import Entity, link
from kg.pipeline import Mention
from kg.resources import Strict, data_path, load_yaml

Part = Literal["subject", "trigger", "object", "marker"]


def _default_order() -> list[Part]:
    return ["subject", "trigger", "object"]


class RelationRule(Strict):
    """One rule of `relations.yaml`."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    relation: LinkRelation
    subject: list[EntityTypeName] = Field(min_length=1)
    object: list[EntityTypeName] = Field(min_length=1)
    triggers: list[str] = Field(default_factory=list)
    markers: list[str] = Field(default_factory=list)
    suffixes: list[str] = Field(default_factory=list)
    order: list[Part] = Field(default_factory=_default_order)
    scope: Literal["clause", "sentence"] = "clause"
    max_gap: int = Field(default=4, ge=0, le=40)
    subject_gap: int | None = Field(default=None, ge=0, le=80)
    implicit_subject: Literal["region"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RelationRule:
        parts = set(self.order)
        if len(self.order) != len(parts) or not {"subject", "object"} <= parts:
            raise ValueError(f"order {self.order} must name subject and object once each")
        if self.suffixes:
            if self.triggers or self.markers:
                raise ValueError("a suffix rule (suffixes) takes no triggers or markers")
            return self
        if bool(self.triggers) != ("trigger" in parts):
            raise ValueError("order names 'trigger' exactly when the rule has triggers")
        if bool(self.markers) != ("marker" in parts):
            raise ValueError("order names 'marker' exactly when the rule has markers")
        if "marker" in parts and self.order.index("marker") + 1 != self.order.index("object"):
            raise ValueError("'marker' must come right before 'object' in order")
        if (
            "trigger" not in parts
            and self.order.index("subject") + 1 != self.order.index("object")
            and (self.order.index("object") + 1 != self.order.index("subject"))
        ):
            raise ValueError("a rule without triggers links adjacent mentions: order is [subject, object] or reverse")
        return self


class RelationRules(Strict):
    """Schema of `kg/data/facts/relations.yaml`."""

    rules: list[RelationRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> RelationRules:
        seen: set[str] = set()
        for r in self.rules:
            if r.id in seen:
                raise ValueError(f"rule id {r.id!r} is used twice; ids must be unique")
            seen.add(r.id)
        return self


def load_rules(path: Path | None = None) -> RelationRules:
    """Load and check a relation rule file (the shipped one by default)."""
    return load_yaml(path or data_path("facts", "relations.yaml"), RelationRules)


@cache
def shipped_rules() -> RelationRules:
    return load_rules()


@cache
def _trigger_re(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


def find_links(ctx: Context, rules: RelationRules | None = None) -> Iterator[Link]:
    """Every link the rules find in one report."""
    for rule in (rules or shipped_rules()).rules:
        if rule.relation not in LINK_RELATIONS:  # pragma: no cover - the schema rules this out
            continue
        if rule.suffixes:
            yield from _phase_links(ctx, rule)
            continue
        least = 1 if rule.implicit_subject else 2
        for sentence, unit, mentions in ctx.mention_units(rule.scope):
            if len(mentions) < least:
                continue
            if rule.triggers:
                yield from _triggered(ctx, rule, sentence, unit, mentions)
            else:
                yield from _adjacent(ctx, rule, sentence, mentions)


def _evidence(ctx: Context, rule: RelationRule, sentence: Span, *spans: tuple[int, int]) -> Evidence:
    return Evidence(ctx.report.report_id, min(s for s, _ in spans), max(e for _, e in spans), sentence, rule.id)


def _pairs(
    ctx: Context, rule: RelationRule, sentence: Span, subjects: list[Entity], objects: list[Entity], span: Evidence
) -> Iterator[Link]:
    for s in subjects:
        for o in objects:
            if s.iri != o.iri:
                yield Link(rule.relation, s, o, span)


def _phase_links(ctx: Context, rule: RelationRule) -> Iterator[Link]:
    """`绿地中央广场一期`-style names: the phase is partOf the project named by the rest."""
    for m in ctx.mentions:
        if m.type not in rule.subject:
            continue
        for suffix in rule.suffixes:
            stem = m.entity.label.removesuffix(suffix)
            if stem != m.entity.label and len(stem) >= 2:
                whole = link(stem, rule.object[0], None, ctx.report.region)
                ev = Evidence(ctx.report.report_id, m.start, m.end, m.sentence, rule.id)
                yield Link(rule.relation, m.entity, whole, ev)
                break


def _adjacent(ctx: Context, rule: RelationRule, sentence: Span, mentions: list[Mention]) -> Iterator[Link]:
    """Rules without triggers: two mentions side by side (上城区湖滨街道: a place inside a place)."""
    subject_first = rule.order.index("subject") < rule.order.index("object")
    for a, b in itertools.pairwise(mentions):
        if b.start - a.end > rule.max_gap or _CUT.search(ctx.text, a.end, b.start):
            continue
        s, o = (a, b) if subject_first else (b, a)
        if s.type in rule.subject and o.type in rule.object:
            ev = _evidence(ctx, rule, sentence, (a.start, a.end), (b.start, b.end))
            yield from _pairs(ctx, rule, sentence, [s.entity], [o.entity], ev)


_CUT = re.compile(r"[、，,；;：:。！？!?\n和及]")


def _triggered(ctx: Context, rule: RelationRule, sentence: Span, unit: Span, mentions: list[Mention]) -> Iterator[Link]:
    """Rules with triggers: trigger, then the object beside it, then the subject."""
    order = rule.order
    object_after = order.index("object") > order.index("trigger")
    subject_after = order.index("subject") > max(order.index("trigger"), order.index("object"))
    subject_gap = rule.subject_gap if rule.subject_gap is not None else rule.max_gap
    for t in _trigger_re(tuple(rule.triggers)).finditer(ctx.text, unit.start, unit.end):
        if ctx.inside_mention(t.start(), t.end()):
            continue
        objects = _object_list(ctx, rule, mentions, t.start(), t.end(), object_after)
        if not objects:
            continue
        lo = min(t.start(), objects[0].start)
        hi = max(t.end(), objects[-1].end)
        if "marker" in order:
            marker = _marker_before(ctx, rule, objects[0].start)
            if marker is None:
                continue
            lo = min(lo, marker)
        subjects = _subject_list(ctx, rule, mentions, lo, hi, subject_after, subject_gap, objects)
        spans = [(lo, hi)] + [(m.start, m.end) for m in subjects]
        subject_entities = [m.entity for m in subjects]
        if not subject_entities and rule.implicit_subject == "region" and ctx.region is not None:
            subject_entities = [ctx.region]
        if not subject_entities:
            continue
        ev = _evidence(ctx, rule, sentence, *spans)
        yield from _pairs(ctx, rule, sentence, subject_entities, [m.entity for m in objects], ev)


def _object_list(
    ctx: Context, rule: RelationRule, mentions: list[Mention], t_start: int, t_end: int, after: bool
) -> list[Mention]:
    if after:
        for i, m in enumerate(mentions):
            if m.start >= t_end:
                gap = m.start - t_end
                if m.type in rule.object and gap <= rule.max_gap and not _CUT.search(ctx.text, t_end, m.start):
                    return coordinated(ctx, mentions, i, rule.object, forward=True)
                return []
        return []
    for i in range(len(mentions) - 1, -1, -1):
        m = mentions[i]
        if m.end <= t_start:
            gap = t_start - m.end
            if m.type in rule.object and gap <= rule.max_gap and not _CUT.search(ctx.text, m.end, t_start):
                return coordinated(ctx, mentions, i, rule.object, forward=False)
            return []
    return []


def _marker_before(ctx: Context, rule: RelationRule, start: int) -> int | None:
    for marker in sorted(rule.markers, key=len, reverse=True):
        if ctx.text.endswith(marker, 0, start):
            return start - len(marker)
    return None


def _subject_list(
    ctx: Context,
    rule: RelationRule,
    mentions: list[Mention],
    lo: int,
    hi: int,
    after: bool,
    gap: int,
    objects: list[Mention],
) -> list[Mention]:
    taken = {id(m) for m in objects}
    candidates = [m for m in mentions if id(m) not in taken]
    # The nearest mention of a subject type within `gap`; mentions of other types are passed over.
    if after:
        for i, m in enumerate(candidates):
            if m.start >= hi and m.start - hi <= gap and m.type in rule.subject:
                return coordinated(ctx, candidates, i, rule.subject, forward=True)
        return []
    for i in range(len(candidates) - 1, -1, -1):
        m = candidates[i]
        if m.end <= lo and lo - m.end <= gap and m.type in rule.subject:
            return coordinated(ctx, candidates, i, rule.subject, forward=False)
    return []
