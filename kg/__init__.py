"""kg: turn Chinese government work reports (政府工作报告) into an RDF knowledge graph.

The Python API mirrors the CLI::

    from kg import build, extract, query
    ex = extract("seeds/001_db1b2a7e58f2f446.txt")      # Extraction: report + mentions
    build(["seeds"], "out/seeds.trig")                  # BuildSummary
    query("corpus-size", ["out/seeds.trig"])            # Result rows
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from kg.builder import BuildSummary
    from kg.pipeline import Extraction
    from kg.sparql import Result


def extract(path: str | Path) -> Extraction:
    """Read one report and return its mentions (see the pipeline module)."""
    from kg.pipeline import extract as _extract

    return _extract(path)


def build(
    paths: list[str | Path], out: str | Path | None = None, workers: int | None = None, store: str | Path | None = None
) -> BuildSummary:
    """Build the graph of `paths` into `out` (format from the extension) and/or a persistent `store` folder.

    `workers` worker processes extract reports (default: one per core).
    """
    from kg.builder import build as _build

    return _build(paths, out, workers=workers, store=store)


def query(sparql: str, data: list[str | Path], allow_service: bool = False) -> Result:
    """Run SPARQL text, a `.rq` file or a saved query's name over graph files."""
    from kg.sparql import load_store, resolve_query, run_query

    return run_query(load_store(Path(p) for p in data), resolve_query(sparql), allow_service)


__all__ = ["__version__", "build", "extract", "query"]
