"""The Corpus object, `load_corpus` dispatch to the demo corpus, and the hub path offline."""

import sys
import types

import numpy as np
import pandas as pd
import pytest

from alignscope.errors import AlignscopeError
from alignscope.data import Corpus, load_corpus


@pytest.fixture
def corpus() -> Corpus:
    return Corpus(
        texts=["a", "b", "c", "d", "a"],
        labels=[1, 0, 1, 0, 1],
        langs=["en", "en", "zh", "zh", "en"],
        parallel_ids=["p1", "p2", "p1", "p2", "p3"],
        source="test",
        empty_dropped={"zh": 2},
    )


def test_corpus_basics(corpus):
    assert len(corpus) == 5
    assert corpus.labels.dtype == np.int64 and corpus.labels.shape == (5,)
    assert corpus.languages == ["en", "zh"]
    assert corpus.class_counts() == {"en": {0: 1, 1: 2}, "zh": {0: 1, 1: 1}}
    assert corpus.duplicate_counts() == {"en": 1}


def test_select_and_by_language(corpus):
    zh_en = corpus.select(["zho", "en"])
    assert zh_en.texts == ["c", "d", "a", "b", "a"]
    assert zh_en.parallel_ids == ["p1", "p2", "p1", "p2", "p3"]
    en = corpus.select("en")
    assert en.texts == ["a", "b", "a"] and en.empty_dropped == {} and en.pair_ids is None
    assert list(corpus.by_language()) == ["en", "zh"]
    assert corpus.by_language()["zh"].empty_dropped == {"zh": 2}
    with pytest.raises(AlignscopeError, match="unknown language 'fr' for test; languages present: en, zh"):
        corpus.select(["fr"])


def test_to_pandas_has_only_present_columns(corpus):
    frame = corpus.to_pandas()
    assert list(frame.columns) == ["text", "label", "lang", "parallel_id"]
    assert frame["label"].tolist() == [1, 0, 1, 0, 1]


def test_from_frame_round_trip(corpus):
    again = Corpus.from_frame(corpus.to_pandas(), source="test")
    assert again.texts == corpus.texts and again.langs == corpus.langs
    assert again.parallel_ids == corpus.parallel_ids and again.harm_categories is None


def test_lengths_must_agree():
    with pytest.raises(ValueError, match="Corpus.langs has 1 entries for 2 texts"):
        Corpus(texts=["a", "b"], labels=[0, 1], langs=["en"])


@pytest.fixture
def fake_demo(monkeypatch):
    """Stands in for engine/data/demo (issue 6) with its interface: demo_table(split) -> DataFrame."""
    calls = []

    def demo_table(split=None):
        calls.append(split)
        rows = [
            {"text": f"{lang} prompt {pid}", "label": pid % 2, "lang": lang, "parallel_id": f"d{pid}",
             "harm_category": "violence" if pid % 2 else "", "split": "test" if pid >= 6 else "train"}
            for lang in ("en", "zh", "hi", "de")
            for pid in range(8)
        ]
        table = pd.DataFrame(rows)
        return table if split is None else table[table["split"] == split].reset_index(drop=True)

    module = types.ModuleType("alignscope.data.demo")
    module.demo_table = demo_table
    monkeypatch.setitem(sys.modules, "alignscope.data.demo", module)
    return calls


def test_demo_dispatch(fake_demo):
    corpus = load_corpus("demo", split="train", langs=["zh", "hin"], per_class=2)
    assert fake_demo == ["train"]
    assert corpus.source == "the demo corpus"
    assert corpus.languages == ["zh", "hi"]
    assert corpus.class_counts() == {"zh": {0: 2, 1: 2}, "hi": {0: 2, 1: 2}}
    assert corpus.select("zh").parallel_ids == corpus.select("hi").parallel_ids
    assert set(corpus.harm_categories) == {("violence",), ()}
    assert len(load_corpus("demo")) == 32
    with pytest.raises(AlignscopeError, match="column choices .* not the demo corpus"):
        load_corpus("demo", text_column="text")


def test_real_demo_corpus_loads():
    pytest.importorskip("alignscope.data.demo", reason="the demo corpus (issue 6) is not in yet")
    langs = ["en", "zh", "hi", "de"]
    corpus = load_corpus("demo", split="test", langs=langs)
    assert corpus.languages == langs
    assert all(set(counts) == {0, 1} for counts in corpus.class_counts().values())
    train = load_corpus("demo", split="train", langs=langs, per_class=40, seed=3)
    assert train.class_counts() == {lang: {0: 40, 1: 40} for lang in langs}
    per_lang = [(part.parallel_ids, part.labels.tolist()) for part in train.by_language().values()]
    assert all(ids == per_lang[0] for ids in per_lang)  # the same translation sets in every language
    assert not set(train.parallel_ids) & set(corpus.parallel_ids)  # train and test share no sentence


@pytest.fixture
def fake_hub(monkeypatch, tmp_path):
    """Stands in for huggingface_hub.snapshot_download: a cache snapshot directory named by its commit."""
    calls = []
    commit = "0123456789abcdef0123456789abcdef01234567"
    root = tmp_path / "cache" / "datasets--textdetox--multilingual_toxicity_dataset" / "snapshots" / commit

    def snapshot_download(repo_id, **kwargs):
        calls.append((repo_id, kwargs["revision"], kwargs["repo_type"]))
        return str(root)

    monkeypatch.setattr("huggingface_hub.snapshot_download", snapshot_download)
    monkeypatch.chdir(tmp_path)
    return root, commit, calls


def test_hub_id_pinned_and_recorded(fake_hub, write):
    root, commit, calls = fake_hub
    for lang in ("en", "hin"):
        table = pd.DataFrame({"text": [f"{lang} x", f"{lang} y"], "toxic": [1, 0]})
        write(table, root / "data" / f"{lang}-00000-of-00001.parquet")
    corpus = load_corpus("TextDetox/Multilingual_Toxicity_Dataset@v1.0")
    assert calls == [("TextDetox/Multilingual_Toxicity_Dataset", "v1.0", "dataset")]
    assert corpus.source == f"TextDetox/Multilingual_Toxicity_Dataset@{commit}"
    assert corpus.languages == ["en", "hin"]  # the TextDetox family: `hin` stays Hinglish
    load_corpus("textdetox/multilingual_toxicity_dataset")
    assert calls[-1][1] is None  # unpinned: the default branch


def test_known_hub_id_is_recognised_by_name(fake_hub, write):
    root, _, _ = fake_hub
    write(pd.DataFrame({"text": ["x"], "is_toxic": [1]}), root / "en.parquet")  # columns that identify no family
    with pytest.raises(AlignscopeError, match=r"no column 'toxic' .*\(choose one with label_column=\)"):
        load_corpus("TEXTDETOX/multilingual_toxicity_dataset")
    assert load_corpus("textdetox/multilingual_toxicity_dataset", label_column="is_toxic").texts == ["x"]


def test_hub_id_offline_not_cached_is_one_clear_line(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "empty_cache"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AlignscopeError) as info:
        load_corpus("textdetox/multilingual_toxicity_dataset", langs=["en"])
    message = str(info.value)
    assert "\n" not in message
    assert "textdetox/multilingual_toxicity_dataset is no local path and not in the local Hugging Face cache" in message


def test_local_path_wins_over_hub_id(monkeypatch, tmp_path, write):
    copy = tmp_path / "textdetox" / "multilingual_toxicity_dataset"
    write(pd.DataFrame({"text": ["x", "y"], "toxic": [1, 0]}), copy / "en.parquet")
    monkeypatch.chdir(tmp_path)
    assert load_corpus("textdetox/multilingual_toxicity_dataset").texts == ["x", "y"]
