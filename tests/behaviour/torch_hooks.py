"""The reference for interventions: PyTorch forward hooks on a transformers model (Arditi et al.'s
way), written independently of the engine's `Edits`.

- ablate u (unit) at block l: a pre-hook on `model.layers[l]` removes the input's component along
  u; forward hooks on the two modules whose outputs are added to the residual stream remove it
  from their outputs: `self_attn` and `mlp`, or where the block normalises those outputs before
  the add (post-norms: Gemma 2 and 3, OLMo 2) `post_attention_layernorm` and
  `post_feedforward_layernorm`, so that nothing the block writes carries u.
- add s * v at block l: a pre-hook on `model.layers[l]` adds s * v to its input.
Hooks of one block run in list order. The pre-hooks also record each block's edited input, the
hidden state the engine reports under an intervention.
"""

from __future__ import annotations

import contextlib
from typing import Sequence

import numpy as np
import torch


def _ablate(x: torch.Tensor, unit: torch.Tensor) -> torch.Tensor:
    return x - (x @ unit)[..., None] * unit


@contextlib.contextmanager
def hooked(model, edits: Sequence[tuple], recorded: dict | None = None):
    """Within the context, `model` (a transformers causal LM) runs with `edits`.

    Args:
      edits: in order, `("ablate", direction, layers or None)` or `("add", direction, layer, scale)`.
      recorded: if given, `recorded[l]` is set to block l's edited input `[batch, seq, d]` on each call.
    """
    blocks = model.model.layers
    per_block: list[list] = [[] for _ in blocks]
    for edit in edits:
        if edit[0] == "ablate":
            unit = torch.tensor(np.asarray(edit[1], np.float64) / np.linalg.norm(edit[1]), dtype=torch.float32)
            for layer in (range(len(blocks)) if edit[2] is None else edit[2]):
                per_block[layer].append(("ablate", unit))
        else:
            per_block[edit[2]].append(("add", float(edit[3]) * torch.tensor(np.asarray(edit[1]), dtype=torch.float32)))
    handles = []

    def pre_hook(layer):
        def hook(module, args, kwargs):
            hidden = args[0] if args else kwargs["hidden_states"]
            for kind, vector in per_block[layer]:
                hidden = _ablate(hidden, vector) if kind == "ablate" else hidden + vector
            if recorded is not None:
                recorded[layer] = hidden.detach().clone()
            if args:
                return (hidden,) + tuple(args[1:]), kwargs
            return args, {**kwargs, "hidden_states": hidden}
        return hook

    def output_hook(layer):
        def hook(module, args, output):
            first = output[0] if isinstance(output, tuple) else output
            for kind, vector in per_block[layer]:
                if kind == "ablate":
                    first = _ablate(first, vector)
            return (first,) + tuple(output[1:]) if isinstance(output, tuple) else first
        return hook

    for layer, block in enumerate(blocks):
        handles.append(block.register_forward_pre_hook(pre_hook(layer), with_kwargs=True))
        for writer in _residual_writers(block):
            handles.append(writer.register_forward_hook(output_hook(layer)))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _residual_writers(block) -> tuple:
    """The modules of a transformers decoder layer whose outputs are added to the residual stream.
    (Llama's `post_attention_layernorm` is its pre-MLP norm; a post-norm block also has
    `post_feedforward_layernorm`.)"""
    if hasattr(block, "post_feedforward_layernorm"):
        return block.post_attention_layernorm, block.post_feedforward_layernorm
    return block.self_attn, block.mlp


def hooked_states(model, ids: list[int], edits: Sequence[tuple]) -> tuple[np.ndarray, np.ndarray]:
    """Runs one unpadded sentence under `edits`; returns hidden states `[L+1, seq, d]` (entry l < L
    block l's edited input, entry L after the final norm) and logits `[seq, vocab]`."""
    recorded: dict[int, torch.Tensor] = {}
    with hooked(model, edits, recorded), torch.no_grad():
        out = model(torch.tensor([ids]), output_hidden_states=True)
    states = [recorded[layer][0] for layer in range(len(model.model.layers))] + [out.hidden_states[-1][0]]
    return np.stack([state.float().numpy() for state in states]), out.logits[0].float().numpy()


def hooked_greedy(model, ids: list[int], max_new_tokens: int, edits: Sequence[tuple], eos_token_id: int | None):
    """Returns (greedy new ids, per step the gap between the top two logits) of transformers'
    `generate(do_sample=False)` on one unpadded prompt under `edits`."""
    with hooked(model, edits), torch.no_grad():
        out = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                             max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=eos_token_id,
                             pad_token_id=eos_token_id if eos_token_id is not None else 0,
                             output_scores=True, return_dict_in_generate=True)
    new = out.sequences[0, len(ids):].numpy()
    gaps = [float(torch.topk(score[0], 2).values.diff().abs()) for score in out.scores]
    return new, np.array(gaps)
