"""`engine.save_model` writes checkpoints transformers loads with equal outputs; `init_model`;
config.json round trips; float32 master weights with bfloat16 compute.

Measured: transformers on a saved checkpoint against alignscope on the model in memory, float32,
at most about 2e-6 absolute on hidden states and logits (values of order 1-10); asserted at 1e-5.
"""

from __future__ import annotations

import json

import jax
import numpy as np
import pytest
import torch
import transformers

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.models.families import config_json, parse_config
from tests.models.hf_reference import padded_batch, real_positions, save_tiny_model, save_tiny_tokenizer
from tests.models.test_decoder_parity import CASES, SMALL, case_config_json

ATOL = 1e-5


def _batch(vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return padded_batch([rng.integers(1, vocab_size, size=n).tolist() for n in (7, 3, 5)], "right")


def _transformers_outputs(directory, ids, mask) -> tuple[np.ndarray, np.ndarray]:
    torch_model = transformers.AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32,
                                                                    attn_implementation="eager").eval()
    with torch.no_grad():
        out = torch_model(torch.from_numpy(ids).long(), attention_mask=torch.from_numpy(mask).long(),
                          output_hidden_states=True)
    return np.stack([h.numpy() for h in out.hidden_states], axis=1), out.logits.numpy()


@pytest.mark.parametrize("case", ["llama-biases", "qwen2-sliding-layers", "phi3-fused-partial-rope",
                                  "gemma3-local-global-rope", "gpt2"])
def test_transformers_loads_a_saved_model_with_equal_outputs(case, tmp_path):
    """A model made in memory, saved in its family's layout (fused, transposed)."""
    model = engine.init_model(case_config_json(case), seed=3)
    engine.save_model(model, tmp_path, max_shard_bytes=10_000)  # small shards: exercises the index
    assert (tmp_path / "model.safetensors.index.json").is_file()
    ids, mask = _batch(SMALL["vocab_size"])
    hidden, logits = _transformers_outputs(tmp_path, ids, mask)
    ours_hidden, ours_logits = np.asarray(model.hidden_states(ids, mask)), np.asarray(model.logits(ids, mask))
    for row in range(len(ids)):
        real = real_positions(mask[row])
        np.testing.assert_allclose(ours_hidden[row][:, real], hidden[row][:, real], atol=ATOL, rtol=0)
        np.testing.assert_allclose(ours_logits[row][real], logits[row][real], atol=ATOL, rtol=0)


def test_save_load_round_trip_keeps_config_keys_and_weights(tmp_path):
    tokenizer = save_tiny_tokenizer(tmp_path / "source")
    config = transformers.LlamaConfig(**{**SMALL, "vocab_size": len(tokenizer)}, num_key_value_heads=2)
    save_tiny_model(config, tmp_path / "source")
    model = engine.load_model(tmp_path / "source")
    engine.save_model(model, tmp_path / "copy", tokenizer, extra_config={"alignscope_note": "round trip"})
    saved = json.loads((tmp_path / "copy/config.json").read_text())
    original = json.loads((tmp_path / "source/config.json").read_text())
    assert {key: saved[key] for key in original if key != "transformers_version"} == \
        {key: value for key, value in original.items() if key != "transformers_version"}
    assert saved["alignscope_note"] == "round trip" and "alignscope_version" in saved
    assert (tmp_path / "copy/tokenizer.json").is_file()
    copy = engine.load_model(tmp_path / "copy")
    for (path, a), (_, b) in zip(jax.tree_util.tree_leaves_with_path(model.params),
                                 jax.tree_util.tree_leaves_with_path(copy.params)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=jax.tree_util.keystr(path))


def test_save_in_bfloat16_rounds_the_weights(tmp_path):
    model = engine.init_model(config_json(parse_config({"architectures": ["LlamaForCausalLM"], **SMALL})))
    engine.save_model(model, tmp_path, dtype="bfloat16")
    assert json.loads((tmp_path / "config.json").read_text())["dtype"] == "bfloat16"
    stored = engine.load_model(tmp_path)
    assert stored.param_dtype == np.dtype("float32")  # loaded as asked: float32 values of bfloat16 weights
    embed = np.asarray(stored.params["embed"][...])
    np.testing.assert_array_equal(embed, np.asarray(model.params["embed"][...].astype("bfloat16").astype("float32")))


@pytest.mark.parametrize("case", list(CASES))
def test_config_json_round_trips(case):
    parsed = parse_config(case_config_json(case))
    assert parse_config(config_json(parsed)) == parsed


def test_init_model_accepts_config_path_dict_and_parsed(tmp_path):
    raw = {"architectures": ["LlamaForCausalLM"], **SMALL}
    (tmp_path / "llama.json").write_text(json.dumps(raw))
    parsed = parse_config(raw)
    models = [engine.init_model(source, seed=5) for source in (parsed, raw, tmp_path / "llama.json")]
    assert len({model.identity for model in models}) == 1
    assert engine.init_model(parsed, seed=6).identity != models[0].identity
    assert models[1].raw_config == raw and models[0].source is None


def test_master_weights_with_bfloat16_compute_equal_a_bfloat16_model(tmp_path):
    model = engine.init_model(config_json(parse_config({"architectures": ["LlamaForCausalLM"], **SMALL})), seed=2)
    engine.save_model(model, tmp_path)
    mixed = engine.load_model(tmp_path, param_dtype="float32", compute_dtype="bfloat16")
    low = engine.load_model(tmp_path, dtype="bfloat16")
    assert mixed.param_dtype == np.dtype("float32") and mixed.dtype == np.dtype("bfloat16")
    assert jax.tree.leaves(mixed.params)[0].dtype == np.dtype("float32")
    ids, mask = _batch(SMALL["vocab_size"])
    np.testing.assert_array_equal(np.asarray(mixed.logits(ids, mask)), np.asarray(low.logits(ids, mask)))
    with pytest.raises(AlignscopeError, match="compute_dtype 'float64' is not supported"):
        engine.load_model(tmp_path, compute_dtype="float64")
