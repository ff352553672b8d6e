"""Pipeline: wire ingest → segment → recognise → normalise → graph, one report at a time."""

from __future__ import annotations

import kg.quickimport  # noqa: F401  (first: imports spaCy and jieba without what kg never uses)

# isort: split
import bisect
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from spacy.language import Language

from kg.errors import InputError
from kg.ingest import Report, Span, iter_report_paths, read_report
from kg.normalise import Entity, link
from kg.recognise import EntityType, add_recognizer
from kg.segment import make_nlp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mention:
    """One entity mention: offsets are `str` indices into the report's text."""

    start: int
    end: int
    text: str
    type: EntityType
    sentence: Span
    entity: Entity

    def as_json(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "type": self.type,
            "label": self.entity.label,
            "iri": self.entity.iri,
            "sentence_start": self.sentence.start,
            "sentence_end": self.sentence.end,
        }


@dataclass
class Extraction:
    """A report with the mentions found in its body."""

    report: Report
    mentions: list[Mention]


@cache
def nlp() -> Language:
    """The shared spaCy pipeline (built once per process)."""
    return add_recognizer(make_nlp())


def _sentence_of(report: Report, starts: list[int], start: int) -> Span:
    i = bisect.bisect_right(starts, start) - 1
    return report.sentences[max(i, 0)]


def extract_report(report: Report) -> Extraction:
    """Find and link the mentions in one report's body (never in chrome or a repeated copy)."""
    body = report.text[report.body.start : report.body.end]
    pipeline = nlp()
    # spaCy's length guard is for its parser and NER, which kg does not use; file size is limited at read time.
    pipeline.max_length = max(pipeline.max_length, len(body) + 1)
    doc = pipeline(body)
    off = report.body.start
    mentions = []
    starts = [s.start for s in report.sentences]
    for ent in doc.ents:
        start, end = ent.start_char + off, ent.end_char + off
        entity = link(ent.text, ent.label_, None, report.region)
        mentions.append(Mention(start, end, ent.text, ent.label_, _sentence_of(report, starts, start), entity))  # type: ignore[arg-type]
    return Extraction(report, mentions)


def extract(path: Path | str, max_bytes: int | None = None) -> Extraction:
    """Read one report file and extract its mentions (files over `max_bytes` are refused)."""
    return extract_report(read_report(path, max_bytes))


def extract_many(
    paths: Iterable[Path | str],
    on_error: Callable[[InputError], None] | None = None,
    max_bytes: int | None = None,
) -> Iterator[Extraction]:
    """Extract every report under `paths` in a stable order; a bad file is reported, not fatal.

    With `on_error`, a file that fails for any other reason (a bug in kg) is
    reported too, as an :class:`InputError` whose `__cause__` holds the original
    exception and its traceback, so that one report never stops the others.
    """
    for path in iter_report_paths(paths):
        try:
            ex = extract(path, max_bytes)
        except InputError as exc:
            if on_error is None:
                raise
            on_error(exc)
            continue
        except Exception as exc:
            if on_error is None:
                raise
            log.debug("extracting %s failed", path, exc_info=True)
            problem = f"internal error ({type(exc).__name__}: {exc}); this is a bug in kg, please report it"
            err = InputError(path, problem)
            err.__cause__ = exc
            on_error(err)
            continue
        yield ex
