"""The decoder configuration: one frozen dataclass that every family is parsed into.

`DecoderConfig` is hashable (tuples, not lists), so it can sit in a jitted function's static
arguments: two checkpoints of one architecture (a base model and its aligned sibling) share
compiled code. Parsing from a checkpoint's `config.json` lives in `alignscope/models/families/`.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from alignscope.errors import AlignscopeError

ROPE_KINDS = ("default", "linear", "llama3", "dynamic", "yarn", "longrope")
FULL_ATTENTION = "full_attention"
SLIDING_ATTENTION = "sliding_attention"


@dataclasses.dataclass(frozen=True, kw_only=True)
class RopeConfig:
    """Rotary position embedding of one layer type.

    Attributes:
      theta: the base wavelength (`rope_theta`).
      kind: one of `ROPE_KINDS` (transformers' `rope_type`).
      factor: the scaling factor of `linear`, `llama3`, `dynamic` and `yarn`.
      low_freq_factor: `llama3` only: wavelengths above original_max / low_freq_factor are scaled.
      high_freq_factor: `llama3` only: wavelengths below original_max / high_freq_factor are kept.
      original_max_position_embeddings: `llama3`, `yarn`, `longrope`: the pretraining context length.
      partial_rotary_factor: the fraction of each head's dimensions that is rotated (from the front).
      attention_factor: `yarn`, `longrope`: cos and sin are multiplied by it.
      beta_fast, beta_slow, truncate: `yarn`: the ramp between interpolated and extrapolated dims.
      short_factor, long_factor: `longrope`: per-frequency divisors for texts up to / beyond
        original_max_position_embeddings tokens.
      dynamic_max_position_embeddings: `dynamic`: texts longer than this get a larger base,
        theta * (factor * length / it - (factor - 1)) ** (dim / (dim - 2)).
    """

    theta: float = 10000.0
    kind: str = "default"
    factor: float = 1.0
    low_freq_factor: float = 1.0
    high_freq_factor: float = 4.0
    original_max_position_embeddings: int = 8192
    partial_rotary_factor: float = 1.0
    attention_factor: float = 1.0
    beta_fast: float = 32.0
    beta_slow: float = 1.0
    truncate: bool = True
    short_factor: tuple[float, ...] = ()
    long_factor: tuple[float, ...] = ()
    dynamic_max_position_embeddings: int = 0

    def rotary_dim(self, head_dim: int) -> int:
        """Returns how many leading dimensions of each head are rotated (even)."""
        return int(head_dim * self.partial_rotary_factor)

    def inverse_frequencies(self, head_dim: int, long: bool = False) -> np.ndarray:
        """Returns the inverse frequencies `[rotary_dim // 2]` float32, in radians per position.

        `long`: longrope's frequencies for texts beyond original_max_position_embeddings (other
        kinds: the same as short). Computed in float32 step by step as transformers does, so
        angles match it bit for bit.
        """
        dim = self.rotary_dim(head_dim)
        if dim == 0:
            return np.zeros((0,), np.float32)
        exponents = np.arange(0, dim, 2, dtype=np.int64).astype(np.float32) / np.float32(dim)
        powers = np.power(np.float32(self.theta), exponents).astype(np.float32)
        inv_freq = (np.float32(1.0) / powers).astype(np.float32)
        if self.kind == "linear":
            return (inv_freq / np.float32(self.factor)).astype(np.float32)
        if self.kind == "llama3":
            return _llama3_scaling(inv_freq, self)
        if self.kind == "yarn":
            return _yarn_scaling(powers, dim, self)
        if self.kind == "longrope":
            factors = np.asarray(self.long_factor if long else self.short_factor, np.float32)
            return (np.float32(1.0) / (factors * powers)).astype(np.float32)
        return inv_freq

    def long_after(self) -> int:
        """Texts longer than this many tokens use `inverse_frequencies(long=True)`."""
        return self.original_max_position_embeddings if self.kind == "longrope" else np.iinfo(np.int32).max


def _yarn_scaling(powers: np.ndarray, dim: int, rope: RopeConfig) -> np.ndarray:
    """YaRN: interpolated (divided by `factor`) low frequencies, extrapolated high ones, a linear
    ramp between, as transformers computes it."""
    def correction_dim(rotations: float) -> float:
        return (dim * math.log(rope.original_max_position_embeddings / (rotations * 2 * math.pi))) / (
            2 * math.log(rope.theta))

    low, high = correction_dim(rope.beta_fast), correction_dim(rope.beta_slow)
    if rope.truncate:
        low, high = math.floor(low), math.ceil(high)
    low, high = max(low, 0), min(high, dim - 1)
    if low == high:
        high += 0.001
    ramp = np.clip((np.arange(dim // 2, dtype=np.float32) - np.float32(low)) / np.float32(high - low), 0, 1)
    extrapolation_weight = (np.float32(1) - ramp).astype(np.float32)
    extrapolated = (np.float32(1.0) / powers).astype(np.float32)
    interpolated = (np.float32(1.0) / (np.float32(rope.factor) * powers)).astype(np.float32)
    return (interpolated * (1 - extrapolation_weight) + extrapolated * extrapolation_weight).astype(np.float32)


def _llama3_scaling(inv_freq: np.ndarray, rope: RopeConfig) -> np.ndarray:
    """Llama 3.1 frequency scaling: long wavelengths divided by `factor`, a smooth ramp between."""
    old_context = rope.original_max_position_embeddings
    low_freq_wavelen = old_context / rope.low_freq_factor
    high_freq_wavelen = old_context / rope.high_freq_factor
    wavelen = (np.float32(2 * math.pi) / inv_freq).astype(np.float32)
    scaled = np.where(wavelen > low_freq_wavelen, inv_freq / np.float32(rope.factor), inv_freq)
    smooth = (np.float32(old_context) / wavelen - np.float32(rope.low_freq_factor)) / np.float32(
        rope.high_freq_factor - rope.low_freq_factor)
    smoothed = (1 - smooth) * scaled / np.float32(rope.factor) + smooth * scaled
    is_medium = ~(wavelen < high_freq_wavelen) & ~(wavelen > low_freq_wavelen)
    return np.where(is_medium, smoothed, scaled).astype(np.float32)


# Normalisations: x / rms(x) * w (Llama), the same with (1 + w) computed in float32 (Gemma), and
# LayerNorm (mean removed, optional bias).
NORM_KINDS = ("rms", "rms_offset", "layer")
# MLP activations: SiLU, GeLU with the tanh approximation (gelu_pytorch_tanh, gelu_new), exact GeLU.
ACTIVATIONS = ("silu", "gelu_tanh", "gelu")
# qk-norm: none; one [head_dim] weight shared by every head (Qwen3, Gemma 3); one norm over the whole
# projection, all heads together (OLMo 2); a [heads, head_dim] weight, each head normed alone (Cohere).
QK_NORMS = ("none", "shared", "projection", "per_head")


@dataclasses.dataclass(frozen=True, kw_only=True)
class DecoderConfig:
    """A decoder-only transformer; the block is configured by these fields, one class for every family.

    A block is: attention input = pre_attn_norm(x) (or x), attention, optional post_attn_norm on its
    output; sequential: x + attn, then the same for the MLP; parallel: x + attn + mlp, the MLP
    reading pre_mlp_norm(x), or the attention's input when there is no pre_mlp_norm.

    Attributes:
      architecture: the checkpoint's architecture name, e.g. `LlamaForCausalLM`.
      vocab_size: rows of the embedding table.
      hidden_size: d_model.
      intermediate_size: width of the MLP.
      num_layers: decoder blocks (L); hidden states have L + 1 entries.
      num_heads: query heads.
      num_kv_heads: key/value heads (== num_heads: MHA; 1: MQA; between: GQA).
      head_dim: dimensions per head (may differ from hidden_size // num_heads).
      norm_eps: epsilon inside every normalisation.
      norm: one of `NORM_KINDS`, for every normalisation of the model (qk-norms included).
      norm_bias: whether LayerNorms have a bias.
      pre_attn_norm, post_attn_norm, pre_mlp_norm, post_mlp_norm: which block norms exist.
      parallel_residual: x + attn(.) + mlp(.) from one residual (Cohere, GPT-NeoX) instead of in turn.
      hidden_act: the MLP activation, one of `ACTIVATIONS`.
      gated_mlp: down(act(gate(x)) * up(x)) when True, down(act(up(x))) when False.
      qkv_bias: whether q, k and v projections have biases (Qwen2).
      o_bias: whether the attention output projection has a bias.
      mlp_bias: whether the MLP projections have biases.
      qk_norm: one of `QK_NORMS`, a norm on queries and keys before the rotary embedding.
      query_pre_attn_scalar: attention scores are scaled by its -1/2 power; None: head_dim's.
      attn_logit_softcap: scores become cap * tanh(scores / cap) before the mask; None: no cap.
      final_logit_softcap: the same on the output logits.
      embed_scale: token embeddings are multiplied by it (in the model dtype); None: not scaled.
      logit_scale: output logits are multiplied by it (Cohere).
      rope_interleaved: rotary pairs are adjacent dims (2i, 2i + 1) (Cohere) instead of (i, i + d/2).
      learned_positions: rows of a learned absolute position table added to the embeddings
        (GPT-2); 0: none.
      tie_word_embeddings: whether the output head reuses the embedding table.
      layer_types: per layer, `full_attention` or `sliding_attention`.
      sliding_window: keys a query sees in a sliding layer, itself included; None when no layer slides.
      rope: per layer, its rotary embedding (partial_rotary_factor 0: none).
      max_position_embeddings: the context length the checkpoint declares.
      checkpoint_dtype: the dtype the weights were saved in (`dtype`/`torch_dtype`), e.g. `bfloat16`.
    """

    architecture: str
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    norm_eps: float = 1e-6
    norm: str = "rms"
    norm_bias: bool = False
    pre_attn_norm: bool = True
    post_attn_norm: bool = False
    pre_mlp_norm: bool = True
    post_mlp_norm: bool = False
    parallel_residual: bool = False
    hidden_act: str = "silu"
    gated_mlp: bool = True
    qkv_bias: bool = False
    o_bias: bool = False
    mlp_bias: bool = False
    qk_norm: str = "none"
    query_pre_attn_scalar: float | None = None
    attn_logit_softcap: float | None = None
    final_logit_softcap: float | None = None
    embed_scale: float | None = None
    logit_scale: float = 1.0
    rope_interleaved: bool = False
    learned_positions: int = 0
    tie_word_embeddings: bool = False
    layer_types: tuple[str, ...]
    sliding_window: int | None
    rope: tuple[RopeConfig, ...]
    max_position_embeddings: int = 4096
    checkpoint_dtype: str = "float32"

    def __post_init__(self):
        if len(self.layer_types) != self.num_layers or len(self.rope) != self.num_layers:
            raise AlignscopeError(f"{self.architecture}: layer_types and rope need one entry per layer "
                                  f"({self.num_layers})")
        if self.num_heads % self.num_kv_heads:
            raise AlignscopeError(f"{self.architecture}: num_attention_heads={self.num_heads} is not a multiple "
                                  f"of num_key_value_heads={self.num_kv_heads}")
        if len({rope.rotary_dim(self.head_dim) for rope in self.rope}) != 1:
            raise AlignscopeError(f"{self.architecture}: every layer must rotate the same number of dimensions")
        if len({rope.attention_factor for rope in self.rope}) != 1:
            raise AlignscopeError(f"{self.architecture}: every layer must share one rotary attention_factor")
        for field, value, accepted in (("norm", self.norm, NORM_KINDS), ("hidden_act", self.hidden_act, ACTIVATIONS),
                                       ("qk_norm", self.qk_norm, QK_NORMS)):
            if value not in accepted:
                raise AlignscopeError(f"{self.architecture}: {field} {value!r} is not supported; "
                                      f"supported: {', '.join(accepted)}")

    @property
    def attention_scale(self) -> float:
        """The factor on q . k: query_pre_attn_scalar ** -0.5, else head_dim ** -0.5."""
        return float(self.query_pre_attn_scalar or self.head_dim) ** -0.5

    def layer_windows(self) -> np.ndarray:
        """Returns `[num_layers]` int32: keys visible to a query per layer, itself included (huge: all)."""
        full = np.iinfo(np.int32).max
        return np.array([
            self.sliding_window if kind == SLIDING_ATTENTION and self.sliding_window else full
            for kind in self.layer_types], dtype=np.int32)

    def layer_inverse_frequencies(self, long: bool = False) -> np.ndarray:
        """Returns `[num_layers, rotary_dim // 2]` float32 inverse frequencies, one row per layer
        (`long`: for texts beyond each layer's `long_after`)."""
        return np.stack([rope.inverse_frequencies(self.head_dim, long) for rope in self.rope])

    @property
    def length_dependent_rope(self) -> bool:
        """Whether a text's rotary frequencies depend on its length (`longrope`, `dynamic`)."""
        return any(rope.kind in ("longrope", "dynamic") for rope in self.rope)

    def layer_rope_lengths(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Returns per layer `[num_layers]`: longrope's length threshold (int32), dynamic's factor
        (float32, 0 where not dynamic) and dynamic's max length (int32)."""
        return (np.array([min(rope.long_after(), np.iinfo(np.int32).max) for rope in self.rope], np.int32),
                np.array([rope.factor if rope.kind == "dynamic" else 0.0 for rope in self.rope], np.float32),
                np.array([rope.dynamic_max_position_embeddings for rope in self.rope], np.int32))
