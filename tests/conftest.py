"""Shared fixtures: the seed reports, ../shared when present, a built seed graph."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from kg.sparql import Result

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
SEED_000 = SEEDS / "000_d850761e47ed951d.txt"
SEED_001 = SEEDS / "001_db1b2a7e58f2f446.txt"
DATA = Path(__file__).resolve().parent / "data"
# The saved queries that join inside each report graph, as they were over the union default graph.
UNION_FORMS = DATA / "union-queries"


def pytest_configure(config: pytest.Config) -> None:
    """Dictionary cache files (kg.dictcache) go to a folder of this test run, not the user's cache."""
    os.environ["KG_CACHE_DIR"] = tempfile.mkdtemp(prefix="kg-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ.pop("KG_CACHE_DIR", ""), ignore_errors=True)


def sorted_rows(result: Result) -> list[tuple[str, ...]]:
    """A result's rows as sorted strings; GROUP_CONCAT's values (any order) sorted within their cell."""

    def cell(variable: str, value: object) -> str:
        return " ".join(sorted(str(value).split(" "))) if variable == "regions" else str(value)

    return sorted(tuple(map(cell, result.variables, row)) for row in result.rows)


def needs_shared() -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not (SHARED / "gold").is_dir(), reason="../shared (gold, corpus, score.py) is not beside this clone"
    )


@pytest.fixture(scope="session")
def seed_trig(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kg.builder import build

    out = tmp_path_factory.mktemp("graph") / "seeds.trig"
    build([SEEDS], out)
    return out
