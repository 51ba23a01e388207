"""The jitted forward passes: functions of (graphdef, compute dtype, params, ids, mask, edits).

The graphdef (which holds the config) is static, so two checkpoints of one architecture and
size, such as a base model and its aligned sibling, share compiled code. `Model`'s methods
place the inputs and call these.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from flax import nnx

from alignscope.models.decoder import Decoder
from alignscope.models.dtypes import cast_params
from alignscope.models.edits import Edits


def merged(graphdef: nnx.GraphDef, params: nnx.State, compute_dtype: jnp.dtype) -> Decoder:
    """Returns the decoder module of `params` cast to `compute_dtype`, for use inside jit
    (gradients flow through the cast back to the stored weights)."""
    return nnx.merge(graphdef, cast_params(params, compute_dtype))


def weighted_sum(hidden: jax.Array, weights: jax.Array) -> jax.Array:
    """Returns `[batch, segments, d_model]` float32: per segment, the sum over tokens of `weights * hidden`.

    Args:
      hidden: `[batch, seq, d_model]` in any float dtype.
      weights: `[batch, segments, seq]` float32, one row of token weights per text of a row;
        positions with weight 0 in every segment are excluded with `where`, so a non-finite
        value there cannot leak into the sums.
    """
    used = jnp.any(weights != 0, axis=1)
    kept = jnp.where(used[..., None], hidden.astype(jnp.float32), 0.0)
    return jnp.einsum("bst,btd->bsd", weights, kept, precision=jax.lax.Precision.HIGHEST)


@functools.partial(jax.jit, static_argnums=(0, 1))
def hidden_states(graphdef: nnx.GraphDef, compute_dtype: jnp.dtype, params: nnx.State, input_ids: jax.Array,
                   attention_mask: jax.Array, edits: Edits | None) -> jax.Array:
    stacked, _ = merged(graphdef, params, compute_dtype).hidden_states(input_ids, attention_mask, edits=edits)
    return jnp.moveaxis(stacked, 0, 1)


@functools.partial(jax.jit, static_argnums=(0, 1))
def logits(graphdef: nnx.GraphDef, compute_dtype: jnp.dtype, params: nnx.State, input_ids: jax.Array,
            attention_mask: jax.Array, edits: Edits | None) -> jax.Array:
    module = merged(graphdef, params, compute_dtype)
    _, final = module.hidden_states(input_ids, attention_mask, collect=lambda h: None, edits=edits)
    return module.logits(final)


@functools.partial(jax.jit, static_argnums=(0, 1))
def next_token_logits(graphdef: nnx.GraphDef, compute_dtype: jnp.dtype, params: nnx.State, input_ids: jax.Array,
                       attention_mask: jax.Array, edits: Edits | None) -> jax.Array:
    module = merged(graphdef, params, compute_dtype)
    _, final = module.hidden_states(input_ids, attention_mask, collect=lambda h: None, edits=edits)
    seq = attention_mask.shape[1]
    last = seq - 1 - jnp.argmax(attention_mask[:, ::-1], axis=1)  # each row's last real token
    return module.logits(jnp.take_along_axis(final, last[:, None, None], axis=1))[:, 0]


@functools.partial(jax.jit, static_argnums=(0, 1, 2))
def pooled(graphdef: nnx.GraphDef, compute_dtype: jnp.dtype, layers: tuple[int, ...] | None, params: nnx.State,
            input_ids: jax.Array, attention_mask: jax.Array, weights: jax.Array, edits: Edits | None) -> jax.Array:
    """`layers` are hidden-state indices already in 0..L (`Model.layer_indices`)."""
    stacked, _ = merged(graphdef, params, compute_dtype).hidden_states(
        input_ids, attention_mask, collect=lambda hidden: weighted_sum(hidden, weights),
        num_blocks=None if layers is None else max(layers), edits=edits)  # Blocks past the last kept layer never run.
    if layers is not None:
        stacked = stacked[jnp.asarray(layers)]
    return jnp.moveaxis(stacked, 0, 2)  # [batch, segments, layers, d_model]


@functools.partial(jax.jit, static_argnums=(0, 1, 2))
def generate(graphdef: nnx.GraphDef, compute_dtype: jnp.dtype, max_new_tokens: int, params: nnx.State,
              input_ids: jax.Array, attention_mask: jax.Array, edits: Edits | None, eos_ids: jax.Array,
              pad_id: jax.Array, temperature: jax.Array, seeds: jax.Array,
              prefix_ids: jax.Array | None) -> tuple[jax.Array, jax.Array]:
    """(`[batch, max_new_tokens]` int32, the first token's logits `[batch, vocab]` float32): the
    shared `prefix_ids` `[P]` (or none) in one pass of one row, its cache copied to every row, then
    the prompts in one pass into that cache of P + prompt length + max_new_tokens slots, then one
    token per step of a `while_loop` that carries the cache (each layer's keys and values written
    in place) and stops once every row has ended; slots of a row after its EOS, and every slot
    after the loop stopped, hold the pad id."""
    module = merged(graphdef, params, compute_dtype)
    batch, length = input_ids.shape
    keys = jax.vmap(jax.random.key)(seeds)
    if prefix_ids is None:
        cache = module.init_cache(batch, length + max_new_tokens, compute_dtype)
    else:
        shared = prefix_ids.shape[0]
        _, cache = module.extend(prefix_ids[None], jnp.ones((1, shared), jnp.int32),
                                 module.init_cache(1, shared + length + max_new_tokens, compute_dtype), edits)
        cache = cache.repeated(batch)
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
