"""Dictionary cache: the segmenter's jieba dictionary (kg's words added) kept on disk between runs.

Building it costs about 2 s in every process (jieba loads its own cache one object at a
time, kg reads the 350k tag lines of jieba's dictionary, then adds some 7k words); one
`marshal` file loads in about 0.4 s. The file's name is a SHA-256 of everything the
dictionary is made of (this format, the Python and jieba versions, jieba's dictionary
bytes, kg's words and tags), so a changed lexicon or jieba never reads a stale file.

The folder is `$KG_CACHE_DIR` (empty: no cache), else `$XDG_CACHE_HOME/kg` or
`~/.cache/kg`. The cache only saves time: when it cannot be read or written, the
dictionary is built as before and the build goes on (logged at debug level).
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import jieba

log = logging.getLogger(__name__)

FORMAT = 1
"""Bumped whenever what the file holds changes."""
KEEP = 3
"""Cache files kept in the folder (the newest); older ones are deleted when a new one is written."""
PREFIX = "jieba-"

Dictionary = tuple[jieba.Tokenizer, dict[str, str]]
"""A jieba tokenizer and word → part-of-speech tag."""


def cache_dir() -> Path | None:
    """The folder of kg's cache files, or None when `KG_CACHE_DIR` is set empty (no cache)."""
    env = os.environ.get("KG_CACHE_DIR")
    if env is not None:
        return Path(env) if env else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kg"


def dictionary_key(words: list[tuple[str, str]]) -> str:
    """A digest of everything the dictionary is built from."""
    h = hashlib.sha256()
    h.update(f"{FORMAT}\0{sys.version_info[:2]}\0{marshal.version}\0{jieba.__version__}\0".encode())
    h.update((Path(os.path.dirname(jieba.__file__)) / "dict.txt").read_bytes())
    for word, tag in words:
        h.update(f"\0{word}\t{tag}".encode())
    return h.hexdigest()[:32]


def cached_dictionary(words: list[tuple[str, str]], build: Callable[[list[tuple[str, str]]], Dictionary]) -> Dictionary:
    """`build(words)`, read from the cache folder when it holds the same dictionary, else built and saved there."""
    folder = cache_dir()
    if folder is None:
        return build(words)
    path = folder / f"{PREFIX}{dictionary_key(words)}.marshal"
    loaded = _load(path)
    if loaded is not None:
        return loaded
    tokenizer, tags = build(words)
    # A tag's word as the same object as its key in FREQ: marshal writes it once, and the file loads faster.
    keys = {word: word for word in tokenizer.FREQ}
    _save(path, (tokenizer.FREQ, tokenizer.total, {keys.get(word, word): tag for word, tag in tags.items()}))
    return tokenizer, tags


def _load(path: Path) -> Dictionary | None:
    try:
        freq, total, tags = marshal.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError, TypeError) as exc:
        log.debug("cannot read the dictionary cache %s (%s); building the dictionary", path, exc)
        return None
    if not (isinstance(freq, dict) and isinstance(total, int) and isinstance(tags, dict)):
        log.debug("the dictionary cache %s holds something else; building the dictionary", path)
        return None
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total = freq, total
    tokenizer.initialized = True
    return tokenizer, tags


def _save(path: Path, state: tuple[dict[str, int], int, dict[str, str]]) -> None:
    """Write the cache file atomically (a reader never sees half a file); drop all but the newest few."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            marshal.dump(state, f)
        os.replace(tmp, path)
        tmp = None
        old = sorted(path.parent.glob(f"{PREFIX}*.marshal"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for stale in old[KEEP:]:
            stale.unlink(missing_ok=True)
    except OSError as exc:
        log.debug("cannot write the dictionary cache %s (%s); going on without it", path, exc)
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
