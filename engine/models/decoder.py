"""One Flax (nnx) decoder for the Llama-like families: Llama, Mistral, Qwen2.

Pre-norm blocks of RMSNorm -> rotary multi-head attention (MHA, GQA or MQA, optional q/k/v
biases, optional sliding window) -> RMSNorm -> gated SiLU MLP. The blocks are stacked on a
leading `layers` axis and run with `jax.lax.scan`, so compile time does not grow with depth.

Weights keep the Hugging Face layout up to a reshape (projections split per head), so loading
is a read and a reshape, never a transpose. Every parameter carries logical axis names
(`vocab`, `embed`, `heads`, `kv_heads`, `head_dim`, `mlp`, `layers`) that
`engine/sharding.py` maps onto a device mesh.

Positions count from each sequence's first real token (cumsum of the mask minus one), so a
left- or right-padded row gives the hidden states of the same text run alone.
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
from flax import nnx

from engine.models.config import DecoderConfig

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


class RMSNorm(nnx.Module):
    """x / rms(x) * scale, the normalisation in float32 and cast back as transformers does."""

    def __init__(self, size: int, eps: float, dtype):
        self.scale = _param(None, (size,), ("embed",), dtype, init="ones")
        self.eps = eps

    def __call__(self, x: Array) -> Array:
        xf = x.astype(jnp.float32)
        xf = xf * jax.lax.rsqrt(jnp.mean(xf * xf, axis=-1, keepdims=True) + self.eps)
        return self.scale[...] * xf.astype(x.dtype)


def apply_rope(x: Array, positions: Array, inv_freq: Array) -> Array:
    """Rotates the leading `2 * len(inv_freq)` dims of each head (rotate-half layout).

    Args:
      x: `[batch, seq, heads, head_dim]`.
      positions: `[batch, seq]` int, each token's position in its own text.
      inv_freq: `[rotary_dim // 2]` float32 radians per position.
    """
    angles = positions.astype(jnp.float32)[..., None] * inv_freq  # [batch, seq, rotary_dim // 2]
    angles = jnp.concatenate([angles, angles], axis=-1)[:, :, None, :]
    cos, sin = jnp.cos(angles).astype(x.dtype), jnp.sin(angles).astype(x.dtype)
    rotary_dim = angles.shape[-1]
    rot, rest = x[..., :rotary_dim], x[..., rotary_dim:]
    half = rotary_dim // 2
    rotated = jnp.concatenate([-rot[..., half:], rot[..., :half]], axis=-1)
    return jnp.concatenate([rot * cos + rotated * sin, rest], axis=-1)


class Attention(nnx.Module):
    """Rotary self-attention with grouped key/value heads (MHA, GQA, MQA)."""

    def __init__(self, config: DecoderConfig, dtype, rngs: nnx.Rngs):
        c = config
        self.q_proj = _param(rngs, (c.num_heads, c.head_dim, c.hidden_size), ("heads", "head_dim", "embed"), dtype)
        self.k_proj = _param(rngs, (c.num_kv_heads, c.head_dim, c.hidden_size), ("kv_heads", "head_dim", "embed"), dtype)
        self.v_proj = _param(rngs, (c.num_kv_heads, c.head_dim, c.hidden_size), ("kv_heads", "head_dim", "embed"), dtype)
        self.o_proj = _param(rngs, (c.hidden_size, c.num_heads, c.head_dim), ("embed", "heads", "head_dim"), dtype)
        zeros = lambda shape, axes: _param(None, shape, axes, dtype, init="zeros")
        self.q_bias = zeros((c.num_heads, c.head_dim), ("heads", "head_dim")) if c.qkv_bias else None
        self.k_bias = zeros((c.num_kv_heads, c.head_dim), ("kv_heads", "head_dim")) if c.qkv_bias else None
        self.v_bias = zeros((c.num_kv_heads, c.head_dim), ("kv_heads", "head_dim")) if c.qkv_bias else None
        self.o_bias = zeros((c.hidden_size,), ("embed",)) if c.o_bias else None
        self.scale = c.head_dim ** -0.5

    def _project(self, x: Array, kernel: nnx.Param, bias: nnx.Param | None) -> Array:
        y = jnp.einsum("btd,hkd->bthk", x, kernel[...], precision=_precision(x.dtype))
        return y if bias is None else y + bias[...]

    def __call__(self, x: Array, positions: Array, visible: Array, inv_freq: Array) -> Array:
        """Returns `[batch, seq, d_model]`.

        Args:
          x: `[batch, seq, d_model]`.
          positions: `[batch, seq]` int.
          visible: `[batch, seq_q, seq_k]` bool, which keys each query may attend to.
          inv_freq: `[rotary_dim // 2]` float32.
        """
        q = apply_rope(self._project(x, self.q_proj, self.q_bias), positions, inv_freq)
        k = apply_rope(self._project(x, self.k_proj, self.k_bias), positions, inv_freq)
        v = self._project(x, self.v_proj, self.v_bias)
        batch, seq, num_heads, head_dim = q.shape
        num_kv = k.shape[2]
        precision = _precision(x.dtype)
        q = q.reshape(batch, seq, num_kv, num_heads // num_kv, head_dim)
        scores = jnp.einsum("btkgd,bskd->bkgts", q, k, precision=precision,
                            preferred_element_type=jnp.float32) * self.scale
        # A finite floor, not -inf: a padded query with no visible key gets finite garbage, not NaN.
        scores = jnp.where(visible[:, None, None], scores, jnp.finfo(jnp.float32).min)
        probs = jax.nn.softmax(scores, axis=-1).astype(v.dtype)
        out = jnp.einsum("bkgts,bskd->btkgd", probs, v, precision=precision)
        out = jnp.einsum("bthd,ehd->bte", out.reshape(batch, seq, num_heads, head_dim),
                         self.o_proj[...], precision=precision)
        return out if self.o_bias is None else out + self.o_bias[...]


class MLP(nnx.Module):
    """down(silu(gate(x)) * up(x))."""

    def __init__(self, config: DecoderConfig, dtype, rngs: nnx.Rngs):
        c = config
        self.gate_proj = _param(rngs, (c.intermediate_size, c.hidden_size), ("mlp", "embed"), dtype)
        self.up_proj = _param(rngs, (c.intermediate_size, c.hidden_size), ("mlp", "embed"), dtype)
        self.down_proj = _param(rngs, (c.hidden_size, c.intermediate_size), ("embed", "mlp"), dtype)
        zeros = lambda size, axis: _param(None, (size,), (axis,), dtype, init="zeros")
        self.gate_bias = zeros(c.intermediate_size, "mlp") if c.mlp_bias else None
        self.up_bias = zeros(c.intermediate_size, "mlp") if c.mlp_bias else None
        self.down_bias = zeros(c.hidden_size, "embed") if c.mlp_bias else None

    def _linear(self, x: Array, kernel: nnx.Param, bias: nnx.Param | None) -> Array:
        y = jnp.einsum("...i,oi->...o", x, kernel[...], precision=_precision(x.dtype))
        return y if bias is None else y + bias[...]

    def __call__(self, x: Array) -> Array:
        hidden = jax.nn.silu(self._linear(x, self.gate_proj, self.gate_bias)) * self._linear(
            x, self.up_proj, self.up_bias)
        return self._linear(hidden, self.down_proj, self.down_bias)


class Block(nnx.Module):
    """x + attn(norm(x)), then + mlp(norm(.))."""

    def __init__(self, config: DecoderConfig, dtype, rngs: nnx.Rngs):
        self.input_norm = RMSNorm(config.hidden_size, config.rms_norm_eps, dtype)
        self.attn = Attention(config, dtype, rngs)
        self.post_attention_norm = RMSNorm(config.hidden_size, config.rms_norm_eps, dtype)
        self.mlp = MLP(config, dtype, rngs)

    def __call__(self, x: Array, positions: Array, visible: Array, inv_freq: Array) -> Array:
        x = x + self.attn(self.input_norm(x), positions, visible, inv_freq)
        return x + self.mlp(self.post_attention_norm(x))


class Decoder(nnx.Module):
    """The decoder stack: embeddings, `num_layers` blocks on a scanned axis, final norm, LM head.

    Build with `Decoder(config, dtype=jnp.float32, rngs=nnx.Rngs(0))` for random weights, or
    under `nnx.eval_shape` for an abstract model that a loader fills (`engine/model.py`).
    """

    def __init__(self, config: DecoderConfig, dtype=jnp.float32, *, rngs: nnx.Rngs):
        self.config = config
        self.embed = _param(rngs, (config.vocab_size, config.hidden_size), ("vocab", "embed"), dtype)

        @nnx.split_rngs(splits=config.num_layers)
        @nnx.vmap(in_axes=(0,), out_axes=0, transform_metadata={nnx.PARTITION_NAME: "layers"})
        def make_blocks(rngs: nnx.Rngs) -> Block:
            return Block(config, dtype, rngs)

        self.layers = make_blocks(rngs)
        self.final_norm = RMSNorm(config.hidden_size, config.rms_norm_eps, dtype)
        self.lm_head = None if config.tie_word_embeddings else _param(
            rngs, (config.vocab_size, config.hidden_size), ("vocab", "embed"), dtype)

    def hidden_states(self, input_ids: Array, attention_mask: Array,
                      collect: Callable[[Array], Any] = lambda h: h.astype(jnp.float32),
                      num_blocks: int | None = None, remat: bool = False) -> tuple[Any, Array | None]:
        """Runs the stack; returns (`collect` of each hidden state 0..num_blocks, stacked on axis 0;
        the final normed hidden state `[batch, seq, d_model]` in the compute dtype, or None when
        the stack stopped early).

        Entries follow transformers' `output_hidden_states`: 0 is the embeddings, l the output of
        block l, L the output of the last block after the final norm.

        Args:
          input_ids: `[batch, seq]` int.
          attention_mask: `[batch, seq]`, 0 for padding (left or right), else the token's text:
            1 for an unpacked row; 1, 2, ... for the texts packed back to back in one row, each
            attending only to itself, with positions restarting from 0.
          collect: maps one hidden state `[batch, seq, d_model]` to what is kept of it (a pytree);
            by default the state itself in float32. Extraction passes a pooling here so full
            states are never stacked.
          num_blocks: run only the first blocks (entries 0..num_blocks); default all L.
          remat: recompute each block's internals in the backward pass (`jax.checkpoint` on the
            scanned step), so gradient memory holds one residual stream per layer, not every
            activation of every layer. No effect on values.
        """
        num_layers = self.config.num_layers
        num_blocks = num_layers if num_blocks is None else num_blocks
        segments = attention_mask.astype(jnp.int32)
        mask = segments != 0
        same_text = segments[:, :, None] == segments[:, None, :]  # [batch, query, key]
        earlier = jnp.tril(jnp.ones(same_text.shape[1:], dtype=bool))
        # Each token's position in its own text: for a 0/1 mask, cumsum(mask) - 1 on real tokens.
        positions = jnp.sum(same_text & earlier, axis=-1, dtype=jnp.int32) - 1
        distance = positions[:, :, None] - positions[:, None, :]
        causal = mask[:, None, :] & same_text & earlier
        # Padded positions start from zeros, so nothing non-finite can arise there and leak.
        x = jnp.where(mask[..., None], jnp.take(self.embed[...], input_ids, axis=0), 0)
        windows = jnp.asarray(self.config.layer_windows()[:num_blocks])
        inv_freqs = jnp.asarray(self.config.layer_inverse_frequencies()[:num_blocks])
        block_def, block_state = nnx.split(self.layers)
        block_state = jax.tree.map(lambda stacked: stacked[:num_blocks], block_state)

        def step(h, layer):
            state, window, inv_freq = layer
            h = nnx.merge(block_def, state)(h, positions, causal & (distance < window), inv_freq)
            return h, collect(h)

        if remat:
            step = jax.checkpoint(step)
        last, collected = jax.lax.scan(step, x, (block_state, windows, inv_freqs))
        if num_blocks < num_layers:
            stacked = jax.tree.map(lambda first, rest: jnp.concatenate([first[None], rest]), collect(x), collected)
            return stacked, None
        final = self.final_norm(last)
        stacked = jax.tree.map(
            lambda first, middle, end: jnp.concatenate([first[None], middle[:-1], end[None]]),
            collect(x), collected, collect(final))
        return stacked, final

    def logits(self, final_hidden: Array) -> Array:
        """Returns `[batch, seq, vocab]` float32 from the final normed hidden state."""
        head = self.embed if self.lm_head is None else self.lm_head
        return jnp.einsum("btd,vd->btv", final_hidden, head[...], precision=_precision(final_hidden.dtype),
                          preferred_element_type=jnp.float32)
