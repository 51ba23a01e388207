"""Config parsing and the one-line errors a user can cause when loading a checkpoint."""

from __future__ import annotations

import json

import pytest
import transformers

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.models.families import parse_config
from tests.models.hf_reference import save_tiny_model

LLAMA = {"architectures": ["LlamaForCausalLM"], "vocab_size": 10, "hidden_size": 8, "intermediate_size": 16,
         "num_hidden_layers": 2, "num_attention_heads": 2}


def test_defaults_and_optional_keys():
    config = parse_config({**LLAMA, "head_dim": None, "some_future_key": [1, 2]})
    assert config.head_dim == 4 and config.num_kv_heads == 2
    assert config.rope[0].theta == 10000.0 and config.rope[0].kind == "default"
    assert not config.tie_word_embeddings and config.checkpoint_dtype == "float32"
    assert parse_config({**LLAMA, "torch_dtype": "bfloat16"}).checkpoint_dtype == "bfloat16"
    assert parse_config({**LLAMA, "dtype": "float16"}).checkpoint_dtype == "float16"


def test_model_type_without_architectures():
    raw = {key: value for key, value in LLAMA.items() if key != "architectures"}
    assert parse_config({**raw, "model_type": "qwen2"}).qkv_bias


def test_rope_parameters_nested_per_layer_type():
    raw = {**LLAMA, "layer_types": ["sliding_attention", "full_attention"], "sliding_window": 4,
           "rope_parameters": {"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                               "full_attention": {"rope_type": "linear", "rope_theta": 1e6, "factor": 8.0}}}
    config = parse_config(raw)
    assert [rope.theta for rope in config.rope] == [10000.0, 1e6]
    assert config.rope[1].kind == "linear" and config.rope[1].factor == 8.0
    assert list(config.layer_windows()) == [4, 2**31 - 1]


def test_legacy_rope_scaling_equals_rope_parameters():
    llama3 = {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
              "original_max_position_embeddings": 8192}
    new = parse_config({**LLAMA, "rope_parameters": {"rope_type": "llama3", "rope_theta": 5e5, **llama3}})
    old = parse_config({**LLAMA, "rope_theta": 5e5, "rope_scaling": {"type": "llama3", **llama3}})
    assert new.rope == old.rope


def test_tied_embeddings_flag():
    assert parse_config({**LLAMA, "tie_word_embeddings": True}).tie_word_embeddings


@pytest.mark.parametrize("missing", ["vocab_size", "hidden_size", "num_hidden_layers"])
def test_missing_required_key_is_named(missing):
    raw = {key: value for key, value in LLAMA.items() if key != missing}
    with pytest.raises(AlignscopeError, match=f"missing the required key '{missing}'"):
        parse_config(raw)


def test_unsupported_architecture_lists_supported():
    with pytest.raises(AlignscopeError, match="not supported; supported: .*LlamaForCausalLM"):
        parse_config({**LLAMA, "architectures": ["BertForMaskedLM"]})


def test_unsupported_rope_type():
    with pytest.raises(AlignscopeError, match="rope_type 'proportional' is not supported"):
        parse_config({**LLAMA, "rope_parameters": {"rope_type": "proportional", "rope_theta": 1e4, "factor": 2.0}})


def test_missing_path(tmp_path):
    with pytest.raises(AlignscopeError, match="does not exist"):
        engine.load_model(str(tmp_path / "nowhere"))


def test_hub_id_offline_and_uncached():
    with pytest.raises(AlignscopeError, match="could not get alignscope-test/no-such-model"):
        engine.load_model("alignscope-test/no-such-model")


def test_directory_without_config(tmp_path):
    with pytest.raises(AlignscopeError, match="has no config.json"):
        engine.load_model(tmp_path)


def test_directory_without_weights(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(LLAMA))
    with pytest.raises(AlignscopeError, match="has no weights"):
        engine.load_model(tmp_path)


def test_bad_dtype(tmp_path):
    with pytest.raises(AlignscopeError, match="dtype 'float64' is not supported; supported: float32, bfloat16"):
        engine.init_model(LLAMA, dtype="float64")


def test_weights_that_do_not_match_config(tmp_path):
    save_tiny_model(transformers.LlamaConfig(**{k: v for k, v in LLAMA.items() if k != "architectures"}), tmp_path)
    raw = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**raw, "intermediate_size": 24}))
    with pytest.raises(AlignscopeError, match="has shape"):
        engine.load_model(tmp_path)


def test_tokenizer_missing_files(tmp_path):
    with pytest.raises(AlignscopeError, match="no usable tokenizer"):
        engine.load_tokenizer(tmp_path)


def test_bad_mesh_spec():
    with pytest.raises(AlignscopeError, match="mesh axis 'tensor' is unknown"):
        engine.make_mesh("data:1,tensor:1")


def test_tokenizer_round_trip(tmp_path):
    from tests.models.hf_reference import save_tiny_tokenizer

    saved = save_tiny_tokenizer(tmp_path)
    loaded = engine.load_tokenizer(tmp_path)
    text = "Wie backe ich Brot? 我怎样烤面包"
    assert loaded(text)["input_ids"] == saved(text)["input_ids"]
    assert loaded(text)["input_ids"][0] == loaded.bos_token_id
    assert loaded.chat_template


def test_defaults_follow_transformers_when_keys_are_absent():
    mistral = parse_config({**LLAMA, "architectures": ["MistralForCausalLM"]})
    assert mistral.sliding_window == 4096 and set(mistral.layer_types) == {"sliding_attention"}
    assert parse_config({**LLAMA, "architectures": ["MistralForCausalLM"], "sliding_window": None}).sliding_window is None
    qwen = parse_config({**LLAMA, "architectures": ["Qwen2ForCausalLM"], "num_hidden_layers": 30,
                         "use_sliding_window": True})
    assert qwen.layer_types.count("sliding_attention") == 2 and qwen.sliding_window == 4096  # layers 28, 29


def test_heads_not_divisible_by_kv_heads():
    with pytest.raises(AlignscopeError, match="num_attention_heads=6 is not a multiple of num_key_value_heads=4"):
        parse_config({**LLAMA, "num_attention_heads": 6, "hidden_size": 12, "num_key_value_heads": 4})


def test_llama3_rope_without_its_keys():
    with pytest.raises(AlignscopeError, match="rope_type 'llama3' needs 'low_freq_factor'"):
        parse_config({**LLAMA, "rope_parameters": {"rope_type": "llama3", "rope_theta": 5e5, "factor": 8.0}})


def test_config_head_layout_that_disagrees_with_the_weights(tmp_path):
    """2 kv heads x head_dim 4 saved; a config claiming 1 x 8 implies other projection shapes."""
    save_tiny_model(transformers.LlamaConfig(**{k: v for k, v in LLAMA.items() if k != "architectures"},
                                             num_key_value_heads=2), tmp_path)
    raw = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**raw, "num_key_value_heads": 1, "head_dim": 8}))
    with pytest.raises(AlignscopeError, match="has shape"):
        engine.load_model(tmp_path)


def test_missing_shard_file(tmp_path):
    save_tiny_model(transformers.LlamaConfig(**{k: v for k, v in LLAMA.items() if k != "architectures"}),
                    tmp_path, max_shard_size="1KB")
    sorted(tmp_path.glob("model-*.safetensors"))[0].unlink()
    with pytest.raises(AlignscopeError, match="lacks 1 weight shard"):
        engine.load_model(tmp_path)


def test_zero_sized_mesh_axis():
    with pytest.raises(AlignscopeError, match="mesh axis size data:0 is invalid"):
        engine.make_mesh("data:0")


@pytest.mark.parametrize("raw, message", [
    ({**LLAMA, "architectures": ["GPT2LMHeadModel"], "n_embd": 8, "n_layer": 2, "n_head": 2, "n_positions": 16,
      "scale_attn_by_inverse_layer_idx": True}, "scale_attn_by_inverse_layer_idx=true is not supported; supported: false"),
    ({**LLAMA, "architectures": ["Gemma3ForCausalLM"], "use_bidirectional_attention": True},
     "use_bidirectional_attention is not supported; supported: causal attention"),
    ({**LLAMA, "architectures": ["GPTNeoXForCausalLM"], "hidden_act": "relu"}, "hidden_act 'relu' is not supported"),
    ({**LLAMA, "architectures": ["Phi3ForCausalLM"], "rope_scaling": {"type": "longrope", "short_factor": [1.0]}},
     "rope_type 'longrope' needs 'long_factor'"),
    ({"architectures": ["Gemma3ForConditionalGeneration"], "text_config": {"hidden_size": 8}},
     "Gemma3ForCausalLM is missing the required key 'intermediate_size'"),
])
def test_unsupported_family_options_are_one_line_errors(raw, message):
    with pytest.raises(AlignscopeError, match=message) as error:
        parse_config(raw)
    assert "\n" not in str(error.value)
