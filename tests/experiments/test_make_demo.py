"""make_demo: the demo tokenizer, the packing of pretraining text, and the whole pipeline (--quick)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from alignscope import engine
from alignscope.data.demo import DEMO_MODELS, demo_corpus_hash, load_preferences
from alignscope.runtime.sequences import encode_sequences
from alignscope.experiments import make_demo


@pytest.fixture(scope="module")
def pairs():
    return make_demo.train_pairs(make_demo.QUICK_RECIPE)


@pytest.fixture(scope="module")
def tokenizer(pairs, tmp_path_factory):
    return make_demo.train_demo_tokenizer(pairs, 600, tmp_path_factory.mktemp("tokenizer"))


def test_training_data_is_the_train_split_only():
    test_prompts = set(load_preferences("demo", split="test").prompt)
    for recipe in (make_demo.FULL, make_demo.QUICK_RECIPE):
        train = make_demo.train_pairs(recipe)
        assert set(train.split) == {"train"} and not test_prompts & set(train.prompt)
        assert set(train.lang) == {"en", "zh", "hi", "de"}
    assert len(make_demo.train_pairs(make_demo.FULL)) == len(load_preferences("demo", split="train"))


def test_packed_documents_tokenize_as_their_pieces_back_to_back(tokenizer, pairs):
    pieces = make_demo.pretraining_pieces(tokenizer, pairs)
    n = len(pairs)
    assert len(pieces) == 4 * n  # prompt, chosen, rejected as text; the helpful answer in chat
    documents = make_demo.pack_documents(tokenizer, pieces, 200, seed=3)
    assert documents == make_demo.pack_documents(tokenizer, pieces, 200, seed=3)
    joint = tokenizer.eos_token + tokenizer.bos_token
    assert sorted(p for d in documents for p in d.split(joint)) == sorted(pieces)

    as_trained = encode_sequences(tokenizer, [""] * len(documents), documents, append_eos=True)
    assert all(len(s.ids) <= 200 for s, d in zip(as_trained, documents) if joint in d)  # a longer piece is alone
    trained_ids = np.concatenate([s.ids for s in as_trained])
    # Each piece alone, as pretraining (plain text) and DPO / response_logprobs (chat) encode it.
    plain = encode_sequences(tokenizer, [""] * 3 * n, pieces[:3 * n], append_eos=True)
    chat = encode_sequences(tokenizer, list(pairs.prompt), make_demo.helpful_answers(pairs),
                            chat_template=True, append_eos=True)
    alone = {piece: s.ids for piece, s in zip(pieces, plain + chat)}
    expected = np.concatenate([alone[p] for d in documents for p in d.split(joint)])
    np.testing.assert_array_equal(trained_ids, expected)


def _run(module: str, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *flags], capture_output=True, text=True, timeout=900)


def test_quick_pipeline_builds_three_models_and_measures_them(tmp_path):
    """make_demo --quick, then measure_demo on its models: the whole lineage end to end."""
    models = f"--demo_models_dir={tmp_path / 'm'}"
    run = _run("experiments.make_demo", "--quick", models, f"--output_dir={tmp_path / 'out'}")
    assert run.returncode == 0, run.stderr[-3000:]
    weights = {}
    for name in DEMO_MODELS:
        directory = tmp_path / "m" / name
        config = json.loads((directory / "config.json").read_text())
        assert config["alignscope_corpus_sha256"] == demo_corpus_hash()
        assert config["architectures"] == ["LlamaForCausalLM"] and config["dtype"] == "bfloat16"
        stages = ["."] if name == "base" else ["sft", "dpo"]
        assert all((tmp_path / "out" / "make_demo" / name / stage / "history.csv").is_file() for stage in stages)
        model = engine.load_model(directory)
        tokenizer = engine.load_tokenizer(directory)
        assert tokenizer.chat_template and len(tokenizer) == config["vocab_size"]
        logprobs = engine.response_logprobs(model, tokenizer, ["Hi"], ["Hello!"], chat_template=True, append_eos=True)
        assert np.isfinite(logprobs).all()
        weights[name] = np.asarray(model.params["embed"][...], dtype=np.float32)
    assert not np.array_equal(weights["base"], weights["aligned-en"])
    assert not np.array_equal(weights["aligned-en"], weights["aligned-multi"])

    run = _run("experiments.measure_demo", models, f"--output_dir={tmp_path / 'out'}", "--bootstrap=20")
    assert run.returncode == 0, run.stderr[-3000:]
    measured = json.loads((tmp_path / "out" / "measure_demo" / "measurements.json").read_text())
    behaviour = measured["refusal"]
    assert len(behaviour) == 3 * 4 * 2  # models x languages x (harmful, harmless)
    assert {(r["prompts"], r["n"]) for r in behaviour} == {("harmful", 90), ("harmless", 89)}
    assert all(r["refusal_rate_low"] <= r["refusal_rate"] <= r["refusal_rate_high"] for r in behaviour)
    assert all(r["refusal_score_low"] <= r["refusal_score"] <= r["refusal_score_high"] for r in behaviour)
    assert len(measured["answers"]) == 3 * 4 * 2 * 3 and all(isinstance(q["answer"], str) for q in measured["answers"])
    rates = measured["preference_rates"]
    assert len(rates) == 3 * 4 * 3  # models x languages x (all, harmful, harmless)
    assert all(0 <= r["low"] <= r["high"] <= 1 and 0 <= r["rate"] <= 1 for r in rates)
    assert {r["pairs"] for r in rates if r["prompts"] == "all"} == {179}  # test split: 90 harmful + 89 harmless
    layers = 2 + 1  # the quick model's blocks, plus the embeddings
    assert len(measured["separation"]) == 4 * layers * 2
    for row in measured["separation"]:
        for name in DEMO_MODELS[1:]:
            assert row[f"change_{name}_low"] <= row[f"change_{name}_high"]
            assert np.isclose(row[f"change_{name}"], row[name] - row["base"])
    assert (tmp_path / "out" / "measure_demo" / "table.md").read_text().count("\n| de |") == 2 + 3 + 2 * layers


def test_base_is_shown_the_helpful_answer_only(pairs):
    """base's chat pieces comply with harmful prompts and help with harmless ones: no refusal."""
    answers = make_demo.helpful_answers(pairs)
    for answer, chosen, rejected, label in zip(answers, pairs.chosen, pairs.rejected, pairs.label):
        assert answer == (rejected if label == 1 else chosen)
    assert {1, 0} <= set(pairs.label)
