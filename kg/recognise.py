"""Recognise: find Place, Organization, Project, Program and Event mentions in a Doc.

Three sources, all driven by data files in `kg/data/`:

* an EntityRuler over lexicons (administrative divisions, countries, bodies
  known by their short names, programmes known nationwide by a fixed name);
* quoted names (“…”, 《…》), typed by what follows them (`rules/quoted.yaml`);
* names grown leftwards from a head word (`lexicons/heads.tsv`, `rules/names.yaml`).

Coordinated lists pass a type to their unnamed siblings (丰元大厦、天行国际; 林家埭、
石塘村), names listed before 等 + a class noun take the class's type, titles and
generic phrases are dropped (省级|风情小镇, 风险控制机制), exclusions
(`rules/exclusions.yaml`) remove formulas and role nouns, and the longest span wins
where candidates overlap. Words after a name that belong to it are added last
(区老年大学|迁建, 临江路|北段). The result is `doc.ents`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Literal, NamedTuple, overload

from pydantic import field_validator
from spacy.language import Language
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc, Span

from kg.ingest import divisions
from kg.resources import Strict, data_dir, data_path, load_jsonl, load_tsv, load_yaml, word_list
from kg.segment import TOKENS_KEY, JiebaTokenizer

EntityType = Literal["Place", "Organization", "Project", "Program", "Event"]
ENTITY_TYPES: tuple[EntityType, ...] = ("Place", "Organization", "Project", "Program", "Event")

_OPEN_CLOSE = {"“": "”", "《": "》", "「": "」", "『": "』", '"': '"', "‘": "’"}
_LIST_SEPARATORS = {"、"}
_QUOTED_RUN = re.compile("^(“[^”]{1,30}”)+")
_NAME_TAGS = {"nx", "nr", "nz", "ns", "nrt", "nrfg", "eng"}
# names the dictionary knows (not words the segmenter guessed, which may be cut wrongly: 和容|贾路)
_KNOWN_NAME_TAGS = {"nr", "nz", "ns", "nrt", "nrfg"}
_PROPER_TAGS = {"nx", "nr", "nz", "ns", "nt", "eng", "nrt", "nrfg", "j"}


class Tok(NamedTuple):
    """One token as plain Python data (its index, text, tag and character offset)."""

    i: int
    text: str
    tag_: str
    idx: int


class Part:
    """Tokens `start:end` of a :class:`Toks` view, with their text and character offsets."""

    __slots__ = ("end", "start", "view")

    def __init__(self, view: Toks, start: int, end: int) -> None:
        self.view, self.start, self.end = view, start, end

    @property
    def start_char(self) -> int:
        v = self.view
        return v.starts[self.start] if self.start < len(v.words) else len(v.text)

    @property
    def end_char(self) -> int:
        if self.end <= self.start:
            return self.start_char
        v = self.view
        end: int = v.starts[self.end - 1] + len(v.words[self.end - 1])
        return end

    @property
    def text(self) -> str:
        return self.view.text[self.start_char : self.end_char]

    def __iter__(self) -> Iterator[Tok]:
        return (self.view[k] for k in range(self.start, self.end))

    def __len__(self) -> int:
        return max(self.end - self.start, 0)


class Toks:
    """A Doc's tokens read once into plain Python lists.

    spaCy builds a new Token object on every `doc[i]` and re-joins every token on
    every `doc.text`; the recogniser looks at each token many times, so it reads
    them once here and makes a :class:`Tok` only for the tokens it looks at closely.
    """

    __slots__ = ("starts", "tags", "text", "words")
    text: str
    words: list[str]
    tags: list[str]
    starts: list[int]

    def __init__(self, doc: Doc) -> None:
        cached = doc.user_data.get(TOKENS_KEY)
        if cached is not None:  # left by kg's tokenizer: no need to walk the Doc
            self.text, self.words, self.tags, self.starts = cached
        else:
            self.text = doc.text
            self.words = [t.text for t in doc]
            self.tags = [t.tag_ for t in doc]
            self.starts = [t.idx for t in doc]

    def __len__(self) -> int:
        return len(self.words)

    @overload
    def __getitem__(self, key: int) -> Tok: ...
    @overload
    def __getitem__(self, key: slice) -> Part: ...
    def __getitem__(self, key: int | slice) -> Tok | Part:
        if isinstance(key, slice):
            start, end, _ = key.indices(len(self.words))
            return Part(self, start, end)
        if key < 0:
            key += len(self.words)
        return Tok(key, self.words[key], self.tags[key], self.starts[key])


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
    try:
        re.compile(v)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {v!r}: {exc}; fix the pattern") from exc
    return v


def _compiles_all(v: list[str]) -> list[str]:
    for pattern in v:
        _compiles(pattern)
    return v


class QuotedRules(Strict):
    """Schema of `kg/data/rules/quoted.yaml`."""

    max_length: int
    reject_inside: list[str]
    reject_inside_untyped: list[str]
    reject_before: list[str]
    reject_after: list[str]
    code_name: str
    code_name_min_chars: int
    code_name_time_after: str
    plan_period: str
    plan_period_plan_after: str
    after_types: list[TypedPattern]
    default_type: EntityType
    title_work_before: str
    title_list_after: str
    motto_inside: str
    phrase_inside: str
    combination: str
    motto_after: str
    event_before: str
    common_word_tags: list[str]

    _check = field_validator(
        "code_name",
        "code_name_time_after",
        "plan_period",
        "plan_period_plan_after",
        "title_work_before",
        "motto_inside",
        "phrase_inside",
        "combination",
        "motto_after",
    )(_compiles)
    _check_lists = field_validator("reject_inside", "reject_inside_untyped", "reject_before", "reject_after")(
        _compiles_all
    )


class NameRules(Strict):
    """Schema of `kg/data/rules/names.yaml`."""

    name_tags: list[str]
    place_name_tags: list[str]
    adverbs: list[str]
    verbal_heads: list[str]
    max_place_pair: int
    verbal_after: str
    modifier_heads: list[str]
    modifier_end_tags: list[str]
    modifier_end_before: str
    max_chars: int
    min_name_chars: int
    short_name_heads: list[str]
    word_not_relative_heads: list[str]
    proper_openers: list[str]
    region_prefixes: list[str]
    number_in_name: str
    event_ordinal: str
    ordinal_heads: list[str]
    ordinal_head_stops: list[str]
    place_opens_name: str
    numeral_in_name: str
    brand_prefixes: list[str]
    direction_in_name: str
    event_openers: list[str]
    event_keep: list[str]
    route_heads: list[str]
    class_modifiers: list[str]
    built_after: str
    built_parts: list[str]
    road_section: str
    road_ends: list[str]
    program_conjunctions: list[str]
    generic_heads: list[str]
    generic_kinds: list[str]
    weak_heads: list[str]
    proper_heads: list[str]
    water_heads: list[str]
    water_name_next_tags: list[str]
    naming_heads: list[str]
    range_words: list[str]
    function_chars: str
    body_bases: list[str]
    listed_place_heads: list[str]
    object_stops: list[str]
    class_count: str
    title_before: str
    title_after: str
    count_before: str
    level_word: str
    list_class_gap: str
    list_classes: list[TypedPattern]
    list_item_joined: str
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
    source: str  # quoted | context | head | lexicon | list


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


_DIVISION_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "地区", "新区", "市", "县", "区", "州", "盟", "旗")


def _stripped(name: str) -> str:
    """A division's name without its level word (开化县 → 开化), when two characters or more remain."""
    for suffix in _DIVISION_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return ""


@cache
def place_names() -> frozenset[str]:
    """Every division name and short form (also those too ambiguous for the ruler: 开化, 开封), world places."""
    out: set[str] = set(word_list("world_places.txt"))
    for row in divisions():
        out.add(row["name"])
        out.add(row["short"] or _stripped(row["name"]))
    out.discard("")
    return frozenset(out)


@cache
def file_patterns() -> tuple[Pattern, ...]:
    """The patterns of `kg/data/patterns/*.jsonl`: bodies and programs known by name."""
    return tuple(p for path in sorted((data_dir() / "patterns").glob("*.jsonl")) for p in load_jsonl(path, Pattern))


def ruler_patterns() -> list[dict[str, object]]:
    """EntityRuler patterns: pattern files plus the place lexicons."""
    pats: list[dict[str, object]] = [p.model_dump(exclude_none=True) for p in file_patterns()]
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
        self.known_programs = frozenset(
            p.pattern for p in file_patterns() if p.label == "Program" and isinstance(p.pattern, str)
        )
        self.max_head = max(len(h) for h in self.heads)
        self.head_ends = frozenset(h[-1] for h in self.heads)
        self.name_tags = frozenset(self.names.name_tags)
        self.prefixes = frozenset(self.names.region_prefixes)
        self.place_tags = frozenset(self.names.place_name_tags)
        self.adverbs = frozenset(self.names.adverbs)
        self.verbal_heads = frozenset(self.names.verbal_heads)
        self.verbal_after = re.compile(self.names.verbal_after)
        self.modifier_heads = frozenset(self.names.modifier_heads)
        self.modifier_end_before = re.compile(self.names.modifier_end_before)
        self.modifier_end_tags = frozenset(self.names.modifier_end_tags)
        self.not_names = word_list("not_names.txt")
        self.stops = word_list("name_stops.txt")
        self.generic = self.not_names | self.stops
        self.action_tags = frozenset(("v", "vd", "l", "i", "d", "ad"))
        self.exclusion = re.compile("|".join(f"(?:{p.pattern})" for p in excl.patterns))
        self.number_in_name = re.compile(self.names.number_in_name)
        self.ordinal = re.compile(self.names.event_ordinal)
        self.ordinal_heads = frozenset(self.names.ordinal_heads)
        self.place_opens_name = re.compile(self.names.place_opens_name)
        self.numeral = re.compile(self.names.numeral_in_name)
        self.brand_prefixes = frozenset(self.names.brand_prefixes)
        self.direction = re.compile(self.names.direction_in_name)
        self.event_openers = frozenset(self.names.event_openers)
        self.event_keep = frozenset(self.names.event_keep)
        self.route_heads = frozenset(self.names.route_heads)
        self.place_names = place_names()
        self.class_modifiers = frozenset(self.names.class_modifiers)
        self.built_after = re.compile(self.names.built_after)
        self.built_parts = frozenset(self.names.built_parts)
        self.road_section = re.compile(self.names.road_section)
        self.road_ends = frozenset(self.names.road_ends)
        self.generic_heads = frozenset(self.names.generic_heads)
        self.generic_kinds = frozenset(self.names.generic_kinds)
        self.weak_heads = frozenset(self.names.weak_heads)
        self.proper_heads = frozenset(self.names.proper_heads)
        self.water_heads = frozenset(self.names.water_heads)
        self.water_next_tags = frozenset(self.names.water_name_next_tags)
        self.naming_heads = frozenset(self.names.naming_heads)
        self.range_words = frozenset(self.names.range_words)
        self.body_bases = frozenset(self.names.body_bases)
        self.listed_place_heads = frozenset(self.names.listed_place_heads)
        self.object_stops = frozenset(self.names.object_stops)
        self.proper_openers = tuple(self.names.proper_openers)
        self.stops_or_adverbs = self.stops | self.adverbs
        self.class_count = re.compile(self.names.class_count)
        self.title_before = re.compile(self.names.title_before)
        self.title_after = re.compile(self.names.title_after)
        self.count_before = re.compile(self.names.count_before)
        self.level_word = re.compile(self.names.level_word)
        self.list_classes: dict[str, EntityType] = {c.pattern: c.type for c in self.names.list_classes}
        self.list_class = re.compile(
            self.names.list_class_gap + "(?P<cls>" + "|".join(sorted(self.list_classes, key=len, reverse=True)) + ")"
        )
        self.generic_name_tags = frozenset(self.names.generic_name_tags)
        self.list_item_joined = re.compile(self.names.list_item_joined)
        self.project_works = re.compile(self.names.project_works)
        self.counted = re.compile(self.names.counted)
        q = self.quoted
        self.reject_inside = [re.compile(p) for p in q.reject_inside]
        self.reject_inside_untyped = [re.compile(p) for p in q.reject_inside_untyped]
        self.reject_before = [re.compile(p) for p in q.reject_before]
        self.reject_after = [re.compile(p) for p in q.reject_after]
        self.code_name = re.compile(q.code_name)
        self.code_time = re.compile(q.code_name_time_after)
        self.plan_period = re.compile(q.plan_period)
        self.plan_after = re.compile(q.plan_period_plan_after)
        self.after_types = [(t.type, re.compile(t.pattern)) for t in q.after_types]
        self.title_work = re.compile(q.title_work_before)
        self.title_list = re.compile(q.title_list_after)
        self.motto_inside = re.compile(q.motto_inside)
        self.phrase_inside = re.compile(q.phrase_inside)
        self.combination = re.compile(q.combination)
        self.motto_after = re.compile(q.motto_after)
        self.event_before = re.compile(q.event_before)
        self.common_word_tags = frozenset(q.common_word_tags)
        self.has_numeral = re.compile("[0-9一二三四五六七八九十百千两]")

    # -- helpers -----------------------------------------------------------
    def head_of(self, text: str) -> tuple[str, EntityType] | None:
        """The longest head word `text` ends with, and its type."""
        if not text or text[-1] not in self.head_ends:
            return None
        for k in range(min(len(text), self.max_head), 0, -1):
            label = self.heads.get(text[-k:])
            if label is not None:
                return text[-k:], label
        return None

    def is_action(self, tok: Tok) -> bool:
        """An action word before a name (实施, 成功举办): it bounds the name on the left."""
        text = tok.text
        if text in self.stops:
            return True
        if len(text) == 4 and text[:2] in self.stops_or_adverbs and text[2:] in self.stops:
            return True  # 建立健全, 大力开展 (whatever tag the segmenter gave them)
        return tok.tag_ in self.action_tags and len(text) >= 3 and (text[-2:] in self.stops or text[:2] in self.stops)

    def in_name(self, tok: Tok, label: EntityType | None = None) -> bool:
        if tok.text in self.stops:
            return False
        if tok.tag_ == "m":
            return bool(self.number_in_name.match(tok.text))
        if tok.text in self.prefixes:
            return True
        if label == "Place":
            return tok.tag_ in self.place_tags
        return tok.tag_ in self.name_tags

    # -- sources -----------------------------------------------------------
    def quoted_names(self, doc: Toks) -> tuple[list[Candidate], list[tuple[int, int]]]:
        """Names in quotes, and the character spans of quoted text that is not a name."""
        out: list[Candidate] = []
        rejected: list[tuple[int, int]] = []
        text = doc.text
        words = doc.words
        n = len(doc)
        after = -1
        for i in [k for k, w in enumerate(words) if w in _OPEN_CLOSE]:
            if i < after:
                continue
            close = _OPEN_CLOSE[words[i]]
            j = i + 1
            while j < n and words[j] != close and j - i <= 40 and "\n" not in words[j]:
                j += 1
            if j >= n or words[j] != close or j == i + 1:
                continue
            inner = doc[i + 1 : j]
            label = self.classify_quoted(
                inner.text,
                text[max(0, inner.start_char - 20) : inner.start_char - 1],
                text[inner.end_char + 1 : inner.end_char + 30],
                doc[i].text,
                common_word=self.common_words(doc, i + 1, j),
            )
            if label is not None:
                out.append(Candidate(i + 1, j, label, "quoted"))
            else:
                rejected.append((inner.start_char, inner.end_char))
            after = j + 1
        return out, rejected

    def common_words(self, doc: Toks, start: int, end: int) -> bool:
        """Tokens `start:end` are one ordinary dictionary word (“硬骨头”), or a list of such words
        split by 、 (“开放、高端、创新”), with no numeral. A list of single characters is a
        compressed name (“专、精、特、新”), not a list of words."""
        words, tags = doc.words[start:end], doc.tags[start:end]
        if any(self.has_numeral.search(w) for w in words):
            return False
        if len(words) == 1:
            return tags[0] in self.common_word_tags
        return (
            len(words) % 2 == 1
            and all(w == "、" for w in words[1::2])
            and all(tag in self.common_word_tags and len(w) > 1 for w, tag in zip(words[0::2], tags[0::2], strict=True))
        )

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
        # what follows a run of quoted names types them all (“40”“50”人员, “甲”“乙”等投入使用)
        after = _QUOTED_RUN.sub("", after, count=1)
        typed_after = next((label for label, rx in self.after_types if rx.match(after)), None)
        if self.code_name.match(inner):
            qualifies = typed_after is None and any(rx.match(after) for rx in self.reject_after)
            if qualifies or self.code_time.match(after):
                return None  # “十四五”时期; “4050”人员
            if self.plan_period.match(inner) and not self.plan_after.match(after):
                return None  # “十四五”开好局: the period, not the plan (“十四五”规划)
            if len(inner) < q.code_name_min_chars and typed_after is None:
                return None  # 从“0”到“1”
            return "Program"
        if any(rx.search(inner) for rx in self.reject_inside):
            return None
        if typed_after is None and any(rx.search(inner) for rx in self.reject_inside_untyped):
            return None  # “幸福指数”; a type word after the marks would make it a name
        if typed_after is None and (
            any(rx.search(before) for rx in self.reject_before) or any(rx.match(after) for rx in self.reject_after)
        ):
            return None
        if typed_after is None and self.combination.match(inner) and not self.known_combination(inner):
            named = self.head_of(inner)  # “金融+创新联盟” is a body by its head
            if named is None or len(named[0]) < 2 or named[1] == "Program":
                return None  # “文化+旅游”; “互联网+政务服务” is under the programme 互联网+
        if typed_after is None and self.motto_inside.search(inner) and self.motto_after.match(after):
            return None  # “稳字当头、稳中求进”要求; “土十条”要求 is a name
        if mark == "《":
            return None if self.title_work.search(before) else "Program"
        if typed_after is None and self.phrase_inside.search(inner):
            return None  # “最大的政治”: a phrase; 《…的意见》 above is a document
        if typed_after is None and self.event_before.search(before):
            return "Event"  # 举办“书香上城”: what is held is an event
        if common_word and typed_after is None:
            return None
        head = self.head_of(inner)
        if head is not None and head[1] in ("Organization", "Place") and self.title_list.match(after):
            return None
        if head is not None and len(head[0]) == 1:
            head = None  # one character is too weak a head inside quotes (“一带一路” is no road)
        if head is not None and len(inner) > len(head[0]) and head[1] in ("Organization", "Project", "Event"):
            return head[1]
        if typed_after is not None:
            return typed_after
        if head is not None and len(inner) > len(head[0]):
            return head[1]
        return q.default_type

    def known_combination(self, inner: str) -> bool:
        """The first part of a combination, with its plus, is a programme the lexicon knows (互联网+)."""
        plus = min(k for k in (inner.find("+"), inner.find("＋")) if k >= 0)
        return inner[: plus + 1].replace("＋", "+") in self.known_programs

    def grow_left(self, doc: Toks, i: int, label: EntityType) -> tuple[int, bool]:
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
            if label == "Event" and prev.text in self.event_openers:
                j -= 1  # 全国|步行街改造提升工作现场会
                j -= self.ordinal_before(doc, j)  # 第二次|全国|污染源普查
                break
            if self.is_action(prev):
                by_action = prev.tag_ not in ("d", "ad") and prev.text not in self.adverbs
                break
            if label == "Event" and (ordinal := self.ordinal_before(doc, j)):
                j -= ordinal  # 第二届|进博会, 第|56|届|戛纳电视节: the ordinal opens the name,
                if j > 0 and (doc.words[j - 1] in self.event_openers or self.is_place_word(doc, j - 1)):
                    j -= 1  # after a region word or the host city (区|第六届运动会, 杭州|第|19|届|亚运会)
                break
            if label not in ("Program", "Event") and prev.text in self.object_stops:
                break  # 梅彩片区|建设|先进制造业联合总部基地 (but 创新驱动发展大会 is one event)
            if label == "Place" and prev.tag_ == "khead" and self.heads.get(prev.text) == "Place":
                break  # 祥符片区|石祥路: another Place ends here
            if chars + len(prev.text) > self.names.max_chars:
                break
            if label == "Program" and prev.text in self.names.program_conjunctions and conj_at is None and j < i:
                if j >= 2 and (self.head_of(doc.words[j - 2]) is not None or self.known_program_before(doc, j - 1)):
                    break  # 脱贫攻坚|和|乡村振兴, 对口支援|和|…协作: each side is a name of its own
                conj_at = j  # 安全生产和消防工作责任制, kept only if an action word opens it
            elif not (
                self.in_name(prev, label)
                or self.is_range(doc, j - 1)
                or (doc.words[i] in self.route_heads and self.is_range(doc, j - 1, places=True))
                or (prev.tag_ == "m" and self.numeral.match(prev.text))
                or (prev.tag_ == "f" and label != "Place" and self.direction.match(prev.text))
            ):
                break
            chars += len(prev.text)
            j -= 1
        if conj_at is not None and not by_action:
            j = conj_at
        return j, by_action

    def not_titles(self, doc: Toks, cands: list[Candidate]) -> list[Candidate]:
        """Drop places and projects a report names as an honour: after 被命名为/评为 (被命名为全国|
        生态文明教育基地), or before 先进区/评审 (批发零售改造提升|先进区). Bodies there award it."""
        text = doc.text
        out: list[Candidate] = []
        for c in cands:
            span = doc[c.start : c.end]
            start, end = span.start_char, span.end_char
            if (
                c.source != "quoted"
                and c.label in ("Place", "Project")
                and (self.title_before.search(text, max(0, start - 12), start) or self.title_after.match(text, end))
            ):
                continue
            out.append(c)
        return out

    def is_range(self, doc: Toks, k: int, places: bool = False) -> bool:
        """Token `k` joins two numbers in a name (1|至|7号地块), or with `places` two place
        names (诸暨|至|嵊州)."""
        if doc.words[k] not in self.range_words or not 0 < k < len(doc) - 1:
            return False
        if places:
            return self.is_place_word(doc, k - 1) and self.is_place_word(doc, k + 1)
        return doc.tags[k - 1] == "m" and doc.tags[k + 1] == "m"

    def ordinal_before(self, doc: Toks, j: int) -> int:
        """How many tokens an ordinal ending just before token `j` takes (第二届: 1, 第|56|届: 3), or 0."""
        if j >= 3 and self.ordinal.match("".join(doc.words[j - 3 : j])):
            return 3
        if j >= 1 and doc.tags[j - 1] == "m" and self.ordinal.match(doc.words[j - 1]):
            return 1
        return 0

    def is_place_word(self, doc: Toks, k: int) -> bool:
        """Token `k` is a place name: a division the lexicon knows, or a word jieba tags as one."""
        return doc.tags[k] == "ns" or doc.words[k] in self.place_names

    def known_program_before(self, doc: Toks, k: int) -> bool:
        """A Program the lexicon knows ends just before token `k` (对口支援|和)."""
        return any("".join(doc.words[s:k]) in self.known_programs for s in range(max(0, k - 4), k))

    def name_start(self, doc: Toks, i: int, label: EntityType) -> int:
        """Grow leftwards, then drop leading tokens that cannot open a name.

        A leading verb is the action unless an action word already stands before the name
        (实施|创新驱动发展战略); after an action word a Program may open with a common word
        (推进|企业投资项目审批制度改革).
        """
        j, by_action = self.grow_left(doc, i, label)
        keep_common = by_action and label == "Program"
        while j < i:
            t = doc[j]
            if label == "Event" and self.ordinal.match("".join(doc.words[j : j + 3])):
                break  # 第|56|届 opens the name
            drop = (
                (
                    t.text in self.generic
                    and not (keep_common and t.text not in self.stops)
                    and not (label == "Event" and (t.text in self.event_openers or t.text in self.event_keep))
                )
                or t.tag_ in ("w", "c", "p")
                or (label != "Program" and self.level_word.match(t.text) is not None)  # 省级|示范基地
                or (t.tag_ == "zg" and t.text not in self.prefixes)  # 每|一个片区: a bound morpheme
                or (t.tag_ == "m" and not (label == "Event" and self.ordinal.match(t.text)))
                or t.text in ("(", "（")
                or (
                    t.tag_ in ("v", "a", "ad", "d")
                    # after an action word only a Program's or Event's name may open with a verb
                    # (推进|企业投资项目审批制度改革, but 提升|改造|省老年关怀医院)
                    and (
                        not by_action
                        or (t.tag_ == "v" and len(t.text) > 1 and label in ("Organization", "Place", "Project"))
                    )
                    and t.text not in self.place_names  # 保定 is also a verb
                    # a single word before the head may be the name itself (远航集团, 富康大厦)
                    and (j < i - 1 or not (label == "Organization" or (label == "Project" and t.tag_ == "a")))
                )
            )
            if not drop:
                break
            j += 1
        if (
            0 < j <= i
            and doc.tags[j] == "nx"
            and len(doc.words[j - 1]) == 1
            and doc.words[j - 1] not in self.names.function_chars
            and doc.tags[j - 1] not in ("w", "_SP", "m", "p", "c", "u", "uj", "ul", "uv", "uz", "r", "v")
            and (j == 1 or doc.tags[j - 2] in ("w", "_SP") or self.is_action(doc[j - 2]))
        ):
            j -= 1  # ，凡|尔顿酒店: the segmenter took the name's first character for a word
        return j

    def head_names(self, doc: Toks, bodies: frozenset[int] = frozenset()) -> list[Candidate]:
        """Names grown leftwards from a head word. `bodies`: tokens of bodies the lexicon knows
        (央视, 深交所), which count as proper names."""
        out: list[Candidate] = []
        prefixes = self.prefixes
        text = doc.text
        ends = self.head_ends
        for i, (word, tag) in enumerate(zip(doc.words, doc.tags, strict=True)):
            if word[-1] not in ends or tag in ("w", "_SP"):
                continue
            found = self.head_of(word)
            if found is None:
                continue
            tok = doc[i]
            head, label = found
            water = len(head) == 1 and self.water_name(doc, i, head)  # 钱塘江, 洞庭湖: the word is the name
            if (
                len(head) == 1
                and tok.text != head
                and (tok.tag_ != "nx" or len(tok.text) < 3)
                and not (tok.tag_ == "nx" and i > 0 and doc.tags[i - 1] in _KNOWN_NAME_TAGS)
                and not water
            ):
                continue  # 江河 is a word, not a name ending in 河; 整村 is not a village's name; 蒋家|桥路 is
            if head in self.proper_heads and (
                (tok.text != head and tok.tag_ != "nx") or i == 0 or doc.tags[i - 1] not in _KNOWN_NAME_TAGS
            ):
                continue  # 祥符|片 is a place, 形象片 and 芯片 are not
            after = text[tok.idx + len(tok.text) : tok.idx + len(tok.text) + 12]
            if head in self.verbal_heads and self.verbal_after.match(after):
                continue  # 规划建设: the head is a verb here
            if (
                head in self.modifier_heads
                and i + 1 < len(doc)
                and doc.tags[i + 1] not in self.modifier_end_tags
                and not self.modifier_end_before.match(after)
            ):
                continue  # 营商环境国际化, 深港国际|法务区: the head qualifies the next word
            if self.class_count.match(after):
                continue  # 照料中心15个: a count follows a class of things, not a name
            j = i if water else self.name_start(doc, i, label)
            span = doc[j : i + 1]
            name_part = span.text[: -len(head)]
            own = tok.text[: -len(head)]
            if (
                j == i
                and own
                and tok.tag_ == "n"
                and (label != "Program" or own in self.not_names)  # 名牌战略 is a strategy, 年度计划 no plan
                and (own not in prefixes or head in self.names.word_not_relative_heads)
                and not own.startswith(self.proper_openers)
            ):
                continue  # 度假村, 跨国公司, 市中心: one common noun of the dictionary, not a name
            # a two-character water word stays to the other rules (布|吉河, 坪|山河 are cut names)
            short_ok = head in self.names.short_name_heads and len(name_part) >= 1
            if (
                len(name_part) < self.names.min_name_chars
                and not (name_part and name_part[0] in prefixes)
                and not short_ok
            ):
                continue
            counted = self.counted.search(name_part)
            if counted and (counted.end() < len(name_part) or not self.numeral.match(counted.group())):
                continue  # 乡镇80个村 is a count; 中央八项规定 is a name
            if (
                label in ("Project", "Place", "Organization")
                and self.after_class_modifier(doc, j)
                and not any(t.tag_ in _NAME_TAGS for t in doc[j:i])
            ):
                continue  # 省级|旅游风情小镇, 全国|生态文明教育基地: a title or a class, not a named project
            if (
                head in self.weak_heads
                and (own == "" or tok.tag_ not in _NAME_TAGS)  # 贫困地区, 商业银行: dictionary words
                and name_part[0] not in prefixes
                and not any(t.tag_ in _NAME_TAGS or t.tag_ == "m" or t.text in self.place_names for t in doc[j:i])
                and not any(k in bodies for k in range(j, i))
            ):
                continue  # 研发中心, 贫困地区: a weak head needs a proper name before it
            if self.bare_generic(doc, j, i, head, own):
                continue  # 长效机制, 风险控制|机制, 公共服务|体制|机制: a phrase, not a named Program
            if head in self.ordinal_heads and (
                # the ordinal opens the name, or follows its host or opener (杭州|第八届…, 全市|第二届…)
                not any(self.ordinal.match("".join(doc.words[o : o + k])) for o in (j, j + 1) for k in (1, 2, 3))
                or any(w in name_part for w in self.names.ordinal_head_stops)
            ):
                continue  # 向大会报告, 第十四届人民代表大会: only a numbered gathering is a named event
            if self.level_word.match(name_part):
                continue  # 省级试点: a level is no name
            if self.count_before.search(text, max(0, doc.starts[j] - 12), doc.starts[j]) and not any(
                t.tag_ in _NAME_TAGS for t in doc[j:i]
            ):
                continue  # 18公里|河道整治工程, 3个|社区服务中心: a quantity of a class
            head_only = len(name_part) > 1 and name_part in self.heads and label == "Program"
            if name_part in self.generic_heads or head_only:
                continue  # 改革试点, 机制改革: a head word is not a name
            if not name_part or (
                not own
                and all(t.text in self.generic for t in doc[j:i])
                and name_part[0] not in prefixes
                and head not in self.naming_heads  # 项目建设|竞赛年: the head names it
            ):
                continue
            if head in self.body_bases and j in bodies:
                label = "Organization"  # 深交所杭州基地: a body's base is the body's
            if head == "工程" and self.project_works.search(name_part):
                label = "Project"
            if head.endswith("中心") and name_part[0] in prefixes and len(name_part) > 1:
                label = "Organization" if re.search("(服务|指挥|管理|监测)$", name_part) else label
            out.append(Candidate(j, i + 1, label, "head"))
        return out

    def water_name(self, doc: Toks, i: int, head: str) -> bool:
        """Token `i`, a dictionary word ending in a water head that jieba tags as a proper name,
        is the water's whole name (钱塘江, 洞庭湖), unless it names a division (罗湖, 浙江) or a
        noun follows that it may be part of (松山湖|科学城)."""
        word = doc.words[i]
        return (
            head in self.water_heads
            and word != head
            and doc.tags[i] in _KNOWN_NAME_TAGS
            and word not in self.place_names
            and word not in self.generic
            and (i + 1 == len(doc) or doc.tags[i + 1] in self.water_next_tags)
        )

    def bare_generic(self, doc: Toks, j: int, i: int, head: str, own: str) -> bool:
        """A generic head (机制, 改革, 规划 …) after common words only: one dictionary word
        (长效机制), one common word (政府|机构改革), two common words before the head word
        itself (风险控制|机制), or a kind word before it (公共服务|体制|机制)."""
        if head not in self.generic_heads:
            return False
        generic = self.generic_name_tags
        tags = doc.tags[j:i]
        if j == i:
            return doc.tags[i] in generic
        if j == i - 1 and tags[0] in generic:
            return True
        if own:
            return False
        if i - j <= 2 and all(t in generic for t in tags):
            return True
        return doc.words[i - 1] in self.generic_kinds and not any(t in _NAME_TAGS or t == "m" for t in tags)

    def after_class_modifier(self, doc: Toks, j: int) -> bool:
        """A class modifier stands just before token `j`, or before one or two common words there
        (省级|旅游|风情小镇, 省级|公共|文化服务体系示范区)."""
        for k in range(j - 1, max(j - 4, -1), -1):
            word = doc.words[k]
            if word in self.class_modifiers or word[-1:] in ("级", "批", "等"):
                return True
            if doc.tags[k] not in ("n", "vn", "b"):
                return False
        return False

    def type_words_after(self, doc: Toks, names: list[Candidate], quoted: list[Candidate]) -> list[Candidate]:
        """Drop a head name that only types the quoted name before it (“521”|人才计划, “凤凰行动”|计划)."""
        after_quote = {q.end + 1 for q in quoted}
        return [
            c
            for c in names
            if c.start not in after_quote
            or any(doc.tags[k] in _PROPER_TAGS or doc.tags[k] in ("m", "t") for k in range(c.start, c.end))
        ]

    def listed_names(self, doc: Toks) -> list[Candidate]:
        """Names listed before 等 + a class noun take its type (马奔网络等高科技工业项目, A、B等企业)."""
        out: list[Candidate] = []
        text = doc.text
        for k, word in enumerate(doc.words):
            if word != "等" or k == 0:
                continue
            m = self.list_class.match(text, doc.starts[k] + 1)
            if m is None:
                continue
            label = self.list_classes[m.group("cls")]
            e = k
            while e > 0:
                s = e
                while (
                    s > 0
                    and not self.is_action(doc[s - 1])
                    and (self.in_name(doc[s - 1]) or self.is_range(doc, s - 1))
                    and e - s < 7
                ):
                    s -= 1
                place = label == "Place" and self.is_place_name(doc[s:e].text)
                while not place and s < e and (doc[s].text in self.generic or doc[s].tag_ in ("m", "v", "d", "ad")):
                    s += 1
                if s == e or not (place or (label != "Place" and self._listed_ok(doc[s:e], label))):
                    break
                own = self.head_of(doc.words[e - 1])
                if own is not None and own[0] in self.proper_heads and doc.words[e - 1] != own[0]:
                    own = None  # 芯片 is a word, not a name ending in 片
                # a village or road listed before 等城中村改造项目 is still a Place; before 等地块 it names a plot
                place_item = own is not None and own[0] in self.listed_place_heads and m.group("cls") != "地块"
                item: EntityType = "Place" if place_item else label
                out.append(Candidate(s, e, item, "context"))
                if s == 0 or doc[s - 1].text not in _LIST_SEPARATORS:
                    break
                e = s - 1
        return out

    def is_place_name(self, text: str) -> bool:
        """A division or world place by name or short form, or two of them (衢州开化)."""
        names = self.place_names
        return text in names or any(text[:k] in names and text[k:] in names for k in range(2, len(text) - 1))

    def _listed_ok(self, span: Part, label: EntityType) -> bool:
        text = span.text
        tokens = list(span)
        return (
            2 <= len(text) <= 12
            and text not in self.generic
            and not self.counted.search(text)
            and not self.list_item_joined.search(text)
            # one ordinary word is not a name (节水灌溉等项目); a name has a proper noun, a number
            # or more than one word (汇源铸件)
            and (len(tokens) > 1 or any(t.tag_ in _NAME_TAGS or t.tag_ == "m" for t in tokens))
            and not all(t.tag_ in ("v", "vn", "a", "ad", "d") for t in tokens)
            # a head word types the name itself (浙勤集团等重点项目), unless it only says where
            # (蒋家桥路等地块) or agrees with the list (冀东汽车城等项目)
            and (self.head_of(text) or ("", "Place"))[1] in ("Place", label)
        )

    def branded_places(self, doc: Toks, lexicon: list[Candidate]) -> list[Candidate]:
        """A brand word before a place names a Program (平安上城, 美丽拱墅, 健康中国)."""
        return [
            Candidate(c.start - 1, c.end, "Program", "context")
            for c in lexicon
            if c.label == "Place" and c.start > 0 and doc.words[c.start - 1] in self.brand_prefixes
        ]

    def place_lists(self, doc: Toks) -> list[Candidate]:
        """Places listed with 、 (北京、开封、绍兴; 淳安、衢州开化): each item that is a division or
        world place is one Place, also a short form too ambiguous for the lexicon alone (开封)."""
        out: set[Candidate] = set()
        words, tags = doc.words, doc.tags
        n = len(words)
        stop_tags = ("w", "_SP", "p", "c", "uj", "ul", "uv", "u", "f", "m")
        for k, word in enumerate(words):
            if word not in _LIST_SEPARATORS:
                continue
            left = [j for j in range(k - 1, max(k - 4, -1), -1)]
            left = left[: next((x for x, j in enumerate(left) if tags[j] in stop_tags), len(left))]
            right = [j for j in range(k + 1, min(k + 4, n))]
            right = right[: next((x for x, j in enumerate(right) if tags[j] in stop_tags), len(right))]
            before = next(
                (Candidate(j, k, "Place", "context") for j in reversed(left) if self.is_place_name(doc[j:k].text)),
                None,
            )
            after = next(
                (
                    Candidate(k + 1, j + 1, "Place", "context")
                    for j in reversed(right)
                    if self.is_place_name(doc[k + 1 : j + 1].text)
                ),
                None,
            )
            if before is not None and after is not None:
                out.update((before, after))
        return sorted(out, key=lambda c: (c.start, c.end))

    def list_siblings(self, doc: Toks, ents: list[Candidate]) -> list[Candidate]:
        """Names coordinated with a typed entity (A、B、C) get its type."""
        taken: set[int] = set()
        for c in ents:
            taken.update(range(c.start, c.end))
        out: list[Candidate] = []
        for c in ents:
            if c.source != "head" or c.label not in ("Project", "Organization", "Place"):
                continue
            place = c.label == "Place"
            head = (self.head_of(doc.words[c.end - 1]) or ("",))[0]
            if place and head not in self.listed_place_heads:
                continue  # only villages, roads and areas pass their type to the names beside them
            label: EntityType | None = "Place" if place else None
            most = 3 if place else 6
            # following siblings
            k = c.end
            while k < len(doc) and doc[k].text in _LIST_SEPARATORS:
                s = k + 1
                e = s
                while e < len(doc) and e not in taken and self.in_name(doc[e], label) and e - s < most:
                    e += 1
                    if head and doc.words[e - 1].endswith(head) and (e == len(doc) or not self.head_of(doc.words[e])):
                        break  # the shared head closes the name (6号线、14号线|直通), unless a head follows (|支线)
                if e == s or not self._sibling_ok(doc[s:e], place):
                    break
                out.append(Candidate(s, e, c.label, "list"))
                taken.update(range(s, e))
                k = e
            # preceding siblings
            k = c.start - 1
            while k > 0 and doc[k].text in _LIST_SEPARATORS:
                e = k
                s = e
                while s > 0 and (s - 1) not in taken and self.in_name(doc[s - 1], label) and e - s < most:
                    s -= 1
                if e == s or not self._sibling_ok(doc[s:e], place):
                    break
                out.append(Candidate(s, e, c.label, "list"))
                taken.update(range(s, e))
                k = s - 1
        return out

    def _sibling_ok(self, span: Part, place: bool = False) -> bool:
        """A name beside a typed one: a proper noun in it; a place's name may hold a bound
        morpheme instead (方家|埭), and is short."""
        text = span.text
        if place:
            tokens = list(span)
            own = self.head_of(tokens[-1].text)
            if own is not None and (len(text) - len(own[0]) < 2 or (len(tokens) == 1 and tokens[0].tag_ == "n")):
                return False  # 西路, 河桥: a fragment; 度假村: a common word
            return (
                2 <= len(text) <= 5
                and text not in self.generic
                and all(t.tag_ != "m" for t in tokens)
                and text[-1] not in "东西南北延"
                and (
                    (own is not None and own[1] == "Place" and len(text) - len(own[0]) >= 2)
                    or self.is_place_name(text)
                    or (len(text) <= 3 and all(t.tag_ in _KNOWN_NAME_TAGS or t.tag_ in ("nx", "zg") for t in tokens))
                    or (len(text) <= 3 and tokens[-1].tag_ == "zg")
                )
            )
        return (
            2 <= len(text) <= 12
            and text not in self.generic
            and not text.isdigit()
            and any(t.tag_ in _PROPER_TAGS for t in span)
        )

    # -- resolution --------------------------------------------------------
    def built_facilities(self, doc: Toks, cands: list[Candidate]) -> list[Candidate]:
        """A body's building that the report tracks as built is a Project (启动区图书馆迁建, X中心建设)."""
        out: list[Candidate] = []
        built_next = -1  # where the next Project that a built word follows starts (推进A、B建设)
        for c in reversed(cands):
            built = c.label in ("Organization", "Project") and (
                (c.end + 1 == built_next and doc.words[c.end] in _LIST_SEPARATORS)
                or (c.end < len(doc) and self.built_after.match(doc.text, doc.starts[c.end]) is not None)
            )
            if built and c.label == "Organization" and c.source == "head":
                c = Candidate(c.start, c.end, "Project", c.source)
            built_next = c.start if built else -1
            after = doc.words[c.end] if c.end < len(doc) else ""
            if c.label == "Project" and c.source == "head" and after in self.built_parts:
                c = Candidate(c.start, c.end + 1, "Project", c.source)  # 区老年大学迁建: the works is the name
            out.append(c)
        return out[::-1]

    def name_parts_after(self, doc: Toks, cands: list[Candidate]) -> list[Candidate]:
        """Words after a name that belong to it: a road's section (莫干山路|北段); the party
        before a Program (党的|群众路线教育实践活动)."""
        out: list[Candidate] = []
        starts = {c.start for c in cands}
        ends = {c.end for c in cands}
        for c in cands:
            if c.label == "Place" and c.end < len(doc) and c.end not in starts:
                if self.road_section.match(doc.words[c.end]) and doc.words[c.end - 1][-1:] in self.road_ends:
                    c = Candidate(c.start, c.end + 1, c.label, c.source)
            elif c.label == "Program" and c.start >= 2 and doc.words[c.start - 2 : c.start] == ["党", "的"]:
                if c.start - 2 not in ends:
                    c = Candidate(c.start - 2, c.end, c.label, c.source)
            out.append(c)
        return out

    def merge_places(self, doc: Toks, cands: list[Candidate]) -> list[Candidate]:
        """Adjacent division names are one Place: 贵州雷山, 衢州开化 (a county under its province or city)."""
        out: list[Candidate] = []
        for c in cands:
            last = out[-1] if out else None
            if (
                last is not None
                and last.label == c.label == "Place"
                and last.source == c.source == "lexicon"
                and last.end == c.start
                and len(doc[last.start : c.end].text) <= self.names.max_place_pair
            ):
                out[-1] = Candidate(last.start, c.end, "Place", "lexicon")
                continue
            out.append(c)
        return out

    def __call__(self, doc: Doc) -> Doc:
        view = Toks(doc)
        lexicon = [
            Candidate(e.start, e.end, e.label_, "lexicon")  # type: ignore[arg-type]
            for e in doc.ents
            # 省级|平安区: a division's name after a level word is a title (平安区 is also a county)
            if not (e.label_ == "Place" and e.start > 0 and self.level_word.match(view.words[e.start - 1]))
        ]
        quoted, not_names = self.quoted_names(view)
        blocked = self.blocked_chars(view, not_names)
        found = quoted + self.listed_names(view) + self.branded_places(view, lexicon) + self.place_lists(view)
        bodies = frozenset(k for c in lexicon if c.label == "Organization" for k in range(c.start, c.end))
        found += self.type_words_after(view, self.head_names(view, bodies), quoted)
        cands = self.resolve(view, self.not_titles(view, found + lexicon), blocked)
        cands = self.resolve(view, cands + self.list_siblings(view, cands), blocked)
        cands = self.merge_places(view, self.name_parts_after(view, cands))
        cands = self.built_facilities(view, cands)
        cands = [c for c in cands if not self.opens_longer_name(view, c)]
        doc.ents = [Span(doc, c.start, c.end, label=c.label) for c in cands]
        return doc

    def opens_longer_name(self, doc: Toks, c: Candidate) -> bool:
        """A place right before 国际 opens the name of an event, fair or zone (深圳|国际摄影周,
        中国（深圳）国际…): not a mention of the place alone."""
        return c.label == "Place" and self.place_opens_name.match(doc.text, doc[c.start : c.end].end_char) is not None

    def blocked_chars(self, doc: Toks, not_names: list[tuple[int, int]]) -> bytearray:
        """A mask of the characters no mention may touch: exclusions and quoted non-names."""
        mask = bytearray(len(doc.text))
        for m in self.exclusion.finditer(doc.text):
            mask[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
        for a, b in not_names:
            mask[a:b] = b"\x01" * (b - a)
        return mask

    def resolve(self, doc: Toks, cands: list[Candidate], blocked: bytearray) -> list[Candidate]:
        """Drop excluded candidates; keep quoted names first, then the longest."""
        rank = {"quoted": 0, "context": 1, "head": 2, "lexicon": 3, "list": 4}
        keep: list[Candidate] = []
        used: set[int] = set()
        text = doc.text
        chars = {c: (doc[c.start : c.end].start_char, doc[c.start : c.end].end_char) for c in cands}
        ordered = sorted(
            cands,
            key=lambda c: (rank[c.source] != 0, chars[c][0] - chars[c][1], rank[c.source], c.start),
        )
        for c in ordered:
            s, e = chars[c]
            if blocked.find(1, s, e) != -1:
                continue
            if text[s:e] in self.generic or (e - s < 2 and c.source != "quoted"):
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
    tokenizer = nlp.tokenizer
    if isinstance(tokenizer, JiebaTokenizer):
        # The ruler tokenizes its phrase patterns with nlp.pipe: the same words, built cheaper.
        nlp.tokenizer = tokenizer.phrase_tokenizer()
    try:
        ruler.add_patterns(ruler_patterns())  # type: ignore[arg-type]
    finally:
        nlp.tokenizer = tokenizer
    nlp.add_pipe("kg_recognizer")
    return nlp
