"""Facts: the links, milestones and indicator observations found in one report.

The three kinds are found by their own modules (:mod:`kg.relations`,
:mod:`kg.milestones`, :mod:`kg.indicators`) from rule files shipped in
`kg/data/facts/`; this module holds the types they share, the text helpers
they all use (clauses, coordinated lists, the year and modality of a
position), and :func:`find_facts`, which runs all three.

Every fact carries its :class:`Evidence`: report, sentence, offsets and the
id of the rule that made it (its PROV-O provenance in the graph).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, get_args

from kg.ingest import Report, Span
from kg.normalise import Entity, link
from kg.pipeline import Extraction, Mention

LinkRelation = Literal["locatedIn", "partOf", "cooperatesWith", "participatesIn"]
LINK_RELATIONS: tuple[LinkRelation, ...] = get_args(LinkRelation)
Stage = Literal[
    "planned",
    "started",
    "underConstruction",
    "toppedOut",
    "completed",
    "opened",
    "landed",
    "established",
    "relocated",
    "landTransferred",
    "demolished",
    "held",
]
STAGES: tuple[Stage, ...] = get_args(Stage)
Modality = Literal["achieved", "planned"]
Status = Literal["actual", "estimate", "target"]
EntityTypeName = Literal["Place", "Organization", "Project", "Program", "Event"]

JSON = dict[str, object]
"""One fact as a JSON object (what `kg facts --format jsonl` prints)."""

_CLAUSE_END = re.compile(r"[，,；;：:。！？!?\n]")
_YEAR = re.compile(r"((?:19|20)\d{2})年")
_PARENTHESES = re.compile(r"[（(][^（()）]*[)）]")


@dataclass(frozen=True)
class Evidence:
    """Where a fact comes from: the report, its sentence, the offsets of the evidence, the rule."""

    report_id: str
    start: int
    end: int
    sentence: Span
    rule: str


@dataclass(frozen=True)
class Link:
    """A relation between two entities (`locatedIn`, `partOf`, `cooperatesWith`, `participatesIn`)."""

    relation: LinkRelation
    subject: Entity
    object: Entity
    evidence: Evidence

    def as_json(self) -> JSON:
        return {
            "relation": self.relation,
            "subject": self.subject.label,
            "object": self.object.label,
            **_common(self.subject, self.evidence),
            "object_iri": self.object.iri,
        }


@dataclass(frozen=True)
class Milestone:
    """`hasStatus`: a project, organization or event reached (or will reach) a stage in a year."""

    subject: Entity
    stage: Stage
    modality: Modality
    year: int | None
    evidence: Evidence
    relation: Literal["hasStatus"] = "hasStatus"

    def as_json(self) -> JSON:
        return {
            "relation": self.relation,
            "subject": self.subject.label,
            "stage": self.stage,
            "modality": self.modality,
            "year": self.year,
            **_common(self.subject, self.evidence),
        }


@dataclass(frozen=True)
class Observation:
    """An indicator figure (an RDF Data Cube observation): value and unit and/or growth rate."""

    region: Entity | None
    indicator: str
    value: str | None
    unit: str | None
    growth: str | None
    status: Status
    year: int | None
    evidence: Evidence
    relation: Literal["indicator"] = "indicator"

    def as_json(self) -> JSON:
        return {
            "relation": self.relation,
            "subject": self.region.label if self.region else None,
            "indicator": self.indicator,
            "value": _number(self.value),
            "unit": self.unit,
            "growth": _number(self.growth),
            "status": self.status,
            "year": self.year,
            **_common(self.region, self.evidence),
        }


Fact = Link | Milestone | Observation


def _number(text: str | None) -> int | float | None:
    if text is None:
        return None
    return float(text) if "." in text else int(text)


def _common(subject: Entity | None, ev: Evidence) -> JSON:
    return {
        "start": ev.start,
        "end": ev.end,
        "sentence_start": ev.sentence.start,
        "sentence_end": ev.sentence.end,
        "rule": ev.rule,
        "report": ev.report_id,
        "subject_iri": subject.iri if subject else None,
    }


def fact_key(fact: Fact) -> tuple[int, int, str, str, str]:
    """A total order on facts, so that output is deterministic."""
    ev = fact.evidence
    if isinstance(fact, Link):
        detail = fact.object.iri
    elif isinstance(fact, Milestone):
        detail = fact.stage
    else:
        detail = fact.indicator
    subject = fact.region if isinstance(fact, Observation) else fact.subject
    return (ev.start, ev.end, fact.relation, subject.iri if subject else "", detail + ev.rule)


class Context:
    """One report's text, sentences, sections and mentions, with the lookups every fact finder needs."""

    def __init__(self, ex: Extraction) -> None:
        self.report: Report = ex.report
        self.text = ex.report.text
        self.mentions: list[Mention] = sorted(ex.mentions, key=lambda m: (m.start, m.end))
        self._starts = [m.start for m in self.mentions]
        self._mention_units: dict[str, list[tuple[Span, Span, list[Mention]]]] = {}

    @cached_property
    def region(self) -> Entity | None:
        """The report's region as an entity (the implicit subject of many facts)."""
        r = self.report.region
        return link(r, "Place", r, None) if r else None

    def sentences(self) -> Iterator[Span]:
        return iter(self.report.sentences)

    def units(self, sentence: Span, scope: Literal["clause", "sentence"]) -> Iterator[Span]:
        """The sentence itself, or its clauses (cut at commas, semicolons, colons)."""
        if scope == "sentence":
            yield sentence
            return
        pos = sentence.start
        for m in _CLAUSE_END.finditer(self.text, sentence.start, sentence.end):
            if m.start() > pos:
                yield Span(pos, m.start())
            pos = m.end()
        if sentence.end > pos:
            yield Span(pos, sentence.end)

    def mention_units(self, scope: Literal["clause", "sentence"]) -> list[tuple[Span, Span, list[Mention]]]:
        """(sentence, unit, its mentions) for every unit of `scope` that holds a mention, in text order.

        Worked out once per scope and report: every rule walks the same units.
        """
        found = self._mention_units.get(scope)
        if found is None:
            found = [
                (sentence, unit, mentions)
                for sentence in self.report.sentences
                for unit in self.units(sentence, scope)
                if (mentions := self.mentions_in(unit))
            ]
            self._mention_units[scope] = found
        return found

    def mentions_in(self, span: Span) -> list[Mention]:
        i = bisect.bisect_left(self._starts, span.start)
        out = []
        while i < len(self.mentions) and self.mentions[i].start < span.end:
            if self.mentions[i].end <= span.end:
                out.append(self.mentions[i])
            i += 1
        return out

    def inside_mention(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps a mention (a trigger word inside a name is not a trigger)."""
        i = bisect.bisect_right(self._starts, start) - 1
        for m in self.mentions[max(i - 1, 0) : i + 2]:
            if m.start < end and start < m.end:
                return True
        return False

    def section_kind(self, offset: int) -> Literal["review", "tasks"]:
        sec = self.report.section_at(offset)
        return sec.kind if sec else "review"

    def explicit_year(self, sentence: Span, offset: int) -> int | None:
        """A year written before `offset` in its clause (not in parentheses: 1990年不变价)."""
        clause_start = max((m.end() for m in _CLAUSE_END.finditer(self.text, sentence.start, offset)), default=0)
        clause = self.text[max(clause_start, sentence.start) : offset]
        explicit = [int(m.group(1)) for m in _YEAR.finditer(_PARENTHESES.sub("", clause))]
        return explicit[-1] if explicit else None

    def year_at(self, sentence: Span, offset: int) -> int | None:
        """The year a statement belongs to: a year written before it in its clause, else the
        reported year in the review part and the delivered year in the task part."""
        explicit = self.explicit_year(sentence, offset)
        if explicit is not None:
            return explicit
        if self.section_kind(offset) == "tasks":
            return self.report.year_delivered
        return self.report.year_reported


LIST_SEPARATORS = frozenset({"、", "和", "及", "以及"})


def coordinated(ctx: Context, unit: list[Mention], index: int, types: Sequence[str], forward: bool) -> list[Mention]:
    """The coordinated list (北京、开封、绍兴) that contains unit[index], walking forward or back.

    Members are mentions of `types` separated only by a list separator (、 和 及 以及).
    A place written right before another (贵州雷山) only locates it: the list keeps 雷山.
    Commas do not join lists here: clauses are cut at them before.
    """
    out = [unit[index]]
    step = 1 if forward else -1
    j = index + step
    while 0 <= j < len(unit):
        a, b = (out[-1], unit[j]) if forward else (unit[j], out[-1])
        gap = ctx.text[a.end : b.start]
        nested_place = gap == "" and a.type == b.type == "Place"
        if unit[j].type not in types or (gap not in LIST_SEPARATORS and not nested_place):
            break
        out.append(unit[j])
        j += step
    members = out if forward else out[::-1]
    return [m for k, m in enumerate(members) if k + 1 == len(members) or members[k + 1].start != m.end]


def find_facts(ex: Extraction) -> list[Fact]:
    """All facts of one report: links, milestones and indicator observations, in text order."""
    from kg.indicators import find_observations
    from kg.milestones import find_milestones
    from kg.relations import find_links

    ctx = Context(ex)
    facts: list[Fact] = [*find_links(ctx), *find_milestones(ctx), *find_observations(ctx)]
    # One fact per statement and sentence: the same link or milestone found twice in a sentence
    # (by overlapping triggers such as 贯彻落实 and 落实) keeps its shortest evidence.
    best: dict[tuple[str, ...], Fact] = {}
    for f in sorted(facts, key=lambda f: (f.evidence.end - f.evidence.start, fact_key(f))):
        best.setdefault(_statement(f), f)
    return sorted(best.values(), key=fact_key)


def _statement(f: Fact) -> tuple[str, ...]:
    """What a fact says, and in which sentence (not where exactly, nor by which rule)."""
    where = (f.evidence.report_id, str(f.evidence.sentence.start))
    if isinstance(f, Link):
        return (*where, f.relation, f.subject.iri, f.object.iri)
    if isinstance(f, Milestone):
        return (*where, f.relation, f.subject.iri, f.stage)
    return (*where, f.relation, str(f.evidence.start), f.indicator)
