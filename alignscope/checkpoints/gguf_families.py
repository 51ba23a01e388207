"""What llama.cpp's converter did to each family, and how to undo it: the Hugging Face config
rebuilt from GGUF metadata, and per tensor the inverse of the converter's transform.

One `GGUFArchitecture` per GGUF `general.architecture` (`ARCHITECTURES`). What the metadata lacks
is filled as llama.cpp itself assumes it (Gemma 2/3's attention scale and sliding pattern, rotary
bases the converter does not write), so a file runs as llama.cpp runs it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

from alignscope.errors import AlignscopeError


@dataclasses.dataclass(frozen=True)
class Metadata:
    """A GGUF header's key-value pairs, read by the architecture's own prefix, and its tensors.

    Attributes:
      values: every key (`llama.block_count`, `tokenizer.ggml.eos_token_id`, ...).
      prefix: the architecture name the per-model keys start with.
      file: the file's name, for messages.
      shapes: each tensor's shape in numpy order, by GGUF name (`token_embd.weight`: `[vocab, d]`).
      read: GGUF tensor name -> its values, dequantized to float32 (for the few tensors that hold
        config, such as llama 3's `rope_freqs`).
    """

    values: dict[str, Any]
    prefix: str
    file: str
    shapes: dict[str, tuple[int, ...]]
    read: Callable[[str], np.ndarray]

    def get(self, key: str, default: Any = None) -> Any:
        """Returns `{prefix}.{key}`, else `default`."""
        return self.values.get(f"{self.prefix}.{key}", default)

    def require(self, key: str) -> Any:
        """Returns `{prefix}.{key}`, or raises `AlignscopeError` naming it."""
        value = self.get(key)
        if value is None:
            raise AlignscopeError(f"{self.file} lacks the GGUF key {self.prefix}.{key}, needed to rebuild the config")
        return value


@dataclasses.dataclass(frozen=True)
class Restore:
    """The inverse of one converter transform.

    Attributes:
      apply: GGUF-layout float32 array -> the Hugging Face tensor.
      transposes: whether `apply` swaps the two axes (GPT-2's Conv1D weights).
    """

    apply: Callable[[np.ndarray], np.ndarray]
    transposes: bool = False

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return self.apply(values)

    def shape(self, gguf_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Returns the Hugging Face shape of a tensor stored with `gguf_shape` (numpy order)."""
        return tuple(reversed(gguf_shape)) if self.transposes else gguf_shape


UNCHANGED = Restore(lambda values: values)
TRANSPOSE = Restore(lambda values: values.T, transposes=True)
MINUS_ONE = Restore(lambda values: values - np.float32(1))  # Gemma's norms: the converter adds 1


def unpermute(heads: int) -> Restore:
    """Undoes llama.cpp's Q/K row permutation (rotate-half -> interleaved rotary) over `heads` heads."""

    def apply(values: np.ndarray) -> np.ndarray:
        rows = values.shape[0]
        return values.reshape(heads, rows // heads // 2, 2, *values.shape[1:]).swapaxes(1, 2).reshape(values.shape)

    return Restore(apply)


def ungroup_neox_qkv(heads: int) -> Restore:
    """Undoes the converter's regrouping of GPT-NeoX's fused QKV from per-head [q, k, v] to [Q; K; V]."""

    def apply(values: np.ndarray) -> np.ndarray:
        parts = np.split(values, 3, axis=0)
        per_head = [part.reshape(heads, part.shape[0] // heads, *part.shape[1:]) for part in parts]
        return np.stack(per_head, axis=1).reshape(values.shape)

    return Restore(apply)


def _common(meta: Metadata, eps_key: str, eps_name: str) -> dict[str, Any]:
    """The config keys every llama-like family shares."""
    heads = int(meta.require("attention.head_count"))
    embed = meta.shapes.get("token_embd.weight")
    raw = {
        "hidden_size": int(meta.require("embedding_length")),
        "num_hidden_layers": int(meta.require("block_count")),
        "intermediate_size": int(meta.require("feed_forward_length")),
        "num_attention_heads": heads,
        "num_key_value_heads": int(meta.get("attention.head_count_kv", heads)),
        eps_name: float(meta.require(eps_key)),
        "max_position_embeddings": int(meta.get("context_length", 4096)),
        "vocab_size": embed[0] if embed is not None else int(meta.require("vocab_size")),
        "tie_word_embeddings": "output.weight" not in meta.shapes,
        "attention_bias": "blk.0.attn_q.bias" in meta.shapes or "blk.0.attn_qkv.bias" in meta.shapes,
        "mlp_bias": "blk.0.ffn_up.bias" in meta.shapes,
        "dtype": "float32",
    }
    if meta.get("attention.key_length") is not None:
        raw["head_dim"] = int(meta.get("attention.key_length"))
    for name in ("bos", "eos", "padding"):
        token = meta.values.get(f"tokenizer.ggml.{name}_token_id")
        if token is not None:
            raw[f"{'pad' if name == 'padding' else name}_token_id"] = int(token)
    return raw


def _rope_scaling(meta: Metadata, raw: dict[str, Any]) -> dict[str, Any] | None:
    """The transformers rope dict of the `rope.scaling.*` keys (or llama 3's `rope_freqs` tensor)."""
    kind = meta.get("rope.scaling.type")
    if "rope_freqs.weight" in meta.shapes:
        return _llama3_rope(meta, raw)
    if kind in (None, "none"):
        return None
    scaling: dict[str, Any] = {"rope_type": kind}
    if meta.get("rope.scaling.factor") is not None:
        scaling["factor"] = float(meta.get("rope.scaling.factor"))
    if meta.get("rope.scaling.original_context_length") is not None:
        scaling["original_max_position_embeddings"] = int(meta.get("rope.scaling.original_context_length"))
    for key, name in (("rope.scaling.yarn_beta_fast", "beta_fast"), ("rope.scaling.yarn_beta_slow", "beta_slow")):
        if meta.get(key) is not None:
            scaling[name] = float(meta.get(key))
    return scaling


# The published Llama 3.x rope settings: the converter stores only their per-frequency factors.
LLAMA3_ROPES = ({"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
                {"factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
                {"factor": 16.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192})


def llama3_rope_freqs(params: dict[str, float], head_dim: int, theta: float) -> np.ndarray:
    """Returns `[head_dim // 2]` float32: the factor each rotary frequency is divided by under
    llama 3 scaling `params` (what llama.cpp's converter writes as `rope_freqs`)."""
    freqs = 1.0 / theta ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    low = params["original_max_position_embeddings"] / params["low_freq_factor"]
    high = params["original_max_position_embeddings"] / params["high_freq_factor"]
    wavelength = 2 * np.pi / freqs
    smooth = (params["original_max_position_embeddings"] / wavelength - params["low_freq_factor"]) / (
        params["high_freq_factor"] - params["low_freq_factor"])
    factors = np.where(wavelength < high, 1.0,
                       np.where(wavelength > low, params["factor"], 1 / ((1 - smooth) / params["factor"] + smooth)))
    return factors.astype(np.float32)


def _llama3_rope(meta: Metadata, raw: dict[str, Any]) -> dict[str, Any]:
    stored = meta.read("rope_freqs.weight").reshape(-1)
    head_dim = int(meta.get("rope.dimension_count") or raw["hidden_size"] // raw["num_attention_heads"])
    for params in LLAMA3_ROPES:
        if np.allclose(llama3_rope_freqs(params, head_dim, raw["rope_theta"]), stored, rtol=1e-4):
            return {"rope_type": "llama3", **params}
    raise AlignscopeError(f"{meta.file} stores llama 3 rope scaling as rope_freqs factors that match no published "
                          f"Llama 3.x setting (factor 8, 16 or 32; low 1, high 4; original context 8192)")


def _llama_like(hf_architecture: str, act: str = "silu"):
    """A config builder for families whose metadata is the converter's common set (a rotary base
    it does not write is transformers' and llama.cpp's default, 10000)."""

    def build(meta: Metadata) -> dict[str, Any]:
        raw = _common(meta, "attention.layer_norm_rms_epsilon", "rms_norm_eps")
        raw.update(architectures=[hf_architecture], hidden_act=act,
                   rope_theta=float(meta.get("rope.freq_base", 10000.0)))
        raw["rope_scaling"] = _rope_scaling(meta, raw)
        return raw

    return build


def _phi3(meta: Metadata) -> dict[str, Any]:
    raw = _llama_like("Phi3ForCausalLM")(meta)
    rotary = meta.get("rope.dimension_count")
    if rotary is not None:
        raw["partial_rotary_factor"] = int(rotary) * raw["num_attention_heads"] / raw["hidden_size"]
    raw["original_max_position_embeddings"] = int(meta.get("rope.scaling.original_context_length",
                                                           raw["max_position_embeddings"]))
    raw["sliding_window"] = int(meta.get("attention.sliding_window") or 0) or None
    if "rope_factors_long.weight" in meta.shapes:
        raw["rope_scaling"] = {"rope_type": "longrope",
                               "long_factor": meta.read("rope_factors_long.weight").reshape(-1).tolist(),
                               "short_factor": meta.read("rope_factors_short.weight").reshape(-1).tolist()}
    return raw


def _attention_scalar(meta: Metadata, raw: dict[str, Any], layers_27b: int) -> float:
    """llama.cpp's Gemma 2/3 query scale: hidden/heads for the 27B model, else the head size."""
    if raw["num_hidden_layers"] == layers_27b:
        return raw["hidden_size"] / raw["num_attention_heads"]
    return float(raw.get("head_dim") or raw["hidden_size"] // raw["num_attention_heads"])


def _gemma(version: int):
    architecture = {1: "GemmaForCausalLM", 2: "Gemma2ForCausalLM", 3: "Gemma3ForCausalLM"}[version]

    def build(meta: Metadata) -> dict[str, Any]:
        raw = _llama_like(architecture, act="gelu_pytorch_tanh")(meta)
        raw["tie_word_embeddings"] = True  # the converter drops Gemma's head: it is the embedding
        if version >= 2:
            raw["query_pre_attn_scalar"] = _attention_scalar(meta, raw, layers_27b=46 if version == 2 else 62)
            raw["sliding_window"] = int(meta.get("attention.sliding_window", 4096))
            for key in ("attn_logit_softcapping", "final_logit_softcapping"):
                raw[key] = float(meta.get(key)) if meta.get(key) else None
        if version == 3:
            raw.update(model_type="gemma3_text", sliding_window_pattern=6,
                       rope_local_base_freq=float(meta.get("rope.freq_base_swa", 10000.0)),
                       rope_theta=float(meta.get("rope.freq_base", 1_000_000.0)))
        return raw

    return build


def _command_r(meta: Metadata) -> dict[str, Any]:
    raw = _common(meta, "attention.layer_norm_epsilon", "layer_norm_eps")
    raw.update(architectures=["CohereForCausalLM"], hidden_act="silu",
               rope_theta=float(meta.get("rope.freq_base", 10000.0)), logit_scale=float(meta.get("logit_scale", 1.0)),
               use_qk_norm="blk.0.attn_q_norm.weight" in meta.shapes)
    return raw


def _gptneox(meta: Metadata) -> dict[str, Any]:
    raw = _common(meta, "attention.layer_norm_epsilon", "layer_norm_eps")
    head_dim = raw["hidden_size"] // raw["num_attention_heads"]
    raw.update(architectures=["GPTNeoXForCausalLM"], hidden_act="gelu", rope_theta=float(meta.get("rope.freq_base",
                                                                                                  10000.0)),
               rotary_pct=int(meta.get("rope.dimension_count", head_dim)) / head_dim,
               use_parallel_residual=bool(meta.get("use_parallel_residual", True)))
    return raw


def _gpt2(meta: Metadata) -> dict[str, Any]:
    heads = int(meta.require("attention.head_count"))
    return {"architectures": ["GPT2LMHeadModel"], "n_embd": int(meta.require("embedding_length")),
            "n_layer": int(meta.require("block_count")), "n_head": heads,
            "n_inner": meta.shapes["blk.0.ffn_up.weight"][0],  # the converter writes 4 * n_embd, not n_inner
            "layer_norm_epsilon": float(meta.require("attention.layer_norm_epsilon")),
            "n_positions": meta.shapes["position_embd.weight"][0],
            "vocab_size": meta.shapes["token_embd.weight"][0], "activation_function": "gelu_new",
            "tie_word_embeddings": "output.weight" not in meta.shapes, "dtype": "float32",
            **{f"{name}_token_id": int(meta.values[f"tokenizer.ggml.{name}_token_id"]) for name in ("bos", "eos")
               if meta.values.get(f"tokenizer.ggml.{name}_token_id") is not None}}


def _norms_minus_one(name: str, config: dict[str, Any]) -> Restore:
    return MINUS_ONE if name.endswith("norm.weight") else UNCHANGED


def _llama_restore(name: str, config: dict[str, Any]) -> Restore:
    if ".self_attn.q_proj." in name:
        return unpermute(int(config["num_attention_heads"]))
    if ".self_attn.k_proj." in name:
        return unpermute(int(config["num_key_value_heads"]))
    return UNCHANGED


def _gptneox_restore(name: str, config: dict[str, Any]) -> Restore:
    return ungroup_neox_qkv(int(config["num_attention_heads"])) if "query_key_value" in name else UNCHANGED


GPT2_TRANSPOSED = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")


def _gpt2_restore(name: str, config: dict[str, Any]) -> Restore:
    return TRANSPOSE if name.endswith(GPT2_TRANSPOSED) else UNCHANGED


@dataclasses.dataclass(frozen=True)
class GGUFArchitecture:
    """One GGUF `general.architecture`.

    Attributes:
      name: the GGUF name (`llama`, `gemma3`, `command-r`, ...).
      config_json: the file's metadata and tensor shapes -> the Hugging Face config.json dict.
      restore: (Hugging Face tensor name, config.json dict) -> the inverse of the converter's transform.
    """

    name: str
    config_json: Callable[[Metadata], dict[str, Any]]
    restore: Callable[[str, dict[str, Any]], Restore] = lambda name, config: UNCHANGED


ARCHITECTURES = {architecture.name: architecture for architecture in (
    GGUFArchitecture("llama", _llama_like("LlamaForCausalLM"), _llama_restore),
    GGUFArchitecture("qwen2", _llama_like("Qwen2ForCausalLM")),
    GGUFArchitecture("qwen3", _llama_like("Qwen3ForCausalLM")),
    GGUFArchitecture("phi3", _phi3),
    GGUFArchitecture("olmo2", _llama_like("Olmo2ForCausalLM")),
    GGUFArchitecture("gemma", _gemma(1), _norms_minus_one),
    GGUFArchitecture("gemma2", _gemma(2), _norms_minus_one),
    GGUFArchitecture("gemma3", _gemma(3), _norms_minus_one),
    GGUFArchitecture("command-r", _command_r),
    GGUFArchitecture("gptneox", _gptneox, _gptneox_restore),
    GGUFArchitecture("gpt2", _gpt2, _gpt2_restore),
)}
