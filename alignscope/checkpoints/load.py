"""Reading a model from a Hugging Face checkpoint (`load_model`) or making one with random
weights (`init_model`): each parameter read tensor by tensor from safetensors straight onto its
shards."""

from __future__ import annotations

import os
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from jax.sharding import Mesh, SingleDeviceSharding

from alignscope import sharding
from alignscope.checkpoints import fingerprint, gguf, lora, paths
from alignscope.checkpoints.safetensors import SafetensorsReader
from alignscope.errors import AlignscopeError
from alignscope.models.config import DecoderConfig
from alignscope.models.decoder import Decoder
from alignscope.models.dtypes import resolve_dtype
from alignscope.models.families import config_json, language_model_config, parse_config, weight_maps
from alignscope.models.model import Model
from alignscope.models.surgery import logical_axes, parameter_specs
from alignscope.models.weights import WeightMap


def _dtypes(dtype: str, param_dtype: str | None, compute_dtype: str | None,
            config: DecoderConfig) -> tuple[jnp.dtype, jnp.dtype]:
    """The (param, compute) dtypes of `load_model`'s and `init_model`'s arguments."""
    return (resolve_dtype(param_dtype or dtype, "param_dtype" if param_dtype else "dtype", config.checkpoint_dtype),
            resolve_dtype(compute_dtype or dtype, "compute_dtype" if compute_dtype else "dtype",
                          config.checkpoint_dtype))


def load_model(path_or_id: str | os.PathLike, dtype: str = "float32", mesh: Mesh | None = None, *,
               param_dtype: str | None = None, compute_dtype: str | None = None,
               adapter: str | os.PathLike | None = None) -> Model:
    """Returns a `Model` of a Hugging Face checkpoint, read straight from safetensors, or of a GGUF file.

    Tensor names and shapes are checked here (from the files' headers); the weights themselves
    are read on first use of `model.params` (a forward pass), so a model whose activations are
    all in a store is never read.

    Args:
      path_or_id: a directory with `config.json` and `model.safetensors` (or sharded files with
        `model.safetensors.index.json`), a hub id (downloaded through huggingface_hub's cache), or
        a `.gguf` file (or a directory holding one and no config.json): its config comes from the
        metadata and each tensor is dequantized to float32 (`checkpoints.gguf`; needs the gguf extra).
      dtype: `float32`, `bfloat16`, `float16`, or `auto` (the checkpoint's own dtype, from
        config.json), for the weights and the computation.
      mesh: a `(data, model)` mesh (`engine.make_mesh`); each device's slice of each tensor is
        read from disk and placed as it is read, so a model larger than one device loads.
        None: everything on the first device.
      param_dtype, compute_dtype: override `dtype` for the weights or the computation (training
        keeps float32 master weights and computes in bfloat16).
      adapter: a PEFT LoRA adapter (a directory with adapter_config.json and
        adapter_model.safetensors, or a hub id) merged into the base weights as they are read
        (`checkpoints.lora`); the model's identity covers it.
    """
    gguf_path = gguf.find_gguf(path_or_id)
    if gguf_path is None:
        source = paths.resolve_checkpoint_dir(path_or_id)
        raw_config = language_model_config(paths.read_config(source))
    else:
        source, gguf_file = gguf_path, gguf.GGUFFile(gguf_path)
        raw_config = gguf_file.config_json()
    config = parse_config(raw_config)
    param_dtype, compute_dtype = _dtypes(dtype, param_dtype, compute_dtype, config)
    graphdef, abstract_params = nnx.split(nnx.eval_shape(lambda: Decoder(config, param_dtype, rngs=nnx.Rngs(0))))
    flat = nnx.to_flat_state(abstract_params)
    candidates = weight_maps(config, parameter_specs(abstract_params))
    if gguf_path is None:
        reader = SafetensorsReader(paths.weight_files(source))
        identity = lambda: "files:" + fingerprint.checkpoint_weights_fingerprint(source)
    else:
        names = {name for weight_map in candidates for layout in weight_map.layouts for name in weight_map.names(layout)}
        reader = gguf.GGUFTensors(gguf_file, raw_config, names)
        identity = lambda: "gguf:" + gguf_file.fingerprint()
    weight_map = _checkpoint_weight_map(reader, config, candidates)
    if adapter is not None:
        adapted = lora.read_adapter(adapter)
        lora.check_targets(adapted, {name for layout in weight_map.layouts for name in weight_map.names(layout)})
        reader, base_identity = lora.MergedReader(reader, adapted), identity
        identity = lambda: f"{base_identity()}|lora:{adapted.fingerprint}"

    def read_params() -> nnx.State:
        return nnx.from_flat_state([(path, variable.replace(_read_param(reader, weight_map, path, variable, mesh)))
                                    for path, variable in flat])

    return Model(config, graphdef, dict(raw_config), param_dtype, compute_dtype, mesh, source, read_params,
                 read_identity=identity)


def init_model(config: DecoderConfig | str | os.PathLike | dict, dtype: str = "float32", seed: int = 0,
               mesh: Mesh | None = None, *, param_dtype: str | None = None,
               compute_dtype: str | None = None) -> Model:
    """Returns a `Model` with random weights (normal, stddev 0.02; norms 1; biases 0).

    Args:
      config: a parsed `DecoderConfig`, a config.json path (or its directory), or its parsed dict.
      dtype, param_dtype, compute_dtype: as in `load_model`.
      seed: the random seed of the weights.
      mesh: a mesh to place the weights on; None: the first device.
    """
    if isinstance(config, DecoderConfig):
        raw_config = config_json(config)
    elif isinstance(config, dict):
        raw_config = language_model_config(dict(config))
    else:
        raw_config = language_model_config(paths.read_config(pathlib.Path(config).expanduser()))
    parsed = config if isinstance(config, DecoderConfig) else parse_config(raw_config)
    param_dtype, compute_dtype = _dtypes(dtype, param_dtype, compute_dtype, parsed)
    graphdef, params = nnx.split(Decoder(parsed, param_dtype, rngs=nnx.Rngs(seed)))
    model = Model(parsed, graphdef, raw_config, param_dtype, compute_dtype, None, None, lambda: params)
    return model if mesh is None else model.to_mesh(mesh)


def _checkpoint_weight_map(reader: SafetensorsReader, config: DecoderConfig,
                           candidates: tuple[WeightMap, ...]) -> WeightMap:
    """Returns the first of the family's layouts whose every tensor the checkpoint has, in the
    shape the config implies; raises `AlignscopeError` naming the first tensor that is not."""
    problems = []
    for weight_map in candidates:
        problem = None
        for layout in weight_map.layouts:
            for name in weight_map.names(layout):
                if name not in reader:
                    problem = problem or (1, f"checkpoint has no tensor {name} (needed by {config.architecture})")
                elif reader.entries[name].shape != layout.stored_shape:
                    problem = problem or (0, f"tensor {name} has shape {list(reader.entries[name].shape)}; "
                                             f"config.json implies {list(layout.stored_shape)}")
        if problem is None:
            return weight_map
        problems.append(problem)
    # A layout with all its names but a wrong shape explains more than one missing names.
    raise AlignscopeError(min(problems, key=lambda problem: problem[0])[1])


def _read_param(reader: SafetensorsReader, weight_map: WeightMap, path: tuple[str, ...],
                variable: nnx.Variable, mesh: Mesh | None) -> jax.Array:
    """Returns one parameter, read tensor by tensor from safetensors onto its shards (a fused
    tensor's part is a view of it, so only the slice a device holds is read)."""
    shape_dtype = variable.get_value()
    shape, dtype = shape_dtype.shape, np.dtype(shape_dtype.dtype)
    stacked = path[0] == "layers"
    layout, part = weight_map.locate(tuple(path))
    names = weight_map.names(layout)

    def param_of(name: str) -> np.ndarray:
        return layout.split(reader.get(name))[part]

    def read_slice(index: tuple[slice, ...]) -> np.ndarray:
        if not stacked:
            return np.asarray(param_of(names[0])[index], dtype=dtype)
        layers = range(len(names))[index[0]]
        return np.stack([np.asarray(param_of(names[layer])[index[1:]], dtype=dtype) for layer in layers])
    read_cache: dict[tuple, np.ndarray] = {}

    def read(index: tuple[slice, ...]) -> np.ndarray:
        key = tuple((part.start, part.stop, part.step) for part in index)
        if key not in read_cache:  # Devices that hold the same slice (data replicas) share one read.
            read_cache[key] = read_slice(index)
        return read_cache[key]

    if mesh is None:
        target = SingleDeviceSharding(jax.devices()[0])
    else:
        target = sharding.named_sharding(logical_axes(variable), shape, mesh)
    return jax.make_array_from_callback(shape, target, read)
