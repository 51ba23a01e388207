"""`tune`: pretraining, SFT or DPO of a `Model` with optax, data parallel over the mesh's `data`
axis, resumable from orbax checkpoints; returns the tuned model in memory and its history."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import os
import pathlib
import sys
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from flax import nnx
from jax.sharding import NamedSharding, PartitionSpec

from alignscope.errors import AlignscopeError
from alignscope.runtime import fingerprint
from alignscope import sharding
from alignscope.models.dtypes import cast_params, resolve_dtype
from alignscope.models.model import Model
from alignscope.train import lora
from alignscope.train.config import TuneConfig
from alignscope.train.data import TrainingSet, example_order, training_set
from alignscope.train.objective import Objective, sequence_sums, learning_rate_schedule, make_optimizer, train_step
from alignscope.train.state import TrainingCheckpoints

logger = logging.getLogger(__name__)

HISTORY_FILE = "history.csv"


@dataclasses.dataclass(frozen=True)
class TuneResult:
    """What `tune` returns.

    Attributes:
      model: the tuned model, weights in memory (its identity is their digest).
      history: one row per update: step (1-based), loss, lr, grad_norm (before clipping),
        tokens (real tokens in the batch), tokens_per_s, seconds (wall time of the update);
        DPO adds reward_accuracy (fraction of pairs with a positive margin) and reward_margin
        (mean beta * h).
      adapters: with LoRA (`config.lora_rank`), the trained factors (`train.lora.save_adapter`
        writes them in PEFT's layout); `model` has them merged. None otherwise.
    """

    model: Model
    history: pd.DataFrame
    adapters: lora.LoraAdapters | None = None


def tune(model: Model, tokenizer, data: Any, config: TuneConfig, *, reference: Model | None = None,
         adapters: lora.LoraAdapters | None = None, mesh=None, checkpoint_dir: str | os.PathLike | None = None,
         log_dir: str | os.PathLike | None = None, progress: bool = True) -> TuneResult:
    """Trains `model` on `data` by `config.method`; returns the tuned model and the history.

    Args:
      model: the starting model (loaded or in memory); it is not changed.
      tokenizer: its tokenizer (`runtime.sequences` tokenizes every method the same way).
      data: see `train.data.encode_training_data`: texts (pretrain), (prompts,
        responses) (pretrain in chat format, sft), preference pairs (dpo; sft uses their chosen answers).
      config: the run (`TuneConfig`).
      reference: DPO's frozen reference; default the starting model. Its log-probabilities of
        every pair the run draws are computed once, before training.
      adapters: with LoRA, the factors to start from instead of fresh ones (DPO continuing the
        adapter an SFT run trained, against the SFT model as `reference`); their rank, alpha and
        targets must be the config's. The result's adapter is then one adapter of that rank.
      mesh: a `(data, model)` mesh; rows are split over `data`, weights by the logical-axis
        rules. Default the model's own mesh, or one device.
      checkpoint_dir: where the training state is saved every `config.checkpoint_every`
        updates; a run finding its own checkpoints there resumes from the newest.
      log_dir: where `history.csv` is written (at every checkpoint and at the end).
      progress: show a progress bar (loss, tokens/s) on a terminal.
    """
    if jax.process_count() > 1:
        raise AlignscopeError("tune runs in one process (one host, any number of its devices)")
    if config.checkpoint_every and checkpoint_dir is None:
        raise AlignscopeError("checkpoint_every needs a checkpoint_dir to save the training state in")
    if config.method != "dpo" and reference is not None:
        raise AlignscopeError(f"a reference model is used by dpo only, not by {config.method}")
    if adapters is not None and not config.lora_rank:
        raise AlignscopeError("starting adapters were given, but the config trains every weight (lora_rank=0)")
    param_dtype = resolve_dtype(config.param_dtype, "param_dtype") if config.param_dtype else model.param_dtype
    compute_dtype = resolve_dtype(config.compute_dtype, "compute_dtype") if config.compute_dtype else model.compute_dtype
    if mesh is not None and mesh is not model.mesh:
        model = model.to_mesh(mesh)
    data_axis = model.mesh.shape["data"] if model.mesh is not None else 1
    if config.micro_batch % data_axis:
        raise AlignscopeError(f"batch_size / grad_accum = {config.micro_batch} examples per micro-batch is not a "
                              f"multiple of the mesh's data axis ({data_axis})")
    examples = training_set(tokenizer, data, config)
    # Every update's examples, known in advance: they fix the scored-token capacity (one compiled
    # shape) and which pairs need the reference's log-probabilities.
    draws = example_order(0, config.steps * config.batch_size, len(examples), config.seed).reshape(
        config.steps, config.batch_size)
    capacity = examples.scored_capacity([micro for draw in draws for micro in draw.reshape(config.grad_accum, -1)],
                                        data_axis)
    references = None
    if config.method == "dpo":
        # The starting model as reference computes as the policy does, so the first margins are 0.
        reference_dtype = compute_dtype if reference is None else reference.compute_dtype
        reference = model if reference is None else reference
        if reference.mesh is not model.mesh and model.mesh is not None:
            reference = reference.to_mesh(model.mesh)
        references = reference_logprobs(reference, examples, config.micro_batch, reference_dtype,
                                         needed=np.unique(draws))

    run_key = fingerprint.combine({
        "config": {k: v for k, v in dataclasses.asdict(config).items() if k != "checkpoint_every"},
        "model": model.identity, "reference": reference.identity if reference is not None else None,
        "data": hashlib.sha256(examples.ids.tobytes() + examples.scored.tobytes()).hexdigest(),
        "adapters": None if adapters is None else adapters.fingerprint(),
    })
    frozen, lora_plan = None, None
    if config.lora_rank:
        lora_plan = lora.plan(model, config.lora_rank, config.lora_alpha, config.lora_targets)
        frozen = cast_params(model.params, param_dtype)
        if adapters is None:
            params = lora.init_factors(lora_plan, model.config.num_layers, config.seed, param_dtype)
        elif adapters.plan != lora_plan:
            raise AlignscopeError(f"the starting adapters (rank {adapters.plan.rank}, alpha {adapters.plan.alpha}, "
                                  f"targets {', '.join(adapters.plan.targets)}) do not fit this model and config (rank "
                                  f"{lora_plan.rank}, alpha {lora_plan.alpha}, targets {', '.join(lora_plan.targets)}; "
                                  f"the adapted tensors' shapes must match too)")
        else:
            params = jax.tree.map(lambda x: jnp.array(x, param_dtype), adapters.factors)  # a copy: the step donates it
        if model.mesh is not None:
            params = jax.device_put(params, NamedSharding(model.mesh, PartitionSpec()))
    else:
        params = jax.tree.map(jnp.copy, cast_params(model.params, param_dtype))  # copied: the step donates its input
    schedule = learning_rate_schedule(config.learning_rate, config.warmup_steps, config.steps)
    optimizer = make_optimizer(schedule, config.weight_decay, config.max_grad_norm)
    opt_state = jax.jit(optimizer.init)(params)  # committed like the step's outputs: one compilation
    objective = Objective(config.method, config.beta, config.label_smoothing, remat=config.remat)
    step_fn = jax.jit(functools.partial(train_step, model.graphdef, compute_dtype, objective, optimizer, schedule,
                                        None if lora_plan is None else lora_plan.merged), donate_argnums=(0, 1))

    checkpoints = TrainingCheckpoints(checkpoint_dir, run_key) if checkpoint_dir is not None else None
    start, history = 0, []
    if checkpoints is not None and checkpoints.latest_step() is not None:
        (params, opt_state), start, _, history = checkpoints.restore((params, opt_state))
        logger.info("resuming %s from update %d of %d (%s)", config.method, start, config.steps, checkpoints.directory)
    bar = _progress(config.steps, start, config.method, progress)
    clock = [time.perf_counter()]

    def record(step: int, tokens: int, metrics: dict[str, jax.Array]) -> None:
        """Appends update `step`'s row; its time is since the previous row (the steady-state step time)."""
        values = {name: float(value) for name, value in jax.device_get(metrics).items()}
        now = time.perf_counter()
        seconds, clock[0] = now - clock[0], now
        history.append({"step": step + 1, "loss": values.pop("loss"), "lr": values.pop("lr"),
                        "grad_norm": values.pop("grad_norm"), "tokens": tokens, "tokens_per_s": tokens / seconds,
                        "seconds": seconds, **values})
        bar.update(1)
        bar.set_postfix_str(f"loss {history[-1]['loss']:.4f}, {tokens / seconds:,.0f} tokens/s", refresh=False)

    pending = None  # the last update dispatched, read after the next is dispatched (no device idle time)
    try:
        for step in range(start, config.steps):
            indices = draws[step]
            batch = _place(_micro_batches(examples, indices, references, config.grad_accum, capacity, data_axis),
                           model.mesh)
            params, opt_state, metrics = step_fn(params, opt_state, batch, np.int32(step), frozen)
            if pending is not None:
                record(*pending)
            pending = (step, int(examples.mask[indices].sum()), metrics)
            if checkpoints is not None and config.checkpoint_every and (step + 1) % config.checkpoint_every == 0:
                record(*pending)
                pending = None
                checkpoints.save(step + 1, (params, opt_state), history, (step + 1) * config.batch_size)
                _write_history(history, log_dir)
        if pending is not None:
            record(*pending)
    finally:
        bar.close()
        if checkpoints is not None:
            checkpoints.wait()
            checkpoints.close()
    _write_history(history, log_dir)
    adapters = None if lora_plan is None else lora.LoraAdapters(lora_plan, params)
    weights = params if adapters is None else jax.jit(lora_plan.merged)(frozen, params)
    tuned = dataclasses.replace(model.with_params(weights), compute_dtype=compute_dtype)
    return TuneResult(tuned, pd.DataFrame(history), adapters)


def reference_logprobs(reference: Model, examples: TrainingSet, rows_per_call: int, compute_dtype=None,
                       needed: np.ndarray | None = None) -> np.ndarray:
    """Returns `[examples, rows]` float32: the reference's summed log-probabilities of each row's
    scored tokens (DPO: chosen and rejected), in calls of `rows_per_call` examples, computed in
    `compute_dtype` (default the reference's own).

    Args:
      needed: the examples to compute (the ones a run draws); the others are NaN. Default all.
    """
    objective = Objective("dpo", remat=False)
    sums = jax.jit(functools.partial(sequence_sums, reference.graphdef, compute_dtype or reference.compute_dtype,
                                     objective))
    shards = reference.mesh.shape["data"] if reference.mesh is not None else 1
    needed = np.arange(len(examples)) if needed is None else np.asarray(needed)
    calls = [np.resize(needed[start:start + rows_per_call], rows_per_call)  # the last call repeats some: one shape
             for start in range(0, len(needed), rows_per_call)]
    capacity = examples.scored_capacity(calls, shards)
    result = np.full(examples.ids.shape[:2], np.nan, dtype=np.float32)
    for indices in calls:
        batch = examples.take(indices, capacity, shards)
        result[indices] = np.asarray(sums(reference.params, _place(batch, reference.mesh, leading=0)))
    return result


def _micro_batches(examples: TrainingSet, indices: np.ndarray, references: np.ndarray | None,
                   grad_accum: int, capacity: int | None = None, shards: int = 1) -> dict[str, np.ndarray]:
    """The update's batch as arrays `[grad_accum, examples per micro-batch, ...]` (`positions`:
    `[grad_accum, shards, capacity]`, each micro-batch's scored tokens per shard of its examples;
    default capacity: their most)."""
    parts = indices.reshape(grad_accum, -1)
    capacity = examples.scored_capacity(parts, shards) if capacity is None else capacity
    micros = [examples.take(part, capacity, shards) for part in parts]
    if references is not None:
        for micro, part in zip(micros, parts):
            micro["reference"] = references[part]
    return {name: np.stack([micro[name] for micro in micros]) for name in micros[0]}


def _place(batch: dict[str, np.ndarray], mesh, leading: int = 1) -> dict[str, jax.Array]:
    """Puts arrays `[micro_batches, examples, ...]` (`leading` = 1) or `[examples, ...]` (0) on
    the mesh, examples (and `positions`' shards) split over its `data` axis."""
    if mesh is None:
        return {name: jnp.asarray(value) for name, value in batch.items()}
    axes = lambda ndim: (None,) * leading + ("batch",) + (None,) * (ndim - leading - 1)
    return {name: jax.device_put(value, sharding.named_sharding(axes(value.ndim), value.shape, mesh))
            for name, value in batch.items()}


def _write_history(history: list[dict[str, Any]], log_dir) -> None:
    if log_dir is None or not history:
        return
    directory = pathlib.Path(log_dir).expanduser()
    directory.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(history).to_csv(directory / HISTORY_FILE, index=False)


def _progress(total: int, initial: int, method: str, enabled: bool):
    """A tqdm bar (updates, loss, tokens/s) on a terminal; silent otherwise."""
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="step", desc=method, dynamic_ncols=True,
                disable=not (enabled and sys.stderr.isatty()))
