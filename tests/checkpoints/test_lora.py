"""PEFT LoRA adapters written by PEFT, read by alignscope (`load_model(base, adapter=...)`): every
hidden state and the logits equal PEFT's adapted transformers model run alone.

Families cover each way an adapted tensor is stored: Llama's separate projections, Phi-3's fused
qkv_proj and gate_up_proj, GPT-2's transposed Conv1D (`fan_in_fan_out`); Phi-3 also takes
rsLoRA scaling and per-module ranks and alphas (`rank_pattern`, `alpha_pattern`). B is drawn
non-zero (`init_lora_weights=False`), so an adapter ignored or misplaced cannot pass.

Measured: at most ~3e-6 relative to the largest value in float32; asserted at 2e-5.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import transformers

from alignscope import engine
from alignscope.errors import AlignscopeError

peft = pytest.importorskip("peft", reason="the adapter parity tests need peft (the test extra)")

TOLERANCE = 2e-5
SMALL = dict(vocab_size=128, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=64)
FAMILIES = {
    "llama": (transformers.LlamaConfig(**SMALL),
              dict(r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                                                      "down_proj"])),
    "phi3-fused-rslora": (transformers.Phi3Config(**SMALL, pad_token_id=0),
                          dict(r=4, lora_alpha=6, use_rslora=True, target_modules=["qkv_proj", "o_proj", "gate_up_proj",
                                                                                   "down_proj"],
                               rank_pattern={"down_proj": 2}, alpha_pattern={"o_proj": 3})),
    "gpt2-conv1d": (transformers.GPT2Config(vocab_size=128, n_embd=32, n_layer=2, n_head=4, n_inner=48, n_positions=64),
                    dict(r=4, lora_alpha=8, fan_in_fan_out=True, target_modules=["c_attn", "c_proj", "c_fc"])),
}
IDS = [5, 17, 3, 99, 42, 8, 61, 120, 7]


def _save_base(config, directory) -> transformers.PreTrainedModel:
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation="eager").eval()
    model.save_pretrained(directory)
    return model


def _save_adapter(base, lora_options: dict, directory, seed: int = 1):
    """Returns the PEFT model of `base` with random non-zero LoRA factors, saved to `directory`."""
    torch.manual_seed(seed)
    adapted = peft.get_peft_model(base, peft.LoraConfig(init_lora_weights=False, **lora_options)).eval()
    adapted.save_pretrained(directory)
    return adapted


@pytest.fixture(scope="module")
def lineages(tmp_path_factory) -> dict:
    """Per family: (base directory, adapter directory, PEFT model)."""
    built = {}
    for family, (config, options) in FAMILIES.items():
        root = tmp_path_factory.mktemp(family)
        base = _save_base(config, root / "base")
        built[family] = (root / "base", root / "adapter", _save_adapter(base, options, root / "adapter"))
    return built


def _states(model) -> tuple[np.ndarray, np.ndarray]:
    ids, mask = np.array([IDS], np.int32), np.ones((1, len(IDS)), np.int32)
    return np.asarray(model.hidden_states(ids, mask))[0], np.asarray(model.logits(ids, mask))[0]


@pytest.mark.parametrize("family", list(FAMILIES))
def test_peft_adapter_read_equals_peft(lineages, family):
    base_dir, adapter_dir, adapted = lineages[family]
    with torch.no_grad():
        out = adapted(torch.tensor([IDS]), output_hidden_states=True)
    expected_states = np.stack([state[0].numpy() for state in out.hidden_states])
    model = engine.load_model(base_dir, adapter=adapter_dir)
    states, logits = _states(model)
    errors = [float(np.abs(got - want).max() / np.abs(want).max())
              for got, want in ((states, expected_states), (logits, out.logits[0].numpy()))]
    base_states, _ = _states(engine.load_model(base_dir))
    moved = float(np.abs(base_states[-1] - expected_states[-1]).max() / np.abs(expected_states[-1]).max())
    print(f"LORA {family}: states {errors[0]:.1e}, logits {errors[1]:.1e} (the adapter moves the last state "
          f"{moved:.1e})")
    assert max(errors) < TOLERANCE and moved > 100 * TOLERANCE


def test_adapter_is_part_of_the_identity(lineages, tmp_path):
    base_dir, adapter_dir, _ = lineages["llama"]
    base = transformers.AutoModelForCausalLM.from_pretrained(base_dir)
    _save_adapter(base, FAMILIES["llama"][1], tmp_path / "other", seed=2)
    identities = [engine.load_model(base_dir, **options).identity
                  for options in ({}, {"adapter": adapter_dir}, {"adapter": tmp_path / "other"}, {"adapter": adapter_dir})]
    assert len(set(identities[:3])) == 3 and identities[3] == identities[1]


def test_unsupported_adapters_are_refused(lineages, tmp_path):
    base_dir, adapter_dir, _ = lineages["llama"]
    config = json.loads((adapter_dir / "adapter_config.json").read_text())
    dora = tmp_path / "dora"
    dora.mkdir()
    (dora / "adapter_config.json").write_text(json.dumps({**config, "use_dora": True}))
    (dora / "adapter_model.safetensors").write_bytes((adapter_dir / "adapter_model.safetensors").read_bytes())
    with pytest.raises(AlignscopeError, match="use_dora=True is not supported"):
        engine.load_model(base_dir, adapter=dora)
    with pytest.raises(AlignscopeError, match="not a PEFT adapter directory"):
        engine.load_model(base_dir, adapter=base_dir)
    with pytest.raises(AlignscopeError, match="could not get alignscope-test/no-such-adapter: .* not in the local cache"):
        engine.load_model(base_dir, adapter="alignscope-test/no-such-adapter")  # HF_HUB_OFFLINE in tests
    phi3_adapter = lineages["phi3-fused-rslora"][1]
    with pytest.raises(AlignscopeError, match="adapts model.layers.0.mlp.gate_up_proj.weight, which the base model does not have"):
        engine.load_model(base_dir, adapter=phi3_adapter)


def test_an_adapter_of_another_size_is_refused(lineages, tmp_path):
    _, adapter_dir, _ = lineages["llama"]
    _save_base(transformers.LlamaConfig(**{**SMALL, "intermediate_size": 40}), tmp_path / "wider")
    model = engine.load_model(tmp_path / "wider", adapter=adapter_dir)
    with pytest.raises(AlignscopeError, match=r"update of model.layers.0.mlp.down_proj.weight is \[32, 48\], but the "
                                              r"base tensor is \[32, 40\]; the adapter was trained on another model"):
        _ = model.params


def test_experiments_take_an_adapter_as_an_aligned_model(lineages):
    """`--base=BASE --aligned=ADAPTER_DIR`: the adapter is merged into the run's base."""
    from alignscope.experiments import inputs

    base_dir, adapter_dir, _ = lineages["llama"]
    sources = inputs.model_sources(str(base_dir), [str(adapter_dir)])
    models = inputs.load_models(sources)
    assert list(models) == ["base", "adapter"]
    assert models["adapter"].identity == engine.load_model(base_dir, adapter=adapter_dir).identity
    assert models["base"].identity == engine.load_model(base_dir).identity
    # Alone, an adapter needs the base its config names; PEFT wrote none for a model built from a config.
    with pytest.raises(AlignscopeError, match="names no base model"):
        inputs.load_models(inputs.model_sources(None, [str(adapter_dir)]))
