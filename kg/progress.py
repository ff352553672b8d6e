"""Progress of a long build on a terminal: reports done of total, chars/s, ETA, redrawn on one line."""

from __future__ import annotations

import time
from typing import TextIO

from kg.builder import Outcome, ReportGraph


def _clock(seconds: float) -> str:
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class ProgressLine:
    """A progress callback for :func:`kg.builder.build` that redraws one line on `stream`.

    It is meant for a terminal; the CLI does not use it when stderr is not one.
    """

    def __init__(self, total: int, stream: TextIO, interval: float = 0.2) -> None:
        self.total, self.stream, self.interval = total, stream, interval
        self.done = 0
        self.chars = 0
        self.started = time.perf_counter()
        self._drawn = float("-inf")
        self._width = 0

    def __call__(self, outcome: Outcome) -> None:
        self.done += 1
        if isinstance(outcome, ReportGraph):
            self.chars += outcome.chars
        now = time.perf_counter()
        if self.done < self.total and now - self._drawn < self.interval:
            return
        self._drawn = now
        elapsed = max(now - self.started, 1e-9)
        eta = (self.total - self.done) * elapsed / self.done
        line = (
            f"[{self.done}/{self.total}] {self.chars / elapsed / 1000:.1f}k chars/s, "
            f"{_clock(elapsed)} elapsed, ETA {_clock(eta)}"
        )
        self.stream.write("\r" + line + " " * max(self._width - len(line), 0))
        self.stream.flush()
        self._width = len(line)

    def finish(self) -> None:
        """End the progress line so that the summary starts on a fresh one."""
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
