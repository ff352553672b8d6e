"""Evaluate: score extracted mentions against gold files written to ANNOTATION.md.

The numbers are those of `shared/tools/score.py`: strict (same start, end and
type) and overlap (same type, overlapping spans, each mention matched at most
once, largest overlap first) precision, recall and F1 per type. Documents are
scored one by one and the counts summed (micro-average), which is what
score.py gives on the documents' mentions put in one file with their offsets
kept apart.

A gold folder holds `manifest.json`, a list of `{"doc", "gold", "ranges"}`
entries: `doc` is the report's path relative to the folder, `gold` its JSONL
file of mentions, and `ranges` (optional) the `[start, end]` character ranges
that were annotated; mentions outside them are not scored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from kg.errors import DataFileError, KgError
from kg.pipeline import Extraction, extract
from kg.recognise import ENTITY_TYPES, EntityType
from kg.resources import Strict, load_jsonl

MODES = ("strict", "overlap")
ROWS: tuple[str, ...] = (*ENTITY_TYPES, "ALL")


class GoldMention(Strict):
    """One line of a gold JSONL file."""

    start: int
    end: int
    type: EntityType
    text: str | None = None


class ManifestEntry(Strict):
    """One entry of a gold folder's `manifest.json`."""

    doc: str
    gold: str
    ranges: list[tuple[int, int]] | None = None


@dataclass(frozen=True)
class MentionSpan:
    start: int
    end: int
    type: str
    text: str = ""


@dataclass
class Counts:
    """Gold, system and matched mentions for one row (a type, or ALL)."""

    gold: int = 0
    system: int = 0
    tp: int = 0

    @property
    def p(self) -> float:
        return self.tp / self.system if self.system else 0.0

    @property
    def r(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.p, self.r
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_json(self) -> dict[str, float]:
        return {"gold": self.gold, "system": self.system, "tp": self.tp, "p": self.p, "r": self.r, "f1": self.f1}


@dataclass
class DocScore:
    """Counts per mode and row for one document, and its overlap-mode errors."""

    doc: Path
    counts: dict[str, dict[str, Counts]]
    missed: list[MentionSpan] = field(default_factory=list)
    false_alarms: list[MentionSpan] = field(default_factory=list)


@dataclass
class Evaluation:
    """Micro-averaged counts over all documents, and each document's own."""

    docs: list[DocScore]

    @property
    def counts(self) -> dict[str, dict[str, Counts]]:
        total = {mode: {row: Counts() for row in ROWS} for mode in MODES}
        for d in self.docs:
            for mode in MODES:
                for row in ROWS:
                    c, t = d.counts[mode][row], total[mode][row]
                    t.gold += c.gold
                    t.system += c.system
                    t.tp += c.tp
        return total

    def as_json(self) -> dict[str, object]:
        return {
            "micro": {m: {r: c.as_json() for r, c in rows.items()} for m, rows in self.counts.items()},
            "docs": {
                str(d.doc): {m: {r: c.as_json() for r, c in rows.items()} for m, rows in d.counts.items()}
                for d in self.docs
            },
        }


def match(gold: Sequence[MentionSpan], system: Sequence[MentionSpan], strict: bool) -> list[tuple[int, int]]:
    """Pairs (gold index, system index), greedily by largest overlap as score.py does."""
    pairs: list[tuple[int, int, int]] = []
    for gi, g in enumerate(gold):
        for si, s in enumerate(system):
            if g.type != s.type:
                continue
            if strict:
                if g.start == s.start and g.end == s.end:
                    pairs.append((g.end - g.start, gi, si))
            else:
                ov = min(g.end, s.end) - max(g.start, s.start)
                if ov > 0:
                    pairs.append((ov, gi, si))
    pairs.sort(reverse=True)
    used_g: set[int] = set()
    used_s: set[int] = set()
    out: list[tuple[int, int]] = []
    for _, gi, si in pairs:
        if gi not in used_g and si not in used_s:
            used_g.add(gi)
            used_s.add(si)
            out.append((gi, si))
    return out


def score_doc(doc: Path, gold: Sequence[MentionSpan], system: Sequence[MentionSpan]) -> DocScore:
    """Counts for one document in both modes."""
    counts: dict[str, dict[str, Counts]] = {}
    missed: list[MentionSpan] = []
    alarms: list[MentionSpan] = []
    for mode in MODES:
        matched = match(gold, system, mode == "strict")
        rows: dict[str, Counts] = {}
        for row in ROWS:
            rows[row] = Counts(
                gold=sum(1 for g in gold if row in ("ALL", g.type)),
                system=sum(1 for s in system if row in ("ALL", s.type)),
                tp=sum(1 for gi, _ in matched if row in ("ALL", gold[gi].type)),
            )
        counts[mode] = rows
        if mode == "overlap":
            mg = {gi for gi, _ in matched}
            ms = {si for _, si in matched}
            missed = [g for i, g in enumerate(gold) if i not in mg]
            alarms = [s for i, s in enumerate(system) if i not in ms]
    return DocScore(doc, counts, missed, alarms)


def read_manifest(gold_dir: Path) -> list[ManifestEntry]:
    """The entries of `gold_dir/manifest.json`, checked."""
    path = gold_dir / "manifest.json"
    if not path.is_file():
        raise KgError(f"{gold_dir}: no manifest.json; a gold folder lists its documents there (see `kg eval --help`)")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(path, getattr(exc, "lineno", None), f"not valid JSON: {exc}") from exc
    if not isinstance(raw, list):
        raise DataFileError(path, None, "expected a JSON list of {doc, gold, ranges} entries")
    entries: list[ManifestEntry] = []
    for k, item in enumerate(raw, 1):
        try:
            entries.append(ManifestEntry.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "entry"
            raise DataFileError(path, None, f"entry {k}: {where}: {err['msg']}") from exc
    return entries


def _inside(span: MentionSpan, ranges: list[tuple[int, int]] | None) -> bool:
    return ranges is None or any(a <= span.start and span.end <= b for a, b in ranges)


def evaluate(
    gold_dir: Path | str,
    extractor: Callable[[Path], Extraction] = extract,
    progress: Callable[[Path], None] | None = None,
) -> Evaluation:
    """Extract every document the gold folder lists and score it against its gold file."""
    gold_dir = Path(gold_dir)
    docs: list[DocScore] = []
    for entry in read_manifest(gold_dir):
        doc_path = (gold_dir / entry.doc).resolve()
        gold_path = gold_dir / entry.gold
        if not gold_path.is_file():
            raise KgError(f"{gold_path}: gold file named in {gold_dir / 'manifest.json'} does not exist")
        gold = [MentionSpan(g.start, g.end, g.type, g.text or "") for g in load_jsonl(gold_path, GoldMention)]
        ex = extractor(doc_path)
        system = [MentionSpan(m.start, m.end, m.type, m.text) for m in ex.mentions]
        docs.append(
            score_doc(
                doc_path,
                [g for g in gold if _inside(g, entry.ranges)],
                [s for s in system if _inside(s, entry.ranges)],
            )
        )
        if progress is not None:
            progress(doc_path)
    if not docs:
        raise KgError(f"{gold_dir / 'manifest.json'}: lists no documents")
    return Evaluation(docs)


def format_table(counts: dict[str, dict[str, Counts]]) -> str:
    """The table score.py prints."""
    lines: list[str] = []
    for mode in MODES:
        lines.append(f"[{mode}]  {'type':<13}{'gold':>6}{'sys':>6}{'tp':>6}{'P':>8}{'R':>8}{'F1':>8}")
        for row, c in counts[mode].items():
            lines.append(f"{'':9}{row:<13}{c.gold:>6}{c.system:>6}{c.tp:>6}{c.p:>8.3f}{c.r:>8.3f}{c.f1:>8.3f}")
    return "\n".join(lines) + "\n"


def format_errors(docs: Iterable[DocScore], limit: int) -> str:
    """Up to `limit` misses and false alarms (overlap mode) per document."""
    lines: list[str] = []
    for d in docs:
        lines.append(f"\n{d.doc.name}\nmissed (gold not found):")
        lines += [f"  {g.start:>6} {g.type:<13} {g.text}" for g in d.missed[:limit]]
        lines.append("false alarms (system, not in gold):")
        lines += [f"  {s.start:>6} {s.type:<13} {s.text}" for s in d.false_alarms[:limit]]
    return "\n".join(lines) + "\n"
