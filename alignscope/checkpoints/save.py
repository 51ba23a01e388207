"""`save_model`: a `Model` written as a Hugging Face checkpoint (config.json and safetensors in
Hugging Face names and shapes), which `engine.load_model` and transformers'
`AutoModelForCausalLM.from_pretrained` both load."""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any

import jax
import numpy as np
from flax import nnx
from jax.experimental import multihost_utils

import alignscope
from alignscope.errors import AlignscopeError
from alignscope.checkpoints import paths, safetensors
from alignscope.models.dtypes import resolve_dtype
from alignscope.models.model import Model
from alignscope.models.surgery import parameter_specs
from alignscope.models.families import weight_maps

# transformers' save_pretrained default shard size.
MAX_SHARD_BYTES = 5 * 10**9


def save_model(model: Model, directory: str | os.PathLike, tokenizer=None, *, dtype: str | None = None,
               extra_config: dict[str, Any] | None = None, max_shard_bytes: int = MAX_SHARD_BYTES) -> pathlib.Path:
    """Writes `model` to `directory` as a Hugging Face checkpoint; returns the directory.

    Args:
      model: any `Model` (loaded, made or trained in memory, on a mesh or one device).
      directory: created if needed; weight files already there are replaced.
      tokenizer: saved beside the weights (`save_pretrained`) when given.
      dtype: the dtype of the saved tensors (`float32`, `bfloat16`, `float16`); default the model's
        `param_dtype`.
      extra_config: keys added to config.json (e.g. `alignscope_corpus_sha256`).
      max_shard_bytes: above this the weights are split into shards with an index file.

    config.json holds the checkpoint's own keys (`model.raw_config`) with `architectures`,
    `dtype` and `alignscope_version` set, plus `extra_config`. With several processes, every
    process must call this (the weights are gathered collectively); process 0 writes.
    """
    directory = pathlib.Path(directory).expanduser()
    saved_dtype = np.dtype(resolve_dtype(dtype) if dtype else model.param_dtype)
    writer = jax.process_index() == 0
    if writer:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise AlignscopeError(f"cannot create the checkpoint directory {directory}: {error.strerror}") from error
    values = {tuple(path): variable.get_value() for path, variable in nnx.to_flat_state(model.params)}
    weight_map = weight_maps(model.config, parameter_specs(model.params))[0]  # the family's own layout
    tensors = []
    for layout in weight_map.layouts:
        for layer, name in enumerate(weight_map.names(layout)):
            parts = [values[path][layer] if path[0] == "layers" else values[path] for path in layout.tensor.params]
            tensors.append(safetensors.TensorToWrite(
                name, saved_dtype, layout.stored_shape,
                lambda layout=layout, parts=parts: layout.join([host_value(part) for part in parts])))
    tensors.sort(key=lambda tensor: tensor.name)
    if not writer:
        for tensor in tensors:  # the gathers are collective: every process takes part, in one order
            tensor.value()
        return directory
    safetensors.write_checkpoint_weights(directory, tensors, max_shard_bytes)
    raw = dict(model.raw_config)
    raw.update(architectures=[model.config.architecture], dtype=str(saved_dtype), alignscope_version=alignscope.__version__)
    if "torch_dtype" in raw:
        raw["torch_dtype"] = str(saved_dtype)
    raw.update(extra_config or {})
    (directory / paths.CONFIG_FILE).write_text(json.dumps(raw, indent=2, sort_keys=True) + "\n")
    if tokenizer is not None:
        tokenizer.save_pretrained(directory)
    return directory


def host_value(value: jax.Array) -> np.ndarray:
    """Returns the whole array on this host (gathered from every process when it spans several)."""
    if value.is_fully_addressable:
        return np.asarray(value)
    return np.asarray(multihost_utils.process_allgather(value, tiled=True))
