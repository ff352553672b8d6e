"""Segment: report text → spaCy `Doc`, words from our own `jieba.Tokenizer`.

The Doc's text is the input text unchanged (every token keeps its offsets).
Each token's `tag_` is the part of speech jieba's dictionary gives the word, or
`nx` for a word the dictionary does not know (often a name), `m` for a number, `w` for
punctuation and `_SP` for white space.
"""

from __future__ import annotations

import kg.quickimport  # noqa: F401  (first: imports spaCy and jieba without what kg never uses)

# isort: split
import logging
import os
import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import jieba
from pydantic import field_validator
from spacy.lang.zh import Chinese
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from kg.dictcache import cached_dictionary
from kg.errors import KgError
from kg.ingest import divisions
from kg.resources import Strict, data_path, load_tsv, load_yaml, read_lines, word_list

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


# Tags kg's tokenizer gives beyond the dictionaries': a word jieba guessed, punctuation,
# whitespace, a number.
OWN_TAGS = frozenset({"nx", "w", "_SP", "m"})


def tags_produced() -> frozenset[str]:
    """Every tag a token can carry: the dictionaries' tags and kg's own (OWN_TAGS)."""
    return frozenset(dictionary_tags().values()) | {tag for _, tag in user_words()} | OWN_TAGS


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


class SegmentRules(Strict):
    """`rules/segment.yaml`: corrections to jieba's guessed (out-of-dictionary) words."""

    split_guessed: str
    units_after_number: str

    @field_validator("split_guessed")
    @classmethod
    def _one_group(cls, v: str) -> str:
        try:
            groups = re.compile(v).groups
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        if groups < 1:
            raise ValueError("needs a group: the split falls at the end of group 1")
        return v


@cache
def segment_rules() -> SegmentRules:
    return load_yaml(data_path("rules", "segment.yaml"), SegmentRules)


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
        rules = segment_rules()
        self.split_guessed = re.compile(rules.split_guessed).match
        self.units_after_number = frozenset(rules.units_after_number)
        self.known: dict[str, str] = {}
        """The tag of each word seen whose tag and split depend on the word alone (skips the checks on repeats)."""

    def split(self, text: str) -> tuple[list[str], list[str], list[int]]:
        """The words of `text`, their tags and start offsets (the tokens of :meth:`__call__`, without a Doc)."""
        words: list[str] = []
        tags: list[str] = []
        starts: list[int] = []
        get = self.tags.get
        number = _NUMBER.match
        split = self.split_guessed
        start = 0
        units = self.units_after_number
        known = self.known
        for word in self.jieba.cut(text, HMM=True):
            final = known.get(word)
            if final is not None:
                words.append(word)
                starts.append(start)
                start += len(word)
                tags.append(final)
                continue
            tag = get(word)
            m = split(word) if tag is None else None
            after_number = tag is None and len(word) > 1 and word[0] in units and bool(tags) and tags[-1] == "m"
            if m is not None or after_number:
                # a guessed word that glued a name's last character to the next word
                # (大关|路为|轴心), or a number's unit to a name (2023|年云|计算中心): split it,
                # so that the head word or the name stands alone
                cut = m.end(1) if m is not None else 1
                for part in (word[:cut], word[cut:]):
                    words.append(part)
                    starts.append(start)
                    tags.append(get(part, "nx"))
                    start += len(part)
                continue
            words.append(word)
            starts.append(start)
            start += len(word)
            if word.isspace():
                final = "_SP"
            elif not any(ch.isalnum() for ch in word):
                final = "w"
            elif number(word):
                final = "m"
            else:
                final = tag or "nx"
            tags.append(final)
            if tag is not None or not (len(word) > 1 and word[0] in units):
                known[word] = final
        if "".join(words) != text:
            raise KgError("segmentation changed the text; this is a bug in kg, please report it")
        return words, tags, starts

    def __call__(self, text: str) -> Doc:
        words, tags, starts = self.split(text)
        doc = Doc(self.vocab, words=words, spaces=[False] * len(words), tags=tags)
        # The same tokens as plain lists, so that later steps need not build spaCy Token objects.
        doc.user_data[TOKENS_KEY] = (text, words, tags, starts)
        return doc

    def phrase_tokenizer(self) -> Callable[[str], Doc]:
        """A tokenizer for many short phrase patterns: the same words, as Docs over a bare `Vocab`.

        A phrase matcher on ORTH keeps only each token's text (as its hash), so the Docs
        need not share the pipeline's vocabulary; a bare one skips computing the lexical
        attributes of every new word (0.5 s for the ruler's 6.7k patterns, now 0.15 s).
        """
        vocab = Vocab()

        def tokenize(text: str) -> Doc:
            words = self.split(text)[0]
            return Doc(vocab, words=words, spaces=[False] * len(words))

        return tokenize


def make_nlp() -> Language:
    """A blank Chinese spaCy pipeline whose tokenizer is :class:`JiebaTokenizer`."""
    nlp = Chinese()
    nlp.tokenizer = JiebaTokenizer(nlp.vocab)
    return nlp
