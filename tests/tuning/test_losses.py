"""The training losses and their gradients against PyTorch autograd on the same tiny transformers
model (float32; prompt tokens unscored there too), and what the losses must never read: padding.

Measured (float32; grad_accum=2 on our side against one full batch in PyTorch, each sequence run
alone there): DPO loss 4e-7 relative, largest per-tensor ||g_ours - g_torch|| / ||g_torch||
2.6e-6; SFT loss equal to float32 rounding, largest gradient error 1.1e-6. Asserted: loss 1e-5
relative, gradients 1e-4 per tensor (the issue's bound).
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import numpy as np
import pytest
import safetensors.numpy
import torch

from alignscope import engine
from alignscope.runtime import sequences
from alignscope.train.config import TuneConfig
from alignscope.train.objective import Objective, loss_and_grads
from alignscope.train.trainer import _micro_batches, reference_logprobs
from alignscope.train.data import training_set
from tests.models.hf_reference import save_tiny_model
from tests.tuning.conftest import PROMPTS, RESPONSES

GRAD_RTOL = 1e-4
LOSS_RTOL = 1e-5
REJECTED = ["Sure, here is how.", "Nein.", "不。", "Whatever.", "Step one: find a pin.", "नहीं।"]
BETA, SMOOTHING = 0.5, 0.1


def _config(method: str) -> TuneConfig:
    # the whole batch in one update, split in two micro-batches: accumulation is part of what is checked
    return TuneConfig(method=method, steps=1, batch_size=len(PROMPTS), grad_accum=2, learning_rate=1e-3,
                      beta=BETA, label_smoothing=SMOOTHING, chat_template=True, append_eos=True, max_length=64)


def _ours(model, tokenizer, data, config, reference=None, padding_side="right"):
    """(loss, grads by Hugging Face tensor name, the batch) of one update over all examples, in order."""
    examples = training_set(tokenizer, data, config, padding_side)
    references = reference_logprobs(reference, examples, config.micro_batch) if reference is not None else None
    batch = _micro_batches(examples, np.arange(len(examples)), references, config.grad_accum)
    objective = Objective(config.method, config.beta, config.label_smoothing)
    step = jax.jit(functools.partial(loss_and_grads, model.graphdef, model.compute_dtype, objective))
    loss, grads, _ = step(model.params, batch)
    return float(loss), grads, batch, step


def _by_hf_name(model, grads, directory) -> dict[str, np.ndarray]:
    """The gradient in Hugging Face names and shapes, through `engine.save_model`'s own mapping."""
    engine.save_model(model.with_params(grads), directory)
    return safetensors.numpy.load_file(directory / "model.safetensors")


def _torch_sums(torch_model, sequences) -> torch.Tensor:
    """Each sequence run alone: the summed log-probability of its response tokens."""
    sums = []
    for prompt_ids, response_ids in sequences:
        ids = torch.tensor([prompt_ids + response_ids])
        logprobs = torch.log_softmax(torch_model(ids).logits[0], dim=-1)
        positions = torch.arange(len(prompt_ids), ids.shape[1])
        sums.append(logprobs[positions - 1, ids[0, positions]].sum())
    return torch.stack(sums)


def _split(tokenizer, prompts, responses):
    encoded = sequences.encode_sequences(tokenizer, prompts, responses, chat_template=True, append_eos=True)
    return [(s.ids[~s.scored].tolist(), s.ids[s.scored].tolist()) for s in encoded]


def _assert_grads_match(ours: dict[str, np.ndarray], torch_model) -> None:
    assert set(ours) == {name for name, _ in torch_model.named_parameters()}
    for name, parameter in torch_model.named_parameters():
        expected = parameter.grad.numpy()
        error = np.linalg.norm(ours[name] - expected) / np.linalg.norm(expected)
        assert error <= GRAD_RTOL, f"{name}: ||dg||/||g|| = {error:.2e}"


def test_dpo_loss_and_every_gradient_match_pytorch(tiny, tmp_path):
    directory, tokenizer, torch_policy = tiny
    reference_torch = save_tiny_model(torch_policy.config, tmp_path / "reference", seed=7)
    config = _config("dpo")
    policy = engine.load_model(directory)
    loss, grads, _, _ = _ours(policy, tokenizer, (PROMPTS, RESPONSES, REJECTED), config,
                              reference=engine.load_model(tmp_path / "reference"))

    torch_policy.zero_grad()
    with torch.no_grad():
        ref_chosen = _torch_sums(reference_torch, _split(tokenizer, PROMPTS, RESPONSES))
        ref_rejected = _torch_sums(reference_torch, _split(tokenizer, PROMPTS, REJECTED))
    chosen = _torch_sums(torch_policy, _split(tokenizer, PROMPTS, RESPONSES))
    rejected = _torch_sums(torch_policy, _split(tokenizer, PROMPTS, REJECTED))
    margin = BETA * ((chosen - ref_chosen) - (rejected - ref_rejected))
    expected = (-(1 - SMOOTHING) * torch.nn.functional.logsigmoid(margin)
                - SMOOTHING * torch.nn.functional.logsigmoid(-margin)).mean()
    expected.backward()
    assert abs(margin).min() > 1e-2  # a reference unlike the policy: margins far from 0
    np.testing.assert_allclose(loss, expected.item(), rtol=LOSS_RTOL)
    _assert_grads_match(_by_hf_name(policy, grads, tmp_path / "grads"), torch_policy)


def test_sft_loss_and_every_gradient_match_pytorch(tiny, tmp_path):
    directory, tokenizer, torch_model = tiny
    policy = engine.load_model(directory)
    loss, grads, _, _ = _ours(policy, tokenizer, (PROMPTS, RESPONSES), _config("sft"))
    torch_model.zero_grad()
    sequences = _split(tokenizer, PROMPTS, RESPONSES)
    expected = -_torch_sums(torch_model, sequences).sum() / sum(len(response) for _, response in sequences)
    expected.backward()
    np.testing.assert_allclose(loss, expected.item(), rtol=LOSS_RTOL)
    _assert_grads_match(_by_hf_name(policy, grads, tmp_path / "grads"), torch_model)


def test_padding_never_counts(tiny):
    directory, tokenizer, _ = tiny
    model = engine.load_model(directory)
    config = dataclasses.replace(_config("sft"), grad_accum=1)  # one micro-batch: one scored mask
    loss, grads, batch, step = _ours(model, tokenizer, (PROMPTS, RESPONSES), config)
    padding = batch["mask"] == 0
    assert padding.any() and (~batch["scored"] & ~padding).any()

    random_ids = np.random.default_rng(0).integers(0, len(tokenizer), padding.shape, dtype=np.int32)
    other_pads = dict(batch, ids=np.where(padding, random_ids, batch["ids"]))
    pads_loss, pads_grads, _ = step(model.params, other_pads)
    assert float(pads_loss) == loss
    for a, b in zip(jax.tree.leaves(grads), jax.tree.leaves(pads_grads)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_the_reference_scores_the_drawn_examples_only(tiny):
    directory, tokenizer, _ = tiny
    model = engine.load_model(directory)
    examples = training_set(tokenizer, (PROMPTS, RESPONSES, REJECTED), _config("dpo"))
    every = reference_logprobs(model, examples, 2)
    drawn = reference_logprobs(model, examples, 2, needed=np.array([4, 1, 3]))  # the last call repeats one
    np.testing.assert_allclose(drawn[[1, 3, 4]], every[[1, 3, 4]], rtol=1e-6)
    assert np.isnan(drawn[[0, 2, 5]]).all() and np.isfinite(every).all()
