"""Dictionary cache: a cached jieba dictionary is the one built, a bad or stale file is never used."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg import dictcache
from kg.dictcache import Dictionary, cached_dictionary, dictionary_key
from kg.segment import build_dictionary, user_words

WORDS = [("拱墅区", "ns"), ("运河新城", "khead"), ("", "n")]
TEXTS = ["拱墅区推进运河新城建设", "我代表拱墅区人民政府向大会报告工作。"]
BAD_FILES = [b"", b"not marshal data", b"\xe9\x00\x00\x00\x00"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("KG_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def built() -> Dictionary:
    return build_dictionary(WORDS)


def _same(a: Dictionary, b: Dictionary) -> None:
    assert a[0].FREQ == b[0].FREQ and a[0].total == b[0].total and a[1] == b[1]
    for text in TEXTS:
        assert list(a[0].tokenize(text)) == list(b[0].tokenize(text))


def test_cached_dictionary_is_the_built_one(cache: Path, built: Dictionary) -> None:
    first = cached_dictionary(WORDS, build_dictionary)
    files = list(cache.glob("jieba-*.marshal"))
    assert len(files) == 1
    calls: list[int] = []

    def build(words: list[tuple[str, str]]) -> Dictionary:
        calls.append(1)
        return build_dictionary(words)

    second = cached_dictionary(WORDS, build)
    assert calls == []  # read from the file
    _same(built, first)
    _same(built, second)


def test_the_key_follows_the_words() -> None:
    assert dictionary_key(WORDS) == dictionary_key(list(WORDS))
    assert dictionary_key(WORDS) != dictionary_key([*WORDS, ("运河", "ns")])
    assert dictionary_key(WORDS) != dictionary_key([("拱墅区", "n"), *WORDS[1:]])


@pytest.mark.parametrize("data", BAD_FILES)
def test_a_bad_file_is_rebuilt(cache: Path, built: Dictionary, data: bytes) -> None:
    cache.mkdir()
    path = cache / f"jieba-{dictionary_key(WORDS)}.marshal"
    path.write_bytes(data)
    got = cached_dictionary(WORDS, build_dictionary)
    _same(got, built)
    assert path.read_bytes() != data  # replaced by a good file


def test_no_cache_when_the_folder_is_set_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_CACHE_DIR", "")
    monkeypatch.chdir(tmp_path)
    assert dictcache.cache_dir() is None
    cached_dictionary(WORDS, build_dictionary)
    assert list(tmp_path.iterdir()) == []


def test_default_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KG_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert dictcache.cache_dir() == tmp_path / "kg"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert dictcache.cache_dir() == Path.home() / ".cache" / "kg"


def test_an_unwritable_folder_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built: Dictionary
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("KG_CACHE_DIR", str(blocker / "cache"))
    _same(cached_dictionary(WORDS, build_dictionary), built)


def test_only_the_newest_files_are_kept(cache: Path) -> None:
    cache.mkdir()
    for k in range(dictcache.KEEP + 2):
        old = cache / f"jieba-old{k}.marshal"
        old.write_bytes(b"")
        os.utime(old, ns=(k, k))
    cached_dictionary(WORDS, build_dictionary)
    kept = sorted(p.name for p in cache.glob("jieba-*.marshal"))
    assert len(kept) == dictcache.KEEP and f"jieba-{dictionary_key(WORDS)}.marshal" in kept
    assert "jieba-old0.marshal" not in kept


def test_the_shipped_words_are_cached(cache: Path) -> None:
    words = user_words()
    first = cached_dictionary(words, build_dictionary)
    _same(cached_dictionary(words, build_dictionary), first)
