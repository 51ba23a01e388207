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
from jax.experimental import multihost_utils
from jax.sharding import Mesh, PartitionSpec, SingleDeviceSharding

from alignscope.errors import AlignscopeError
from engine import checkpoint, fingerprint, pooling, sharding
from engine.intervention import Intervention, Interventions, to_edits
from engine.models.config import DecoderConfig
from engine.models.decoder import Decoder
from engine.models.edits import Edits
from engine.models.families import config_json, language_model_config, parse_config, weight_maps
from engine.models.weights import WeightMap

DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16, "float16": jnp.float16}
# `auto`: the checkpoint's own dtype (config.json's `dtype`), float32 where it is none of DTYPES.
AUTO = "auto"


def resolve_dtype(name: str, what: str = "dtype", checkpoint_dtype: str | None = None) -> jnp.dtype:
    """Returns the jnp dtype named `name` (one of `DTYPES`, or `auto` for `checkpoint_dtype`), or
    raises `AlignscopeError`."""
    if name == AUTO and checkpoint_dtype is not None:
        return jnp.dtype(DTYPES.get(checkpoint_dtype, jnp.float32))
    if name not in DTYPES:
        accepted = [*DTYPES, AUTO] if checkpoint_dtype is not None else list(DTYPES)
        raise AlignscopeError(f"{what} {name!r} is not supported; supported: {', '.join(accepted)}")
    return jnp.dtype(DTYPES[name])


def _dtypes(dtype: str, param_dtype: str | None, compute_dtype: str | None,
            config: DecoderConfig) -> tuple[jnp.dtype, jnp.dtype]:
    """The (param, compute) dtypes of `load_model`'s and `init_model`'s arguments."""
    return (resolve_dtype(param_dtype or dtype, "param_dtype" if param_dtype else "dtype", config.checkpoint_dtype),
            resolve_dtype(compute_dtype or dtype, "compute_dtype" if compute_dtype else "dtype",
                          config.checkpoint_dtype))


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

    def orthogonalized(self, direction) -> "Model":
        """Returns this model with directional ablation of `direction` `[d_model]` baked into its
        weights: every weight and bias that writes into the residual stream (`RESIDUAL_WRITERS`)
        loses its component along the unit direction, so the model equals runtime ablation at
        every block (`Intervention.ablate(direction)`). A tied output head is untied first, so the
        logits keep the original head.

        Raises:
          AlignscopeError: a block that normalises its outputs before the residual add (post-norms),
            where the edit is not equivalent; a direction of the wrong shape.
        """
        post_norms = [name for name in ("post_attn_norm", "post_mlp_norm") if getattr(self.config, name, False)]
        if post_norms:
            raise AlignscopeError(f"orthogonalized: {self.config.architecture} normalises block outputs before the "
                                  f"residual add ({', '.join(post_norms)}), so editing weights is not the same as "
                                  f"ablating the direction; use Intervention.ablate at runtime")
        unit = jnp.asarray(to_edits(Intervention.ablate(direction), self.config.num_layers,
                                    self.config.hidden_size).directions[0])
        model = self._untied() if self.config.tie_word_embeddings else self
        edited = []
        for path, variable in nnx.to_flat_state(model.params):
            value = variable.get_value()
            if path[-1] in RESIDUAL_WRITERS:
                value = _project_out_axis(value, unit, _logical_axes(variable).index("embed"))
            edited.append((path, variable.replace(value)))
        return model.with_params(nnx.from_flat_state(edited))

    def _untied(self) -> "Model":
        """Returns this model with an output head of its own, equal to the embedding table."""
        config = dataclasses.replace(self.config, tie_word_embeddings=False)
        graphdef, abstract = nnx.split(nnx.eval_shape(lambda: Decoder(config, self.param_dtype, rngs=nnx.Rngs(0))))
        values = dict(nnx.to_flat_state(self.params))
        values[("lm_head",)] = values[("embed",)]
        params = nnx.from_flat_state([(path, variable.replace(values[path].get_value()))
                                      for path, variable in nnx.to_flat_state(abstract)])
        return dataclasses.replace(self, config=config, graphdef=graphdef,
                                   raw_config={**self.raw_config, "tie_word_embeddings": False},
                                   source=None, read_params=lambda: params)

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

    def _edits(self, intervention: Interventions) -> Edits | None:
        return to_edits(intervention, self.config.num_layers, self.config.hidden_size)

    def hidden_states(self, input_ids, attention_mask, intervention: Interventions = None) -> jax.Array:
        """Returns `[batch, L + 1, seq, d_model]` float32, as transformers' `output_hidden_states`.

        Entry 0 is the embeddings, entry L the last block's output after the final norm; under an
        intervention at block l, entry l is block l's input after the edit.
        Rows may be left- or right-padded; padded positions hold finite values to be ignored.
        """
        return _hidden_states(self.graphdef, self.compute_dtype, self.params,
                              *self._inputs(input_ids, attention_mask), self._edits(intervention))

    def logits(self, input_ids, attention_mask, intervention: Interventions = None) -> jax.Array:
        """Returns `[batch, seq, vocab]` float32 next-token logits."""
        return _logits(self.graphdef, self.compute_dtype, self.params, *self._inputs(input_ids, attention_mask),
                       self._edits(intervention))

    def next_token_logits(self, input_ids, attention_mask, intervention: Interventions = None) -> jax.Array:
        """Returns `[batch, vocab]` float32: the logits after each row's last real token (any padding
        side); the head runs on that token only."""
        return _next_token_logits(self.graphdef, self.compute_dtype, self.params,
                                  *self._inputs(input_ids, attention_mask), self._edits(intervention))

    def pooled_hidden_states(self, input_ids, attention_mask, pooling_weights,
                             layers: Sequence[int] | None = None, intervention: Interventions = None) -> jax.Array:
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
          intervention: edits of the residual stream (`engine.Intervention`, or a list applied in order).
        """
        layers = self.layer_indices(layers)
        weights, shape = np.asarray(pooling_weights, dtype=np.float32), np.shape(input_ids)
        if weights.ndim not in (2, 3) or weights.shape[0] != shape[0] or weights.shape[-1] != shape[-1]:
            raise AlignscopeError(f"pooling_weights {weights.shape} must be [batch, seq] or [batch, segments, seq] "
                                  f"for input_ids {shape}")
        ids, mask = self._inputs(input_ids, attention_mask)
        pooled = _pooled(self.graphdef, self.compute_dtype, layers, self.params, ids, mask,
                         self._feed(weights if weights.ndim == 3 else weights[:, None]), self._edits(intervention))
        return pooled if weights.ndim == 3 else pooled[:, 0]

    def generate(self, input_ids, attention_mask, max_new_tokens: int, intervention: Interventions = None, *,
                 eos_token_ids: Sequence[int] | None = None, pad_token_id: int | None = None,
                 temperature: float = 0.0, seed: int | Sequence[int] = 0,
                 return_logits: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Returns `[batch, max_new_tokens]` int32 generated ids; after a row's EOS, the pad id.

        Greedy (`temperature` 0) or sampled from softmax(logits / temperature). Compiled once per
        (batch, prompt length, max_new_tokens): the key/value cache has prompt length +
        max_new_tokens slots, so callers that pad prompts to a few bucket lengths (`engine.generate`)
        compile a few times per run.

        Args:
          input_ids, attention_mask: `[batch, seq]` prompts, left-padded (each row's last token real,
            or an empty row).
          max_new_tokens: tokens generated per row.
          intervention: edits of the residual stream at every position, prompt and generated.
          eos_token_ids: ids that end a row; default the config's `eos_token_id`.
          pad_token_id: the id after EOS; default the config's `pad_token_id`, else the first EOS id, else 0.
          temperature: 0 for greedy decoding; above 0, sampling.
          seed: the sampling seed, one for all rows or one per row (`[batch]`), so a row's sample
            does not depend on which rows share its batch.
          return_logits: also return `[batch, vocab]` float32, the logits the first new token is
            chosen from (each prompt's next-token logits, as `next_token_logits`, from the same pass).
        """
        ids, mask = np.asarray(input_ids, dtype=np.int32), np.asarray(attention_mask, dtype=np.int32)
        if ids.ndim != 2 or ids.shape != mask.shape:
            raise AlignscopeError(f"input_ids {ids.shape} and attention_mask {mask.shape} must both be [batch, seq]")
        if np.any(np.diff(mask, axis=1) < 0):
            raise AlignscopeError("generate needs left-padded prompts: in each attention_mask row, no 0 after a 1")
        if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 1:
            raise AlignscopeError(f"max_new_tokens must be a positive integer, not {max_new_tokens!r}")
        if not temperature >= 0:
            raise AlignscopeError(f"temperature must be 0 (greedy) or positive, not {temperature!r}")
        eos = self.eos_token_ids() if eos_token_ids is None else [int(token) for token in eos_token_ids]
        if pad_token_id is None:
            pad_token_id = self.raw_config.get("pad_token_id")
            pad_token_id = pad_token_id if pad_token_id is not None else (eos[0] if eos else 0)
        seeds = np.broadcast_to(np.asarray(seed, dtype=np.uint32), ids.shape[:1])
        output, logits = _generate(self.graphdef, self.compute_dtype, max_new_tokens, self.params, self._feed(ids),
                                   self._feed(mask), self._edits(intervention), np.asarray(eos or [-1], np.int32),
                                   np.int32(pad_token_id), np.float32(temperature),
                                   self._feed(np.ascontiguousarray(seeds)))
        return (self.local_rows(output), self.local_rows(logits)) if return_logits else self.local_rows(output)

    def eos_token_ids(self) -> list[int]:
        """Returns the config's `eos_token_id` as a list (empty when it has none)."""
        eos = self.raw_config.get("eos_token_id")
        return [] if eos is None else [int(token) for token in (eos if isinstance(eos, list) else [eos])]

    def local_rows(self, output: jax.Array) -> np.ndarray:
        """Returns this process's rows of a `[batch, ...]` result (all of them on one host)."""
        if self.mesh is not None and jax.process_count() > 1:
            return np.asarray(multihost_utils.global_array_to_host_local_array(output, self.mesh, PartitionSpec("data")))
        return np.asarray(output)


# Parameters that write into the residual stream (their `embed` axis is the stream's).
RESIDUAL_WRITERS = ("embed", "position_embed", "o_proj", "o_bias", "down_proj", "down_bias")


def _project_out_axis(value: jax.Array, unit: jax.Array, axis: int) -> jax.Array:
    """Returns `value` without its component along `unit` on `axis` (computed in float32)."""
    moved = jnp.moveaxis(value.astype(jnp.float32), axis, -1)
    moved = moved - jnp.einsum("...d,d->...", moved, unit, precision=jax.lax.Precision.HIGHEST)[..., None] * unit
    return jnp.moveaxis(moved, -1, axis).astype(value.dtype)


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
                   attention_mask: jax.Array, edits: Edits | None) -> jax.Array:
    stacked, _ = merged(graphdef, params, compute_dtype).hidden_states(input_ids, attention_mask, edits=edits)
    return jnp.moveaxis(stacked, 0, 1)


@functools.partial(jax.jit, static_argnums=(0, 1))
def _logits(graphdef: nnx.GraphDef, compute_dtype: jnp.dtype, params: nnx.State, input_ids: jax.Array,
            attention_mask: jax.Array, edits: Edits | None) -> jax.Array:
    module = merged(graphdef, params, compute_dtype)
    _, final = module.hidden_states(input_ids, attention_mask, collect=lambda h: None, edits=edits)
    return module.logits(final)


@functools.partial(jax.jit, static_argnums=(0, 1))
def _next_token_logits(graphdef: nnx.GraphDef, compute_dtype: jnp.dtype, params: nnx.State, input_ids: jax.Array,
                       attention_mask: jax.Array, edits: Edits | None) -> jax.Array:
    module = merged(graphdef, params, compute_dtype)
    _, final = module.hidden_states(input_ids, attention_mask, collect=lambda h: None, edits=edits)
    seq = attention_mask.shape[1]
    last = seq - 1 - jnp.argmax(attention_mask[:, ::-1], axis=1)  # each row's last real token
    return module.logits(jnp.take_along_axis(final, last[:, None, None], axis=1))[:, 0]


@functools.partial(jax.jit, static_argnums=(0, 1, 2))
def _pooled(graphdef: nnx.GraphDef, compute_dtype: jnp.dtype, layers: tuple[int, ...] | None, params: nnx.State,
            input_ids: jax.Array, attention_mask: jax.Array, weights: jax.Array, edits: Edits | None) -> jax.Array:
    """`layers` are hidden-state indices already in 0..L (`Model.layer_indices`)."""
    stacked, _ = merged(graphdef, params, compute_dtype).hidden_states(
        input_ids, attention_mask, collect=lambda hidden: pooling.weighted_sum(hidden, weights),
        num_blocks=None if layers is None else max(layers), edits=edits)  # Blocks past the last kept layer never run.
    if layers is not None:
        stacked = stacked[jnp.asarray(layers)]
    return jnp.moveaxis(stacked, 0, 2)  # [batch, segments, layers, d_model]


@functools.partial(jax.jit, static_argnums=(0, 1, 2))
def _generate(graphdef: nnx.GraphDef, compute_dtype: jnp.dtype, max_new_tokens: int, params: nnx.State,
              input_ids: jax.Array, attention_mask: jax.Array, edits: Edits | None, eos_ids: jax.Array,
              pad_id: jax.Array, temperature: jax.Array, seeds: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(`[batch, max_new_tokens]` int32, the first token's logits `[batch, vocab]` float32): the
    prompt in one pass into a cache of prompt length +
    max_new_tokens slots, then one token per step of a `while_loop` that carries the cache (each
    layer's keys and values written in place) and stops once every row has ended; slots of a row
    after its EOS, and every slot after the loop stopped, hold the pad id."""
    module = merged(graphdef, params, compute_dtype)
    batch, length = input_ids.shape
    keys = jax.vmap(jax.random.key)(seeds)
    cache = module.init_cache(batch, length + max_new_tokens, compute_dtype)
    final, cache = module.extend(input_ids, attention_mask, cache, edits)

    def choose(logits: jax.Array, step: jax.Array) -> jax.Array:
        sample = lambda: jax.vmap(lambda key, row: jax.random.categorical(
            jax.random.fold_in(key, step), row / jnp.maximum(temperature, 1e-6)))(keys, logits).astype(jnp.int32)
        greedy = lambda: jnp.argmax(logits, axis=-1).astype(jnp.int32)
        return jax.lax.cond(temperature > 0, sample, greedy)  # greedy pays nothing for the random draws

    next_logits = lambda final_hidden: module.logits(final_hidden[:, -1:])[:, 0]
    first_logits = next_logits(final)
    first = choose(first_logits, 0)
    output = jnp.full((batch, max_new_tokens), pad_id, jnp.int32).at[:, 0].set(first)

    def running(carry) -> jax.Array:
        index, _, _, done, _ = carry
        return (index < max_new_tokens) & ~jnp.all(done)

    def step(carry):
        index, token, cache, done, output = carry
        final, cache = module.extend(token[:, None], jnp.ones((batch, 1), jnp.int32), cache, edits)
        token = jnp.where(done, pad_id, choose(next_logits(final), index))
        output = jax.lax.dynamic_update_slice(output, token[:, None], (0, index))
        return index + 1, token, cache, done | jnp.isin(token, eos_ids), output

    carry = (jnp.int32(1), first, cache, jnp.isin(first, eos_ids), output)
    return jax.lax.while_loop(running, step, carry)[-1], first_logits


def load_model(path_or_id: str | os.PathLike, dtype: str = "float32", mesh: Mesh | None = None, *,
               param_dtype: str | None = None, compute_dtype: str | None = None) -> Model:
    """Returns a `Model` of a Hugging Face checkpoint, read straight from safetensors.

    Tensor names and shapes are checked here (from the files' headers); the weights themselves
    are read on first use of `model.params` (a forward pass), so a model whose activations are
    all in a store is never read.

    Args:
      path_or_id: a directory with `config.json` and `model.safetensors` (or sharded files with
        `model.safetensors.index.json`), or a hub id (downloaded through huggingface_hub's cache).
      dtype: `float32`, `bfloat16`, `float16`, or `auto` (the checkpoint's own dtype, from
        config.json), for the weights and the computation.
      mesh: a `(data, model)` mesh (`engine.make_mesh`); each device's slice of each tensor is
        read from disk and placed as it is read, so a model larger than one device loads.
        None: everything on the first device.
      param_dtype, compute_dtype: override `dtype` for the weights or the computation (training
        keeps float32 master weights and computes in bfloat16).
    """
    directory = checkpoint.resolve_checkpoint_dir(path_or_id)
    raw_config = language_model_config(checkpoint.read_config(directory))
    config = parse_config(raw_config)
    param_dtype, compute_dtype = _dtypes(dtype, param_dtype, compute_dtype, config)
    reader = checkpoint.SafetensorsReader(checkpoint.weight_files(directory))
    graphdef, abstract_params = nnx.split(nnx.eval_shape(lambda: Decoder(config, param_dtype, rngs=nnx.Rngs(0))))
    flat = nnx.to_flat_state(abstract_params)
    weight_map = _checkpoint_weight_map(reader, config, weight_maps(config, parameter_specs(abstract_params)))

    def read_params() -> nnx.State:
        return nnx.from_flat_state([(path, variable.replace(_read_param(reader, weight_map, path, variable, mesh)))
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
    if isinstance(config, DecoderConfig):
        raw_config = config_json(config)
    elif isinstance(config, dict):
        raw_config = language_model_config(dict(config))
    else:
        raw_config = language_model_config(checkpoint.read_config(pathlib.Path(config).expanduser()))
    parsed = config if isinstance(config, DecoderConfig) else parse_config(raw_config)
    param_dtype, compute_dtype = _dtypes(dtype, param_dtype, compute_dtype, parsed)
    graphdef, params = nnx.split(Decoder(parsed, param_dtype, rngs=nnx.Rngs(seed)))
    model = Model(parsed, graphdef, raw_config, param_dtype, compute_dtype, None, None, lambda: params)
    return model if mesh is None else model.to_mesh(mesh)


def _logical_axes(variable: nnx.Variable) -> tuple[str, ...]:
    metadata = variable.get_metadata()
    for key in ("out_sharding", "sharding_names"):  # Flax renamed the key; read either.
        if metadata.get(key):
            return tuple(metadata[key])
    raise ValueError(f"parameter without logical axis names: {variable}")


def parameter_specs(params: nnx.State) -> dict[tuple[str, ...], tuple[tuple[int, ...], tuple[str, ...]]]:
    """Returns per parameter path its shape and logical axis names (arrays or abstract shapes)."""
    return {tuple(path): (tuple(variable.get_value().shape), _logical_axes(variable))
            for path, variable in nnx.to_flat_state(params)}


def _checkpoint_weight_map(reader: checkpoint.SafetensorsReader, config: DecoderConfig,
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


def _read_param(reader: checkpoint.SafetensorsReader, weight_map: WeightMap, path: tuple[str, ...],
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
        target = sharding.named_sharding(_logical_axes(variable), shape, mesh)
    return jax.make_array_from_callback(shape, target, read)
