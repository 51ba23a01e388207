"""Parity of the Flax decoder against transformers/PyTorch on tiny random checkpoints, one case
per family feature (every family of `engine.supported_architectures()` has at least one).

Each case saves a random transformers model, loads it with `engine.load_model`, runs a left- and
a right-padded batch, and compares every hidden state and the logits of each row's real tokens
against transformers run on that sentence alone, unpadded. Measured worst case in float32 on CPU:
about 2e-6 absolute (values of order 1-10), asserted at 1e-5.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import transformers
from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

from alignscope import engine
from alignscope.models import forward
from alignscope.checkpoints.paths import weight_files
from alignscope.checkpoints.safetensors import SafetensorsReader
from tests.models.hf_reference import padded_batch, real_positions, reference_alone, save_tiny_model

FLOAT32_ATOL = 1e-5
# Relative to the largest reference value (Gemma's scaled embeddings and (1 + w) norms reach ~100).
FLOAT32_RELATIVE_TOL = 4e-6
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
    "qwen3-qk-norm": (transformers.Qwen3Config, dict(num_key_value_heads=2, head_dim=16)),
    "phi3-fused-partial-rope": (transformers.Phi3Config, dict(
        num_key_value_heads=2, pad_token_id=0, rope_parameters=dict(
            rope_type="default", rope_theta=10000.0, partial_rotary_factor=0.5))),
    "olmo2-post-norms": (transformers.Olmo2Config, dict(num_key_value_heads=2, pad_token_id=0)),
    "gemma": (transformers.GemmaConfig, dict(num_key_value_heads=1, head_dim=16)),
    "gemma2-softcaps-sliding": (transformers.Gemma2Config, dict(
        num_key_value_heads=2, head_dim=8, query_pre_attn_scalar=12, sliding_window=3,
        attn_logit_softcapping=1.5, final_logit_softcapping=2.5)),
    "gemma3-local-global-rope": (transformers.Gemma3TextConfig, dict(
        num_key_value_heads=2, head_dim=8, query_pre_attn_scalar=12, sliding_window=3, final_logit_softcapping=4.0,
        layer_types=["sliding_attention", "full_attention", "sliding_attention"],
        rope_parameters={"sliding_attention": dict(rope_type="default", rope_theta=100.0),
                         "full_attention": dict(rope_type="linear", rope_theta=10000.0, factor=4.0)})),
    "cohere-parallel": (transformers.CohereConfig, dict(num_key_value_heads=2, logit_scale=0.5)),
    "cohere-qk-norm": (transformers.CohereConfig, dict(num_key_value_heads=2, use_qk_norm=True,
                                                       tie_word_embeddings=False)),
    "gpt-neox-parallel": (transformers.GPTNeoXConfig, dict(rotary_pct=0.5, hidden_act="gelu")),
    "gpt-neox-sequential": (transformers.GPTNeoXConfig, dict(rotary_pct=0.25, use_parallel_residual=False,
                                                             attention_bias=False, tie_word_embeddings=True)),
    "gpt2": (transformers.GPT2Config, dict(n_inner=48)),
    # Length-dependent rotary kinds: max (original) positions 8, so the 11-token text is "long".
    "llama-dynamic-rope": (transformers.LlamaConfig, dict(num_key_value_heads=2, max_position_embeddings=8,
                                                          rope_parameters=dict(rope_type="dynamic", factor=2.0,
                                                                               rope_theta=10000.0))),
    "qwen2-yarn-rope": (transformers.Qwen2Config, dict(num_key_value_heads=2, rope_parameters=dict(
        rope_type="yarn", factor=4.0, original_max_position_embeddings=16, rope_theta=10000.0))),
    "phi3-longrope": (transformers.Phi3Config, dict(
        num_key_value_heads=2, pad_token_id=0, max_position_embeddings=32, original_max_position_embeddings=8,
        rope_parameters=dict(rope_type="longrope", rope_theta=10000.0, short_factor=[1.0, 1.5, 2.0, 3.0],
                             long_factor=[2.0, 4.0, 8.0, 16.0]))),
}



def architecture(case: str) -> str:
    """The transformers causal-LM class name of a case's config (`architectures[0]`)."""
    return MODEL_FOR_CAUSAL_LM_MAPPING_NAMES[CASES[case][0].model_type]


def case_config_json(case: str) -> dict:
    """A case's config.json dict, as transformers writes it."""
    config_class, extra = CASES[case]
    return config_class(**{**SMALL, **extra}).to_dict() | {"architectures": [architecture(case)]}


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


_BUILT: dict[str, tuple] = {}


@pytest.fixture
def checkpoint(tmp_path_factory):
    """Returns a function: case -> (checkpoint directory, torch model), each built once per process."""
    def build(case: str):
        if case not in _BUILT:
            config_class, extra = CASES[case]
            directory = tmp_path_factory.mktemp(case)
            _BUILT[case] = (directory, save_tiny_model(config_class(**{**SMALL, **extra}), directory))
        return _BUILT[case]
    return build


def _saved_tensors(directory) -> dict[str, np.ndarray]:
    reader = SafetensorsReader(weight_files(directory))
    return {name: np.asarray(reader.get(name)) for name in reader.entries}


@pytest.mark.parametrize("case", sorted(CASES))
def test_float32_parity_and_save_round_trip(checkpoint, case, tmp_path):
    """Every hidden state and the logits of left- and right-padded batches equal transformers on
    each sentence alone; `save_model` writes the checkpoint's own tensors back, bit for bit."""
    directory, torch_model = checkpoint(case)
    model = engine.load_model(directory)
    sentences = _sentences(SMALL["vocab_size"])
    for side in ("right", "left"):
        ids, mask = padded_batch(sentences, side)
        hidden = model.hidden_states(ids, mask)
        logits = model.logits(ids, mask)
        assert hidden.shape == (len(sentences), SMALL["num_hidden_layers"] + 1, ids.shape[1], SMALL["hidden_size"])
        assert hidden.dtype == np.float32 and logits.dtype == np.float32
        hidden_error, logit_error, scale = _max_errors(hidden, logits, mask, torch_model, sentences)
        print(f"PARITY float32 {case} {side}-padded hidden={hidden_error:.2e} logits={logit_error:.2e} "
              f"(largest value {scale:.1f})")
        assert max(hidden_error, logit_error) < FLOAT32_RELATIVE_TOL * max(scale, 1.0)
    engine.save_model(model, tmp_path)
    original, saved = _saved_tensors(directory), _saved_tensors(tmp_path)
    assert sorted(saved) == sorted(original)
    for name, value in original.items():
        np.testing.assert_array_equal(saved[name], value, err_msg=name)


@pytest.mark.parametrize("case", ["llama-gqa", "gemma2-softcaps-sliding", "cohere-parallel"])
def test_bfloat16_parity(checkpoint, case):
    directory, torch_model = checkpoint(case)
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
    before = forward.hidden_states._cache_size()
    first = base.hidden_states(ids, mask)
    second = aligned.hidden_states(ids, mask)
    assert forward.hidden_states._cache_size() - before <= 1
    assert not np.allclose(first, second)
