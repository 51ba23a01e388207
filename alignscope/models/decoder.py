"""One Flax (nnx) decoder for every family; the block is configured by `DecoderConfig`.

Blocks of norm -> rotary multi-head attention (MHA, GQA or MQA; optional biases, qk-norm,
soft-capping, sliding window) -> norm -> MLP (gated or not), with pre- and/or post-norms and a
sequential or parallel residual, as the config says. The blocks are stacked on a leading `layers`
axis and run with `jax.lax.scan`, so compile time does not grow with depth.

Weights are held as `[out, in]` with projections split per head; a family's weight map
(`models/weights.py`) says how each Hugging Face tensor becomes one or more of them. Every parameter carries logical axis names
(`vocab`, `embed`, `heads`, `kv_heads`, `head_dim`, `mlp`, `layers`) that
`alignscope/sharding.py` maps onto a device mesh.

Positions count from each sequence's first real token (cumsum of the mask minus one), so a
left- or right-padded row gives the hidden states of the same text run alone. Generation runs
the same stack with a key/value cache of fixed slots (`init_cache`, `extend`); residual-stream
edits (`models/edits.py`) act inside the scanned stack.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
from flax import nnx

from alignscope.models.config import DecoderConfig
from alignscope.models.edits import Edits, edit_stream, project_out

Array = jax.Array
INIT_STDDEV = 0.02


def _param(rngs: nnx.Rngs | None, shape: tuple[int, ...], axes: tuple[str, ...], dtype,
           init: str = "normal") -> nnx.Param:
    """A parameter with logical axis names; `normal` (stddev 0.02), `ones` or `zeros`."""
    if init == "normal":
        value = INIT_STDDEV * jax.random.normal(rngs.params(), shape, dtype)
    else:
        value = (jnp.ones if init == "ones" else jnp.zeros)(shape, dtype)
    return nnx.Param(value, out_sharding=axes, eager_sharding=False)


def _precision(dtype) -> jax.lax.Precision:
    """float32 computes in true float32 (no TF32 on GPU); lower precisions use the default.

    Read from the arrays at trace time, so weights stored in one dtype and cast to another for
    the computation (float32 master weights, bfloat16 compute) get the compute dtype's precision.
    """
    return jax.lax.Precision.HIGHEST if jnp.dtype(dtype) == jnp.float32 else jax.lax.Precision.DEFAULT


class Norm(nnx.Module):
    """One normalisation of `config.norm` kind over the trailing `normalized_axes` axes (default:
    all the axes of its weight's shape).

    rms: w * (x / rms(x)), normalised in float32 and cast back before the product (Llama);
    rms_offset: (1 + w) * x / rms(x), all in float32 (Gemma; w starts at 0);
    layer: w * (x - mean) / std (+ b), all in float32 (LayerNorm).
    """

    def __init__(self, config: DecoderConfig, shape: tuple[int, ...], axes: tuple[str, ...], dtype,
                 normalized_axes: int | None = None):
        self.kind = config.norm
        self.eps = config.norm_eps
        self.normalized_axes = normalized_axes or len(shape)
        self.scale = _param(None, shape, axes, dtype, init="zeros" if self.kind == "rms_offset" else "ones")
        has_bias = self.kind == "layer" and config.norm_bias
        self.bias = _param(None, shape, axes, dtype, init="zeros") if has_bias else None

    def __call__(self, x: Array) -> Array:
        """Normalises `x: [..., *scale.shape]` over its last `normalized_axes` axes."""
        axes = tuple(range(-self.normalized_axes, 0))
        xf = x.astype(jnp.float32)
        if self.kind == "layer":
            xf = xf - jnp.mean(xf, axis=axes, keepdims=True)
        xf = xf * jax.lax.rsqrt(jnp.mean(xf * xf, axis=axes, keepdims=True) + self.eps)
        if self.kind == "rms":
            return self.scale[...] * xf.astype(x.dtype)
        scale = self.scale[...].astype(jnp.float32)
        if self.kind == "rms_offset":
            return (xf * (1.0 + scale)).astype(x.dtype)
        out = xf * scale
        return (out if self.bias is None else out + self.bias[...].astype(jnp.float32)).astype(x.dtype)


def apply_rope(x: Array, positions: Array, inv_freq: Array, interleaved: bool = False,
               attention_factor: float = 1.0) -> Array:
    """Rotates the leading `2 * len(inv_freq)` dims of each head.

    Rotate-half pairs dim i with i + rotary_dim/2 (Llama); interleaved pairs 2i with 2i + 1 (Cohere).

    Args:
      x: `[batch, seq, heads, head_dim]`.
      positions: `[batch, seq]` int, each token's position in its own text.
      inv_freq: `[rotary_dim // 2]` or `[batch, rotary_dim // 2]` float32 radians per position.
      interleaved: the pairing of rotated dimensions.
      attention_factor: cos and sin are multiplied by it (YaRN, LongRoPE).
    """
    if inv_freq.shape[-1] == 0:
        return x
    angles = positions.astype(jnp.float32)[..., None] * inv_freq[..., None, :]  # [batch, seq, rotary_dim // 2]
    if interleaved:
        angles = jnp.repeat(angles, 2, axis=-1)[:, :, None, :]
    else:
        angles = jnp.concatenate([angles, angles], axis=-1)[:, :, None, :]
    cos = (jnp.cos(angles) * attention_factor).astype(x.dtype)
    sin = (jnp.sin(angles) * attention_factor).astype(x.dtype)
    rotary_dim = angles.shape[-1]
    rot, rest = x[..., :rotary_dim], x[..., rotary_dim:]
    if interleaved:
        pairs = rot.reshape(*rot.shape[:-1], rotary_dim // 2, 2)
        rotated = jnp.stack([-pairs[..., 1], pairs[..., 0]], axis=-1).reshape(rot.shape)
    else:
        half = rotary_dim // 2
        rotated = jnp.concatenate([-rot[..., half:], rot[..., :half]], axis=-1)
    return jnp.concatenate([rot * cos + rotated * sin, rest], axis=-1)


def _softcap(x: Array, cap: float | None) -> Array:
    """cap * tanh(x / cap), or x when cap is None."""
    return x if cap is None else jnp.tanh(x / cap) * cap


def _qk_norm(config: DecoderConfig, heads: int, heads_axis: str, dtype) -> Norm | None:
    """The q- or k-norm of `config.qk_norm` for a projection with `heads` heads, or None."""
    if config.qk_norm == "none":
        return None
    if config.qk_norm == "shared":
        return Norm(config, (config.head_dim,), ("head_dim",), dtype)
    return Norm(config, (heads, config.head_dim), (heads_axis, "head_dim"), dtype,
                normalized_axes=1 if config.qk_norm == "per_head" else 2)


class Attention(nnx.Module):
    """Rotary self-attention with grouped key/value heads (MHA, GQA, MQA), optional qk-norm and
    soft-capped scores."""

    def __init__(self, config: DecoderConfig, dtype, rngs: nnx.Rngs):
        c = config
        self.config = config
        self.q_proj = _param(rngs, (c.num_heads, c.head_dim, c.hidden_size), ("heads", "head_dim", "embed"), dtype)
        self.k_proj = _param(rngs, (c.num_kv_heads, c.head_dim, c.hidden_size), ("kv_heads", "head_dim", "embed"), dtype)
        self.v_proj = _param(rngs, (c.num_kv_heads, c.head_dim, c.hidden_size), ("kv_heads", "head_dim", "embed"), dtype)
        self.o_proj = _param(rngs, (c.hidden_size, c.num_heads, c.head_dim), ("embed", "heads", "head_dim"), dtype)
        zeros = lambda shape, axes: _param(None, shape, axes, dtype, init="zeros")
        self.q_bias = zeros((c.num_heads, c.head_dim), ("heads", "head_dim")) if c.qkv_bias else None
        self.k_bias = zeros((c.num_kv_heads, c.head_dim), ("kv_heads", "head_dim")) if c.qkv_bias else None
        self.v_bias = zeros((c.num_kv_heads, c.head_dim), ("kv_heads", "head_dim")) if c.qkv_bias else None
        self.o_bias = zeros((c.hidden_size,), ("embed",)) if c.o_bias else None
        self.q_norm = _qk_norm(c, c.num_heads, "heads", dtype)
        self.k_norm = _qk_norm(c, c.num_kv_heads, "kv_heads", dtype)

    def _project(self, x: Array, kernel: nnx.Param, bias: nnx.Param | None, norm: Norm | None) -> Array:
        y = jnp.einsum("btd,hkd->bthk", x, kernel[...], precision=_precision(x.dtype))
        y = y if bias is None else y + bias[...]
        return y if norm is None else norm(y)

    def __call__(self, x: Array, positions: Array, visible: Array, inv_freq: Array,
                 cache: LayerCache | None = None) -> tuple[Array, LayerCache | None]:
        """Returns (`[batch, seq, d_model]`, the layer's cache with this call's keys and values).

        Args:
          x: `[batch, seq, d_model]`.
          positions: `[batch, seq]` int.
          visible: `[batch, seq_q, seq_k]` bool, which keys each query may attend to; with a
            cache, the keys are the cache's slots.
          inv_freq: `[rotary_dim // 2]` or per row `[batch, rotary_dim // 2]` float32.
          cache: every layer's keys and values so far; this call's are written into this layer's
            slots at its offset and every slot of this layer is attended to (as `visible` allows).
            None: the keys are x's own.
        """
        c = self.config
        rope = functools.partial(apply_rope, positions=positions, inv_freq=inv_freq, interleaved=c.rope_interleaved,
                                 attention_factor=c.rope[0].attention_factor)
        q = rope(self._project(x, self.q_proj, self.q_bias, self.q_norm))
        k = rope(self._project(x, self.k_proj, self.k_bias, self.k_norm))
        v = self._project(x, self.v_proj, self.v_bias, None)
        keys_spec = "bskd"
        if cache is not None:
            # Written in place into every layer's stacked cache (a loop carry), then this layer's
            # slots read back, laid out [batch, kv_heads, slots, head_dim] for the attention dots.
            start = (cache.layer, 0, 0, cache.offset, 0)
            write = lambda stack, new: jax.lax.dynamic_update_slice(
                stack, jnp.swapaxes(new, 1, 2)[None].astype(stack.dtype), start)
            cache = LayerCache(write(cache.keys, k), write(cache.values, v), cache.layer, cache.offset)
            k = jax.lax.dynamic_index_in_dim(cache.keys, cache.layer, 0, keepdims=False)
            v = jax.lax.dynamic_index_in_dim(cache.values, cache.layer, 0, keepdims=False)
            keys_spec = "bksd"
        batch, seq, num_heads, head_dim = q.shape
        num_kv = k.shape[2] if cache is None else k.shape[1]
        precision = _precision(x.dtype)
        q = q.reshape(batch, seq, num_kv, num_heads // num_kv, head_dim)
        scores = jnp.einsum(f"btkgd,{keys_spec}->bkgts", q, k, precision=precision,
                            preferred_element_type=jnp.float32) * c.attention_scale
        scores = _softcap(scores, c.attn_logit_softcap)
        # A finite floor, not -inf: a padded query with no visible key gets finite garbage, not NaN.
        scores = jnp.where(visible[:, None, None], scores, jnp.finfo(jnp.float32).min)
        probs = jax.nn.softmax(scores, axis=-1).astype(v.dtype)
        out = jnp.einsum(f"bkgts,{keys_spec}->btkgd", probs, v, precision=precision)
        out = jnp.einsum("bthd,ehd->bte", out.reshape(batch, seq, num_heads, head_dim),
                         self.o_proj[...], precision=precision)
        return (out if self.o_bias is None else out + self.o_bias[...]), cache


ACTIVATION_FUNCTIONS = {
    "silu": jax.nn.silu,
    "gelu_tanh": functools.partial(jax.nn.gelu, approximate=True),
    "gelu": functools.partial(jax.nn.gelu, approximate=False),
}


class MLP(nnx.Module):
    """down(act(gate(x)) * up(x)) when gated, else down(act(up(x)))."""

    def __init__(self, config: DecoderConfig, dtype, rngs: nnx.Rngs):
        c = config
        self.activation = c.hidden_act
        mlp_kernel = lambda: _param(rngs, (c.intermediate_size, c.hidden_size), ("mlp", "embed"), dtype)
        self.gate_proj = mlp_kernel() if c.gated_mlp else None
        self.up_proj = mlp_kernel()
        self.down_proj = _param(rngs, (c.hidden_size, c.intermediate_size), ("embed", "mlp"), dtype)
        zeros = lambda size, axis: _param(None, (size,), (axis,), dtype, init="zeros")
        self.gate_bias = zeros(c.intermediate_size, "mlp") if c.mlp_bias and c.gated_mlp else None
        self.up_bias = zeros(c.intermediate_size, "mlp") if c.mlp_bias else None
        self.down_bias = zeros(c.hidden_size, "embed") if c.mlp_bias else None

    def _linear(self, x: Array, kernel: nnx.Param, bias: nnx.Param | None) -> Array:
        y = jnp.einsum("...i,oi->...o", x, kernel[...], precision=_precision(x.dtype))
        return y if bias is None else y + bias[...]

    def __call__(self, x: Array) -> Array:
        act = ACTIVATION_FUNCTIONS[self.activation]
        if self.gate_proj is None:
            hidden = act(self._linear(x, self.up_proj, self.up_bias))
        else:
            hidden = act(self._linear(x, self.gate_proj, self.gate_bias)) * self._linear(x, self.up_proj, self.up_bias)
        return self._linear(hidden, self.down_proj, self.down_bias)


class Block(nnx.Module):
    """One transformer block, laid out by the config (see `DecoderConfig`): pre- and post-norms
    where they exist, sequential or parallel residual. Ablated components (`edits`) leave what the
    attention and the MLP add to the residual stream: their outputs, after the post-norm where the
    block has one (a post-norm rescales each coordinate, so an output ablated before it would
    write the direction back into the stream)."""

    def __init__(self, config: DecoderConfig, dtype, rngs: nnx.Rngs):
        norm = lambda exists: Norm(config, (config.hidden_size,), ("embed",), dtype) if exists else None
        self.parallel_residual = config.parallel_residual
        self.pre_attn_norm = norm(config.pre_attn_norm)
        self.attn = Attention(config, dtype, rngs)
        self.post_attn_norm = norm(config.post_attn_norm)
        self.pre_mlp_norm = norm(config.pre_mlp_norm)
        self.mlp = MLP(config, dtype, rngs)
        self.post_mlp_norm = norm(config.post_mlp_norm)

    def __call__(self, x: Array, positions: Array, visible: Array, inv_freq: Array, edits: Edits | None = None,
                 cache: LayerCache | None = None) -> tuple[Array, LayerCache | None]:
        """Returns (the block's output, its cache); `x` is the input after `edit_stream`."""
        optional = lambda norm, h: h if norm is None else norm(h)
        attn_in = optional(self.pre_attn_norm, x)
        attn_out, cache = self.attn(attn_in, positions, visible, inv_freq, cache)
        attn = project_out(optional(self.post_attn_norm, attn_out), edits)
        mlp = lambda h: project_out(optional(self.post_mlp_norm, self.mlp(h)), edits)
        if self.parallel_residual:
            mlp_in = attn_in if self.pre_mlp_norm is None else self.pre_mlp_norm(x)
            return x + attn + mlp(mlp_in), cache
        x = x + attn
        return x + mlp(optional(self.pre_mlp_norm, x)), cache


class LayerCache(NamedTuple):
    """Every layer's keys and values (`[num_layers, batch, kv_heads, slots, head_dim]`), the layer
    being run (`[]` int32) and the slot where the next call writes (`[]` int32). The stacks are
    passed whole, so each layer's write is an in-place update of the loop carry, not a copy."""

    keys: Array
    values: Array
    layer: Array
    offset: Array


class KVCache(NamedTuple):
    """Every layer's keys and values for a fixed number of slots (a pytree of arrays).

    Attributes:
      keys, values: `[num_layers, batch, kv_heads, slots, head_dim]` in the compute dtype.
      positions: `[batch, slots]` int32, the position of the token in each slot.
      valid: `[batch, slots]` bool, whether a slot holds a real token (written, not padding).
      filled: `[]` int32, slots written so far (the same for every row).
      count: `[batch]` int32, real tokens so far per row: the next token's position.
    """

    keys: Array
    values: Array
    positions: Array
    valid: Array
    filled: Array
    count: Array

    def repeated(self, batch: int) -> "KVCache":
        """Returns this one-row cache's contents copied to `batch` rows."""
        rows = lambda array, axis: jnp.repeat(array, batch, axis=axis)
        return KVCache(rows(self.keys, 1), rows(self.values, 1), rows(self.positions, 0), rows(self.valid, 0),
                       self.filled, rows(self.count, 0))


def _layer_rope(config: DecoderConfig) -> tuple:
    """Per-layer rotary data stacked on a leading `[num_layers]` axis: the inverse frequencies, and
    for length-dependent kinds also longrope's long frequencies and threshold and dynamic's
    factor and max length (see `DecoderConfig.layer_rope_lengths`)."""
    if not config.length_dependent_rope:
        return (config.layer_inverse_frequencies(),)
    return (config.layer_inverse_frequencies(), config.layer_inverse_frequencies(long=True),
            *config.layer_rope_lengths())


def _inverse_frequencies(config: DecoderConfig, layer_rope: tuple, lengths: Array) -> Array:
    """One layer's inverse frequencies: `[rotary_dim // 2]`, or `[batch, rotary_dim // 2]` for
    length-dependent kinds, each row's from its own text length `lengths: [batch]` (as for the
    text run alone)."""
    if not config.length_dependent_rope:
        return layer_rope[0]
    short, long, long_after, dynamic_factor, dynamic_max = layer_rope
    inv_freq = jnp.where((lengths > long_after)[:, None], long, short)
    dim = 2 * short.shape[-1]
    exponents = jnp.arange(0, dim, 2, dtype=jnp.float32) / dim
    ratio = lengths.astype(jnp.float32) / jnp.maximum(dynamic_max, 1).astype(jnp.float32)
    growth = (dynamic_factor * ratio - (dynamic_factor - 1)) ** (dim / max(dim - 2, 1))
    grown = inv_freq * jnp.power(jnp.maximum(growth, 1.0)[:, None], -exponents)
    return jnp.where(((dynamic_factor > 0) & (lengths > dynamic_max))[:, None], grown, inv_freq)


class Decoder(nnx.Module):
    """The decoder stack: embeddings, `num_layers` blocks on a scanned axis, final norm, LM head.

    Build with `Decoder(config, dtype=jnp.float32, rngs=nnx.Rngs(0))` for random weights, or
    under `nnx.eval_shape` for an abstract model that a loader fills (`checkpoints/load.py`).
    """

    def __init__(self, config: DecoderConfig, dtype=jnp.float32, *, rngs: nnx.Rngs):
        self.config = config
        self.embed = _param(rngs, (config.vocab_size, config.hidden_size), ("vocab", "embed"), dtype)

        @nnx.split_rngs(splits=config.num_layers)
        @nnx.vmap(in_axes=(0,), out_axes=0, transform_metadata={nnx.PARTITION_NAME: "layers"})
        def make_blocks(rngs: nnx.Rngs) -> Block:
            return Block(config, dtype, rngs)

        self.layers = make_blocks(rngs)
        self.position_embed = _param(rngs, (config.learned_positions, config.hidden_size), ("seq", "embed"),
                                     dtype) if config.learned_positions else None
        self.final_norm = Norm(config, (config.hidden_size,), ("embed",), dtype)
        self.lm_head = None if config.tie_word_embeddings else _param(
            rngs, (config.vocab_size, config.hidden_size), ("vocab", "embed"), dtype)

    def hidden_states(self, input_ids: Array, attention_mask: Array,
                      collect: Callable[[Array], Any] = lambda h: h.astype(jnp.float32),
                      num_blocks: int | None = None, remat: bool = False,
                      edits: Edits | None = None) -> tuple[Any, Array | None]:
        """Runs the stack; returns (`collect` of each hidden state 0..num_blocks, stacked on axis 0;
        the final normed hidden state `[batch, seq, d_model]` in the compute dtype, or None when
        the stack stopped early).

        Entries follow transformers' `output_hidden_states`: 0 is the embeddings, l the output of
        block l - 1 (the input of block l, after block l's `edits`), L the output of the last
        block after the final norm.

        Args:
          input_ids: `[batch, seq]` int.
          attention_mask: `[batch, seq]`, 0 for padding (left or right), else the token's text:
            1 for an unpacked row; 1, 2, ... for the texts packed back to back in one row, each
            attending only to itself, with positions restarting from 0. -1 marks a prefix the
            row's texts share (its first tokens): every text attends to it as to its own first
            tokens, and its positions continue after it.
          collect: maps one hidden state `[batch, seq, d_model]` to what is kept of it (a pytree);
            by default the state itself in float32. Extraction passes a pooling here so full
            states are never stacked.
          num_blocks: run only the first blocks (entries 0..num_blocks); default all L.
          remat: recompute each block's internals in the backward pass (`jax.checkpoint` on the
            scanned step), so gradient memory holds one residual stream per layer, not every
            activation of every layer. No effect on values.
          edits: residual-stream edits per block (`models/edits.py`); None for none.
        """
        num_layers = self.config.num_layers
        num_blocks = num_layers if num_blocks is None else num_blocks
        segments = attention_mask.astype(jnp.int32)
        mask = segments != 0
        shared = segments < 0
        same_text = (segments[:, :, None] == segments[:, None, :]) | shared[:, None, :]  # [batch, query, key]
        earlier = jnp.tril(jnp.ones(same_text.shape[1:], dtype=bool))
        # Each token's position in its own text: for a 0/1 mask, cumsum(mask) - 1 on real tokens.
        positions = jnp.sum(same_text & earlier, axis=-1, dtype=jnp.int32) - 1
        # Padded positions start from zeros, so nothing non-finite can arise there and leak.
        x = jnp.where(mask[..., None], self._embed(input_ids, positions), 0)
        lengths = jnp.sum(mask, axis=-1, dtype=jnp.int32)
        last, collected, _ = self._stack(x, positions, positions, mask[:, None, :] & same_text, lengths, num_blocks,
                                         collect, remat, edits, None)
        if num_blocks < num_layers:
            entry = edit_stream(last, None if edits is None else edits.at(num_blocks))
            return jax.tree.map(lambda inputs, end: jnp.concatenate([inputs, end[None]]),
                                collected, collect(entry)), None
        final = self.final_norm(last)
        return jax.tree.map(lambda inputs, end: jnp.concatenate([inputs, end[None]]), collected, collect(final)), final

    def init_cache(self, batch: int, slots: int, dtype) -> KVCache:
        """Returns an empty cache of `slots` positions per row, keys and values in `dtype`."""
        c = self.config
        shape = (c.num_layers, batch, c.num_kv_heads, slots, c.head_dim)
        return KVCache(jnp.zeros(shape, dtype), jnp.zeros(shape, dtype), jnp.zeros((batch, slots), jnp.int32),
                       jnp.zeros((batch, slots), bool), jnp.zeros((), jnp.int32), jnp.zeros((batch,), jnp.int32))

    def extend(self, input_ids: Array, attention_mask: Array, cache: KVCache,
               edits: Edits | None = None) -> tuple[Array, KVCache]:
        """Runs `[batch, seq]` new tokens after those in `cache`; returns (the final normed hidden
        states `[batch, seq, d_model]`, the cache with them appended).

        Positions continue each row's count of real tokens, so a left-padded prompt followed by
        generated tokens gets the positions of the text run alone.
        """
        mask = attention_mask.astype(bool)
        positions = cache.count[:, None] + jnp.cumsum(mask, axis=-1, dtype=jnp.int32) - 1
        key_positions = jax.lax.dynamic_update_slice(cache.positions, positions, (0, cache.filled))
        key_valid = jax.lax.dynamic_update_slice(cache.valid, mask, (0, cache.filled))
        count = cache.count + mask.sum(axis=-1, dtype=jnp.int32)
        x = jnp.where(mask[..., None], self._embed(input_ids, positions), 0)
        last, _, (keys, values) = self._stack(x, positions, key_positions, key_valid[:, None, :], count,
                                              self.config.num_layers,
                                              lambda h: None, False, edits, (cache.keys, cache.values, cache.filled))
        updated = KVCache(keys, values, key_positions, key_valid, cache.filled + input_ids.shape[1], count)
        return self.final_norm(last), updated

    def _stack(self, x: Array, positions: Array, key_positions: Array, key_valid: Array, lengths: Array,
               num_blocks: int, collect: Callable[[Array], Any], remat: bool, edits: Edits | None,
               cache: tuple[Array, Array, Array] | None) -> tuple[Array, Any, tuple[Array, Array] | None]:
        """Runs blocks 0..num_blocks-1 on `x`; returns (the last block's output, `collect` of each
        block's edited input stacked on axis 0, the new keys and values or None without a cache).

        Args:
          positions: `[batch, seq]` the queries' positions.
          key_positions: `[batch, keys]` the keys' positions; the keys are x's own tokens, or with
            `cache` its slots.
          key_valid: `[batch, queries or 1, keys]` which keys each query may see at all (real,
            and for packed rows in the query's own text); causality and windows are added here.
          lengths: `[batch]` each row's real tokens so far (length-dependent rotary kinds).
          cache: (keys, values `[num_layers, batch, kv_heads, slots, head_dim]`, the slot where x's
            first token goes); carried through the scan whole and updated in place.
        """
        distance = positions[:, :, None] - key_positions[:, None, :]  # [batch, query, key]
        causal = key_valid & (distance >= 0)
        windows = jnp.asarray(self.config.layer_windows()[:num_blocks])
        rope = jax.tree.map(lambda per_layer: jnp.asarray(per_layer[:num_blocks]), _layer_rope(self.config))
        block_def, block_state = nnx.split(self.layers)
        block_state = jax.tree.map(lambda stacked: stacked[:num_blocks], block_state)
        # Only the per-layer parts are scanned; the directions are the same at every block.
        layer_edits = None if edits is None else (edits.project[:num_blocks], edits.add[:num_blocks])
        layer_index = jnp.arange(num_blocks, dtype=jnp.int32)
        kv = None if cache is None else (cache[0], cache[1])

        def step(carry, layer):
            h, kv = carry
            state, window, layer_rope, per_layer, index = layer
            block_edits = None if per_layer is None else Edits(edits.directions, *per_layer)
            h = edit_stream(h, block_edits)
            kept = collect(h)
            inv_freq = _inverse_frequencies(self.config, layer_rope, lengths)
            block_cache = None if kv is None else LayerCache(kv[0], kv[1], index, cache[2])
            h, block_cache = nnx.merge(block_def, state)(h, positions, causal & (distance < window), inv_freq,
                                                         block_edits, block_cache)
            return (h, None if block_cache is None else (block_cache.keys, block_cache.values)), kept

        if remat:
            step = jax.checkpoint(step)
        (last, kv), collected = jax.lax.scan(step, (x, kv), (block_state, windows, rope, layer_edits, layer_index))
        return last, collected, kv

    def _embed(self, input_ids: Array, positions: Array) -> Array:
        """Returns `[batch, seq, d_model]`: token embeddings (times `embed_scale` in the model dtype),
        plus learned position embeddings where the config has them."""
        x = jnp.take(self.embed[...], input_ids, axis=0)
        if self.config.embed_scale is not None:
            x = x * jnp.asarray(self.config.embed_scale, x.dtype)
        if self.position_embed is not None:
            x = x + jnp.take(self.position_embed[...], jnp.maximum(positions, 0), axis=0)
        return x

    def logits(self, final_hidden: Array) -> Array:
        """Returns `[batch, seq, vocab]` float32 from the final normed hidden state (times
        `logit_scale`, then soft-capped, as the config says)."""
        head = self.embed if self.lm_head is None else self.lm_head
        logits = jnp.einsum("btd,vd->btv", final_hidden, head[...], precision=_precision(final_hidden.dtype),
                            preferred_element_type=jnp.float32)
        if self.config.logit_scale != 1.0:
            logits = logits * self.config.logit_scale
        return _softcap(logits, self.config.final_logit_softcap)
