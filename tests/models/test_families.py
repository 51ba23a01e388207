"""The model zoo beyond per-family parity: Gemma 3's multimodal checkpoints (text tower only, vision
weights never read), the supported-architecture error, float16 and `auto` dtypes, and the papers'
full-size configs checked with `jax.eval_shape` against transformers' parameter counts (built on
torch's `meta` device: no memory is allocated on either side).
"""

from __future__ import annotations

import fnmatch
import json
import shutil

import jax
import numpy as np
import pytest
import torch
import transformers
from flax import nnx

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.checkpoints import paths
from alignscope.checkpoints import safetensors as checkpoint_module
from alignscope.models.decoder import Decoder
from alignscope.models.families import FAMILIES, language_model_config, parse_config, supported_architectures
from tests.models.hf_reference import padded_batch, save_tiny_model, save_tiny_tokenizer
from tests.models.test_decoder_parity import (BFLOAT16_RELATIVE_TOL, FLOAT32_RELATIVE_TOL, SMALL, _max_errors,
                                              _sentences, checkpoint)  # noqa: F401 (checkpoint: a fixture)

GEMMA3_TEXT = dict(SMALL, num_key_value_heads=2, head_dim=8, query_pre_attn_scalar=12, sliding_window=3,
                   sliding_window_pattern=2)
SIGLIP_TINY = dict(hidden_size=16, intermediate_size=24, num_hidden_layers=1, num_attention_heads=2, image_size=28,
                   patch_size=14)


def test_gemma3_multimodal_checkpoint_loads_its_text_tower_without_reading_vision(tmp_path, monkeypatch):
    config = transformers.Gemma3Config(text_config=GEMMA3_TEXT, vision_config=SIGLIP_TINY, mm_tokens_per_image=4,
                                       image_token_index=96, boi_token_index=94, eoi_token_index=95)
    torch_model = save_tiny_model(config, tmp_path / "multimodal")
    header = checkpoint_module.SafetensorsReader(paths.weight_files(tmp_path / "multimodal")).entries
    assert any("vision_tower" in name for name in header)
    read = []
    original_get = checkpoint_module.SafetensorsReader.get
    monkeypatch.setattr(checkpoint_module.SafetensorsReader, "get",
                        lambda self, name: read.append(name) or original_get(self, name))
    model = engine.load_model(tmp_path / "multimodal")
    sentences = _sentences(SMALL["vocab_size"])
    ids, mask = padded_batch(sentences, "left")
    hidden_error, logit_error, scale = _max_errors(model.hidden_states(ids, mask), model.logits(ids, mask), mask,
                                                   torch_model, sentences)
    print(f"PARITY float32 gemma3-multimodal-text-tower left-padded hidden={hidden_error:.2e} "
          f"logits={logit_error:.2e} (largest value {scale:.1f})")
    assert max(hidden_error, logit_error) < FLOAT32_RELATIVE_TOL * max(scale, 1.0)
    assert read and not [name for name in read if "language_model" not in name]

    engine.save_model(model, tmp_path / "text")  # a Gemma3ForCausalLM checkpoint of the text tower
    saved = json.loads((tmp_path / "text/config.json").read_text())
    assert saved["architectures"] == ["Gemma3ForCausalLM"] and "vision_config" not in saved
    text_model = transformers.AutoModelForCausalLM.from_pretrained(tmp_path / "text", dtype=torch.float32,
                                                                   attn_implementation="eager").eval()
    hidden_error, logit_error, scale = _max_errors(model.hidden_states(ids, mask), model.logits(ids, mask), mask,
                                                   text_model, sentences)
    assert max(hidden_error, logit_error) < FLOAT32_RELATIVE_TOL * max(scale, 1.0)


@pytest.mark.parametrize("case, prefixes", [
    ("gpt2", {"transformer.": ""}),  # openai-community/gpt2 has no "transformer." prefix
    ("gpt-neox-parallel", {"embed_out.": "lm_head."}),
    ("gemma3-local-global-rope", {"model.": "language_model.model."}),  # google/gemma-3-*-it on the hub
])
def test_published_tensor_layouts_load_the_same_weights(checkpoint, case, prefixes, tmp_path):
    directory, _ = checkpoint(case)
    reader = checkpoint_module.SafetensorsReader(paths.weight_files(directory))

    def renamed(name: str) -> str:
        old = next((prefix for prefix in prefixes if name.startswith(prefix)), None)
        return name if old is None else prefixes[old] + name[len(old):]

    shutil.copy(directory / "config.json", tmp_path / "config.json")
    checkpoint_module.write_safetensors(tmp_path / "model.safetensors", [
        checkpoint_module.TensorToWrite(renamed(name), entry.dtype, entry.shape, lambda name=name: reader.get(name))
        for name, entry in reader.entries.items()])
    expected, got = engine.load_model(directory).params, engine.load_model(tmp_path).params
    for (path, a), b in zip(jax.tree_util.tree_leaves_with_path(expected), jax.tree.leaves(got)):
        np.testing.assert_array_equal(np.asarray(b), np.asarray(a), err_msg=jax.tree_util.keystr(path))


def test_unsupported_architecture_lists_every_supported_one_in_one_line():
    with pytest.raises(AlignscopeError) as error:
        parse_config({"architectures": ["BertForMaskedLM"], "vocab_size": 8})
    message = str(error.value)
    assert "\n" not in message and "'BertForMaskedLM' is not supported" in message
    assert all(name in message for name in supported_architectures())
    assert set(FAMILIES) < set(supported_architectures())
    assert engine.supported_architectures() == supported_architectures()


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_half_precision_parity(tmp_path, dtype):
    """Weights and compute in the half dtype against transformers in float32 (a bound on the total
    error, relative to the largest value)."""
    torch_model = save_tiny_model(transformers.Phi3Config(**SMALL, num_key_value_heads=2, pad_token_id=0), tmp_path)
    model = engine.load_model(tmp_path, dtype=dtype)
    assert model.params["embed"][...].dtype == np.dtype(dtype)
    sentences = _sentences(SMALL["vocab_size"], seed=1)
    ids, mask = padded_batch(sentences, "left")
    hidden_error, logit_error, scale = _max_errors(model.hidden_states(ids, mask), model.logits(ids, mask), mask,
                                                   torch_model, sentences)
    print(f"PARITY {dtype} phi3 left-padded hidden={hidden_error:.2e} logits={logit_error:.2e} (largest {scale:.1f})")
    assert max(hidden_error, logit_error) < BFLOAT16_RELATIVE_TOL * scale


def test_auto_dtype_is_the_checkpoints_own(tmp_path):
    model = engine.init_model({"architectures": ["Qwen3ForCausalLM"], **SMALL, "head_dim": 8})
    engine.save_model(model, tmp_path, dtype="float16")
    loaded = engine.load_model(tmp_path, dtype="auto")
    assert loaded.param_dtype == np.dtype("float16") and loaded.dtype == np.dtype("float16")
    np.testing.assert_array_equal(np.asarray(loaded.params["embed"][...]),
                                  np.asarray(model.params["embed"][...]).astype(np.float16))
    with pytest.raises(AlignscopeError, match="dtype 'float64' is not supported; supported: float32, bfloat16, "
                                              "float16, auto"):
        engine.load_model(tmp_path, dtype="float64")


# The papers' models, their published config.json values (the keys that shape the parameters).
PAPER_CONFIGS = {
    "meta-llama/Llama-2-7b-hf": {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32000, "hidden_size": 4096,
        "intermediate_size": 11008, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32,
        "rms_norm_eps": 1e-5, "max_position_embeddings": 4096, "tie_word_embeddings": False,
        "torch_dtype": "float16"},
    "meta-llama/Llama-3.1-8B (and Llama-Guard-3-8B)": {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 128256, "hidden_size": 4096,
        "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
        "rms_norm_eps": 1e-5, "max_position_embeddings": 131072, "rope_theta": 500000.0,
        "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 8192, "rope_type": "llama3"},
        "tie_word_embeddings": False, "torch_dtype": "bfloat16"},
    "Qwen/Qwen2.5-7B": {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": 152064, "hidden_size": 3584,
        "intermediate_size": 18944, "num_hidden_layers": 28, "num_attention_heads": 28, "num_key_value_heads": 4,
        "rms_norm_eps": 1e-6, "max_position_embeddings": 131072, "rope_theta": 1000000.0,
        "sliding_window": 131072, "use_sliding_window": False, "max_window_layers": 28,
        "tie_word_embeddings": False, "torch_dtype": "bfloat16"},
    "google/gemma-2-9b": {
        "architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2", "vocab_size": 256000, "hidden_size": 3584,
        "intermediate_size": 14336, "num_hidden_layers": 42, "num_attention_heads": 16, "num_key_value_heads": 8,
        "head_dim": 256, "query_pre_attn_scalar": 256, "sliding_window": 4096, "attn_logit_softcapping": 50.0,
        "final_logit_softcapping": 30.0, "hidden_activation": "gelu_pytorch_tanh", "rms_norm_eps": 1e-6,
        "max_position_embeddings": 8192, "rope_theta": 10000.0, "torch_dtype": "float32"},
    "google/gemma-3-12b-it": {
        "architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3", "torch_dtype": "bfloat16",
        "text_config": {"hidden_size": 3840, "intermediate_size": 15360, "model_type": "gemma3_text",
                        "num_attention_heads": 16, "num_hidden_layers": 48, "num_key_value_heads": 8,
                        "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "sliding_window": 1024},
        "vision_config": {"hidden_size": 1152, "image_size": 896, "intermediate_size": 4304,
                          "model_type": "siglip_vision_model", "num_attention_heads": 16, "num_hidden_layers": 27,
                          "patch_size": 14, "vision_use_head": False}},
    "microsoft/phi-4": {
        "architectures": ["Phi3ForCausalLM"], "model_type": "phi3", "vocab_size": 100352, "hidden_size": 5120,
        "intermediate_size": 17920, "num_hidden_layers": 40, "num_attention_heads": 40, "num_key_value_heads": 10,
        "max_position_embeddings": 16384, "original_max_position_embeddings": 16384, "rope_theta": 250000.0,
        "rms_norm_eps": 1e-5, "sliding_window": None, "tie_word_embeddings": False, "pad_token_id": 100349,
        "torch_dtype": "bfloat16"},
    "CohereForAI/aya-23-8B": {
        "architectures": ["CohereForCausalLM"], "model_type": "cohere", "vocab_size": 256000, "hidden_size": 4096,
        "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
        "layer_norm_eps": 1e-5, "logit_scale": 0.125, "max_position_embeddings": 8192, "rope_theta": 10000,
        "use_qk_norm": False, "torch_dtype": "float16"},
}


def _transformers_config(raw: dict) -> transformers.PretrainedConfig:
    """transformers' config of `raw`'s causal LM (its text tower for a multimodal config)."""
    text = language_model_config(raw)
    return transformers.AutoConfig.for_model(text["model_type"], **{
        key: value for key, value in text.items() if key not in ("architectures", "model_type")})


@pytest.mark.parametrize("name", list(PAPER_CONFIGS))
def test_full_size_paper_models_parse_as_transformers_does(name):
    """`jax.eval_shape` parameter count equals transformers' on the meta device; attention layout
    and rotary embedding per layer equal transformers' reading of the same config.json."""
    config = parse_config(PAPER_CONFIGS[name])
    abstract = nnx.eval_shape(lambda: Decoder(config, jax.numpy.bfloat16, rngs=nnx.Rngs(0)))
    ours = sum(int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(nnx.state(abstract, nnx.Param)))
    reference = _transformers_config(PAPER_CONFIGS[name])
    with torch.device("meta"):
        model = transformers.AutoModelForCausalLM.from_config(reference)
    print(f"PARAMS {name}: {ours:,}")
    assert ours == sum(parameter.numel() for parameter in model.parameters())

    kinds = tuple(getattr(reference, "layer_types", None) or ("full_attention",) * config.num_layers)
    assert config.layer_types == kinds
    if "sliding_attention" in kinds:
        assert config.sliding_window == reference.sliding_window
    assert config.head_dim == (getattr(reference, "head_dim", None) or reference.hidden_size // reference.num_attention_heads)
    for kind, rope in zip(kinds, config.rope):
        params = reference.rope_parameters.get(kind, reference.rope_parameters)
        assert (rope.kind, rope.theta) == (params["rope_type"], params["rope_theta"])
        assert rope.factor == params.get("factor", 1.0)


def test_hub_download_fetches_only_the_weight_files_the_loader_reads(tmp_path, monkeypatch):
    """A repository with sharded weights and a second copy (consolidated.safetensors): a tokenizer
    fetches no weights; a model only the index's shards."""
    remote = tmp_path / "remote"
    save_tiny_model(transformers.LlamaConfig(**SMALL, num_key_value_heads=2), remote, max_shard_size="20KB")
    save_tiny_tokenizer(remote)
    (remote / "consolidated.safetensors").write_bytes(b"a second copy of the weights")
    cache = tmp_path / "cache"
    cache.mkdir()

    def snapshot_download(repo_id, allow_patterns, **kwargs):
        for file in remote.iterdir():
            if any(fnmatch.fnmatch(file.name, pattern) for pattern in allow_patterns):
                shutil.copy(file, cache / file.name)
        return str(cache)

    monkeypatch.setattr("huggingface_hub.snapshot_download", snapshot_download)
    engine.load_tokenizer("alignscope-test/tiny-llama")
    assert not list(cache.glob("*.safetensors")) and (cache / "model.safetensors.index.json").is_file()
    model = engine.load_model("alignscope-test/tiny-llama")
    assert model.config.num_layers == SMALL["num_hidden_layers"]
    shards = sorted(path.name for path in remote.glob("model-*.safetensors"))
    assert len(shards) > 1 and sorted(path.name for path in cache.glob("*.safetensors")) == shards


def test_models_entrypoint_lists_every_architecture_and_the_papers_checkpoints(capsys):
    from alignscope.experiments import models

    models.main(["models"])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(supported_architectures())
    assert "microsoft/phi-4" in "\n".join(lines) and "CohereForAI/aya-23-8B" in "\n".join(lines)
