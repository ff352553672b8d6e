"""Quick import: spaCy and jieba without the parts of them that kg never uses.

Imported first by the modules that use them (kg.pipeline, kg.segment), it saves about
0.6 s of every process's start-up (`python -X importtime`), most of it in `kg build`:

* `import spacy` runs `from .cli.info import info`, which loads spaCy's whole command
  line (weasel, httpx, requests, jinja2: about 0.4 s). While spaCy is imported, its
  `spacy.cli.info` module is a stand-in whose `info` imports the real one when called;
  the stand-in is removed afterwards, so a later `import spacy.cli` loads the real one.
* jieba imports setuptools' `pkg_resources` (about 0.2 s) only to open its own data
  files; when that import fails it opens them by path, the same bytes. While jieba is
  imported, `pkg_resources` is marked as not importable; the mark is removed afterwards.

Nothing is changed when spaCy or jieba is already imported.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def _info(*args: Any, **kwargs: Any) -> Any:
    """`spacy.info`, imported when called (spaCy's own, from its command line)."""
    from spacy.cli.info import info

    return info(*args, **kwargs)


@contextmanager
def _stand_in(name: str, module: types.ModuleType | None) -> Iterator[None]:
    """`sys.modules[name]` is `module` (None: not importable) inside the block, unless already imported."""
    if name in sys.modules:
        yield
        return
    sys.modules[name] = module  # type: ignore[assignment]
    try:
        yield
    finally:
        if sys.modules.get(name, 0) is module:
            del sys.modules[name]


def _spacy_cli_info() -> types.ModuleType:
    module = types.ModuleType("spacy.cli.info", "Stand-in while spaCy is imported (see kg.quickimport).")
    module.info = _info  # type: ignore[attr-defined]
    return module


if "spacy" not in sys.modules:
    with _stand_in("spacy.cli.info", _spacy_cli_info()):
        import spacy  # noqa: F401

if "jieba" not in sys.modules:
    with _stand_in("pkg_resources", None):
        import jieba  # noqa: F401
