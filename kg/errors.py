"""Errors that reach the user as one clear line."""

from __future__ import annotations

from pathlib import Path


class KgError(Exception):
    """Base class: the message is meant to be shown to the user as is."""


class InputError(KgError):
    """A report file cannot be read or decoded."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class DataFileError(KgError):
    """A shipped or user-supplied data file (lexicon, pattern, rule) is malformed."""

    def __init__(self, path: Path | str, line: int | None, problem: str) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")


class QueryError(KgError):
    """A SPARQL query is malformed or not allowed."""


class NothingBuilt(KgError):
    """No input file could be read as a report, so no output was written."""

    def __init__(self, skipped: list[InputError]) -> None:
        self.skipped = skipped
        super().__init__("no report could be read; nothing written" + (f" ({len(skipped)} skipped)" if skipped else ""))
