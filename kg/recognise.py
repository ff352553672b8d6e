"""Recognise: find Place, Organization, Project, Program and Event mentions in a Doc.

Three sources, all driven by data files in `kg/data/`:

* an EntityRuler over lexicons (administrative divisions, countries, bodies
  known by their short names);
* quoted names (“…”, 《…》), typed by what follows them (`rules/quoted.yaml`);
* names grown leftwards from a head word (`lexicons/heads.tsv`, `rules/names.yaml`).

Coordinated lists pass a type to their unnamed siblings (丰元大厦、天行国际),
exclusions (`rules/exclusions.yaml`) remove formulas and role nouns, and the
longest span wins where candidates overlap. The result is `doc.ents`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from pydantic import field_validator
from spacy.language import Language
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc, Span, Token

from kg.ingest import divisions
from kg.resources import Strict, data_dir, data_path, load_jsonl, load_tsv, load_yaml, word_list

EntityType = Literal["Place", "Organization", "Project", "Program", "Event"]
ENTITY_TYPES: tuple[EntityType, ...] = ("Place", "Organization", "Project", "Program", "Event")

_OPEN_CLOSE = {"“": "”", "《": "》", "「": "」", "『": "』", '"': '"', "‘": "’"}
_LIST_SEPARATORS = {"、"}
_NAME_TAGS = {"nx", "nr", "nz", "ns", "nrt", "nrfg", "eng"}
_PROPER_TAGS = {"nx", "nr", "nz", "ns", "nt", "eng", "nrt", "nrfg", "j"}


class Pattern(Strict):
    """One EntityRuler pattern line (`kg/data/patterns/*.jsonl`)."""

    label: EntityType
    pattern: str | list[dict[str, object]]
    id: str | None = None


class TypedPattern(Strict):
    type: EntityType
    pattern: str


class NamedPattern(Strict):
    name: str
    pattern: str


def _compiles(v: str) -> str:
    re.compile(v)
    return v


class QuotedRules(Strict):
    """Schema of `kg/data/rules/quoted.yaml`."""

    max_length: int
    reject_inside: list[str]
    reject_before: list[str]
    reject_after: list[str]
    code_name: str
    code_name_time_after: str
    after_types: list[TypedPattern]
    default_type: EntityType
    title_work_before: str
    common_word_tags: list[str]

    _check = field_validator("code_name", "code_name_time_after", "title_work_before")(_compiles)


class NameRules(Strict):
    """Schema of `kg/data/rules/names.yaml`."""

    name_tags: list[str]
    place_name_tags: list[str]
    adverbs: list[str]
    verbal_heads: list[str]
    max_place_pair: int
    verbal_after: str
    max_chars: int
    min_name_chars: int
    short_name_heads: list[str]
    region_prefixes: list[str]
    number_in_name: str
    event_ordinal: str
    numeral_in_name: str
    program_conjunctions: list[str]
    generic_heads: list[str]
    weak_heads: list[str]
    object_stops: list[str]
    class_count: str
    list_class_gap: str
    list_classes: list[TypedPattern]
    generic_name_tags: list[str]
    project_works: str
    counted: str


class Exclusions(Strict):
    """Schema of `kg/data/rules/exclusions.yaml`."""

    patterns: list[NamedPattern]


@dataclass(frozen=True)
class Candidate:
    start: int  # token index
    end: int
    label: EntityType
    source: str  # lexicon | quoted | head | list


@cache
def _rules() -> tuple[QuotedRules, NameRules, Exclusions]:
    return (
        load_yaml(data_path("rules", "quoted.yaml"), QuotedRules),
        load_yaml(data_path("rules", "names.yaml"), NameRules),
        load_yaml(data_path("rules", "exclusions.yaml"), Exclusions),
    )


@cache
def heads() -> dict[str, EntityType]:
    out: dict[str, EntityType] = {}
    for row in load_tsv(data_path("lexicons", "heads.tsv"), ("head", "type")):
        out[row["head"]] = Pattern(label=row["type"], pattern=row["head"]).label  # type: ignore[arg-type]
    return out


def ruler_patterns() -> list[dict[str, object]]:
    """EntityRuler patterns: pattern files plus the place lexicons."""
    pats: list[dict[str, object]] = []
    for path in sorted((data_dir() / "patterns").glob("*.jsonl")):
        for p in load_jsonl(path, Pattern):
            pats.append(p.model_dump(exclude_none=True))
    stop = word_list("short_form_stop.txt")
    for row in divisions():
        pats.append({"label": "Place", "pattern": row["name"]})
        if row["short"] and row["short"] not in stop:
            pats.append({"label": "Place", "pattern": row["short"]})
    for name in sorted(word_list("world_places.txt")):
        pats.append({"label": "Place", "pattern": name})
    return pats


class Recognizer:
    """The `kg_recognizer` component: quoted and head-word names, lists, exclusions."""

    def __init__(self) -> None:
        self.quoted, self.names, excl = _rules()
        self.heads = heads()
        self.max_head = max(len(h) for h in self.heads)
        self.name_tags = frozenset(self.names.name_tags)
        self.place_tags = frozenset(self.names.place_name_tags)
        self.adverbs = frozenset(self.names.adverbs)
        self.verbal_heads = frozenset(self.names.verbal_heads)
        self.verbal_after = re.compile(self.names.verbal_after)
        self.not_names = word_list("not_names.txt")
        self.stops = word_list("name_stops.txt")
        self.generic = self.not_names | self.stops
        self.action_tags = frozenset(("v", "vd", "l", "i", "d", "ad"))
        self.exclusion = re.compile("|".join(f"(?:{p.pattern})" for p in excl.patterns))
        self.number_in_name = re.compile(self.names.number_in_name)
        self.ordinal = re.compile(self.names.event_ordinal)
        self.numeral = re.compile(self.names.numeral_in_name)
        self.generic_heads = frozenset(self.names.generic_heads)
        self.weak_heads = frozenset(self.names.weak_heads)
        self.object_stops = frozenset(self.names.object_stops)
        self.class_count = re.compile(self.names.class_count)
        self.list_classes: dict[str, EntityType] = {c.pattern: c.type for c in self.names.list_classes}
        self.list_class = re.compile(
            self.names.list_class_gap + "(?P<cls>" + "|".join(sorted(self.list_classes, key=len, reverse=True)) + ")"
        )
        self.generic_name_tags = frozenset(self.names.generic_name_tags)
        self.project_works = re.compile(self.names.project_works)
        self.counted = re.compile(self.names.counted)
        q = self.quoted
        self.reject_inside = [re.compile(p) for p in q.reject_inside]
        self.reject_before = [re.compile(p) for p in q.reject_before]
        self.reject_after = [re.compile(p) for p in q.reject_after]
        self.code_name = re.compile(q.code_name)
        self.code_time = re.compile(q.code_name_time_after)
        self.after_types = [(t.type, re.compile(t.pattern)) for t in q.after_types]
        self.title_work = re.compile(q.title_work_before)
        self.common_word_tags = frozenset(q.common_word_tags)
        self.has_numeral = re.compile("[0-9一二三四五六七八九十百千两]")

    # -- helpers -----------------------------------------------------------
    def head_of(self, text: str) -> tuple[str, EntityType] | None:
        for k in range(min(len(text), self.max_head), 0, -1):
            label = self.heads.get(text[-k:])
            if label is not None:
                return text[-k:], label
        return None

    def is_action(self, tok: Token) -> bool:
        """An action word before a name (实施, 成功举办): it bounds the name on the left."""
        text = tok.text
        if text in self.stops:
            return True
        if len(text) == 4 and text[:2] in self.stops | self.adverbs and text[2:] in self.stops:
            return True  # 建立健全, 大力开展 (whatever tag the segmenter gave them)
        return tok.tag_ in self.action_tags and len(text) >= 3 and (text[-2:] in self.stops or text[:2] in self.stops)

    def in_name(self, tok: Token, label: EntityType | None = None) -> bool:
        if tok.text in self.stops:
            return False
        if tok.tag_ == "m":
            return bool(self.number_in_name.match(tok.text))
        if tok.text in self.names.region_prefixes:
            return True
        if label == "Place":
            return tok.tag_ in self.place_tags
        return tok.tag_ in self.name_tags

    # -- sources -----------------------------------------------------------
    def quoted_names(self, doc: Doc) -> tuple[list[Candidate], list[tuple[int, int]]]:
        """Names in quotes, and the character spans of quoted text that is not a name."""
        out: list[Candidate] = []
        rejected: list[tuple[int, int]] = []
        text = doc.text
        i = 0
        n = len(doc)
        while i < n:
            close = _OPEN_CLOSE.get(doc[i].text)
            if close is None:
                i += 1
                continue
            j = i + 1
            while j < n and doc[j].text != close and j - i <= 40 and "\n" not in doc[j].text:
                j += 1
            if j >= n or doc[j].text != close or j == i + 1:
                i += 1
                continue
            inner = doc[i + 1 : j]
            label = self.classify_quoted(
                inner.text,
                text[max(0, inner.start_char - 20) : inner.start_char - 1],
                text[inner.end_char + 1 : inner.end_char + 12],
                doc[i].text,
                common_word=len(inner) == 1
                and inner[0].tag_ in self.common_word_tags
                and not self.has_numeral.search(inner.text),
            )
            if label is not None:
                out.append(Candidate(i + 1, j, label, "quoted"))
            else:
                rejected.append((inner.start_char, inner.end_char))
            i = j + 1
        return out, rejected

    def classify_quoted(
        self, inner: str, before: str, after: str, mark: str, common_word: bool = False
    ) -> EntityType | None:
        """The type of a quoted name, or None when the quoted text is not a name.

        `common_word`: the quoted text is one ordinary dictionary word (“硬骨头”, “独角兽”),
        a name only when a type word follows the marks (“旭日”计划).
        """
        q = self.quoted
        if len(inner) > q.max_length or inner in self.generic:
            return None
        if self.code_name.match(inner):
            return None if self.code_time.match(after) else "Program"
        if any(rx.search(inner) for rx in self.reject_inside):
            return None
        typed_after = next((label for label, rx in self.after_types if rx.match(after)), None)
        if typed_after is None and (
            any(rx.search(before) for rx in self.reject_before) or any(rx.match(after) for rx in self.reject_after)
        ):
            return None
        if mark == "《":
            return None if self.title_work.search(before) else "Program"
        if common_word and typed_after is None:
            return None
        head = self.head_of(inner)
        if head is not None and len(inner) > len(head[0]) and head[1] in ("Organization", "Project", "Event"):
            return head[1]
        if typed_after is not None:
            return typed_after
        if head is not None and len(inner) > len(head[0]):
            return head[1]
        return q.default_type

    def grow_left(self, doc: Doc, i: int, label: EntityType) -> tuple[int, bool]:
        """Where a name ending in head token `i` may start, and whether an action word stands before it."""
        j = i
        chars = len(doc[i].text)
        by_action = False
        conj_at: int | None = None
        while j > 0:
            prev = doc[j - 1]
            if prev.text in (")", "）"):
                k = j - 2
                while k >= 0 and doc[k].text not in ("(", "（") and j - k < 6:
                    k -= 1
                if k >= 1 and doc[k].text in ("(", "（") and self.in_name(doc[k - 1]):
                    chars += doc[k:j].end_char - doc[k:j].start_char
                    j = k
                    continue
                break
            if self.is_action(prev):
                by_action = prev.tag_ not in ("d", "ad") and prev.text not in self.adverbs
                break
            if label != "Program" and prev.text in self.object_stops:
                break  # 梅彩片区|建设|先进制造业联合总部基地
            if label == "Place" and prev.tag_ == "khead" and self.heads.get(prev.text) == "Place":
                break  # 祥符片区|石祥路: another Place ends here
            if chars + len(prev.text) > self.names.max_chars:
                break
            if label == "Program" and prev.text in self.names.program_conjunctions and conj_at is None and j < i:
                conj_at = j  # 安全生产和消防工作责任制, kept only if an action word opens it
            elif not (self.in_name(prev, label) or (prev.tag_ == "m" and self.numeral.match(prev.text))):
                break
            chars += len(prev.text)
            j -= 1
        if conj_at is not None and not by_action:
            j = conj_at
        return j, by_action

    def name_start(self, doc: Doc, i: int, label: EntityType) -> int:
        """Grow leftwards, then drop leading tokens that cannot open a name.

        A leading verb is the action unless an action word already stands before the name
        (实施|创新驱动发展战略); after an action word a Program may open with a common word
        (推进|企业投资项目审批制度改革).
        """
        j, by_action = self.grow_left(doc, i, label)
        keep_common = by_action and label == "Program"
        while j < i:
            t = doc[j]
            drop = (
                (t.text in self.generic and not (keep_common and t.text not in self.stops))
                or t.tag_ in ("w", "c")
                or (t.tag_ == "m" and not (label == "Event" and self.ordinal.match(t.text)))
                or t.text in ("(", "（")
                or (
                    t.tag_ in ("v", "a", "ad", "d")
                    and not by_action
                    # a single word before the head may be the name itself (远航集团, 富康大厦)
                    and (j < i - 1 or not (label == "Organization" or (label == "Project" and t.tag_ == "a")))
                )
            )
            if not drop:
                break
            j += 1
        return j

    def head_names(self, doc: Doc) -> list[Candidate]:
        out: list[Candidate] = []
        prefixes = set(self.names.region_prefixes)
        for i, tok in enumerate(doc):
            if tok.tag_ in ("w", "_SP"):
                continue
            found = self.head_of(tok.text)
            if found is None:
                continue
            head, label = found
            if len(head) == 1 and tok.text != head and tok.tag_ != "nx":
                continue  # 浙江 is a word, not a name ending in 江
            after = doc.text[tok.idx + len(tok.text) : tok.idx + len(tok.text) + 12]
            if head in self.verbal_heads and self.verbal_after.match(after):
                continue  # 规划建设: the head is a verb here
            if self.class_count.match(after):
                continue  # 照料中心15个: a count follows a class of things, not a name
            j = self.name_start(doc, i, label)
            span = doc[j : i + 1]
            name_part = span.text[: -len(head)]
            own = tok.text[: -len(head)]
            short_ok = head in self.names.short_name_heads and len(name_part) >= 1
            if (
                len(name_part) < self.names.min_name_chars
                and not (name_part and name_part[0] in prefixes)
                and not short_ok
            ):
                continue
            if self.counted.search(name_part):
                continue
            if head in self.weak_heads and not any(t.tag_ in _NAME_TAGS for t in doc[j:i]) and own == "":
                continue  # 研发中心, 深圳国际: a weak head needs a proper name before it
            if head in self.generic_heads and j == i - 1 and doc[j].tag_ in self.generic_name_tags:
                continue  # 机构改革, 长效机制: a bare generic phrase, not a named Program
            if not name_part or (
                not own and all(t.text in self.generic for t in doc[j:i]) and name_part[0] not in prefixes
            ):
                continue
            if head == "工程" and self.project_works.search(name_part):
                label = "Project"
            if head.endswith("中心") and name_part[0] in prefixes and len(name_part) > 1:
                label = "Organization" if re.search("(服务|指挥|管理|监测)$", name_part) else label
            out.append(Candidate(j, i + 1, label, "head"))
        return out

    def listed_names(self, doc: Doc) -> list[Candidate]:
        """Names listed before 等 + a class noun take its type (马奔网络等高科技工业项目, A、B等企业)."""
        out: list[Candidate] = []
        text = doc.text
        for t in doc:
            if t.text != "等" or t.i == 0:
                continue
            m = self.list_class.match(text, t.idx + 1)
            if m is None:
                continue
            label = self.list_classes[m.group("cls")]
            e = t.i
            while e > 0:
                s = e
                while s > 0 and not self.is_action(doc[s - 1]) and self.in_name(doc[s - 1]) and e - s < 6:
                    s -= 1
                while s < e and (doc[s].text in self.generic or doc[s].tag_ in ("m", "v", "d", "ad")):
                    s += 1
                if s == e or not self._listed_ok(doc[s:e]):
                    break
                out.append(Candidate(s, e, label, "context"))
                if s == 0 or doc[s - 1].text not in _LIST_SEPARATORS:
                    break
                e = s - 1
        return out

    def _listed_ok(self, span: Span) -> bool:
        text = span.text
        return (
            2 <= len(text) <= 12
            and text not in self.generic
            and not self.counted.search(text)
            # a head word types the name itself (浙勤集团等重点项目), unless it only says where (蒋家桥路等地块)
            and (self.head_of(text) or ("", "Place"))[1] == "Place"
        )

    def list_siblings(self, doc: Doc, ents: list[Candidate]) -> list[Candidate]:
        """Names coordinated with a typed entity (A、B、C) get its type."""
        taken: set[int] = set()
        for c in ents:
            taken.update(range(c.start, c.end))
        out: list[Candidate] = []
        for c in ents:
            if c.source != "head" or c.label not in ("Project", "Organization"):
                continue
            # following siblings
            k = c.end
            while k < len(doc) and doc[k].text in _LIST_SEPARATORS:
                s = k + 1
                e = s
                while e < len(doc) and e not in taken and self.in_name(doc[e]) and e - s < 6:
                    e += 1
                if e == s or not self._sibling_ok(doc[s:e]):
                    break
                out.append(Candidate(s, e, c.label, "list"))
                taken.update(range(s, e))
                k = e
            # preceding siblings
            k = c.start - 1
            while k > 0 and doc[k].text in _LIST_SEPARATORS:
                e = k
                s = e
                while s > 0 and (s - 1) not in taken and self.in_name(doc[s - 1]) and e - s < 6:
                    s -= 1
                if e == s or not self._sibling_ok(doc[s:e]):
                    break
                out.append(Candidate(s, e, c.label, "list"))
                taken.update(range(s, e))
                k = s - 1
        return out

    def _sibling_ok(self, span: Span) -> bool:
        text = span.text
        return (
            2 <= len(text) <= 12
            and text not in self.generic
            and not text.isdigit()
            and any(t.tag_ in _PROPER_TAGS for t in span)
        )

    # -- resolution --------------------------------------------------------
    def merge_places(self, doc: Doc, cands: list[Candidate]) -> list[Candidate]:
        """Adjacent division names are one Place: 贵州雷山, 衢州开化 (a county under its province or city)."""
        out: list[Candidate] = []
        for c in cands:
            last = out[-1] if out else None
            if (
                last is not None
                and last.label == c.label == "Place"
                and last.source == c.source == "lexicon"
                and last.end == c.start
                and doc[last.start : c.end].end_char - doc[last.start : c.end].start_char <= self.names.max_place_pair
            ):
                out[-1] = Candidate(last.start, c.end, "Place", "lexicon")
                continue
            out.append(c)
        return out

    def __call__(self, doc: Doc) -> Doc:
        lexicon = [Candidate(e.start, e.end, e.label_, "lexicon") for e in doc.ents]  # type: ignore[arg-type]
        quoted, not_names = self.quoted_names(doc)
        cands = self.resolve(doc, quoted + self.listed_names(doc) + self.head_names(doc) + lexicon, not_names)
        cands = self.resolve(doc, cands + self.list_siblings(doc, cands), not_names)
        cands = self.merge_places(doc, cands)
        doc.ents = [Span(doc, c.start, c.end, label=c.label) for c in cands]
        return doc

    def resolve(self, doc: Doc, cands: list[Candidate], not_names: list[tuple[int, int]]) -> list[Candidate]:
        """Drop excluded candidates; keep quoted names first, then the longest."""
        text = doc.text
        blocked = [m.span() for m in self.exclusion.finditer(text)] + not_names
        rank = {"quoted": 0, "context": 1, "head": 2, "lexicon": 3, "list": 4}
        keep: list[Candidate] = []
        used: set[int] = set()
        ordered = sorted(
            cands,
            key=lambda c: (
                rank[c.source] != 0,
                -(doc[c.start : c.end].end_char - doc[c.start : c.end].start_char),
                rank[c.source],
                c.start,
            ),
        )
        for c in ordered:
            span = doc[c.start : c.end]
            s, e = span.start_char, span.end_char
            if any(bs < e and s < be for bs, be in blocked):
                continue
            if span.text in self.generic or (len(span.text) < 2 and c.source != "quoted"):
                continue
            if any(t in used for t in range(c.start, c.end)):
                continue
            used.update(range(c.start, c.end))
            keep.append(c)
        return sorted(keep, key=lambda c: c.start)


@Language.factory("kg_recognizer")
def make_recognizer(nlp: Language, name: str) -> Recognizer:
    return Recognizer()


def add_recognizer(nlp: Language) -> Language:
    """Add the EntityRuler (lexicons) and `kg_recognizer` to a pipeline."""
    ruler: EntityRuler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})  # type: ignore[assignment]
    ruler.add_patterns(ruler_patterns())  # type: ignore[arg-type]
    nlp.add_pipe("kg_recognizer")
    return nlp
