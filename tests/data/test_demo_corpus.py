"""The frozen demo corpus: size, parallelism, splits, languages, reproducibility and its loaders."""

import hashlib
import re

import pandas as pd
import pytest

from alignscope.errors import AlignscopeError
from alignscope import engine
from alignscope.data import demo
from alignscope.data.demo.build import corpus as build_demo_corpus
from alignscope.data.demo.build import harmful as _text_harmful
from alignscope.data.demo.build import harmless as _text_harmless

FIELDS = ("prompt", "chosen", "rejected")
SCRIPTS = {"zh": re.compile(r"[\u4e00-\u9fff]"), "hi": re.compile(r"[\u0900-\u097f]")}
ENGLISH_WORDS = re.compile(r"\b(the|you|your|please|sure|here's|what|how)\b", re.I)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return demo.demo_table()


@pytest.fixture(scope="module")
def pairs() -> pd.DataFrame:
    return demo.load_preferences().to_frame()


def test_at_least_300_prompts_per_class_and_language(table):
    counts = table.groupby(["lang", "label"]).size()
    assert set(counts.index) == {(lang, label) for lang in demo.DEMO_LANGS for label in (0, 1)}
    assert counts.min() >= 300


def test_parallel_ids_are_identical_across_languages(table):
    ids = {lang: sorted(group["parallel_id"]) for lang, group in table.groupby("lang")}
    assert all(lang_ids == ids["en"] for lang_ids in ids.values())
    assert not table.duplicated(["parallel_id", "lang"]).any()
    per_id = table.groupby("parallel_id")[["label", "split", "harm_category", "topic", "template", "slot"]].nunique()
    assert (per_id == 1).all().all()


def test_prompts_are_distinct_within_a_language(table):
    assert not table.duplicated(["lang", "text"]).any()


def test_splits_are_disjoint_by_parallel_id(table):
    train = set(table.loc[table["split"] == "train", "parallel_id"])
    test = set(table.loc[table["split"] == "test", "parallel_id"])
    assert train and test and not train & test
    assert set(table["split"]) == {"train", "test"}
    assert 0.2 < len(test) / (len(train) + len(test)) < 0.3
    assert set(table.loc[table["split"] == "test", "label"]) == {0, 1}


def test_splits_are_balanced_by_class_and_topic(table):
    english = table[table["lang"] == "en"]
    for _, group in english.groupby("topic"):
        assert 0.2 < (group["split"] == "test").mean() < 0.3
    per_class = english.groupby(["label", "split"]).size()
    assert abs(per_class[(0, "test")] - per_class[(1, "test")]) <= 2


def test_no_test_prompt_shares_its_slot_with_a_training_prompt(table):
    slot_splits = table.groupby("slot")["split"].nunique()
    assert (slot_splits == 1).all(), list(slot_splits[slot_splits > 1].index)
    topics = table.groupby("slot")["topic"].nunique()
    assert (topics == 1).all()
    assert table.groupby(["split", "topic"])["slot"].nunique().min() >= 2


def test_no_test_request_or_answer_text_appears_in_train(table, pairs):
    """Independent of the `slot` column: a slot's filler (or answer) text is found in one split only."""
    pairs = pairs.merge(table[["lang", "parallel_id", "topic"]], on=["lang", "parallel_id"])
    topics = [*_text_harmful.CATEGORIES, *_text_harmless.TOPICS]
    for i, lang in enumerate(demo.DEMO_LANGS):
        rows = pairs[pairs["lang"] == lang]
        for topic in topics:
            in_topic = rows[rows["topic"] == topic.name]
            for slot in topic.slots:
                splits = set(in_topic.loc[in_topic["prompt"].str.contains(slot[i], regex=False), "split"])
                assert len(splits) == 1, (lang, topic.name, slot[i], splits)
        for topic in _text_harmless.TOPICS:
            for answer in topic.answers:
                splits = set(rows.loc[rows["chosen"].str.contains(answer[i], regex=False), "split"])
                assert len(splits) == 1, (lang, topic.name, answer[i], splits)
    harmless = pairs[(pairs["label"] == 0) & (pairs["lang"] == "en")]
    train_chosen = set(harmless.loc[harmless["split"] == "train", "chosen"])
    assert not train_chosen & set(harmless.loc[harmless["split"] == "test", "chosen"])


def test_split_argument_selects_rows(table):
    test = demo.demo_table("test")
    assert set(test["split"]) == {"test"}
    assert len(test) + len(demo.demo_table("train")) == len(table)
    assert list(test.columns[:6]) == ["text", "label", "lang", "parallel_id", "harm_category", "split"]


def test_harm_categories(table):
    assert set(table.loc[table["label"] == 0, "harm_category"]) == {""}
    harmful = set(table.loc[table["label"] == 1, "harm_category"])
    assert "" not in harmful and "none" not in harmful and len(harmful) >= 8


def test_load_corpus_gives_harmless_rows_no_harm_category():
    corpus = engine.load_corpus("demo", split="test", langs=["de"])
    by_label = {
        label: {cats for cats, lab in zip(corpus.harm_categories, corpus.labels) if lab == label} for label in (0, 1)
    }
    assert by_label[0] == {()}
    assert all(len(cats) == 1 for cats in by_label[1])


def test_every_pair_is_complete_and_in_its_own_language(pairs):
    for field in FIELDS:
        assert (pairs[field].str.strip() != "").all(), field
    for lang, script in SCRIPTS.items():
        rows = pairs[pairs["lang"] == lang]
        for field in FIELDS:
            assert rows[field].map(lambda s: bool(script.search(s))).all(), (lang, field)
    translated = pairs[pairs["lang"] != "en"]
    for field in FIELDS:
        assert not translated[field].map(lambda s: bool(ENGLISH_WORDS.search(s))).any(), field
    english = pairs[pairs["lang"] == "en"].set_index("parallel_id")
    for lang in ("zh", "hi", "de"):
        other = pairs[pairs["lang"] == lang].set_index("parallel_id").loc[english.index]
        for field in FIELDS:
            assert (other[field] != english[field]).all(), (lang, field)


def test_compliant_answers_are_placeholders(pairs):
    harmful = pairs[pairs["label"] == 1]
    assert harmful["rejected"].str.contains(r"\[[^\]]+\]").all()
    assert not harmful["chosen"].str.contains(r"\[").any()


def test_generator_reproduces_the_frozen_file(tmp_path):
    out = tmp_path / "demo_corpus.jsonl"
    build_demo_corpus.main(["--out", str(out)])
    assert out.read_bytes() == demo.CORPUS_PATH.read_bytes()


def test_hash_is_the_sha256_of_the_file_and_in_the_readme():
    digest = hashlib.sha256(demo.CORPUS_PATH.read_bytes()).hexdigest()
    assert demo.demo_corpus_hash() == digest
    assert digest in (demo.CORPUS_PATH.parent / "README.md").read_text(encoding="utf-8")


def test_preferences_select_split_and_languages(table):
    prefs = demo.load_preferences(split="test", langs=["hi", "en"])
    n_test_ids = table.loc[table["split"] == "test", "parallel_id"].nunique()
    assert len(prefs) == 2 * n_test_ids
    assert set(prefs.split) == {"test"}
    assert prefs.lang[0] == "hi" and prefs.lang[-1] == "en"
    assert set(demo.load_preferences(langs="zh").lang) == {"zh"}
    assert len({len(getattr(prefs, name)) for name in ("prompt", "chosen", "rejected", "parallel_id", "label")}) == 1


def test_bad_split_raises():
    with pytest.raises(AlignscopeError, match="accepted: train, test"):
        demo.demo_table("validation")
    with pytest.raises(AlignscopeError, match="accepted: train, test"):
        demo.load_preferences(split="dev")


def test_unknown_language_raises():
    with pytest.raises(AlignscopeError, match="languages present: en, zh, hi, de"):
        demo.load_preferences(langs=["en", "fr"])
    with pytest.raises(AlignscopeError, match="no language requested"):
        demo.load_preferences(langs=[])


@pytest.mark.parametrize("langs", [["hin"], ["HI"], "Hin", ["hi", "hin"]])
def test_preferences_accept_language_codes_as_load_corpus_does(langs):
    prefs = demo.load_preferences(split="test", langs=langs)
    corpus = engine.load_corpus("demo", split="test", langs=[langs] if isinstance(langs, str) else langs)
    assert set(prefs.lang) == {"hi"}
    assert list(prefs.prompt) == list(corpus.texts)
    assert list(prefs.parallel_id) == list(corpus.parallel_ids)


def test_unknown_source_raises():
    with pytest.raises(AlignscopeError, match="accepted: 'demo'"):
        demo.load_preferences("textdetox")
