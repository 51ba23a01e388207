"""TextDetox toxicity and ParaDetox loaders on fixture copies of the hub layouts."""

import logging

import numpy as np
import pandas as pd
import pytest

from alignscope.errors import AlignscopeError
from alignscope.data import load_corpus


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl", "tsv"])
@pytest.mark.parametrize("layout", ["flat", "data"])
def test_toxicity_layouts(toxicity_dir, fmt, layout):
    corpus = load_corpus(toxicity_dir(fmt=fmt, layout=layout))
    assert len(corpus) == 36
    assert corpus.languages == ["de", "en", "hin"]  # split names sorted; `hin` (Hinglish) kept
    assert corpus.class_counts() == {lang: {0: 6, 1: 6} for lang in ("de", "en", "hin")}
    assert corpus.labels.dtype == np.int64
    assert corpus.texts[:2] == ["de toxic sentence 0", "de kind sentence 0"]
    assert corpus.pair_ids is None and corpus.parallel_ids is None
    assert corpus.harm_categories is None and corpus.global_or_local is None


def test_toxicity_language_selection(toxicity_dir):
    root = toxicity_dir()
    corpus = load_corpus(root, langs=["eng", "de"])
    assert corpus.languages == ["en", "de"]
    assert load_corpus(root, langs="hin").languages == ["hin"]
    with pytest.raises(AlignscopeError, match="unknown language 'hi' for .*; languages present: de, en, hin"):
        load_corpus(root, langs=["hi"])  # Hinglish is not Hindi


def test_toxicity_split_is_a_language(toxicity_dir):
    root = toxicity_dir()
    assert load_corpus(root, split="en").languages == ["en"]
    assert load_corpus(root, split="en", langs=["en", "de"]).languages == ["en"]
    with pytest.raises(AlignscopeError, match="not among langs"):
        load_corpus(root, split="en", langs=["de"])
    with pytest.raises(AlignscopeError, match="its splits are its languages"):
        load_corpus(root, split="train")


def test_toxicity_single_file(toxicity_dir):
    root = toxicity_dir(fmt="csv")
    corpus = load_corpus(root / "de.csv")
    assert corpus.languages == ["de"] and len(corpus) == 12


def test_toxicity_empty_dropped_and_duplicates_kept(tmp_path, write, caplog):
    frame = pd.DataFrame(
        {"text": ["same", "same", "  ", "", "\t\n", "other", "same"], "toxic": [1, 1, 0, 0, 1, 0, 0]}
    )
    write(frame, tmp_path / "en.parquet")
    with caplog.at_level(logging.WARNING, logger="alignscope.data.corpus"):
        corpus = load_corpus(tmp_path)
    assert corpus.texts == ["same", "same", "other", "same"]
    assert corpus.empty_dropped == {"en": 3}
    assert corpus.duplicate_counts() == {"en": 2}
    assert "dropped 3 rows with empty text (en: 3)" in caplog.text
    assert "2 duplicate texts kept (en: 2)" in caplog.text


def test_toxicity_missing_column_and_bad_labels(tmp_path, write):
    write(pd.DataFrame({"text": ["a"], "toxic": [3]}), tmp_path / "bad" / "en.parquet")
    with pytest.raises(AlignscopeError, match="must be 0 or 1"):
        load_corpus(tmp_path / "bad")
    write(pd.DataFrame({"sentence": ["a"], "toxic": [1]}), tmp_path / "nocol" / "en.parquet")
    with pytest.raises(AlignscopeError, match="no column 'text' .*columns: sentence, toxic"):
        load_corpus(tmp_path / "nocol")


def test_paradetox_pairs(paradetox_dir):
    corpus = load_corpus(paradetox_dir())
    assert len(corpus) == 20
    assert corpus.languages == ["en", "zh"]
    assert corpus.texts[:2] == ["en rude sentence 0", "en polite sentence 0"]
    assert corpus.labels[:4].tolist() == [1, 0, 1, 0]
    assert corpus.pair_ids[:4] == ["en-0", "en-0", "en-1", "en-1"]
    frame = corpus.to_pandas()
    assert (frame.groupby("pair_id")["label"].agg(sorted).map(tuple) == (0, 1)).all()


def test_paradetox_per_class_keeps_pairs(paradetox_dir):
    root = paradetox_dir(n_pairs=20)
    corpus = load_corpus(root, per_class=7, seed=3)
    assert corpus.class_counts() == {"en": {0: 7, 1: 7}, "zh": {0: 7, 1: 7}}
    frame = corpus.to_pandas()
    assert frame.groupby("pair_id").size().eq(2).all() and frame["pair_id"].nunique() == 14
    with pytest.raises(AlignscopeError, match="per_class=21 but .* has only 20 toxic/neutral pairs in 'en'"):
        load_corpus(root, per_class=21)


def test_paradetox_empty_side_drops_the_pair(tmp_path, write):
    frame = pd.DataFrame({"toxic_sentence": ["bad 0", "bad 1", "bad 2"], "neutral_sentence": ["ok 0", " ", "ok 2"]})
    write(frame, tmp_path / "de.parquet")
    corpus = load_corpus(tmp_path)
    assert corpus.pair_ids == ["de-0", "de-0", "de-2", "de-2"]
    assert corpus.empty_dropped == {"de": 2}


def test_hinglish_is_never_hindi(toxicity_dir):
    root = toxicity_dir(langs=("en", "hi"))
    expected = r"'hin' \(TextDetox Hinglish; Hindi is 'hi'\) is not in .*; languages present: en, hi"
    with pytest.raises(AlignscopeError, match=expected):
        load_corpus(root, langs=["hin"])
    with pytest.raises(AlignscopeError, match=expected):
        load_corpus(root, split="hin")
    hinglish_only = toxicity_dir(langs=("hin",), layout="data")
    assert load_corpus(hinglish_only).languages == ["hin"]  # stays Hinglish, with no `hi` to keep it apart from


def test_invisible_texts_count_as_empty(tmp_path, write):
    frame = pd.DataFrame({"text": ["\u200b", "\ufeff \u200d", "a\u200b", "b"], "toxic": [1, 0, 1, 0]})
    corpus = load_corpus(write(frame, tmp_path / "en.parquet").parent)
    assert corpus.texts == ["a\u200b", "b"] and corpus.empty_dropped == {"en": 2}
