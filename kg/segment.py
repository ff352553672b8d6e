"""Segment: report text → spaCy `Doc`, words from our own `jieba.Tokenizer`.

The Doc's text is the input text unchanged (every token keeps its offsets).
Each token's `tag_` is the part of speech jieba's dictionary gives the word, or
`nx` for a word the dictionary does not know (often a name), `m` for a number, `w` for
punctuation and `_SP` for white space.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import jieba
from spacy.lang.zh import Chinese
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from kg.dictcache import cached_dictionary
from kg.errors import KgError
from kg.ingest import divisions
from kg.resources import data_path, load_tsv, read_lines, word_list

jieba.setLogLevel(logging.WARNING)


TOKENS_KEY = "kg.tokens"
_NUMBER = re.compile(r"^[0-9０-９]+([.．][0-9０-９]+)?[%％]?$")


@cache
def dictionary_tags() -> dict[str, str]:
    """word → part-of-speech tag from jieba's main dictionary (`word freq tag` lines)."""
    path = Path(os.path.dirname(jieba.__file__)) / "dict.txt"
    tags: dict[str, str] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            word, _, rest = line.rstrip("\n").partition(" ")
            tags[word] = rest.rpartition(" ")[2]
    return tags


def user_words() -> list[tuple[str, str]]:
    """(word, tag) pairs from the package lexicons, added to jieba so names stay whole."""
    words: list[tuple[str, str]] = []
    for row in divisions():
        words.append((row["name"], "ns"))
        if row["short"]:
            words.append((row["short"], "ns"))
    words += [(w, "ns") for w in sorted(word_list("world_places.txt"))]
    for row in load_tsv(data_path("lexicons", "heads.tsv"), ("head", "type")):
        if len(row["head"]) > 2 or row["head"].endswith(("园", "区", "城", "会", "节", "所", "院", "队", "心")):
            words.append((row["head"], "khead"))
    for _, line in read_lines(data_path("lexicons", "segment_words.txt")):
        word, _, tag = line.partition("\t")
        words.append((word.strip(), tag.strip() or "n"))
    return words


def build_dictionary(words: list[tuple[str, str]]) -> tuple[jieba.Tokenizer, dict[str, str]]:
    """A private `jieba.Tokenizer` with `words` added, and word → tag (kept between runs by kg.dictcache)."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tags = dict(dictionary_tags())
    for word, tag in words:
        if word:
            tokenizer.add_word(word, tag=None)
            tags[word] = tag
    return tokenizer, tags


class JiebaTokenizer:
    """spaCy tokenizer over a private `jieba.Tokenizer`; `doc.text` equals the input."""

    def __init__(self, vocab: Vocab, extra_words: Iterable[tuple[str, str]] = ()) -> None:
        self.vocab = vocab
        self.jieba, self.tags = cached_dictionary([*user_words(), *extra_words], build_dictionary)

    def __call__(self, text: str) -> Doc:
        words: list[str] = []
        tags: list[str] = []
        starts: list[int] = []
        get = self.tags.get
        number = _NUMBER.match
        for word, start, _ in self.jieba.tokenize(text, HMM=True):
            words.append(word)
            starts.append(start)
            if word.isspace():
                tags.append("_SP")
            elif not any(ch.isalnum() for ch in word):
                tags.append("w")
            elif number(word):
                tags.append("m")
            else:
                tags.append(get(word, "nx"))
        doc = Doc(self.vocab, words=words, spaces=[False] * len(words), tags=tags)
        if "".join(words) != text:
            raise KgError("segmentation changed the text; this is a bug in kg, please report it")
        # The same tokens as plain lists, so that later steps need not build spaCy Token objects.
        doc.user_data[TOKENS_KEY] = (text, words, tags, starts)
        return doc


def make_nlp() -> Language:
    """A blank Chinese spaCy pipeline whose tokenizer is :class:`JiebaTokenizer`."""
    nlp = Chinese()
    nlp.tokenizer = JiebaTokenizer(nlp.vocab)
    return nlp
