"""Aya red-teaming loader on fixture `aya_<iso639-3>.jsonl` files."""

import pytest

from alignscope.errors import AlignscopeError
from alignscope.data import load_corpus


def test_aya_loads_harmful_prompts_with_categories(aya_dir):
    corpus = load_corpus(aya_dir())
    assert corpus.languages == ["ar", "en", "hi"]  # aya_arb, aya_eng, aya_hin mapped to ISO 639-1
    assert len(corpus) == 18
    assert set(corpus.labels.tolist()) == {1}
    first = corpus.select("en")
    assert first.texts[0] == "eng harmful prompt 0"
    assert first.harm_categories[:3] == [
        ("Violence, Threats & Incitement", "Hate Speech"),
        ("Profanity",),
        ("Self-Harm",),
    ]
    assert first.global_or_local[:2] == ["local", "global"]
    assert corpus.pair_ids is None and corpus.parallel_ids is None


def test_aya_languages_in_either_form(aya_dir):
    root = aya_dir()
    assert load_corpus(root, langs=["hin", "arb"]).languages == ["hi", "ar"]
    assert load_corpus(root, langs=["en"]).languages == ["en"]
    with pytest.raises(AlignscopeError, match="unknown language 'srp' .* languages present: ar, en, hi"):
        load_corpus(root, langs=["srp"])


def test_aya_per_class_samples_the_one_class(aya_dir):
    corpus = load_corpus(aya_dir(), langs=["en", "hi"], per_class=4)
    assert corpus.class_counts() == {"en": {1: 4}, "hi": {1: 4}}
    with pytest.raises(AlignscopeError, match="per_class=7 but .* has only 6 rows of class 1 in 'ar'"):
        load_corpus(aya_dir(), per_class=7)


def test_aya_single_file(aya_dir):
    corpus = load_corpus(aya_dir(codes=("tgl",)) / "aya_tgl.jsonl")
    assert corpus.languages == ["tl"]


def test_aya_rows_take_their_language_field(aya_dir, tmp_path):
    root = aya_dir(codes=("eng", "hin"), n=3)
    merged = tmp_path / "aya_all.jsonl"  # a file name that is no language
    merged.write_text((root / "aya_eng.jsonl").read_text() + (root / "aya_hin.jsonl").read_text())
    corpus = load_corpus(merged)
    assert corpus.languages == ["en", "hi"]  # from the rows' "English" / "Hindi"
    assert corpus.class_counts() == {"en": {1: 3}, "hi": {1: 3}}
    assert corpus.select("hi").texts == ["hin harmful prompt 0", "hin harmful prompt 1", "hin harmful prompt 2"]
