"""Parity of the Flax decoder against transformers/PyTorch on tiny random checkpoints.

Each case saves a random transformers model, loads it with `engine.load_model`, runs a padded
batch, and compares every hidden state and the logits of each row's real tokens against
transformers run on that sentence alone, unpadded. Measured worst case in float32 on CPU:
about 2e-6 absolute (values of order 1-10), asserted at 1e-5.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import transformers

import engine
from engine import model as model_module
from tests.models.hf_reference import padded_batch, real_positions, reference_alone, save_tiny_model

FLOAT32_ATOL = 1e-5
# bfloat16 keeps 8 bits of mantissa; errors compound over layers. Relative to the largest value.
BFLOAT16_RELATIVE_TOL = 5e-2

SMALL = dict(vocab_size=97, hidden_size=32, intermediate_size=48, num_hidden_layers=3,
             num_attention_heads=4, max_position_embeddings=64)

CASES = {
    "llama-mha": (transformers.LlamaConfig, dict(num_key_value_heads=4)),
    "llama-gqa": (transformers.LlamaConfig, dict(num_key_value_heads=2)),
    "llama-mqa": (transformers.LlamaConfig, dict(num_key_value_heads=1)),
    "llama-head_dim-16": (transformers.LlamaConfig, dict(num_key_value_heads=2, head_dim=16)),
    "llama-llama3-rope": (transformers.LlamaConfig, dict(
        num_key_value_heads=2, rope_parameters=dict(
            rope_type="llama3", rope_theta=500000.0, factor=8.0, low_freq_factor=1.0,
            high_freq_factor=4.0, original_max_position_embeddings=16))),
    "llama-linear-rope": (transformers.LlamaConfig, dict(
        num_key_value_heads=2, rope_parameters=dict(rope_type="linear", rope_theta=10000.0, factor=4.0))),
    "llama-tied": (transformers.LlamaConfig, dict(num_key_value_heads=2, tie_word_embeddings=True)),
    "llama-biases": (transformers.LlamaConfig, dict(num_key_value_heads=2, attention_bias=True, mlp_bias=True)),
    "qwen2-biases": (transformers.Qwen2Config, dict(num_key_value_heads=2)),
    "qwen2-sliding-layers": (transformers.Qwen2Config, dict(
        num_key_value_heads=2, use_sliding_window=True, sliding_window=3, max_window_layers=1)),
    "mistral-sliding": (transformers.MistralConfig, dict(num_key_value_heads=2, sliding_window=4)),
    "mistral-tied-mqa": (transformers.MistralConfig, dict(num_key_value_heads=1, sliding_window=None,
                                                           tie_word_embeddings=True)),
}

# Lengths 1..11 so sliding windows of 3 and 4 are shorter than most sentences.
LENGTHS = (11, 4, 1, 8, 6)


def _sentences(vocab_size: int, seed: int = 0) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return [rng.integers(1, vocab_size, size=n).tolist() for n in LENGTHS]


def _max_errors(ours_hidden, ours_logits, mask, torch_model, sentences) -> tuple[float, float, float]:
    """Returns (max |hidden error|, max |logit error|, max |reference value|) over real tokens."""
    hidden_error = logit_error = scale = 0.0
    for row, sentence in enumerate(sentences):
        expected_hidden, expected_logits = reference_alone(torch_model, sentence)
        where = real_positions(mask[row])
        got_hidden = np.asarray(ours_hidden[row])[:, where]
        got_logits = np.asarray(ours_logits[row])[where]
        assert got_hidden.shape == expected_hidden.shape
        hidden_error = max(hidden_error, float(np.abs(got_hidden - expected_hidden).max()))
        logit_error = max(logit_error, float(np.abs(got_logits - expected_logits).max()))
        scale = max(scale, float(np.abs(expected_hidden).max()), float(np.abs(expected_logits).max()))
    return hidden_error, logit_error, scale


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> dict:
    """Each case's (checkpoint directory, torch model), built once for the module."""
    built = {}
    for name, (config_class, extra) in CASES.items():
        directory = tmp_path_factory.mktemp(name)
        torch_model = save_tiny_model(config_class(**SMALL, **extra), directory)
        built[name] = (directory, torch_model)
    return built


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_float32_parity(checkpoints, case, side):
    directory, torch_model = checkpoints[case]
    model = engine.load_model(directory)
    sentences = _sentences(SMALL["vocab_size"])
    ids, mask = padded_batch(sentences, side)
    hidden = model.hidden_states(ids, mask)
    logits = model.logits(ids, mask)
    assert hidden.shape == (len(sentences), SMALL["num_hidden_layers"] + 1, ids.shape[1], SMALL["hidden_size"])
    assert hidden.dtype == np.float32 and logits.dtype == np.float32
    hidden_error, logit_error, _ = _max_errors(hidden, logits, mask, torch_model, sentences)
    print(f"PARITY float32 {case} {side}-padded hidden={hidden_error:.2e} logits={logit_error:.2e}")
    assert hidden_error < FLOAT32_ATOL
    assert logit_error < FLOAT32_ATOL


@pytest.mark.parametrize("case", ["llama-gqa", "qwen2-biases", "mistral-sliding"])
def test_bfloat16_parity(checkpoints, case):
    directory, torch_model = checkpoints[case]
    model = engine.load_model(directory, dtype="bfloat16")
    sentences = _sentences(SMALL["vocab_size"], seed=1)
    ids, mask = padded_batch(sentences, "left")
    hidden_error, logit_error, scale = _max_errors(
        model.hidden_states(ids, mask), model.logits(ids, mask), mask, torch_model, sentences)
    print(f"PARITY bfloat16 {case} left-padded hidden={hidden_error:.2e} logits={logit_error:.2e} "
          f"(largest value {scale:.1f})")
    assert max(hidden_error, logit_error) < BFLOAT16_RELATIVE_TOL * scale


def test_sharded_checkpoint(tmp_path):
    config = transformers.LlamaConfig(**SMALL, num_key_value_heads=2)
    torch_model = save_tiny_model(config, tmp_path, max_shard_size="20KB")
    index = json.loads((tmp_path / "model.safetensors.index.json").read_text())
    assert len(set(index["weight_map"].values())) > 3
    model = engine.load_model(tmp_path)
    sentences = _sentences(SMALL["vocab_size"], seed=2)
    ids, mask = padded_batch(sentences, "right")
    hidden_error, logit_error, _ = _max_errors(
        model.hidden_states(ids, mask), model.logits(ids, mask), mask, torch_model, sentences)
    print(f"PARITY float32 llama-sharded-checkpoint right-padded hidden={hidden_error:.2e} logits={logit_error:.2e}")
    assert max(hidden_error, logit_error) < FLOAT32_ATOL


def test_legacy_config_keys(tmp_path):
    """rope_theta + rope_scaling and torch_dtype, as pre-transformers-5 checkpoints have them."""
    config = transformers.LlamaConfig(**SMALL, num_key_value_heads=2, rope_parameters=dict(
        rope_type="llama3", rope_theta=500000.0, factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
        original_max_position_embeddings=16))
    torch_model = save_tiny_model(config, tmp_path)
    raw = json.loads((tmp_path / "config.json").read_text())
    rope = raw.pop("rope_parameters")
    raw["rope_theta"] = rope.pop("rope_theta")
    raw["rope_scaling"] = {"type" if key == "rope_type" else key: value for key, value in rope.items()}
    raw["torch_dtype"] = raw.pop("dtype", None) or "float32"
    (tmp_path / "config.json").write_text(json.dumps(raw))
    model = engine.load_model(tmp_path)
    assert model.config.rope[0].kind == "llama3"
    sentences = _sentences(SMALL["vocab_size"], seed=3)
    ids, mask = padded_batch(sentences, "left")
    hidden_error, logit_error, _ = _max_errors(
        model.hidden_states(ids, mask), model.logits(ids, mask), mask, torch_model, sentences)
    assert max(hidden_error, logit_error) < FLOAT32_ATOL


def test_base_and_aligned_share_compiled_code(tmp_path):
    """Two checkpoints of one architecture (different weights) compile the forward once."""
    config = transformers.LlamaConfig(**SMALL, num_key_value_heads=2)
    save_tiny_model(config, tmp_path / "base", seed=0)
    save_tiny_model(config, tmp_path / "aligned", seed=1)
    base, aligned = engine.load_model(tmp_path / "base"), engine.load_model(tmp_path / "aligned")
    ids, mask = padded_batch(_sentences(SMALL["vocab_size"]), "right")
    before = model_module._hidden_states._cache_size()
    first = base.hidden_states(ids, mask)
    second = aligned.hidden_states(ids, mask)
    assert model_module._hidden_states._cache_size() - before <= 1
    assert not np.allclose(first, second)
