"""Quick import: spaCy and jieba load without spaCy's command line and pkg_resources, and still work."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

CHECKS = """
import json, sys
{first}
import kg.pipeline
loaded = {{name: name in sys.modules for name in ("spacy.cli", "spacy.cli.info", "pkg_resources")}}
import jieba, jieba._compat, spacy
from pathlib import Path
dict_txt = Path(jieba.__file__).parent / "dict.txt"
with jieba._compat.get_module_res("dict.txt") as f:
    same_dict = f.read() == dict_txt.read_bytes()
info = spacy.info(silent=True)
import spacy.cli
print(json.dumps({{"loaded": loaded, "same_dict": same_dict, "info": info["spacy_version"] == spacy.__version__,
                  "cli": callable(spacy.cli.download) and callable(spacy.cli.info)}}))
"""


def run(first: str) -> dict[str, object]:
    """Import kg.pipeline in a fresh interpreter (after `first`) and report what got loaded."""
    out = subprocess.run(
        [sys.executable, "-c", CHECKS.format(first=first)], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, object] = json.loads(out)
    return result


def test_imports_spacy_and_jieba_without_what_kg_never_uses() -> None:
    result = run("")
    assert result["loaded"] == {"spacy.cli": False, "spacy.cli.info": False, "pkg_resources": False}
    # jieba opens its data files by path instead, the same bytes; spacy.info and spacy.cli still work.
    assert result["same_dict"] and result["info"] and result["cli"]


@pytest.mark.parametrize("first", ["import spacy", "import jieba"])
def test_changes_nothing_once_already_imported(first: str) -> None:
    result = run(first)
    loaded = result["loaded"]
    assert isinstance(loaded, dict)
    assert loaded["spacy.cli"] is (first == "import spacy")
    assert result["same_dict"] and result["info"] and result["cli"]
