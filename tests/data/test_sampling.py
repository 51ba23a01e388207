"""Balanced, seeded `per_class` sampling: counts, stability, pairing kept."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignscope.errors import AlignscopeError
from alignscope.data import load_corpus, sampling


def test_balanced_seeded_and_stable(toxicity_dir):
    root = toxicity_dir(n_per_class=30)
    a = load_corpus(root, per_class=5, seed=1)
    assert a.class_counts() == {lang: {0: 5, 1: 5} for lang in ("de", "en", "hin")}
    b = load_corpus(root, per_class=5, seed=1)
    assert a.texts == b.texts  # same flags, same rows, same order
    assert load_corpus(root, per_class=5, seed=2).texts != a.texts
    en = a.select("en").texts
    numbers = [int(t.rsplit(" ", 1)[1]) for t in en]
    assert numbers == sorted(numbers)  # source order kept within a language


def test_a_languages_draw_does_not_depend_on_the_others(toxicity_dir):
    root = toxicity_dir(n_per_class=30)
    alone = load_corpus(root, langs=["en"], per_class=4, seed=7)
    together = load_corpus(root, langs=["de", "en"], per_class=4, seed=7)
    assert together.select("en").texts == alone.texts
    assert together.languages == ["de", "en"]


def test_per_class_larger_than_available(toxicity_dir):
    with pytest.raises(AlignscopeError, match="per_class=7 but .* has only 6 rows of class 0 in 'de'"):
        load_corpus(toxicity_dir(), per_class=7)


@pytest.mark.parametrize("per_class", [0, -1, True, 2.5, "3"])
def test_per_class_must_be_a_positive_int(toxicity_dir, per_class):
    with pytest.raises(AlignscopeError, match="per_class must be a positive int"):
        load_corpus(toxicity_dir(), per_class=per_class)


def test_numpy_integers_are_accepted(toxicity_dir):
    corpus = load_corpus(toxicity_dir(), per_class=np.int64(2), seed=np.int32(1))
    assert corpus.class_counts() == {lang: {0: 2, 1: 2} for lang in ("de", "en", "hin")}


def test_seed_must_be_non_negative(toxicity_dir):
    with pytest.raises(AlignscopeError, match="seed must be a non-negative int"):
        load_corpus(toxicity_dir(), seed=-1)


def test_parallel_sets_stay_paired_across_languages(tmp_path, write):
    rows = []
    for lang in ("en", "de", "zh"):
        for pid in range(12):
            if lang == "zh" and pid == 0:
                continue  # set 0 lacks a Chinese translation: never drawn
            rows.append({"text": f"{lang} {pid}", "label": pid % 2, "lang": lang, "parallel_id": f"p{pid}"})
    path = write(pd.DataFrame(rows), tmp_path / "parallel.parquet")
    corpus = load_corpus(path, per_class=3, seed=0)
    assert corpus.class_counts() == {lang: {0: 3, 1: 3} for lang in ("en", "de", "zh")}
    per_lang = {lang: c.parallel_ids for lang, c in corpus.by_language().items()}
    assert per_lang["en"] == per_lang["de"] == per_lang["zh"]
    assert "p0" not in per_lang["en"]
    en_only = load_corpus(path, langs=["en"], per_class=3, seed=0)
    assert len(en_only) == 6
    with pytest.raises(AlignscopeError, match="only 5 parallel sets of class 0 present in all of en, de, zh"):
        load_corpus(path, per_class=6)


@settings(max_examples=30, deadline=None)
@given(
    sizes=st.lists(st.tuples(st.integers(1, 12), st.integers(1, 12)), min_size=1, max_size=4),
    seed=st.integers(0, 2**31),
    data=st.data(),
)
def test_per_class_rows_property(sizes, seed, data):
    rows = [(f"l{i}", label) for i, (n0, n1) in enumerate(sizes) for label, n in ((0, n0), (1, n1)) for _ in range(n)]
    order = data.draw(st.permutations(range(len(rows))))
    frame = pd.DataFrame([rows[i] for i in order], columns=["lang", "label"]).assign(text="t")
    per_class = data.draw(st.integers(1, min(min(s) for s in sizes)))
    positions = sampling.per_class_rows(frame, per_class, seed, "src")
    assert np.all(np.diff(positions) > 0)
    counts = frame.iloc[positions].groupby(["lang", "label"]).size()
    assert (counts == per_class).all() and len(counts) == 2 * len(sizes)
    assert np.array_equal(positions, sampling.per_class_rows(frame, per_class, seed, "src"))
