"""Progress: one redrawn line with reports done of total, chars/s and ETA; cleared at the end."""

from __future__ import annotations

import io

from kg.builder import ReportFailed, ReportGraph
from kg.progress import ProgressLine

DONE = ReportGraph("a.txt", "a", "0" * 64, 1000, 3, 10, b"")
FAILED = ReportFailed("b.txt", "empty file")


def test_line_counts_reports_and_clears() -> None:
    stream = io.StringIO()
    line = ProgressLine(3, stream, interval=0)
    line(DONE)
    line(FAILED)
    line(DONE)
    text = stream.getvalue()
    assert "[1/3]" in text and "[3/3]" in text and "chars/s" in text and "ETA" in text
    assert "\n" not in text
    line.finish()
    assert stream.getvalue().endswith("\r")
    assert line.chars == 2000 and line.done == 3


def test_redraws_are_throttled_but_the_last_is_shown() -> None:
    stream = io.StringIO()
    line = ProgressLine(50, stream, interval=3600)
    for _ in range(50):
        line(DONE)
    assert stream.getvalue().count("\r") == 2
    assert "[50/50]" in stream.getvalue()
