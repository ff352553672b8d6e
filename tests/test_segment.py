"""Segment: our own jieba tokenizer, offsets unchanged, dictionary tags."""

from __future__ import annotations

import jieba
import pytest

from kg.pipeline import nlp

TEXTS = [
    "我代表拱墅区人民政府向大会报告工作。",
    "  一、2013年工作回顾\r\n\r\n开工建设“6+2”产业园（一期）。",
    "\ufeff全角：，；（）与半角:,;()混排",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_doc_text_is_the_input(text: str) -> None:
    doc = nlp()(text)
    assert doc.text == text
    assert all(doc.text[t.idx : t.idx + len(t.text)] == t.text for t in doc)


def test_uses_a_private_jieba_tokenizer() -> None:
    tokenizer = nlp().tokenizer
    assert isinstance(tokenizer.jieba, jieba.Tokenizer)  # type: ignore[attr-defined]
    assert tokenizer.jieba is not jieba.dt  # type: ignore[attr-defined]


def test_lexicon_words_stay_whole_and_are_tagged() -> None:
    doc = nlp()("落户拱墅的企业和人大代表")
    words = [t.text for t in doc]
    assert "拱墅" in words and "人大代表" in words
    assert next(t for t in doc if t.text == "拱墅").tag_ == "ns"


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("以大关路为轴心", "路"),
        ("以临平街为中心", "街"),
        ("选题征集制、团队揭榜制等创新机制落地见效", "等"),  # 等 closing a list
        ("启动建设内地首个由港方主导运营园区", "由"),  # a preposition opening a guessed word
        ("整治由里村、将军村等村庄", "由里村"),  # but not a village's name
    ],
)
def test_guessed_words_give_back_a_name_or_function_word(text: str, word: str) -> None:
    doc = nlp()(text)
    assert word in [t.text for t in doc]
    assert doc.text == text


def test_a_unit_glued_to_a_name_goes_back_to_its_number() -> None:
    doc = nlp()("2023年云计算中心投用")
    assert [t.text for t in doc][:2] == ["2023", "年"]
    assert doc.text == "2023年云计算中心投用"


@pytest.mark.parametrize("text", [*TEXTS, "杭州市拱墅区人民政府", "“一带一路”倡议"])
def test_phrase_tokenizer_gives_the_same_words(text: str) -> None:
    tokenizer = nlp().tokenizer
    phrase = tokenizer.phrase_tokenizer()(text)  # type: ignore[attr-defined]
    assert [t.text for t in phrase] == [t.text for t in tokenizer(text)]
    assert phrase.vocab is not nlp().vocab  # a bare vocabulary: no lexical attributes computed for the pipeline


REPEATS = ["2023年云计算中心投用", "年云计算中心", "以大关路为轴心，大关路为", "建设临平街为中心", *TEXTS]


@pytest.mark.parametrize("text", REPEATS)
def test_words_seen_before_are_split_and_tagged_the_same(text: str) -> None:
    tokenizer = nlp().tokenizer
    tokenizer.known.clear()  # type: ignore[attr-defined]
    first = tokenizer.split(text)  # type: ignore[attr-defined]
    for other in REPEATS:  # every word now seen, in other contexts too
        tokenizer.split(other)  # type: ignore[attr-defined]
    assert tokenizer.split(text) == first  # type: ignore[attr-defined]
