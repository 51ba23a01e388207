"""The decoder configuration: one frozen dataclass that every Llama-like family is parsed into.

`DecoderConfig` is hashable (tuples, not lists), so it can sit in a jitted function's static
arguments: two checkpoints of one architecture (a base model and its aligned sibling) share
compiled code. Parsing from a checkpoint's `config.json` lives in `engine/models/families.py`.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from alignscope.errors import AlignscopeError

FULL_ATTENTION = "full_attention"
SLIDING_ATTENTION = "sliding_attention"


@dataclasses.dataclass(frozen=True, kw_only=True)
class RopeConfig:
    """Rotary position embedding of one layer type.

    Attributes:
      theta: the base wavelength (`rope_theta`).
      kind: `default`, `linear` or `llama3` (transformers' `rope_type`).
      factor: the scaling factor of `linear` and `llama3`.
      low_freq_factor: `llama3` only: wavelengths above original_max / low_freq_factor are scaled.
      high_freq_factor: `llama3` only: wavelengths below original_max / high_freq_factor are kept.
      original_max_position_embeddings: `llama3` only: the pretraining context length.
      partial_rotary_factor: the fraction of each head's dimensions that is rotated (from the front).
    """

    theta: float = 10000.0
    kind: str = "default"
    factor: float = 1.0
    low_freq_factor: float = 1.0
    high_freq_factor: float = 4.0
    original_max_position_embeddings: int = 8192
    partial_rotary_factor: float = 1.0

    def rotary_dim(self, head_dim: int) -> int:
        """Returns how many leading dimensions of each head are rotated (even)."""
        return int(head_dim * self.partial_rotary_factor)

    def inverse_frequencies(self, head_dim: int) -> np.ndarray:
        """Returns the inverse frequencies `[rotary_dim // 2]` float32, in radians per position.

        Computed in float32 step by step as transformers does, so angles match it bit for bit.
        """
        dim = self.rotary_dim(head_dim)
        exponents = np.arange(0, dim, 2, dtype=np.int64).astype(np.float32) / np.float32(dim)
        inv_freq = (np.float32(1.0) / np.power(np.float32(self.theta), exponents)).astype(np.float32)
        if self.kind == "linear":
            return (inv_freq / np.float32(self.factor)).astype(np.float32)
        if self.kind == "llama3":
            return _llama3_scaling(inv_freq, self)
        return inv_freq


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


@dataclasses.dataclass(frozen=True, kw_only=True)
class DecoderConfig:
    """A pre-norm decoder-only transformer with rotary positions, RMSNorm and a gated MLP.

    Attributes:
      architecture: the checkpoint's architecture name, e.g. `LlamaForCausalLM`.
      vocab_size: rows of the embedding table.
      hidden_size: d_model.
      intermediate_size: width of the gated MLP.
      num_layers: decoder blocks (L); hidden states have L + 1 entries.
      num_heads: query heads.
      num_kv_heads: key/value heads (== num_heads: MHA; 1: MQA; between: GQA).
      head_dim: dimensions per head (may differ from hidden_size // num_heads).
      rms_norm_eps: epsilon inside every RMSNorm.
      hidden_act: the MLP gate activation (`silu`).
      qkv_bias: whether q, k and v projections have biases (Qwen2).
      o_bias: whether the attention output projection has a bias.
      mlp_bias: whether the MLP projections have biases.
      tie_word_embeddings: whether the output head reuses the embedding table.
      layer_types: per layer, `full_attention` or `sliding_attention`.
      sliding_window: keys a query sees in a sliding layer, itself included; None when no layer slides.
      rope: per layer, its rotary embedding.
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
    rms_norm_eps: float = 1e-6
    hidden_act: str = "silu"
    qkv_bias: bool = False
    o_bias: bool = False
    mlp_bias: bool = False
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

    def layer_windows(self) -> np.ndarray:
        """Returns `[num_layers]` int32: keys visible to a query per layer, itself included (huge: all)."""
        full = np.iinfo(np.int32).max
        return np.array([
            self.sliding_window if kind == SLIDING_ATTENTION and self.sliding_window else full
            for kind in self.layer_types], dtype=np.int32)

    def layer_inverse_frequencies(self) -> np.ndarray:
        """Returns `[num_layers, rotary_dim // 2]` float32 inverse frequencies, one row per layer."""
        return np.stack([rope.inverse_frequencies(self.head_dim) for rope in self.rope])
