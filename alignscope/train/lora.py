"""LoRA (Hu et al. 2021) for `tune`: low-rank factors on chosen linear layers, the base frozen.

The adapters are defined on the Hugging Face tensors of the model's family, as PEFT defines
them: a target such as `q_proj` adapts every per-layer tensor `...q_proj.weight` `[out, in]` with
A `[r, in]` and B `[out, r]`, stacked over layers. The adapted weight is

    W + (alpha / r) * B @ A

(transposed for a Conv1D tensor stored `[in, out]`, GPT-2's; split into the decoder's parameters
for a fused tensor, Phi-3's qkv_proj), formed inside the jitted step from the frozen weights and
the factors, so gradients reach A and B only. A starts as PEFT's (uniform within 1/sqrt(in)), B
at zero, so training starts from the base model. No dropout on the adapter's input: the factors
are merged each step, which needs the input unchanged.

`save_adapter` writes PEFT's layout (`adapter_config.json`, `adapter_model.safetensors`), which
PEFT and `load_model(base, adapter=...)` read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pathlib
from typing import Sequence

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
from flax import nnx

from alignscope.checkpoints import lora as peft_layout
from alignscope.checkpoints.safetensors import TensorToWrite, write_safetensors
from alignscope.errors import AlignscopeError
from alignscope.models.families import weight_maps
from alignscope.models.model import Model
from alignscope.models.surgery import parameter_specs
from alignscope.models.weights import Layout, WeightMap

Factors = dict[str, dict[str, jax.Array]]  # per target tensor name ("{layer}" in it): {"a": [L, r, in], "b": [L, out, r]}


@dataclasses.dataclass(frozen=True)
class LoraPlan:
    """Where the adapters go in one model (static: closed over by the jitted step).

    Attributes:
      rank, alpha: r and alpha; the update is scaled by alpha / r.
      layouts: per adapted tensor name (with `{layer}`), its `weights.Layout`.
      targets: the target module names asked for (PEFT's `target_modules`).
    """

    rank: int
    alpha: float
    layouts: tuple[tuple[str, Layout], ...]
    targets: tuple[str, ...]

    @property
    def scale(self) -> float:
        return self.alpha / self.rank

    def merged(self, frozen: nnx.State, factors: Factors) -> nnx.State:
        """Returns the frozen parameters with every adapted tensor's update added (jittable)."""
        updates: dict[tuple[str, ...], jax.Array] = {}
        for name, layout in self.layouts:
            a, b = factors[name]["a"], factors[name]["b"]
            logical = self.scale * jnp.einsum("lor,lri->loi", b.astype(jnp.float32), a.astype(jnp.float32))
            stored = jnp.swapaxes(logical, 1, 2) if layout.tensor.transposed else logical
            for path, part in zip(layout.tensor.params, jax.vmap(layout.split)(stored)):
                updates[path] = part
        return nnx.from_flat_state([
            (path, variable.replace(variable.get_value() + updates[tuple(path)].astype(variable.get_value().dtype))
             if tuple(path) in updates else variable) for path, variable in nnx.to_flat_state(frozen)])


def plan(model: Model, rank: int, alpha: float, targets: Sequence[str]) -> LoraPlan:
    """Returns the adapters' placement in `model` for PEFT-style `targets` (module names such as
    `q_proj`, matched against the end of each per-layer tensor's module name).

    Raises:
      AlignscopeError: a bad rank, a target matching nothing, or one matching a tensor that is not
        a per-layer linear weight.
    """
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
        raise AlignscopeError(f"lora_rank must be a positive integer, not {rank!r}")
    if not alpha > 0:
        raise AlignscopeError(f"lora_alpha must be positive, not {alpha!r}")
    weight_map: WeightMap = weight_maps(model.config, parameter_specs(model.abstract_params()))[0]
    chosen: dict[str, Layout] = {}  # a tensor two targets name is adapted once
    for target in targets:
        found = [layout for layout in weight_map.layouts
                 if layout.tensor.name.removesuffix(".weight").split(".")[-1] == target]
        if not found:
            modules = sorted({layout.tensor.name.removesuffix(".weight").split(".")[-1]
                              for layout in weight_map.layouts if "{layer}" in layout.tensor.name
                              and layout.tensor.name.endswith(".weight") and len(layout.rest) == 1})
            raise AlignscopeError(f"LoRA target {target!r} matches no layer of {model.config.architecture}; its "
                                  f"linear layers: {', '.join(modules)}")
        for layout in found:
            if "{layer}" not in layout.tensor.name or len(layout.rest) != 1 or layout.tensor.keep_shape:
                raise AlignscopeError(f"LoRA target {target!r} is {layout.tensor.name}, not a per-layer linear weight")
            chosen[layout.tensor.name] = layout
    if len({layout.tensor.transposed for layout in chosen.values()}) > 1:
        raise AlignscopeError("the LoRA targets mix Conv1D and linear weights; PEFT's fan_in_fan_out is one setting")
    return LoraPlan(rank, float(alpha), tuple(chosen.items()), tuple(dict.fromkeys(targets)))


def init_factors(lora_plan: LoraPlan, num_layers: int, seed: int, dtype=jnp.float32) -> Factors:
    """Returns fresh factors: A uniform in +-1/sqrt(in) (PEFT's Kaiming-uniform default), B zero."""
    key = jax.random.key(seed)
    factors = {}
    for index, (name, layout) in enumerate(lora_plan.layouts):
        out, inputs = layout.logical_shape[0], layout.rest[0]
        bound = 1.0 / np.sqrt(inputs)
        a = jax.random.uniform(jax.random.fold_in(key, index), (num_layers, lora_plan.rank, inputs), dtype,
                               -bound, bound)
        factors[name] = {"a": a, "b": jnp.zeros((num_layers, out, lora_plan.rank), dtype)}
    return factors


@dataclasses.dataclass(frozen=True)
class LoraAdapters:
    """Trained LoRA factors and where they go: `merged_into` a model, or `save_adapter`'d."""

    plan: LoraPlan
    factors: Factors

    def merged_into(self, model: Model) -> Model:
        """Returns `model` with the adapters merged into its weights (an in-memory model)."""
        return model.with_params(jax.jit(self.plan.merged)(model.params, self.factors))

    def fingerprint(self) -> str:
        """Returns a sha256 hex digest of the plan and every factor's values."""
        digest = hashlib.sha256(repr(self.plan).encode())
        for name in sorted(self.factors):
            for side in ("a", "b"):
                digest.update(np.asarray(self.factors[name][side], np.float32).tobytes())
        return digest.hexdigest()


SAVED_DTYPES = {"float32": np.dtype(np.float32), "bfloat16": np.dtype(ml_dtypes.bfloat16)}


def save_adapter(adapters: LoraAdapters, directory, base_model: str | None = None,
                 dtype: str = "float32") -> pathlib.Path:
    """Writes the adapters in PEFT's layout to `directory` (created): `adapter_config.json` and
    `adapter_model.safetensors` with PEFT's tensor names, in `dtype` (`float32` or `bfloat16`,
    half the size). Returns the directory."""
    if dtype not in SAVED_DTYPES:
        raise AlignscopeError(f"adapters are saved as {', '.join(SAVED_DTYPES)}, not {dtype!r}")
    saved = SAVED_DTYPES[dtype]
    directory = pathlib.Path(directory).expanduser()
    directory.mkdir(parents=True, exist_ok=True)
    tensors = []
    for name, _ in adapters.plan.layouts:
        module = name.removesuffix(".weight")
        for side in ("a", "b"):
            stacked = np.asarray(adapters.factors[name][side], np.float32).astype(saved)
            for layer in range(stacked.shape[0]):
                key = f"{peft_layout.KEY_PREFIX}{module.format(layer=layer)}.lora_{side.upper()}.weight"
                tensors.append(TensorToWrite(key, saved, stacked[layer].shape,
                                             lambda value=stacked[layer]: value))
    write_safetensors(directory / peft_layout.WEIGHTS_FILE, sorted(tensors, key=lambda tensor: tensor.name))
    config = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": base_model,
              "r": adapters.plan.rank, "lora_alpha": adapters.plan.alpha, "lora_dropout": 0.0,
              "target_modules": sorted(set(adapters.plan.targets)), "bias": "none", "use_rslora": False,
              "use_dora": False, "fan_in_fan_out": any(layout.tensor.transposed for _, layout in adapters.plan.layouts),
              "modules_to_save": None, "init_lora_weights": True, "inference_mode": True, "rank_pattern": {},
              "alpha_pattern": {}, "layers_to_transform": None, "layers_pattern": None, "revision": None}
    (directory / peft_layout.CONFIG_FILE).write_text(json.dumps(config, indent=2, sort_keys=True))
    return directory
