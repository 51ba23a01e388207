"""What every family parser shares: required keys, rotary embeddings, layer types, activations,
the common `DecoderConfig` fields, the `config.json` keys written back, and the Llama weight names.

The parsers read what transformers 5 writes and what older checkpoints have: `rope_parameters`
(flat, or nested per layer type) or `rope_theta` + `rope_scaling`; `layer_types`; `dtype` or
`torch_dtype`; `head_dim` (absent or null: hidden_size // num_attention_heads). Unknown keys are
ignored; a missing required key is an `AlignscopeError` naming it.
"""

from __future__ import annotations

import math
from typing import Any

from alignscope.errors import AlignscopeError
from alignscope.models.config import FULL_ATTENTION, ROPE_KINDS, SLIDING_ATTENTION, DecoderConfig, RopeConfig
from alignscope.models.weights import Tensor

REQUIRED_KEYS = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                 "num_attention_heads")
SUPPORTED_ROPE_KINDS = ROPE_KINDS
# transformers' activation names -> the decoder's.
ACTIVATION_NAMES = {"silu": "silu", "swish": "silu", "gelu_pytorch_tanh": "gelu_tanh", "gelu_new": "gelu_tanh",
                    "gelu": "gelu"}
# The decoder's activation -> the name written to config.json.
ACTIVATION_JSON = {"silu": "silu", "gelu_tanh": "gelu_pytorch_tanh", "gelu": "gelu"}


def require(raw: dict[str, Any], key: str, architecture: str) -> Any:
    """Returns `raw[key]`, or raises `AlignscopeError` naming the missing key."""
    if raw.get(key) is None:
        raise AlignscopeError(f"config.json of {architecture} is missing the required key '{key}'")
    return raw[key]


def activation(name: str, architecture: str) -> str:
    """Returns the decoder's name of a transformers activation, or raises `AlignscopeError`."""
    if name not in ACTIVATION_NAMES:
        raise AlignscopeError(f"hidden_act '{name}' is not supported for {architecture}; "
                              f"supported: {', '.join(ACTIVATION_NAMES)}")
    return ACTIVATION_NAMES[name]


def _rope(params: dict[str, Any], default_theta: float, default_partial: float, raw: dict[str, Any]) -> RopeConfig:
    """One `RopeConfig` from a transformers rope dict (`rope_parameters` or legacy `rope_scaling`);
    `raw` (the config.json) gives the context lengths the scaled kinds default to, as transformers'
    `standardize_rope_params` does."""
    kind = params.get("rope_type", params.get("type", "default"))
    if kind not in SUPPORTED_ROPE_KINDS:
        raise AlignscopeError(
            f"rope_type '{kind}' is not supported; supported: {', '.join(SUPPORTED_ROPE_KINDS)}")
    fields: dict[str, Any] = {
        "theta": float(params.get("rope_theta", default_theta)),
        "kind": kind,
        "partial_rotary_factor": float(params.get("partial_rotary_factor", default_partial)),
    }
    max_positions = int(raw.get("max_position_embeddings") or 4096)
    if kind in ("yarn", "longrope"):  # Phi-3 keeps the pretraining length at the top level, and it wins.
        original = raw.get("original_max_position_embeddings") or params.get("original_max_position_embeddings")
        fields["original_max_position_embeddings"] = int(original or max_positions)
    needed = {"linear": ("factor",), "dynamic": ("factor",), "longrope": ("short_factor", "long_factor"),
              "llama3": ("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings")
              }.get(kind, ())
    for key in needed:
        if params.get(key) is None:
            raise AlignscopeError(f"rope_type '{kind}' needs '{key}' in rope_parameters (or rope_scaling)")
        if key in ("short_factor", "long_factor"):
            fields[key] = tuple(float(value) for value in params[key])
        else:
            fields[key] = (int if key == "original_max_position_embeddings" else float)(params[key])
    if kind == "dynamic":
        fields["dynamic_max_position_embeddings"] = max_positions
    if kind in ("yarn", "longrope"):
        factor = params.get("factor")
        factor = float(factor) if factor is not None else max_positions / fields["original_max_position_embeddings"]
        fields["factor"] = factor
        fields["attention_factor"] = float(params.get("attention_factor") or _attention_factor(kind, factor, params,
                                                                                                fields))
    if kind == "yarn":
        fields.update(beta_fast=float(params.get("beta_fast") or 32), beta_slow=float(params.get("beta_slow") or 1),
                      truncate=bool(params.get("truncate", True)))
    return RopeConfig(**fields)


def _attention_factor(kind: str, factor: float, params: dict[str, Any], fields: dict[str, Any]) -> float:
    """transformers' default cos/sin scale of YaRN and LongRoPE for a context extended `factor` times."""
    if kind == "longrope":
        original = fields["original_max_position_embeddings"]
        return 1.0 if factor <= 1.0 else math.sqrt(1 + math.log(factor) / math.log(original))

    def mscale(scale: float, m: float = 1.0) -> float:
        return 1.0 if scale <= 1 else 0.1 * m * math.log(scale) + 1.0

    if params.get("mscale") and params.get("mscale_all_dim"):
        return mscale(factor, params["mscale"]) / mscale(factor, params["mscale_all_dim"])
    return mscale(factor)


def rope_per_layer(raw: dict[str, Any], layer_types: tuple[str, ...], default_theta: float | None = None,
                   default_partial: float | None = None,
                   legacy_by_type: dict[str, dict[str, Any]] | None = None) -> tuple[RopeConfig, ...]:
    """Per layer, its `RopeConfig`, from either the transformers 5 or the legacy layout.

    Args:
      raw: the config.json dict.
      layer_types: per layer, its attention type.
      default_theta, default_partial: where neither rope dict names them (default: the top-level
        `rope_theta`, else 10000; `partial_rotary_factor`, else 1).
      legacy_by_type: without nested `rope_parameters`, the rope dict per layer type (Gemma 3's
        `rope_local_base_freq` for sliding layers); types it lacks use the flat rope dict.
    """
    theta = float(default_theta if default_theta is not None else raw.get("rope_theta", 10000.0))
    partial = float(default_partial if default_partial is not None else raw.get("partial_rotary_factor") or 1.0)
    params = raw.get("rope_parameters") or raw.get("rope_scaling") or {}
    if params and all(isinstance(value, dict) for value in params.values()):
        by_type = {name: _rope(value, theta, partial, raw) for name, value in params.items()}
        missing = sorted(set(layer_types) - set(by_type))
        if missing:
            raise AlignscopeError(f"rope_parameters has no entry for layer type(s) {missing}")
        return tuple(by_type[kind] for kind in layer_types)
    legacy_by_type = legacy_by_type or {}
    return tuple(_rope(legacy_by_type.get(kind, params), theta, partial, raw) for kind in layer_types)


def layer_types(raw: dict[str, Any], num_layers: int) -> tuple[str, ...]:
    """Per layer, `full_attention` or `sliding_attention`, from `layer_types` (default: all full)."""
    kinds = raw.get("layer_types")
    if kinds is None:
        return (FULL_ATTENTION,) * num_layers
    if len(kinds) != num_layers:
        raise AlignscopeError(f"config.json has {len(kinds)} layer_types for {num_layers} layers")
    unknown = sorted(set(kinds) - {FULL_ATTENTION, SLIDING_ATTENTION})
    if unknown:
        raise AlignscopeError(f"layer type(s) {unknown} are not supported; supported: "
                              f"{FULL_ATTENTION}, {SLIDING_ATTENTION}")
    return tuple(kinds)


def decoder_config(raw: dict[str, Any], architecture: str, *, kinds: tuple[str, ...] | None = None,
                   tie_default: bool = False, rope: tuple[RopeConfig, ...] | None = None,
                   head_dim_default: int | None = None, **fields: Any) -> DecoderConfig:
    """The `DecoderConfig` fields every family reads the same way, plus the family's own `fields`.

    Args:
      raw: the config.json dict (required keys already checked).
      architecture: the architecture name.
      kinds: per-layer attention types; default `layer_types` or all full.
      tie_default: transformers' default for `tie_word_embeddings` in this family.
      rope: per-layer rotary embeddings; default from the rope keys.
      head_dim_default: where config.json has no head_dim (default hidden_size // heads).
      fields: any other `DecoderConfig` fields (norm kind, biases, ...).
    """
    num_layers = int(raw["num_hidden_layers"])
    num_heads = int(raw["num_attention_heads"])
    kinds = kinds or layer_types(raw, num_layers)
    sliding = SLIDING_ATTENTION in kinds
    if sliding:
        require(raw, "sliding_window", architecture)
    tie = raw.get("tie_word_embeddings")
    return DecoderConfig(
        architecture=architecture,
        vocab_size=int(raw["vocab_size"]),
        hidden_size=int(raw["hidden_size"]),
        intermediate_size=int(raw["intermediate_size"]),
        num_layers=num_layers,
        num_heads=num_heads,
        num_kv_heads=int(raw.get("num_key_value_heads") or num_heads),
        head_dim=int(raw.get("head_dim") or head_dim_default or raw["hidden_size"] // num_heads),
        tie_word_embeddings=bool(tie_default if tie is None else tie),
        layer_types=kinds,
        sliding_window=int(raw["sliding_window"]) if sliding else None,
        rope=rope or rope_per_layer(raw, kinds),
        max_position_embeddings=int(raw.get("max_position_embeddings") or 4096),
        checkpoint_dtype=str(raw.get("dtype") or raw.get("torch_dtype") or "float32"),
        **fields,
    )


def core_json(config: DecoderConfig, model_type: str) -> dict[str, Any]:
    """The config.json keys every Llama-like family writes (sizes, heads, layers, rotary)."""
    return {
        "architectures": [config.architecture], "model_type": model_type, "vocab_size": config.vocab_size,
        "hidden_size": config.hidden_size, "intermediate_size": config.intermediate_size,
        "num_hidden_layers": config.num_layers, "num_attention_heads": config.num_heads,
        "num_key_value_heads": config.num_kv_heads, "head_dim": config.head_dim,
        "hidden_act": ACTIVATION_JSON[config.hidden_act], "tie_word_embeddings": config.tie_word_embeddings,
        "max_position_embeddings": config.max_position_embeddings, "dtype": config.checkpoint_dtype,
        "layer_types": list(config.layer_types), "sliding_window": config.sliding_window,
        "rope_parameters": rope_json(config),
    }


def rope_json(config: DecoderConfig) -> dict[str, Any]:
    """`rope_parameters`: flat when every layer shares one rotary embedding, else per layer type."""
    def one(rope: RopeConfig) -> dict[str, Any]:
        entry = {"rope_type": rope.kind, "rope_theta": rope.theta}
        if rope.kind in ("linear", "llama3", "dynamic", "yarn", "longrope"):
            entry["factor"] = rope.factor
        if rope.kind in ("yarn", "longrope"):
            entry.update(original_max_position_embeddings=rope.original_max_position_embeddings,
                         attention_factor=rope.attention_factor)
        if rope.kind == "yarn":
            entry.update(beta_fast=rope.beta_fast, beta_slow=rope.beta_slow, truncate=rope.truncate)
        if rope.kind == "longrope":
            entry.update(short_factor=list(rope.short_factor), long_factor=list(rope.long_factor))
        if rope.kind == "llama3":
            entry.update(low_freq_factor=rope.low_freq_factor, high_freq_factor=rope.high_freq_factor,
                         original_max_position_embeddings=rope.original_max_position_embeddings)
        if rope.partial_rotary_factor != 1.0:
            entry["partial_rotary_factor"] = rope.partial_rotary_factor
        return entry

    if len(set(config.rope)) == 1:
        return one(config.rope[0])
    by_type = dict(zip(config.layer_types, config.rope))
    if any(by_type[kind] != rope for kind, rope in zip(config.layer_types, config.rope)):
        raise AlignscopeError("config.json stores one rotary embedding per layer type; layers of one type differ")
    return {kind: one(rope) for kind, rope in by_type.items()}


def llama_tensors(prefix: str = "model.", norms: dict[str, str] | None = None,
                  fused_qkv: str | None = None, fused_gate_up: str | None = None) -> list[Tensor]:
    """The Llama weight names (with `prefix`), which most families share.

    Args:
      prefix: before `embed_tokens`, `layers` and `norm`.
      norms: the block norms' names (`pre_attn_norm` -> `input_layernorm`, ...); default Llama's.
      fused_qkv: the name of one tensor holding q, k and v one after another (Phi-3), else separate.
      fused_gate_up: the name of one tensor holding gate then up (Phi-3), else separate.
    """
    norms = norms or {"pre_attn_norm": "input_layernorm", "pre_mlp_norm": "post_attention_layernorm"}
    layer = f"{prefix}layers.{{layer}}."
    tensors = [Tensor(f"{prefix}embed_tokens.weight", (("embed",),)),
               Tensor(f"{prefix}norm.weight", (("final_norm", "scale"),)),
               Tensor("lm_head.weight", (("lm_head",),))]
    for ours, theirs in norms.items():
        tensors.append(Tensor(f"{layer}{theirs}.weight", (("layers", ours, "scale"),)))
    attn = lambda name: ("layers", "attn", name)
    if fused_qkv:
        tensors.append(Tensor(f"{layer}{fused_qkv}.weight", (attn("q_proj"), attn("k_proj"), attn("v_proj"))))
    else:
        tensors += [Tensor(f"{layer}self_attn.{p}_proj.weight", (attn(f"{p}_proj"),)) for p in "qkv"]
    tensors += [Tensor(f"{layer}self_attn.{p}_proj.bias", (attn(f"{p}_bias"),)) for p in "qkvo"]
    tensors += [Tensor(f"{layer}self_attn.o_proj.weight", (attn("o_proj"),)),
                Tensor(f"{layer}self_attn.q_norm.weight", (attn("q_norm") + ("scale",),)),
                Tensor(f"{layer}self_attn.k_norm.weight", (attn("k_norm") + ("scale",),))]
    mlp = lambda name: ("layers", "mlp", name)
    if fused_gate_up:
        tensors.append(Tensor(f"{layer}{fused_gate_up}.weight", (mlp("gate_proj"), mlp("up_proj"))))
    else:
        tensors += [Tensor(f"{layer}mlp.{p}_proj.weight", (mlp(f"{p}_proj"),)) for p in ("gate", "up")]
    tensors.append(Tensor(f"{layer}mlp.down_proj.weight", (mlp("down_proj"),)))
    tensors += [Tensor(f"{layer}mlp.{p}_proj.bias", (mlp(f"{p}_bias"),)) for p in ("gate", "up", "down")]
    return tensors
