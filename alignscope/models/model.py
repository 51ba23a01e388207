"""A model: the Flax decoder with its weights, read from a checkpoint
(`alignscope.checkpoints.load_model`), made with random weights (`init_model`), or changed in
memory (`with_params`), and its forward passes (`alignscope.models.forward`) on placed inputs.
"""

from __future__ import annotations

import dataclasses
import functools
import pathlib
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from jax.experimental import multihost_utils
from jax.sharding import Mesh, PartitionSpec

from alignscope import sharding
from alignscope.errors import AlignscopeError
from alignscope.models import forward, surgery
from alignscope.models.config import DecoderConfig
from alignscope.models.decoder import Decoder
from alignscope.models.edits import Edits
from alignscope.models.identity import params_fingerprint
from alignscope.models.intervention import Intervention, Interventions, to_edits


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
      source: the checkpoint directory (or GGUF file) holding exactly these weights; None for weights
        made or changed in memory (`init_model`, `with_params`, training).
      read_params: returns the weights (an `nnx.State` of arrays, sharded over `mesh`); called
        once, on first use of `params`.
      read_identity: returns the model's identity without reading the weights: the digest of
        `source`'s files (`checkpoints.fingerprint`), or a parent's identity and the one
        deterministic change made to it (`checkpoints.quantize`); None: the digest of the weights.
    """

    config: DecoderConfig
    graphdef: nnx.GraphDef
    raw_config: dict[str, Any]
    param_dtype: jnp.dtype
    compute_dtype: jnp.dtype
    mesh: Mesh | None
    source: pathlib.Path | None
    read_params: Callable[[], nnx.State] = dataclasses.field(repr=False)
    read_identity: Callable[[], str] | None = dataclasses.field(default=None, repr=False)

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

        A model whose weights are a checkpoint's files, unchanged, is keyed by the files, and a
        deterministic transform of a model by its parent's identity and the transform
        (`read_identity`, computed without reading the weights onto a device); one made or changed
        in memory otherwise by a digest of every parameter's bytes (`identity.params_fingerprint`),
        so an edited model never shares its parent's identity.
        """
        if self.read_identity is not None:
            return self.read_identity()
        return "params:" + params_fingerprint(self.params)

    def with_params(self, params: nnx.State) -> "Model":
        """Returns the same architecture with other weights (same structure and shapes), as a
        model made in memory: its identity is the digest of `params`."""
        expected = jax.tree.map(lambda leaf: (leaf.shape, leaf.dtype), self.abstract_params())
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
                                   source=None, read_params=lambda: params, read_identity=None)

    def abstract_params(self) -> nnx.State:
        """The parameters' structure, shapes and dtypes (the weights themselves when already read)."""
        if "params" in self.__dict__:
            return self.params
        return nnx.split(nnx.eval_shape(lambda: Decoder(self.config, self.param_dtype, rngs=nnx.Rngs(0))))[1]

    def orthogonalized(self, direction) -> "Model":
        """Returns this model with directional ablation of `direction` `[d_model]` baked into its
        weights: every weight and bias that writes into the residual stream (`surgery.RESIDUAL_WRITERS`)
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
        model = self
        if self.config.tie_word_embeddings:
            config, graphdef, params = surgery.untied(self.config, self.params, self.param_dtype)
            model = dataclasses.replace(self, config=config, graphdef=graphdef, source=None, read_params=lambda: params,
                                        read_identity=None,
                                        raw_config={**self.raw_config, "tie_word_embeddings": False})
        return model.with_params(surgery.orthogonalized_params(model.params, unit))

    def to_mesh(self, mesh: Mesh) -> "Model":
        """Returns this model with its weights resharded onto `mesh` by the logical-axis rules."""
        placed = []
        for path, variable in nnx.to_flat_state(self.params):
            value = variable.get_value()
            target = sharding.named_sharding(surgery.logical_axes(variable), value.shape, mesh)
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
        return forward.hidden_states(self.graphdef, self.compute_dtype, self.params,
                              *self._inputs(input_ids, attention_mask), self._edits(intervention))

    def logits(self, input_ids, attention_mask, intervention: Interventions = None) -> jax.Array:
        """Returns `[batch, seq, vocab]` float32 next-token logits."""
        return forward.logits(self.graphdef, self.compute_dtype, self.params, *self._inputs(input_ids, attention_mask),
                       self._edits(intervention))

    def next_token_logits(self, input_ids, attention_mask, intervention: Interventions = None) -> jax.Array:
        """Returns `[batch, vocab]` float32: the logits after each row's last real token (any padding
        side); the head runs on that token only."""
        return forward.next_token_logits(self.graphdef, self.compute_dtype, self.params,
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
          pooling_weights: `[batch, seq]` float32 per-token weights (`runtime/pooling.py`): 1/n on
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
        pooled = forward.pooled(self.graphdef, self.compute_dtype, layers, self.params, ids, mask,
                         self._feed(weights if weights.ndim == 3 else weights[:, None]), self._edits(intervention))
        return pooled if weights.ndim == 3 else pooled[:, 0]

    def generate(self, input_ids, attention_mask, max_new_tokens: int, intervention: Interventions = None, *,
                 eos_token_ids: Sequence[int] | None = None, pad_token_id: int | None = None,
                 temperature: float = 0.0, seed: int | Sequence[int] = 0, return_logits: bool = False,
                 prefix_ids=None) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
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
          prefix_ids: `[P]` tokens every row's prompt begins with, before its `input_ids`: run once
            into the cache all rows read (None or empty: none).
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
        prefix = None if prefix_ids is None or not len(prefix_ids) else np.asarray(prefix_ids, np.int32)
        output, logits = forward.generate(self.graphdef, self.compute_dtype, max_new_tokens, self.params, self._feed(ids),
                                   self._feed(mask), self._edits(intervention), np.asarray(eos or [-1], np.int32),
                                   np.int32(pad_token_id), np.float32(temperature),
                                   self._feed(np.ascontiguousarray(seeds)), prefix)
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


def _is_shape_pair(leaf) -> bool:
    return isinstance(leaf, tuple) and len(leaf) == 2 and isinstance(leaf[0], tuple)
