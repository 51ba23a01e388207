"""LoRA tuning against PEFT on the same tiny transformers model (float32).

The factors are written by `save_adapter` and read by PEFT (`PeftModel.from_pretrained`), so one
test checks both the layout and the numbers: SFT and DPO losses, and the gradient of every A and
B, against PyTorch autograd through PEFT's LoRA layers (B drawn non-zero, so A's gradients are
too). A short `tune` then trains only the factors, and its merged model equals the adapter read
back by PEFT and by `load_model(base, adapter=...)`.

Measured: losses equal to ~1e-7 relative, gradients ~1e-6 relative per tensor; asserted at 1e-5
and 1e-4 (the full fine-tuning test's bounds).
"""

from __future__ import annotations

import functools

import jax
import numpy as np
import pytest
import torch
import transformers
from flax import nnx

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.train import lora
from alignscope.train.config import TuneConfig
from alignscope.train.data import training_set
from alignscope.train.objective import Objective, loss_and_grads
from alignscope.train.trainer import _micro_batches, reference_logprobs
from tests.tuning.conftest import PROMPTS, RESPONSES
from tests.tuning.test_losses import BETA, GRAD_RTOL, LOSS_RTOL, REJECTED, SMOOTHING, _split, _torch_sums

peft = pytest.importorskip("peft", reason="the LoRA parity tests need peft (the test extra)")

TARGETS = ("q_proj", "v_proj", "down_proj")


def _torch_model(directory) -> transformers.PreTrainedModel:
    return transformers.AutoModelForCausalLM.from_pretrained(directory, attn_implementation="eager",
                                                             torch_dtype=torch.float32).eval()


def _random_factors(model, rank: int) -> tuple[lora.LoraPlan, dict]:
    lora_plan = lora.plan(model, rank, 8.0, TARGETS)
    factors = lora.init_factors(lora_plan, model.config.num_layers, seed=3)
    rng = np.random.default_rng(4)
    for pair in factors.values():
        pair["b"] = jax.numpy.asarray(0.2 * rng.normal(size=pair["b"].shape), jax.numpy.float32)
    return lora_plan, factors


@pytest.mark.parametrize("method", ["sft", "dpo"])
def test_lora_loss_and_factor_gradients_match_peft(tiny, tmp_path, method):
    directory, tokenizer, _ = tiny
    model = engine.load_model(directory)
    lora_plan, factors = _random_factors(model, rank=4)
    data = (PROMPTS, RESPONSES) if method == "sft" else (PROMPTS, RESPONSES, REJECTED)
    config = TuneConfig(method=method, steps=1, batch_size=len(PROMPTS), grad_accum=2, learning_rate=1e-3, beta=BETA,
                        label_smoothing=SMOOTHING, chat_template=True, max_length=64, lora_rank=4, lora_targets=TARGETS)
    examples = training_set(tokenizer, data, config)
    references = reference_logprobs(model, examples, config.micro_batch) if method == "dpo" else None
    batch = _micro_batches(examples, np.arange(len(examples)), references, config.grad_accum)
    step = jax.jit(functools.partial(loss_and_grads, model.graphdef, model.compute_dtype,
                                     Objective(method, BETA, SMOOTHING), merge=lora_plan.merged))
    loss, grads, _ = step(factors, batch, frozen=model.params)

    engine.save_adapter(lora.LoraAdapters(lora_plan, factors), tmp_path / "adapter")
    adapted = peft.PeftModel.from_pretrained(_torch_model(directory), tmp_path / "adapter", is_trainable=True)
    chosen = _torch_sums(adapted, _split(tokenizer, PROMPTS, RESPONSES))
    if method == "sft":
        sequences = _split(tokenizer, PROMPTS, RESPONSES)
        expected = -chosen.sum() / sum(len(response) for _, response in sequences)
    else:
        with torch.no_grad(), adapted.disable_adapter():  # the reference: the base model
            ref_chosen = _torch_sums(adapted, _split(tokenizer, PROMPTS, RESPONSES))
            ref_rejected = _torch_sums(adapted, _split(tokenizer, PROMPTS, REJECTED))
        rejected = _torch_sums(adapted, _split(tokenizer, PROMPTS, REJECTED))
        margin = BETA * ((chosen - ref_chosen) - (rejected - ref_rejected))
        assert abs(margin).min() > 1e-3  # the adapter moves the policy away from its reference
        expected = (-(1 - SMOOTHING) * torch.nn.functional.logsigmoid(margin)
                    - SMOOTHING * torch.nn.functional.logsigmoid(-margin)).mean()
    expected.backward()
    np.testing.assert_allclose(float(loss), expected.item(), rtol=LOSS_RTOL)
    checked, worst = 0, 0.0
    for name, parameter in adapted.named_parameters():
        if "lora_" not in name:
            assert parameter.grad is None  # the base is frozen on PEFT's side too
            continue
        module, side = name.removeprefix("base_model.model.").split(".lora_")
        layer = int(module.split(".")[2])
        key = module.replace(f".{layer}.", ".{layer}.") + ".weight"
        ours = np.asarray(grads[key][side[0].lower()][layer])
        error = np.linalg.norm(ours - parameter.grad.numpy()) / np.linalg.norm(parameter.grad.numpy())
        assert error <= GRAD_RTOL, f"{name}: ||dg||/||g|| = {error:.2e}"
        checked, worst = checked + 1, max(worst, error)
    print(f"LORA {method}: loss {abs(float(loss) / expected.item() - 1):.1e} relative, worst factor gradient "
          f"{worst:.1e} relative")
    assert checked == 2 * len(TARGETS) * model.config.num_layers


def test_lora_tune_trains_the_factors_only(tiny, tmp_path):
    directory, tokenizer, _ = tiny
    model = engine.load_model(directory)
    config = TuneConfig(method="sft", steps=3, batch_size=6, learning_rate=3e-2, chat_template=True, max_length=64,
                        lora_rank=2, lora_alpha=4.0, lora_targets=("q_proj", "gate_proj"))
    result = engine.tune(model, tokenizer, (PROMPTS, RESPONSES), config, progress=False)
    assert result.history["loss"].iloc[-1] < result.history["loss"].iloc[0]
    before = dict(nnx.to_flat_state(model.params))
    for path, variable in nnx.to_flat_state(result.model.params):
        changed = not np.array_equal(np.asarray(variable.get_value()), np.asarray(before[path].get_value()))
        assert changed == (path[-1] in ("q_proj", "gate_proj")), path

    saved = engine.save_adapter(result.adapters, tmp_path / "adapter", base_model=str(directory))
    ids, mask = np.array([[1, 40, 41, 42, 43, 44]], np.int32), np.ones((1, 6), np.int32)
    ours = np.asarray(result.model.logits(ids, mask))
    reread = np.asarray(engine.load_model(directory, adapter=saved).logits(ids, mask))
    with torch.no_grad():
        theirs = peft.PeftModel.from_pretrained(_torch_model(directory), saved)(torch.tensor(ids)).logits.numpy()
    scale = np.abs(theirs).max()
    assert np.abs(ours - theirs).max() / scale < 2e-5 and np.abs(reread - ours).max() / scale < 2e-5


def test_lora_targets_are_checked(tiny):
    directory, _, _ = tiny
    model = engine.load_model(directory)
    with pytest.raises(AlignscopeError, match="LoRA target 'c_attn' matches no layer of LlamaForCausalLM; its "
                                              "linear layers: down_proj, gate_proj, k_proj, o_proj, q_proj, "
                                              "up_proj, v_proj"):
        lora.plan(model, 4, 8.0, ("c_attn",))
    twice = lora.plan(model, 4, 8.0, ("q_proj", "q_proj"))  # adapted once, not given two updates
    assert [name for name, _ in twice.layouts] == ["model.layers.{layer}.self_attn.q_proj.weight"]


def test_starting_adapters_must_be_the_configs(tiny):
    directory, tokenizer, _ = tiny
    model = engine.load_model(directory)
    config = TuneConfig(method="sft", steps=1, batch_size=6, learning_rate=1e-3, chat_template=True, max_length=64,
                        lora_rank=2, lora_alpha=4.0, lora_targets=("q_proj",))
    other_rank = lora.plan(model, 3, 4.0, ("q_proj",))
    adapters = lora.LoraAdapters(other_rank, lora.init_factors(other_rank, model.config.num_layers, 0))
    with pytest.raises(AlignscopeError, match=r"starting adapters \(rank 3, alpha 4.0, targets q_proj\) do not fit "
                                              r"this model and config \(rank 2"):
        engine.tune(model, tokenizer, (PROMPTS, RESPONSES), config, adapters=adapters, progress=False)
    with pytest.raises(AlignscopeError, match="lora_rank=0"):
        engine.tune(model, tokenizer, (PROMPTS, RESPONSES), TuneConfig(method="sft", steps=1, batch_size=6,
                    learning_rate=1e-3), adapters=adapters, progress=False)
