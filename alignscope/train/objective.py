"""The training losses and one optimiser update (jittable), with gradient accumulation.

Losses are means over the whole update's batch, however it is split into micro-batches:
pretrain and SFT the mean negative log-likelihood per scored token, DPO the mean over pairs of

  -(1 - eps) log sigmoid(beta h) - eps log sigmoid(-beta h),
  h = (log pi(chosen) - log ref(chosen)) - (log pi(rejected) - log ref(rejected)),

with log-probabilities summed over response tokens and the reference's computed beforehand.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import jax
import jax.numpy as jnp
import optax
from flax import nnx

from alignscope.runtime.logprobs import packed_sums
from alignscope.models.forward import merged

# (frozen model parameters, trained adapters) -> the model's parameters.
Merge = Callable[[nnx.State, Any], nnx.State]


@dataclasses.dataclass(frozen=True)
class Objective:
    """What is minimised (hashable: a static argument of jit).

    Attributes:
      method: `pretrain`, `sft` or `dpo`.
      beta: DPO's inverse temperature.
      label_smoothing: DPO's epsilon.
      remat: rematerialise each block in the backward pass.
    """

    method: str
    beta: float = 0.1
    label_smoothing: float = 0.0
    remat: bool = True


def sequence_sums(graphdef: nnx.GraphDef, compute_dtype, objective: Objective, params: nnx.State,
                   batch: dict[str, jax.Array]) -> jax.Array:
    """Returns `[examples, rows]` summed log-probabilities of each row's scored tokens.

    `batch` holds `ids`, `mask` `[examples, rows, length]` and `positions` `[shards, capacity]`,
    the scored tokens' flat indices within each shard of the `[examples * rows, length]` rows
    (`runtime.logprobs.scored_positions`): the LM head runs on those tokens only.
    """
    examples, rows, length = batch["ids"].shape
    flat = lambda name: batch[name].reshape(examples * rows, length)
    sums = packed_sums(merged(graphdef, params, compute_dtype), flat("ids"), flat("mask"), batch["positions"],
                       remat=objective.remat)
    return sums.reshape(examples, rows)


def batch_loss(graphdef: nnx.GraphDef, compute_dtype, objective: Objective, params: nnx.State,
               batch: dict[str, jax.Array], denominator: jax.Array) -> tuple[jax.Array, dict[str, jax.Array]]:
    """Returns (the batch's loss sum / `denominator`, metric sums) for one micro-batch.

    Args:
      batch: `ids`, `mask`, `scored` `[examples, rows, length]`, `positions` `[shards, capacity]`
        (the scored tokens, `sequence_sums`); for DPO also `reference`
        `[examples, 2]` float32, the reference's summed log-probabilities of chosen and rejected.
      denominator: scored tokens (pretrain, sft) or pairs (dpo) in the whole update's batch.
    """
    sums = sequence_sums(graphdef, compute_dtype, objective, params, batch)
    if objective.method != "dpo":
        return -jnp.sum(sums) / denominator, {}
    reference = batch["reference"]
    margin = objective.beta * ((sums[:, 0] - reference[:, 0]) - (sums[:, 1] - reference[:, 1]))
    eps = objective.label_smoothing
    losses = -(1 - eps) * jax.nn.log_sigmoid(margin) - eps * jax.nn.log_sigmoid(-margin)
    metrics = {"reward_accuracy": jnp.sum(margin > 0) / denominator, "reward_margin": jnp.sum(margin) / denominator}
    return jnp.sum(losses) / denominator, metrics


def loss_and_grads(graphdef: nnx.GraphDef, compute_dtype, objective: Objective, params, batch: dict[str, jax.Array],
                   frozen: nnx.State | None = None, merge: Merge | None = None
                   ) -> tuple[jax.Array, Any, dict[str, jax.Array]]:
    """Returns (loss, its gradient w.r.t. `params`, metrics) of one update's batch, summed over
    its micro-batches.

    Args:
      params: the trained parameters: the model's (`nnx.State`), or with `merge` adapters.
      batch: arrays `[micro_batches, examples, ...]` (`batch_loss`'s, with a leading micro-batch axis).
      frozen, merge: with adapters, the model's parameters are `merge(frozen, params)` (LoRA:
        `train.lora.LoraPlan.merged`), so only `params` get gradients.
    """
    if objective.method == "dpo":
        denominator = jnp.float32(batch["ids"].shape[0] * batch["ids"].shape[1])
    else:
        denominator = jnp.sum(batch["scored"]).astype(jnp.float32)
    model_params = (lambda p: p) if merge is None else (lambda p: merge(frozen, p))
    grad_fn = jax.value_and_grad(lambda p, micro: batch_loss(graphdef, compute_dtype, objective, model_params(p),
                                                             micro, denominator), has_aux=True)

    def accumulate(carry, micro):
        (loss, metrics), grads = grad_fn(params, micro)
        total_loss, total_grads, total_metrics = carry
        return (total_loss + loss, jax.tree.map(jnp.add, total_grads, grads),
                jax.tree.map(jnp.add, total_metrics, metrics)), None

    zeros = jax.tree.map(jnp.zeros_like, params)
    metric_zeros = {"reward_accuracy": jnp.float32(0), "reward_margin": jnp.float32(0)} \
        if objective.method == "dpo" else {}
    (loss, grads, metrics), _ = jax.lax.scan(accumulate, (jnp.float32(0), zeros, metric_zeros), batch)
    return loss, grads, metrics


def train_step(graphdef: nnx.GraphDef, compute_dtype, objective: Objective, optimizer: optax.GradientTransformation,
               schedule: Callable[[jax.Array], jax.Array], merge: Merge | None, params, opt_state,
               batch: dict[str, jax.Array], step: jax.Array, frozen: nnx.State | None = None):
    """Returns (new params, new optimiser state, metrics: loss, grad_norm (before clipping), lr, ...)
    of update `step` (0-based; `schedule` gives its learning rate, for the metrics). `params`,
    `frozen` and `merge` as in `loss_and_grads`."""
    loss, grads, metrics = loss_and_grads(graphdef, compute_dtype, objective, params, batch, frozen, merge)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    params = optax.apply_updates(params, updates)
    grad_norm = jnp.sqrt(sum(jnp.sum(jnp.square(g.astype(jnp.float32))) for g in jax.tree.leaves(grads)))
    return params, opt_state, {"loss": loss, "grad_norm": grad_norm, "lr": schedule(step), **metrics}


def learning_rate_schedule(peak: float, warmup_steps: int, steps: int) -> Callable[[jax.Array], jax.Array]:
    """Returns optax's schedule: update k (counting from 0) gets peak * (k + 1) / (W + 1) during
    the W warmup updates (never 0), then peak * (1 + cos(pi * (k - W) / (steps - W))) / 2."""

    def schedule(count: jax.Array) -> jax.Array:
        count = jnp.asarray(count, jnp.float32)
        warm = peak * (count + 1) / (warmup_steps + 1)
        progress = jnp.clip((count - warmup_steps) / max(1, steps - warmup_steps), 0.0, 1.0)
        cosine = peak * 0.5 * (1 + jnp.cos(jnp.pi * progress))
        return jnp.where(count < warmup_steps, warm, cosine)

    return schedule


def make_optimizer(schedule: Callable[[jax.Array], jax.Array], weight_decay: float,
                   max_grad_norm: float) -> optax.GradientTransformation:
    """Returns AdamW (betas 0.9, 0.999, eps 1e-8) with the learning-rate `schedule`, after
    global-norm clipping when `max_grad_norm` > 0."""
    adamw = optax.adamw(schedule, b1=0.9, b2=0.999, eps=1e-8, weight_decay=weight_decay)
    return optax.chain(optax.clip_by_global_norm(max_grad_norm), adamw) if max_grad_norm > 0 else adamw
