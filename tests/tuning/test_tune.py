"""`engine.tune` in memory (bfloat16 compute on float32 master weights), its schedule, its seeded
data order, its run key on checkpoints, and its one-line errors."""

from __future__ import annotations

import dataclasses

import jax
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.train.data import example_order
from alignscope.train.objective import learning_rate_schedule
from tests.tuning.conftest import PROMPTS, RESPONSES


def test_schedule_warms_up_linearly_then_decays_by_cosine_to_zero():
    schedule = learning_rate_schedule(1e-3, warmup_steps=4, steps=20)
    rates = np.array([float(schedule(k)) for k in range(20)])
    np.testing.assert_allclose(rates[:4], 1e-3 * np.arange(1, 5) / 5, rtol=1e-6)
    np.testing.assert_allclose(rates[4:], 1e-3 * 0.5 * (1 + np.cos(np.pi * np.arange(16) / 16)), rtol=1e-5)
    assert rates.min() > 0 and float(schedule(20)) == 0.0
    assert float(learning_rate_schedule(1e-3, 0, 5)(0)) == pytest.approx(1e-3)


@settings(max_examples=40, deadline=None)
@given(batch_size=st.integers(1, 9), num_examples=st.integers(1, 12), seed=st.integers(0, 3), steps=st.integers(1, 8))
def test_data_order_is_a_fresh_permutation_per_epoch_and_depends_on_the_position_only(batch_size, num_examples, seed,
                                                                                   steps):
    drawn = np.concatenate([example_order(step * batch_size, batch_size, num_examples, seed)
                            for step in range(steps)])
    assert drawn.size == batch_size * steps
    for epoch_start in range(0, drawn.size - num_examples + 1, num_examples):
        assert sorted(drawn[epoch_start:epoch_start + num_examples]) == list(range(num_examples))
    later = example_order((steps - 1) * batch_size, batch_size, num_examples, seed)  # alone, as a resumed run asks
    np.testing.assert_array_equal(later, drawn[-batch_size:])


def test_seeds_give_different_orders():
    assert not np.array_equal(example_order(0, 12, 12, 0), example_order(0, 12, 12, 1))


@pytest.mark.parametrize("options, message", [
    ({"method": "ppo"}, "tuning method 'ppo' is unknown; accepted: pretrain, sft, dpo"),
    ({"batch_size": 6, "grad_accum": 4}, "batch_size=6 is not a multiple of grad_accum=4"),
    ({"label_smoothing": 0.5}, "label_smoothing must be in [0, 0.5)"),
    ({"compute_dtype": "float16"}, "float16 training would need loss scaling"),
    ({"steps": 0}, "steps must be a positive integer"),
])
def test_bad_config_is_one_clear_error(options, message):
    with pytest.raises(AlignscopeError, match=__import__("re").escape(message)):
        engine.TuneConfig(**{"method": "sft", "steps": 2, "batch_size": 4, "learning_rate": 1e-3, **options})


def test_tune_in_memory_with_bfloat16_compute(tiny, tmp_path):
    directory, tokenizer, _ = tiny
    start = engine.load_model(directory)
    before = [np.asarray(leaf).copy() for leaf in jax.tree.leaves(start.params)]
    config = engine.TuneConfig(method="pretrain", steps=12, batch_size=4, learning_rate=1e-2, warmup_steps=2,
                               compute_dtype="bfloat16", param_dtype="float32", max_length=64,
                               checkpoint_every=6)
    texts = PROMPTS + RESPONSES
    result = engine.tune(start, tokenizer, texts, config, checkpoint_dir=tmp_path / "state", log_dir=tmp_path,
                         progress=False)
    history = result.history
    assert history["step"].tolist() == list(range(1, 13))
    schedule = learning_rate_schedule(1e-2, 2, 12)
    np.testing.assert_allclose(history["lr"], [float(schedule(k)) for k in range(12)], rtol=1e-5)
    assert history["loss"].iloc[-3:].mean() < history["loss"].iloc[:3].mean()
    assert (history["tokens"] > 0).all() and (tmp_path / "history.csv").is_file()
    tuned = result.model
    assert {leaf.dtype for leaf in jax.tree.leaves(tuned.params)} == {np.dtype("float32")}
    assert tuned.compute_dtype == np.dtype("bfloat16") and tuned.source is None
    assert tuned.identity != start.identity
    for leaf, original in zip(jax.tree.leaves(start.params), before):  # the starting model is untouched
        np.testing.assert_array_equal(np.asarray(leaf), original)
    # The checkpoints belong to this run: another seed (another data order) must not resume from them.
    with pytest.raises(AlignscopeError, match="holds the checkpoints of another run"):
        engine.tune(start, tokenizer, texts, dataclasses.replace(config, seed=1), checkpoint_dir=tmp_path / "state",
                    progress=False)


def test_bad_data_is_one_clear_error(tiny):
    directory, tokenizer, _ = tiny
    model = engine.load_model(directory)
    config = engine.TuneConfig(method="dpo", steps=1, batch_size=2, learning_rate=1e-3)
    with pytest.raises(AlignscopeError, match="dpo data must be preference pairs"):
        engine.tune(model, tokenizer, PROMPTS, config)
    with pytest.raises(AlignscopeError, match="sft data must be"):
        engine.tune(model, tokenizer, PROMPTS, dataclasses.replace(config, method="sft"))
    with pytest.raises(AlignscopeError, match="checkpoint_every needs a checkpoint_dir"):
        engine.tune(model, tokenizer, (PROMPTS, RESPONSES), dataclasses.replace(config, method="sft",
                                                                                 checkpoint_every=1))
    with pytest.raises(AlignscopeError, match="no token to score"):
        engine.tune(model, tokenizer, (["a"], [""]), dataclasses.replace(config, method="sft", append_eos=False))
