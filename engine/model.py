"""A model: the Flax decoder with its weights, read from a Hugging Face checkpoint
(`load_model`), made with random weights (`init_model`), or changed in memory (`with_params`).

The forward passes are module-level jitted functions of (graphdef, compute dtype, params, ids,
mask) with the graphdef (which holds the config) static, so two checkpoints of one architecture
and size, such as a base model and its aligned sibling, share compiled code.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import pathlib
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from jax.sharding import Mesh, SingleDeviceSharding

from alignscope.errors import AlignscopeError
from engine import checkpoint, fingerprint, pooling, sharding
from engine.models.config import DecoderConfig
from engine.models.decoder import Decoder
from engine.models.families import config_json, hf_tensors, parse_config

DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}


def resolve_dtype(name: str, what: str = "dtype") -> jnp.dtype:
    """Returns the jnp dtype named `name` (one of `DTYPES`), or raises `AlignscopeError`."""
    if name not in DTYPES:
        raise AlignscopeError(f"{what} {name!r} is not supported; supported: {', '.join(DTYPES)}")
    return jnp.dtype(DTYPES[name])


@dataclasses.dataclass(frozen=True, eq=False)
class Model:
    """A decoder and its weights.

    Weights read from a checkpoint are read on first use of `params`, so a caller that only
    needs the model's identity (an activation store lookup) never reads them.

    Attributes:
      config: the parsed architecture.
      graphdef: the Flax module structure (static in jit; equal for equal configs).
      raw_config: the checkpoint's own config.json keys, written back by `engine.save_model`.
      param_dtype: the dtype the weights are held in.
      compute_dtype: the dtype of the forward pass; weights are cast to it inside jit (float32
        master weights with bfloat16 compute, for training).
      mesh: the device mesh the weights live on, or None for one device.
      source: the checkpoint directory whose files hold exactly these weights; None for weights
        made or changed in memory (`init_model`, `with_params`, training).
      read_params: returns the weights (an `nnx.State` of arrays, sharded over `mesh`); called
        once, on first use of `params`.
    """

    config: DecoderConfig
    graphdef: nnx.GraphDef
    raw_config: dict[str, Any]
    param_dtype: jnp.dtype
    compute_dtype: jnp.dtype
    mesh: Mesh | None
    source: pathlib.Path | None
    read_params: Callable[[], nnx.State] = dataclasses.field(repr=False)

    @functools.cached_property
    def params(self) -> nnx.State:
        """The weights, an `nnx.State` of arrays (read from the checkpoint on first use)."""
        return self.read_params()

    @property
    def dtype(self) -> jnp.dtype:
        """The dtype the forward pass computes in."""
        return self.compute_dtype

    @functools.cached_property
    def identity(self) -> str:
        """A hex digest of the weights' content, what stores and result files key on.

        A model whose weights are a checkpoint's files, unchanged, is keyed by the files
        (`fingerprint.checkpoint_weights_fingerprint`, computed without reading the weights onto
        a device); one made or changed in memory by a digest of every parameter's bytes
        (`fingerprint.params_fingerprint`), so an edited model never shares its parent's identity.
        """
        if self.source is not None:
            return "files:" + fingerprint.checkpoint_weights_fingerprint(self.source)
        return "params:" + fingerprint.params_fingerprint(self.params)

    def with_params(self, params: nnx.State) -> "Model":
        """Returns the same architecture with other weights (same structure and shapes), as a
        model made in memory: its identity is the digest of `params`."""
        expected = jax.tree.map(lambda leaf: (leaf.shape, leaf.dtype), self._abstract_params())
        given = jax.tree.map(lambda leaf: (leaf.shape, leaf.dtype), params)
        if jax.tree.structure(expected) != jax.tree.structure(given):
            raise AlignscopeError("with_params needs the model's own parameter structure "
                                  "(nnx.State with the same paths as model.params)")
        mismatched = [(path, want[0], got[0]) for (path, want), got in zip(
            jax.tree_util.tree_leaves_with_path(expected, is_leaf=_is_shape_pair),
            jax.tree.leaves(given, is_leaf=_is_shape_pair)) if want[0] != got[0]]
        if mismatched:
            path, want, got = mismatched[0]
            raise AlignscopeError(f"with_params: parameter {jax.tree_util.keystr(path)} has shape {got}; "
                                  f"the model's is {want}")
        dtypes = {leaf.dtype for leaf in jax.tree.leaves(params)}
        return dataclasses.replace(self, param_dtype=jnp.dtype(dtypes.pop()) if len(dtypes) == 1 else self.param_dtype,
                                   source=None, read_params=lambda: params)

    def _abstract_params(self) -> nnx.State:
        if "params" in self.__dict__:
            return self.params
        return nnx.split(nnx.eval_shape(lambda: Decoder(self.config, self.param_dtype, rngs=nnx.Rngs(0))))[1]

    def to_mesh(self, mesh: Mesh) -> "Model":
        """Returns this model with its weights resharded onto `mesh` by the logical-axis rules."""
        placed = []
        for path, variable in nnx.to_flat_state(self.params):
            value = variable.get_value()
            target = sharding.named_sharding(_logical_axes(variable), value.shape, mesh)
            placed.append((path, variable.replace(jax.device_put(value, target))))
        params = nnx.from_flat_state(placed)
        return dataclasses.replace(self, mesh=mesh, read_params=lambda: params)

    def layer_indices(self, layers: Sequence[int] | None) -> tuple[int, ...] | None:
        """Returns hidden-state indices in 0..L (negative ones count from the end), or None for all.

        Raises:
          AlignscopeError: an index outside -(L + 1)..L, or an empty selection.
        """
        if layers is None:
            return None
        num_states = self.config.num_layers + 1
        result = []
        for layer in layers:
            if not -num_states <= int(layer) < num_states:
                raise AlignscopeError(f"layer {layer} does not exist; the model has hidden states "
                                      f"0..{num_states - 1} (negative indices count from the end)")
            result.append(int(layer) % num_states)
        if not result:
            raise AlignscopeError("layers is empty; give at least one layer index, or None for all")
        return tuple(result)

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
        return _hidden_states(self.graphdef, self.compute_dtype, self.params,
                              *self._inputs(input_ids, attention_mask))

    def logits(self, input_ids, attention_mask) -> jax.Array:
        """Returns `[batch, seq, vocab]` float32 next-token logits."""
        return _logits(self.graphdef, self.compute_dtype, self.params, *self._inputs(input_ids, attention_mask))

    def pooled_hidden_states(self, input_ids, attention_mask, pooling_weights,
                             layers: Sequence[int] | None = None) -> jax.Array:
        """Returns `[batch, len(layers) or L + 1, d_model]` float32 (`[batch, segments, ...]` for
        packed rows): per layer, the weighted sum of each text's hidden states over its tokens
        (full states are never stacked).

        Args:
          input_ids: `[batch, seq]`.
          attention_mask: `[batch, seq]`, 0 for padding; packed rows number their texts 1, 2, ...
            (`batching.batch_inputs`), each attending only to itself with positions from 0.
          pooling_weights: `[batch, seq]` float32 per-token weights (`engine/pooling.py`): 1/n on
            a text's n tokens for mean pooling, one-hot for first/last; 0 elsewhere; or
            `[batch, segments, seq]`, one row of weights per text of a packed row. Tokens with
            weight 0 are excluded with `where`, so non-finite values there cannot leak.
          layers: hidden-state indices to keep, in order (0 the embeddings, L after the final
            norm; negative ones count from the end); None keeps all L + 1.
        """
        layers = self.layer_indices(layers)
        weights, shape = np.asarray(pooling_weights, dtype=np.float32), np.shape(input_ids)
        if weights.ndim not in (2, 3) or weights.shape[0] != shape[0] or weights.shape[-1] != shape[-1]:
            raise AlignscopeError(f"pooling_weights {weights.shape} must be [batch, seq] or [batch, segments, seq] "
                                  f"for input_ids {shape}")
        ids, mask = self._inputs(input_ids, attention_mask)
        pooled = _pooled(self.graphdef, self.compute_dtype, layers, self.params, ids, mask,
                         self._feed(weights if weights.ndim == 3 else weights[:, None]))
        return pooled if weights.ndim == 3 else pooled[:, 0]


def _is_shape_pair(leaf) -> bool:
    return isinstance(leaf, tuple) and len(leaf) == 2 and isinstance(leaf[0], tuple)


def cast_params(params: nnx.State, dtype: jnp.dtype) -> nnx.State:
    """Returns `params` with every floating-point array in `dtype` (a no-op where it already is)."""
    return jax.tree.map(lambda p: p.astype(dtype) if jnp.issubdtype(p.dtype, jnp.floating) and p.dtype != dtype
                        else p, params)


def merged(graphdef: nnx.GraphDef, params: nnx.State, compute_dtype: jnp.dtype) -> Decoder:
    """Returns the decoder module of `params` cast to `compute_dtype`, for use inside jit
    (gradients flow through the cast back to the stored weights)."""
    return nnx.merge(graphdef, cast_params(params, compute_dtype))


@functools.partial(jax.jit, static_argnums=(0, 1))
def _hidden_states(graphdef: nnx.GraphDef, compute_dtype: jnp.dtype, params: nnx.State, input_ids: jax.Array,
                   attention_mask: jax.Array) -> jax.Array:
    stacked, _ = merged(graphdef, params, compute_dtype).hidden_states(input_ids, attention_mask)
    return jnp.moveaxis(stacked, 0, 1)


@functools.partial(jax.jit, static_argnums=(0, 1))
def _logits(graphdef: nnx.GraphDef, compute_dtype: jnp.dtype, params: nnx.State, input_ids: jax.Array,
            attention_mask: jax.Array) -> jax.Array:
    module = merged(graphdef, params, compute_dtype)
    _, final = module.hidden_states(input_ids, attention_mask, collect=lambda h: None)
    return module.logits(final)


@functools.partial(jax.jit, static_argnums=(0, 1, 2))
def _pooled(graphdef: nnx.GraphDef, compute_dtype: jnp.dtype, layers: tuple[int, ...] | None, params: nnx.State,
            input_ids: jax.Array, attention_mask: jax.Array, weights: jax.Array) -> jax.Array:
    """`layers` are hidden-state indices already in 0..L (`Model.layer_indices`)."""
    stacked, _ = merged(graphdef, params, compute_dtype).hidden_states(
        input_ids, attention_mask, collect=lambda hidden: pooling.weighted_sum(hidden, weights),
        num_blocks=None if layers is None else max(layers))  # Blocks past the last kept layer never run.
    if layers is not None:
        stacked = stacked[jnp.asarray(layers)]
    return jnp.moveaxis(stacked, 0, 2)  # [batch, segments, layers, d_model]


def load_model(path_or_id: str | os.PathLike, dtype: str = "float32", mesh: Mesh | None = None, *,
               param_dtype: str | None = None, compute_dtype: str | None = None) -> Model:
    """Returns a `Model` of a Hugging Face checkpoint, read straight from safetensors.

    Tensor names and shapes are checked here (from the files' headers); the weights themselves
    are read on first use of `model.params` (a forward pass), so a model whose activations are
    all in a store is never read.

    Args:
      path_or_id: a directory with `config.json` and `model.safetensors` (or sharded files with
        `model.safetensors.index.json`), or a hub id (downloaded through huggingface_hub's cache).
      dtype: `float32` or `bfloat16`, for the weights and the computation.
      mesh: a `(data, model)` mesh (`engine.make_mesh`); each device's slice of each tensor is
        read from disk and placed as it is read, so a model larger than one device loads.
        None: everything on the first device.
      param_dtype, compute_dtype: override `dtype` for the weights or the computation (training
        keeps float32 master weights and computes in bfloat16).
    """
    param_dtype = resolve_dtype(param_dtype or dtype, "param_dtype" if param_dtype else "dtype")
    compute_dtype = resolve_dtype(compute_dtype or dtype, "compute_dtype" if compute_dtype else "dtype")
    directory = checkpoint.resolve_checkpoint_dir(path_or_id)
    raw_config = checkpoint.read_config(directory)
    config = parse_config(raw_config)
    reader = checkpoint.SafetensorsReader(checkpoint.weight_files(directory))
    graphdef, abstract_params = nnx.split(nnx.eval_shape(lambda: Decoder(config, param_dtype, rngs=nnx.Rngs(0))))
    flat = nnx.to_flat_state(abstract_params)
    for path, variable in flat:
        _check_tensors(reader, config, path, variable.get_value().shape)

    def read_params() -> nnx.State:
        return nnx.from_flat_state([(path, variable.replace(_read_param(reader, config, path, variable, mesh)))
                                    for path, variable in flat])

    return Model(config, graphdef, dict(raw_config), param_dtype, compute_dtype, mesh, directory, read_params)


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
    param_dtype = resolve_dtype(param_dtype or dtype, "param_dtype" if param_dtype else "dtype")
    compute_dtype = resolve_dtype(compute_dtype or dtype, "compute_dtype" if compute_dtype else "dtype")
    if isinstance(config, DecoderConfig):
        raw_config = config_json(config)
    elif isinstance(config, dict):
        raw_config = dict(config)
    else:
        raw_config = checkpoint.read_config(pathlib.Path(config).expanduser())
    parsed = config if isinstance(config, DecoderConfig) else parse_config(raw_config)
    graphdef, params = nnx.split(Decoder(parsed, param_dtype, rngs=nnx.Rngs(seed)))
    model = Model(parsed, graphdef, raw_config, param_dtype, compute_dtype, None, None, lambda: params)
    return model if mesh is None else model.to_mesh(mesh)


def _logical_axes(variable: nnx.Variable) -> tuple[str, ...]:
    metadata = variable.get_metadata()
    for key in ("out_sharding", "sharding_names"):  # Flax renamed the key; read either.
        if metadata.get(key):
            return tuple(metadata[key])
    raise ValueError(f"parameter without logical axis names: {variable}")


def _check_tensors(reader: checkpoint.SafetensorsReader, config: DecoderConfig, path: tuple[str, ...],
                  shape: tuple[int, ...]) -> None:
    """Raises `AlignscopeError` unless the checkpoint has every tensor of one parameter, in its shape."""
    for name, expected in hf_tensors(config, path, shape):
        if name not in reader:
            raise AlignscopeError(f"checkpoint has no tensor {name} (needed by {config.architecture})")
        found = reader.entries[name].shape
        if found != expected:
            raise AlignscopeError(f"tensor {name} has shape {list(found)}; config.json implies {list(expected)}")


def _read_param(reader: checkpoint.SafetensorsReader, config: DecoderConfig, path: tuple[str, ...],
                variable: nnx.Variable, mesh: Mesh | None) -> jax.Array:
    """Returns one parameter, read tensor by tensor from safetensors onto its shards."""
    shape_dtype = variable.get_value()
    shape, dtype = shape_dtype.shape, np.dtype(shape_dtype.dtype)
    stacked = path[0] == "layers"
    names = [name for name, _ in hf_tensors(config, path, shape)]
    per_tensor_shape = shape[1:] if stacked else shape

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
