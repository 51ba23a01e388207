"""Model families: how a checkpoint's `config.json` becomes a `DecoderConfig`, and weight names.

A family is a config parser plus a weight-name map, not a copied model file. Llama, Mistral and
Qwen2 share one decoder (`engine/models/decoder.py`); they differ only in biases and in which
layers use sliding-window attention.

The parser reads what transformers 5 writes and what older checkpoints have: `rope_parameters`
(flat, or nested per layer type) or `rope_theta` + `rope_scaling`; `layer_types`; `dtype` or
`torch_dtype`; `head_dim` (absent or null: hidden_size // num_attention_heads). Unknown keys are
ignored; a missing required key is an `AlignscopeError` naming it.
"""

from __future__ import annotations

from typing import Any, Callable

from alignscope.errors import AlignscopeError
from engine.models.config import FULL_ATTENTION, SLIDING_ATTENTION, DecoderConfig, RopeConfig

REQUIRED_KEYS = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                 "num_attention_heads")
SUPPORTED_ROPE_KINDS = ("default", "linear", "llama3")


def _require(raw: dict[str, Any], key: str, architecture: str) -> Any:
    if raw.get(key) is None:
        raise AlignscopeError(f"config.json of {architecture} is missing the required key '{key}'")
    return raw[key]


def _rope(params: dict[str, Any], default_theta: float, default_partial: float) -> RopeConfig:
    """One `RopeConfig` from a transformers rope dict (`rope_parameters` or legacy `rope_scaling`)."""
    kind = params.get("rope_type", params.get("type", "default"))
    if kind not in SUPPORTED_ROPE_KINDS:
        raise AlignscopeError(
            f"rope_type '{kind}' is not supported; supported: {', '.join(SUPPORTED_ROPE_KINDS)}")
    fields = {
        "theta": float(params.get("rope_theta", default_theta)),
        "kind": kind,
        "partial_rotary_factor": float(params.get("partial_rotary_factor", default_partial)),
    }
    needed = {"linear": ("factor",), "llama3": ("factor", "low_freq_factor", "high_freq_factor",
                                                "original_max_position_embeddings")}.get(kind, ())
    for key in needed:
        if params.get(key) is None:
            raise AlignscopeError(f"rope_type '{kind}' needs '{key}' in rope_parameters (or rope_scaling)")
        fields[key] = (int if key == "original_max_position_embeddings" else float)(params[key])
    return RopeConfig(**fields)


def _rope_per_layer_type(raw: dict[str, Any], layer_types: tuple[str, ...]) -> tuple[RopeConfig, ...]:
    """Per layer, its `RopeConfig`, from either the transformers 5 or the legacy layout."""
    default_theta = float(raw.get("rope_theta", 10000.0))
    default_partial = float(raw.get("partial_rotary_factor") or 1.0)
    params = raw.get("rope_parameters") or raw.get("rope_scaling") or {}
    if params and all(isinstance(value, dict) for value in params.values()):
        by_type = {name: _rope(value, default_theta, default_partial) for name, value in params.items()}
        missing = sorted(set(layer_types) - set(by_type))
        if missing:
            raise AlignscopeError(f"rope_parameters has no entry for layer type(s) {missing}")
        return tuple(by_type[kind] for kind in layer_types)
    return (_rope(params, default_theta, default_partial),) * len(layer_types)


def _layer_types(raw: dict[str, Any], num_layers: int) -> tuple[str, ...]:
    layer_types = raw.get("layer_types")
    if layer_types is None:
        return (FULL_ATTENTION,) * num_layers
    if len(layer_types) != num_layers:
        raise AlignscopeError(
            f"config.json has {len(layer_types)} layer_types for {num_layers} layers")
    unknown = sorted(set(layer_types) - {FULL_ATTENTION, SLIDING_ATTENTION})
    if unknown:
        raise AlignscopeError(f"layer type(s) {unknown} are not supported; supported: "
                              f"{FULL_ATTENTION}, {SLIDING_ATTENTION}")
    return tuple(layer_types)


def _decoder_config(raw: dict[str, Any], architecture: str, *, qkv_bias: bool, o_bias: bool,
                    mlp_bias: bool, layer_types: tuple[str, ...] | None = None) -> DecoderConfig:
    """The parts every Llama-like family shares; family parsers decide biases and layer types."""
    num_layers = int(raw["num_hidden_layers"])
    num_heads = int(raw["num_attention_heads"])
    layer_types = layer_types or _layer_types(raw, num_layers)
    sliding = SLIDING_ATTENTION in layer_types
    if sliding:
        _require(raw, "sliding_window", architecture)
    hidden_act = raw.get("hidden_act", "silu")
    if hidden_act != "silu":
        raise AlignscopeError(f"hidden_act '{hidden_act}' is not supported for {architecture}; supported: silu")
    return DecoderConfig(
        architecture=architecture,
        vocab_size=int(raw["vocab_size"]),
        hidden_size=int(raw["hidden_size"]),
        intermediate_size=int(raw["intermediate_size"]),
        num_layers=num_layers,
        num_heads=num_heads,
        num_kv_heads=int(raw.get("num_key_value_heads") or num_heads),
        head_dim=int(raw.get("head_dim") or raw["hidden_size"] // num_heads),
        rms_norm_eps=float(raw.get("rms_norm_eps", 1e-6)),
        hidden_act=hidden_act,
        qkv_bias=qkv_bias,
        o_bias=o_bias,
        mlp_bias=mlp_bias,
        tie_word_embeddings=bool(raw.get("tie_word_embeddings", False)),
        layer_types=layer_types,
        sliding_window=int(raw["sliding_window"]) if sliding else None,
        rope=_rope_per_layer_type(raw, layer_types),
        max_position_embeddings=int(raw.get("max_position_embeddings", 4096)),
        checkpoint_dtype=str(raw.get("dtype") or raw.get("torch_dtype") or "float32"),
    )


def _llama(raw: dict[str, Any], architecture: str) -> DecoderConfig:
    bias = bool(raw.get("attention_bias", False))
    return _decoder_config(raw, architecture, qkv_bias=bias, o_bias=bias,
                           mlp_bias=bool(raw.get("mlp_bias", False)))


# transformers' defaults where a config.json leaves these keys out.
MISTRAL_DEFAULT_SLIDING_WINDOW = 4096
QWEN2_DEFAULT_SLIDING_WINDOW = 4096
QWEN2_DEFAULT_MAX_WINDOW_LAYERS = 28


def _mistral(raw: dict[str, Any], architecture: str) -> DecoderConfig:
    num_layers = int(raw["num_hidden_layers"])
    raw = {"sliding_window": MISTRAL_DEFAULT_SLIDING_WINDOW, **raw}
    kind = SLIDING_ATTENTION if raw["sliding_window"] else FULL_ATTENTION
    return _decoder_config(raw, architecture, qkv_bias=False, o_bias=False, mlp_bias=False,
                           layer_types=(kind,) * num_layers)


def _qwen2(raw: dict[str, Any], architecture: str) -> DecoderConfig:
    num_layers = int(raw["num_hidden_layers"])
    raw = {"sliding_window": QWEN2_DEFAULT_SLIDING_WINDOW, **raw}
    layer_types = None
    if raw.get("layer_types") is None:
        # Older Qwen2 configs: layers from max_window_layers on slide when use_sliding_window is set.
        first_sliding = int(raw.get("max_window_layers", QWEN2_DEFAULT_MAX_WINDOW_LAYERS))
        use_sliding = bool(raw.get("use_sliding_window", False)) and raw["sliding_window"]
        layer_types = tuple(SLIDING_ATTENTION if use_sliding and i >= first_sliding else FULL_ATTENTION
                            for i in range(num_layers))
    return _decoder_config(raw, architecture, qkv_bias=True, o_bias=False, mlp_bias=False,
                           layer_types=layer_types)


PARSERS: dict[str, Callable[[dict[str, Any], str], DecoderConfig]] = {
    "LlamaForCausalLM": _llama,
    "MistralForCausalLM": _mistral,
    "Qwen2ForCausalLM": _qwen2,
}
MODEL_TYPES = {"llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM", "qwen2": "Qwen2ForCausalLM"}


def parse_config(raw: dict[str, Any]) -> DecoderConfig:
    """Returns the `DecoderConfig` of a checkpoint's parsed `config.json`.

    The architecture comes from `architectures[0]`, else from `model_type`.
    """
    architectures = raw.get("architectures") or []
    architecture = architectures[0] if architectures else MODEL_TYPES.get(raw.get("model_type", ""))
    if architecture not in PARSERS:
        named = architecture or raw.get("model_type") or "no architecture"
        raise AlignscopeError(
            f"architecture '{named}' is not supported; supported: {', '.join(sorted(PARSERS))}")
    for key in REQUIRED_KEYS:
        _require(raw, key, architecture)
    return PARSERS[architecture](raw, architecture)


def config_json(config: DecoderConfig) -> dict[str, Any]:
    """Returns a transformers `config.json` dict for `config`: `parse_config` of it gives `config`
    back, and transformers builds the same architecture from it."""
    model_type = {architecture: name for name, architecture in MODEL_TYPES.items()}[config.architecture]
    if config.architecture == "LlamaForCausalLM" and config.qkv_bias != config.o_bias:
        raise AlignscopeError("LlamaForCausalLM has one attention_bias for q, k, v and o; "
                              "qkv_bias and o_bias must be equal")
    raw: dict[str, Any] = {
        "architectures": [config.architecture], "model_type": model_type, "vocab_size": config.vocab_size,
        "hidden_size": config.hidden_size, "intermediate_size": config.intermediate_size,
        "num_hidden_layers": config.num_layers, "num_attention_heads": config.num_heads,
        "num_key_value_heads": config.num_kv_heads, "head_dim": config.head_dim, "rms_norm_eps": config.rms_norm_eps,
        "hidden_act": config.hidden_act, "tie_word_embeddings": config.tie_word_embeddings,
        "max_position_embeddings": config.max_position_embeddings, "dtype": config.checkpoint_dtype,
        "layer_types": list(config.layer_types), "sliding_window": config.sliding_window,
        "rope_parameters": _rope_json(config),
    }
    if config.architecture == "LlamaForCausalLM":
        raw.update(attention_bias=config.qkv_bias, mlp_bias=config.mlp_bias)
    if config.architecture == "Qwen2ForCausalLM":
        raw.update(use_sliding_window=config.sliding_window is not None)
    return raw


def _rope_json(config: DecoderConfig) -> dict[str, Any]:
    """`rope_parameters`: flat when every layer shares one rotary embedding, else per layer type."""
    def one(rope: RopeConfig) -> dict[str, Any]:
        entry = {"rope_type": rope.kind, "rope_theta": rope.theta}
        if rope.kind in ("linear", "llama3"):
            entry["factor"] = rope.factor
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


def hf_tensors(config: DecoderConfig, path: tuple[str, ...], shape: tuple[int, ...]) -> list[tuple[str, tuple[int, ...]]]:
    """Returns the Hugging Face tensors `(name, shape)` that hold one decoder parameter.

    Args:
      config: the architecture (its layer count names the per-layer tensors).
      path: the parameter's path in the decoder's state, e.g. `('layers', 'attn', 'q_proj')`.
      shape: the parameter's shape; a parameter under `layers` is stacked `[num_layers, ...]` and
        has one tensor per layer.
    """
    if path[0] == "layers":
        return [(f"model.layers.{layer}.{_LAYER_NAMES[path[1:]]}", _hf_shape(path, shape[1:]))
                for layer in range(config.num_layers)]
    return [(_TOP_NAMES[path], _hf_shape(path, shape))]


def _hf_shape(path: tuple[str, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """The Hugging Face shape of one (per-layer) parameter of the given decoder shape.

    Projections are stored split per head (`[heads, head_dim, d_model]`); Hugging Face stores
    them flat (`[heads * head_dim, d_model]`).
    """
    name = path[-1]
    if name in ("q_proj", "k_proj", "v_proj"):
        return (shape[0] * shape[1], shape[2])
    if name == "o_proj":
        return (shape[0], shape[1] * shape[2])
    if name in ("q_bias", "k_bias", "v_bias"):
        return (shape[0] * shape[1],)
    return tuple(shape)


_TOP_NAMES = {
    ("embed",): "model.embed_tokens.weight",
    ("final_norm", "scale"): "model.norm.weight",
    ("lm_head",): "lm_head.weight",
}
_LAYER_NAMES = {
    ("input_norm", "scale"): "input_layernorm.weight",
    ("post_attention_norm", "scale"): "post_attention_layernorm.weight",
    **{("attn", f"{p}_proj"): f"self_attn.{p}_proj.weight" for p in "qkvo"},
    **{("attn", f"{p}_bias"): f"self_attn.{p}_proj.bias" for p in "qkvo"},
    **{("mlp", f"{p}_proj"): f"mlp.{p}_proj.weight" for p in ("gate", "up", "down")},
    **{("mlp", f"{p}_bias"): f"mlp.{p}_proj.bias" for p in ("gate", "up", "down")},
}
