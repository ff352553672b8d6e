"""Ingest: read a report file into a :class:`Report` (text, metadata, sections, sentences).

The text is decoded and never changed afterwards; everything else (the body
range, web-page chrome, a repeated copy of the body, sections, sentences) is
recorded as offsets into it.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import Field, field_validator

from kg.errors import InputError
from kg.resources import Strict, data_path, load_tsv, load_yaml

SectionKind = Literal["review", "tasks"]
_SENTENCE_END = re.compile(r"[。！？!?]+[”’」』)）]*|\n+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_YEAR = re.compile(r"((?:19|20)\d{2})年")
_DATE = re.compile(r"((?:19|20)\d{2})[-/年.]\d{1,2}")


class ChromeField(Strict):
    label: str
    key: str | None


class RegionPattern(Strict):
    pattern: str
    region: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str) -> str:
        re.compile(v)
        return v


class InputRules(Strict):
    """Schema of `kg/data/input.yaml`: what is accepted as a report file."""

    max_bytes: int = Field(gt=0)
    max_control_share: float = Field(ge=0, le=1)
    min_chinese_chars: int = Field(ge=0)
    min_chinese_share: float = Field(ge=0, le=1)
    report_words: list[str]
    html_marker: str
    html_tag: str
    html_min_tags: int = Field(gt=0)

    @field_validator("html_marker", "html_tag")
    @classmethod
    def _compiles(cls, v: str) -> str:
        re.compile(v)
        return v


class IngestRules(Strict):
    """Schema of `kg/data/rules/ingest.yaml`."""

    chrome_fields: list[ChromeField]
    chrome_lines: list[str]
    region_patterns: list[RegionPattern]
    generic_divisions: list[str]
    heading_ignore: list[str]
    delivery_patterns: list[str]
    task_openers: list[str]
    review_openers: list[str]

    @field_validator("chrome_lines", "heading_ignore", "delivery_patterns", "task_openers", "review_openers")
    @classmethod
    def _all_compile(cls, v: list[str]) -> list[str]:
        for p in v:
            re.compile(p)
        return v


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Section:
    kind: SectionKind
    start: int
    end: int
    heading: str


@dataclass
class Report:
    """One decoded report with the offsets of its parts; `text` is the file's text unchanged."""

    path: Path
    report_id: str
    text: str
    encoding: str
    body: Span
    metadata: dict[str, str] = field(default_factory=dict)
    region: str | None = None
    region_source: str | None = None
    year_reported: int | None = None
    year_delivered: int | None = None
    sections: list[Section] = field(default_factory=list)
    sentences: list[Span] = field(default_factory=list)
    sha256: str = ""
    media_type: str = "text/plain"
    """`text/html` when the file was a web page: `text` is then its tag-stripped text."""
    warnings: list[str] = field(default_factory=list)
    """Problems that did not stop the report from being read (a truncated last character)."""

    @property
    def issuer(self) -> str | None:
        """The body that delivers the report: the region's people's government."""
        if self.region is None:
            return None
        return "国务院" if self.region == "中国" else f"{self.region}人民政府"

    def section_at(self, offset: int) -> Section | None:
        for sec in self.sections:
            if sec.start <= offset < sec.end:
                return sec
        return None


@cache
def rules() -> IngestRules:
    return load_yaml(data_path("rules", "ingest.yaml"), IngestRules)


@cache
def input_rules() -> InputRules:
    return load_yaml(data_path("input.yaml"), InputRules)


@cache
def divisions() -> list[dict[str, str]]:
    """China's administrative divisions: code, name, short form, level."""
    return load_tsv(data_path("lexicons", "divisions.tsv"), ("code", "name", "short", "level"), required=2)


def report_id_for(path: Path) -> str:
    """A stable, IRI-safe id from the file name."""
    return quote(path.stem, safe="-_.~")


_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1f\x7f-\x9f]")
_NON_ASCII = bytes(range(128))


def decode(data: bytes, path: Path, warnings: list[str] | None = None) -> tuple[str, str]:
    """Decode report bytes: UTF-8 (with or without BOM), UTF-16 with BOM, GB18030 (GBK).

    A file cut off inside its last character is read without that character,
    and a line is added to `warnings`; every other problem raises
    :class:`InputError`.
    """
    if not data.strip():
        raise InputError(path, "empty file: nothing to read")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _text_only(data.decode("utf-16"), path), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(path, f"invalid UTF-16 at byte {exc.start}; re-save it as UTF-8") from exc
    if b"\x00" in data:
        raise InputError(path, _nul_problem(data))
    try:
        # A UTF-8 BOM stays in the text as U+FEFF so offsets match open(encoding="utf-8").
        return _text_only(data.decode("utf-8"), path), "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError as utf8_err:
        if utf8_err.reason == "unexpected end of data" and utf8_err.end == len(data):
            # The first error is the file's end: everything before it is valid UTF-8.
            _truncated(warnings, "UTF-8", len(data) - utf8_err.start)
            text = data[: utf8_err.start].decode("utf-8")
            return _text_only(text, path), "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        invalid = data.decode("utf-8", "replace").count("\ufffd") - data.decode("utf-8", "ignore").count("\ufffd")
        if invalid * 30 <= len(data.translate(None, _NON_ASCII)):
            # GBK read as UTF-8 fails at most characters; a few failures mean damaged UTF-8.
            line = data.count(b"\n", 0, utf8_err.start) + 1
            raise InputError(
                path,
                f"damaged UTF-8: {invalid} invalid byte sequence(s), the first at byte {utf8_err.start} "
                f"(line {line}); repair the file or re-save it as UTF-8",
            ) from utf8_err
        try:
            return _text_only(data.decode("gb18030"), path), "gb18030"
        except UnicodeDecodeError as gb_err:
            if gb_err.reason == "incomplete multibyte sequence" and gb_err.end == len(data):
                _truncated(warnings, "GB18030", len(data) - gb_err.start)
                return _text_only(data[: gb_err.start].decode("gb18030"), path), "gb18030"
            raise InputError(
                path, f"not UTF-8 or GB18030 text (invalid byte at offset {utf8_err.start}); re-save it as UTF-8"
            ) from utf8_err


def _truncated(warnings: list[str] | None, encoding: str, left_out: int) -> None:
    if warnings is not None:
        warnings.append(
            f"truncated {encoding}: the last {left_out} byte(s) are an incomplete character and were left out"
        )


def _nul_problem(data: bytes) -> str:
    first = data.index(0)
    # UTF-16 puts the NUL byte of every ASCII character (line breaks, digits) at the same parity;
    # in a Chinese text those are a few percent of the bytes, in binary data far fewer or not skewed.
    even, odd = data[0::2].count(0), data[1::2].count(0)
    skewed = max(even, odd) >= 0.75 * (even + odd)
    if len(data) % 2 == 0 and even + odd >= max(4, 0.01 * len(data)) and skewed:
        try:
            data.decode("utf-16-le" if odd > even else "utf-16-be")
        except UnicodeDecodeError:
            pass
        else:
            return (
                f"NUL bytes from offset {first}: looks like UTF-16 without a byte-order mark; "
                "re-save it as UTF-8 or as UTF-16 with a BOM"
            )
    return f"binary file (NUL byte at offset {first}); expected a text report"


def _text_only(text: str, path: Path) -> str:
    """`text`, unless too many of its characters are control codes (a binary file)."""
    controls = len(_CONTROL.findall(text))
    if controls and controls > input_rules().max_control_share * len(text):
        first = _CONTROL.search(text)
        where = f" (the first, U+{ord(first.group()):04X}, at character {first.start()})" if first else ""
        raise InputError(path, f"binary file: {controls} control characters{where}; expected a text report")
    return text


_BLOCK_TAGS = frozenset(
    "address article aside blockquote br caption dd div dl dt footer form h1 h2 h3 h4 h5 h6 header hr li "
    "main nav ol p pre section table tbody td tfoot th thead title tr ul".split()
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")


class _HtmlText(HTMLParser):
    """Text of an HTML page as a browser lays it out: block elements on their own lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag == "pre":
            self.pre += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(self.skip - 1, 0)
        elif tag == "pre":
            self.pre = max(self.pre - 1, 0)
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data if self.pre else _HTML_SPACE.sub(" ", data))


def looks_like_html(text: str) -> bool:
    """True when the text is a web page (saved as `.txt`), by the rules in `input.yaml`."""
    r = input_rules()
    head = text[:20000]
    if re.search(r.html_marker, head, re.I):
        return True
    return len(re.findall(r.html_tag, head, re.I)) >= r.html_min_tags


def html_to_text(html: str) -> str:
    """The visible text of an HTML page: tags, scripts and styles dropped, entities decoded,
    one line per block element (line breaks inside <pre> kept), lines trimmed, no empty lines."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = (ln.strip(" ") for ln in "".join(parser.parts).split("\n"))
    return "".join(ln + "\n" for ln in lines if ln)


def _lines(text: str) -> list[tuple[int, int, str]]:
    """(start, end, stripped text) of every line; end excludes the newline."""
    out = []
    pos = 0
    for raw in text.split("\n"):
        out.append((pos, pos + len(raw), raw.strip().lstrip("\ufeff").strip()))
        pos += len(raw) + 1
    return out


class _Chrome:
    """Recognises page-chrome lines and collects the metadata they carry."""

    def __init__(self, r: IngestRules) -> None:
        labels = sorted((f.label for f in r.chrome_fields), key=len, reverse=True)
        self.keys = {f.label: f.key for f in r.chrome_fields}
        self.label_re = re.compile("(" + "|".join(map(re.escape, labels)) + r")\s*[:：]?\s*")
        self.line_res = [re.compile(p) for p in r.chrome_lines]

    def fields(self, line: str) -> list[tuple[str, str]] | None:
        """(label, value) pairs when the line starts with a label, else None."""
        m = self.label_re.match(line)
        if not m:
            return None
        parts = self.label_re.split(line)
        # split gives ['', label, value, label, value, ...]
        return [(parts[i], parts[i + 1].strip()) for i in range(1, len(parts) - 1, 2)]

    def is_chrome(self, line: str) -> bool:
        return any(rx.match(line) for rx in self.line_res)


def _scan_chrome(lines: list[tuple[int, int, str]], chrome: _Chrome, meta: dict[str, str]) -> int:
    """Index of the first body line; fills `meta` from the chrome above it."""
    pending: str | None = None
    for idx, (_, _, line) in enumerate(lines):
        if not line:
            continue
        pairs = chrome.fields(line)
        if pairs is not None:
            pending = None
            for label, value in pairs:
                key = chrome.keys[label]
                if value and key:
                    meta.setdefault(key, value)
                elif not value and key:
                    pending = label
            continue
        if pending is not None and len(line) <= 40 and not line.endswith((":", "：")):
            key = chrome.keys[pending]
            if key:
                meta.setdefault(key, line)
            pending = None
            continue
        if chrome.is_chrome(line):
            if "政府工作报告" in line:
                meta.setdefault("title", line)
            continue
        return idx
    return len(lines)


def _is_chrome_line(lines: list[tuple[int, int, str]], idx: int, chrome: _Chrome) -> bool:
    line = lines[idx][2]
    if not line or chrome.is_chrome(line) or chrome.fields(line) is not None:
        return True
    prev = next((lines[j][2] for j in range(idx - 1, -1, -1) if lines[j][2]), "")
    pairs = chrome.fields(prev)
    if not pairs or pairs[-1][1]:
        return False
    return len(line) <= 40 and not line.endswith((":", "："))


def _walk_back(lines: list[tuple[int, int, str]], end: int, chrome: _Chrome, floor: int) -> int:
    """Move `end` back over chrome lines that precede it (down to `floor`)."""
    idx = next((i for i, (s, _, _) in enumerate(lines) if s >= end), len(lines)) - 1
    while idx >= 0 and lines[idx][0] >= floor and _is_chrome_line(lines, idx, chrome):
        end = lines[idx][0]
        idx -= 1
    return end


def _find_repeat(text: str, start: int, end: int, probe: int = 80, confirm: int = 400) -> int | None:
    """Offset where the body's opening passage appears again, if it does."""
    while start < end and text[start].isspace():
        start += 1
    snippet = text[start : start + probe]
    if len(snippet.strip()) < 30:
        return None
    pos = text.find(snippet, start + len(snippet), end)
    while pos != -1:
        n = min(confirm, end - pos)
        if n >= len(snippet) and text[pos : pos + n] == text[start : start + n]:
            return pos
        pos = text.find(snippet, pos + 1, end)
    return None


_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十]+部分)")


def _headings(text: str, body: Span) -> list[tuple[int, str]]:
    """(offset, first 30 characters) of top-level headings inside the body."""
    out = []
    for s, e, line in _lines(text):
        if s < body.start or e > body.end or not line:
            continue
        short = len(line) <= 16 and not re.search(r"[，。,；;：:]", line)
        if (_HEADING.match(line) or short) and not any(re.search(p, line) for p in rules().heading_ignore):
            out.append((s + text[s:e].index(line[0]), line[:30]))
    return out


@cache
def _division_names() -> frozenset[str]:
    return frozenset(row["name"] for row in divisions()) - frozenset(rules().generic_divisions)


def _trim_region(name: str) -> str | None:
    """Cut a captured name back to its longest ending that is a known division."""
    known = _division_names()
    for k in range(len(name), 1, -1):
        if name[-k:] in known:
            return name[-k:]
    return name if len(name) <= 8 and name not in rules().generic_divisions else None


def _detect_region(text: str, body: Span, r: IngestRules, meta: dict[str, str]) -> tuple[str | None, str | None]:
    head = text[body.start : min(body.end, body.start + 4000)]
    for source, scope in (("text", head), ("page metadata", meta.get("title", ""))):
        for rp in r.region_patterns:
            m = re.search(rp.pattern, scope, flags=re.M)
            if not m:
                continue
            found = rp.region or _trim_region(m.group(1))
            if found:
                return found, source
    # Fall back on the division the body names most (full names weigh double).
    body_text = text[body.start : body.end]
    best: tuple[int, int, str] | None = None
    rank = {"county": 2, "city": 1, "province": 0}
    generic = set(r.generic_divisions)
    bigrams = {body_text[k : k + 2] for k in range(len(body_text) - 1)}  # skip names the text cannot hold
    for row in divisions():
        if row["name"] in generic or (row["name"][:2] not in bigrams and row["short"][:2] not in bigrams):
            continue
        full = body_text.count(row["name"])
        score = 2 * full + (body_text.count(row["short"]) - full if row["short"] else 0)
        if score >= 4:
            key = (score, rank.get(row["level"], 0), row["name"])
            if best is None or key > best:
                best = key
    return (best[2], "most-named division") if best else (None, None)


def _year_in(patterns: Iterable[str], line: str) -> int | None:
    for p in patterns:
        m = re.search(p, line, flags=re.M)
        if m and m.groups() and m.group(1) and m.group(1).isdigit():
            return int(m.group(1))
    return None


def _detect_years(
    text: str, body: Span, headings: list[tuple[int, str]], r: IngestRules, meta: dict[str, str]
) -> tuple[int | None, int | None]:
    delivered = _year_in(r.delivery_patterns, text[body.start : body.start + 300])
    for key in ("issued", "created", "title"):
        if delivered is None:
            m = _DATE.search(meta.get(key, "")) or _YEAR.search(meta.get(key, ""))
            delivered = int(m.group(1)) if m else None
    reported = None
    for _, line in headings:
        reported = _year_in(r.review_openers, line)
        if reported:
            break
    if delivered is None and reported is None:
        for _, line in headings:
            if not any(re.search(p, line) for p in r.review_openers):
                delivered = _year_in(r.task_openers[:1], line)
                if delivered:
                    break
    if delivered is None and reported is None:
        years = [int(y) for y in _YEAR.findall(text[body.start : min(body.end, body.start + 600)])]
        if years:
            reported = Counter(years).most_common(1)[0][0]
    if delivered is None and reported is not None:
        delivered = reported + 1
    if reported is None and delivered is not None:
        reported = delivered - 1
    return reported, delivered


def _sections(text: str, body: Span, headings: list[tuple[int, str]], r: IngestRules) -> list[Section]:
    """Cut the body at top-level headings into review and task parts."""
    marks: list[tuple[int, SectionKind, str]] = []
    kind: SectionKind = "review"
    for offset, line in headings:
        if any(re.search(p, line) for p in r.review_openers):
            new: SectionKind = "review"
        elif any(re.search(p, line) for p in r.task_openers):
            new = "tasks"
        else:
            continue
        if new != kind or not marks:
            marks.append((offset, new, line))
            kind = new
    first_line = text[body.start : body.start + 200].split("\n")[0].strip()
    if not marks or marks[0][0] > body.start:
        marks.insert(0, (body.start, marks[0][1] if marks and marks[0][1] == "review" else "review", first_line))
    out: list[Section] = []
    for i, (start, k, heading) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else body.end
        if out and out[-1].kind == k:
            out[-1] = Section(k, out[-1].start, end, out[-1].heading)
        elif end > start:
            out.append(Section(k, start, end, heading))
    return out


def split_sentences(text: str, spans: Iterable[Span]) -> Iterator[Span]:
    """Sentences inside `spans`, cut at sentence-final punctuation and line breaks, trimmed."""
    for span in spans:
        pos = span.start
        for m in _SENTENCE_END.finditer(text, span.start, span.end):
            yield from _trimmed(text, pos, m.end())
            pos = m.end()
        yield from _trimmed(text, pos, span.end)


def _trimmed(text: str, start: int, end: int) -> Iterator[Span]:
    while start < end and (text[start].isspace() or text[start] == "\ufeff"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield Span(start, end)


def check_is_report(text: str, path: Path) -> None:
    """Refuse a text that is not a report, by the rules in `kg/data/input.yaml`."""
    ir = input_rules()
    chinese = len(_CJK.findall(text))
    expected = "expected a government work report (政府工作报告)"
    if chinese < ir.min_chinese_chars:
        what = "no Chinese text found" if chinese == 0 else f"only {chinese} Chinese characters"
        raise InputError(path, f"not a report: {what}; {expected}")
    visible = len("".join(text.split()))
    if chinese < ir.min_chinese_share * visible:
        raise InputError(
            path, f"not a report: only {100 * chinese / visible:.0f}% of its characters are Chinese; {expected}"
        )
    if ir.report_words and not any(w in text for w in ir.report_words):
        raise InputError(path, f"not a report: it never mentions {' or '.join(ir.report_words)}; {expected}")


def parse(text: str, path: Path, encoding: str = "utf-8", sha256: str | None = None) -> Report:
    """Find the body, metadata, sections and sentences of a decoded report."""
    check_is_report(text, path)
    r = rules()
    chrome = _Chrome(r)
    lines = _lines(text)
    meta: dict[str, str] = {}
    first = _scan_chrome(lines, chrome, meta)
    if first >= len(lines):
        raise InputError(path, "only web-page chrome, no report body found")
    start = lines[first][0] + (
        len(text[lines[first][0] : lines[first][1]]) - len(text[lines[first][0] : lines[first][1]].lstrip())
    )
    end = len(text)
    repeat = _find_repeat(text, start, end)
    if repeat is not None:
        meta["repeated_body_at"] = str(repeat)
        end = repeat
    end = _walk_back(lines, end, chrome, start)
    while end > start and text[end - 1].isspace():
        end -= 1
    body = Span(start, end)
    region, region_source = _detect_region(text, body, r, meta)
    headings = _headings(text, body)
    reported, delivered = _detect_years(text, body, headings, r, meta)
    sections = _sections(text, body, headings, r)
    return Report(
        path=path,
        report_id=report_id_for(path),
        text=text,
        encoding=encoding,
        body=body,
        metadata=meta,
        region=region,
        region_source=region_source,
        year_reported=reported,
        year_delivered=delivered,
        sections=sections,
        sentences=list(split_sentences(text, [body])),
        sha256=sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def read_report(path: Path | str, max_bytes: int | None = None) -> Report:
    """Read and parse one report file; raises :class:`InputError` with the file name.

    Files over `max_bytes` (default: `max_bytes` in `kg/data/input.yaml`) are
    refused before they are read. A web page saved as text is read as its
    tag-stripped text (`media_type` is then `text/html`).
    """
    p = Path(path)
    return report_from_bytes(p, read_report_bytes(p, max_bytes))


def read_report_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """A report file's bytes; a file over `max_bytes` (default from `kg/data/input.yaml`) is refused unread."""
    limit = input_rules().max_bytes if max_bytes is None else max_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(
                path,
                f"too large: {size:,} bytes, over the limit of {limit:,} (--max-bytes); "
                "a report is usually under 200 kB: check that the file is one report, or raise --max-bytes",
            )
        return path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from exc


def report_from_bytes(path: Path, data: bytes) -> Report:
    """Decode and parse a report file's bytes (read elsewhere: a worker on another machine gets them sent)."""
    p = path
    warnings: list[str] = []
    text, encoding = decode(data, p, warnings)
    media_type = "text/plain"
    if looks_like_html(text):
        text, media_type = html_to_text(text), "text/html"
    report = parse(text, p, encoding, hashlib.sha256(data).hexdigest())
    report.media_type = media_type
    report.warnings = warnings
    return report


def iter_report_paths(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Expand files and folders into report files (`*.txt`), sorted for determinism."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            yield from sorted(q for q in p.rglob("*.txt") if q.is_file())
        elif p.exists():
            yield p
        else:
            raise InputError(p, "no such file or folder")
