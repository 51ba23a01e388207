"""A loaded model: `load_model` reads a Hugging Face checkpoint into the Flax decoder.

The forward passes are module-level jitted functions of (graphdef, params, ids, mask) with the
graphdef (which holds the config) static, so two checkpoints of one architecture and size, such
as a base model and its aligned sibling, share compiled code.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from jax.sharding import Mesh, SingleDeviceSharding

from alignscope.errors import AlignscopeError
from engine import checkpoint, fingerprint, pooling, sharding
from engine.models.config import DecoderConfig
from engine.models.decoder import Decoder
from engine.models.families import hf_weight_name, hf_weight_shape, parse_config

DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}


@dataclasses.dataclass(frozen=True, eq=False)
class Model:
    """A decoder with its weights on device(s).

    Attributes:
      config: the parsed architecture.
      graphdef: the Flax module structure (static in jit; equal for equal configs and dtypes).
      params: the weights, an `nnx.State` of arrays (sharded when `mesh` is given).
      path: the checkpoint directory it was read from.
      mesh: the device mesh the weights live on, or None for one device.
    """

    config: DecoderConfig
    graphdef: nnx.GraphDef
    params: nnx.State
    path: pathlib.Path
    mesh: Mesh | None = None

    @property
    def dtype(self) -> jnp.dtype:
        """The dtype of the weights and of the computation."""
        return jax.tree.leaves(self.params)[0].dtype

    @functools.cached_property
    def weights_fingerprint(self) -> str:
        """A hex digest of the checkpoint's weights by content (`engine/fingerprint.py`): equal
        configs with different weight values, a base model and its DPO child, get different
        digests. Computed once per loaded model."""
        return fingerprint.checkpoint_weights_fingerprint(self.path)

    def to_mesh(self, mesh: Mesh) -> "Model":
        """Returns this model with its weights resharded onto `mesh` by the logical-axis rules."""
        placed = []
        for path, variable in nnx.to_flat_state(self.params):
            value = variable.get_value()
            target = sharding.named_sharding(_logical_axes(variable), value.shape, mesh)
            placed.append((path, variable.replace(jax.device_put(value, target))))
        return dataclasses.replace(self, params=nnx.from_flat_state(placed), mesh=mesh)

    def _inputs(self, input_ids, attention_mask) -> tuple[jax.Array | np.ndarray, jax.Array | np.ndarray]:
        ids = np.asarray(input_ids, dtype=np.int32)
        mask = np.asarray(attention_mask, dtype=np.int32)
        if ids.ndim != 2 or ids.shape != mask.shape:
            raise AlignscopeError(f"input_ids {ids.shape} and attention_mask {mask.shape} must both be "
                                  f"[batch, seq]")
        return self._feed(ids), self._feed(mask)

    def _feed(self, local: np.ndarray) -> jax.Array | np.ndarray:
        """Places a host `[batch, ...]` array: split over the mesh's `data` axis, each process
        giving its own rows (multi-host); without a mesh jit moves it to the default device."""
        if self.mesh is None:
            return local
        axes = ("batch",) + (None,) * (local.ndim - 1)
        global_shape = (local.shape[0] * jax.process_count(),) + local.shape[1:]
        target = sharding.named_sharding(axes, global_shape, self.mesh)
        return jax.make_array_from_process_local_data(target, local, global_shape)

    def hidden_states(self, input_ids, attention_mask) -> jax.Array:
        """Returns `[batch, L + 1, seq, d_model]` float32, as transformers' `output_hidden_states`.

        Entry 0 is the embeddings, entry L the last block's output after the final norm.
        Rows may be left- or right-padded; padded positions hold finite values to be ignored.
        """
        return _hidden_states(self.graphdef, self.params, *self._inputs(input_ids, attention_mask))

    def logits(self, input_ids, attention_mask) -> jax.Array:
        """Returns `[batch, seq, vocab]` float32 next-token logits."""
        return _logits(self.graphdef, self.params, *self._inputs(input_ids, attention_mask))

    def pooled_hidden_states(self, input_ids, attention_mask, pooling_weights,
                             layers: tuple[int, ...] | None = None) -> jax.Array:
        """Returns `[batch, len(layers) or L + 1, d_model]` float32: per layer, the weighted sum
        of each row's hidden states over its tokens (full states are never stacked).

        Args:
          input_ids, attention_mask: `[batch, seq]`.
          pooling_weights: `[batch, seq]` float32 per-token weights (`engine/pooling.py`): 1/n on
            a text's n tokens for mean pooling, one-hot for first/last; 0 elsewhere. Tokens with
            weight 0 are excluded with `where`, so non-finite values there cannot leak.
          layers: hidden-state indices to keep, in order; None keeps all L + 1.
        """
        ids, mask = self._inputs(input_ids, attention_mask)
        weights = self._feed(np.asarray(pooling_weights, dtype=np.float32))
        return _pooled(self.graphdef, None if layers is None else tuple(layers), self.params, ids, mask, weights)


@functools.partial(jax.jit, static_argnums=0)
def _hidden_states(graphdef: nnx.GraphDef, params: nnx.State, input_ids: jax.Array,
                   attention_mask: jax.Array) -> jax.Array:
    stacked, _ = nnx.merge(graphdef, params).hidden_states(input_ids, attention_mask)
    return jnp.moveaxis(stacked, 0, 1)


@functools.partial(jax.jit, static_argnums=0)
def _logits(graphdef: nnx.GraphDef, params: nnx.State, input_ids: jax.Array,
            attention_mask: jax.Array) -> jax.Array:
    module = nnx.merge(graphdef, params)
    _, final = module.hidden_states(input_ids, attention_mask, collect=lambda h: None)
    return module.logits(final)


@functools.partial(jax.jit, static_argnums=(0, 1))
def _pooled(graphdef: nnx.GraphDef, layers: tuple[int, ...] | None, params: nnx.State,
            input_ids: jax.Array, attention_mask: jax.Array, weights: jax.Array) -> jax.Array:
    stacked, _ = nnx.merge(graphdef, params).hidden_states(
        input_ids, attention_mask, collect=lambda hidden: pooling.weighted_sum(hidden, weights),
        num_blocks=None if layers is None else max(layers))  # Blocks past the last kept layer never run.
    if layers is not None:
        stacked = stacked[jnp.asarray(layers)]
    return jnp.moveaxis(stacked, 0, 1)


def load_model(path_or_id: str | os.PathLike, dtype: str = "float32", mesh: Mesh | None = None) -> Model:
    """Reads a Hugging Face checkpoint into a `Model`, straight from safetensors.

    Args:
      path_or_id: a directory with `config.json` and `model.safetensors` (or sharded files with
        `model.safetensors.index.json`), or a hub id (downloaded through huggingface_hub's cache).
      dtype: `float32` or `bfloat16`, for the weights and the computation.
      mesh: a `(data, model)` mesh (`engine.make_mesh`); each device's slice of each tensor is
        read from disk and placed as it is read, so a model larger than one device loads.
        None: everything on the first device.
    """
    if dtype not in DTYPES:
        raise AlignscopeError(f"dtype {dtype!r} is not supported; supported: {', '.join(DTYPES)}")
    directory = checkpoint.resolve_checkpoint_dir(path_or_id)
    config = parse_config(checkpoint.read_config(directory))
    reader = checkpoint.SafetensorsReader(checkpoint.weight_files(directory))
    abstract = nnx.eval_shape(lambda: Decoder(config, DTYPES[dtype], rngs=nnx.Rngs(0)))
    graphdef, abstract_params = nnx.split(abstract)
    loaded = [(path, variable.replace(_read_param(reader, config, path, variable, mesh)))
              for path, variable in nnx.to_flat_state(abstract_params)]
    return Model(config, graphdef, nnx.from_flat_state(loaded), directory, mesh)


def _logical_axes(variable: nnx.Variable) -> tuple[str, ...]:
    metadata = variable.get_metadata()
    for key in ("out_sharding", "sharding_names"):  # Flax renamed the key; read either.
        if metadata.get(key):
            return tuple(metadata[key])
    raise ValueError(f"parameter without logical axis names: {variable}")


def _read_param(reader: checkpoint.SafetensorsReader, config: DecoderConfig, path: tuple[str, ...],
                variable: nnx.Variable, mesh: Mesh | None) -> jax.Array:
    """Returns one parameter, read tensor by tensor from safetensors onto its shards."""
    shape_dtype = variable.get_value()
    shape, dtype = shape_dtype.shape, np.dtype(shape_dtype.dtype)
    stacked = path[0] == "layers"
    names = [hf_weight_name(path, layer) for layer in range(config.num_layers)] if stacked \
        else [hf_weight_name(path)]
    per_tensor_shape = shape[1:] if stacked else shape
    for name in names:
        if name not in reader:
            raise AlignscopeError(f"checkpoint has no tensor {name} (needed by {config.architecture})")
        found, expected = reader.entries[name].shape, hf_weight_shape(path, per_tensor_shape)
        if found != expected:
            raise AlignscopeError(f"tensor {name} has shape {list(found)}; config.json implies {list(expected)}")

    def read_slice(index: tuple[slice, ...]) -> np.ndarray:
        if not stacked:
            return np.asarray(reader.get(names[0]).reshape(shape)[index], dtype=dtype)
        layers = range(config.num_layers)[index[0]]
        return np.stack([np.asarray(reader.get(names[layer]).reshape(per_tensor_shape)[index[1:]], dtype=dtype)
                         for layer in layers])

    read_cache: dict[tuple, np.ndarray] = {}

    def read(index: tuple[slice, ...]) -> np.ndarray:
        key = tuple((part.start, part.stop, part.step) for part in index)
        if key not in read_cache:  # Devices that hold the same slice (data replicas) share one read.
            read_cache[key] = read_slice(index)
        return read_cache[key]

    if mesh is None:
        target = SingleDeviceSharding(jax.devices()[0])
    else:
        target = sharding.named_sharding(_logical_axes(variable), shape, mesh)
    return jax.make_array_from_callback(shape, target, read)
