"""Gemma 1, 2 and 3 (and the text tower of Gemma 3's multimodal checkpoints).

RMSNorm with (1 + w), gated GeLU-tanh, embeddings scaled by sqrt(hidden_size), tied head.
Gemma 2 adds pre- and post-norms around attention and MLP, attention and final-logit
soft-capping, `query_pre_attn_scalar` and alternating sliding/global layers; Gemma 3 adds
qk-norm and a rotary base per layer type.
"""

from __future__ import annotations

from typing import Any

from alignscope.errors import AlignscopeError
from alignscope.models.config import FULL_ATTENTION, SLIDING_ATTENTION, DecoderConfig
from alignscope.models.families.common import (activation, core_json, decoder_config, layer_types, llama_tensors, rope_per_layer)

# transformers' defaults where a config.json leaves these keys out (Gemma3TextConfig's are what
# the text_config of google/gemma-3-*-it relies on).
GEMMA2_DEFAULTS = {"head_dim": 256, "query_pre_attn_scalar": 256, "sliding_window": 4096,
                   "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0}
GEMMA3_DEFAULTS = {"vocab_size": 262_208, "head_dim": 256, "query_pre_attn_scalar": 256, "sliding_window": 4096,
                   "max_position_embeddings": 131_072}
GEMMA3_GLOBAL_THETA = 1_000_000.0
GEMMA3_LOCAL_THETA = 10_000.0
GEMMA3_SLIDING_PATTERN = 6
GEMMA_NORMS = {"pre_attn_norm": "input_layernorm", "post_attn_norm": "post_attention_layernorm",
               "pre_mlp_norm": "pre_feedforward_layernorm", "post_mlp_norm": "post_feedforward_layernorm"}


def _gemma_fields(raw: dict[str, Any], architecture: str) -> dict[str, Any]:
    act = raw.get("hidden_activation") or raw.get("hidden_act") or "gelu_pytorch_tanh"
    if raw.get("use_bidirectional_attention"):
        raise AlignscopeError(f"{architecture} with use_bidirectional_attention is not supported; "
                              f"supported: causal attention")
    bias = bool(raw.get("attention_bias", False))
    return {"norm": "rms_offset", "norm_eps": float(raw.get("rms_norm_eps") or 1e-6),
            # Gemma's legacy hidden_act "gelu" means the tanh approximation (as transformers reads it).
            "hidden_act": "gelu_tanh" if act == "gelu" else activation(act, architecture),
            "embed_scale": float(raw["hidden_size"]) ** 0.5, "qkv_bias": bias, "o_bias": bias}


def parse_gemma(raw: dict[str, Any], architecture: str) -> DecoderConfig:
    return decoder_config(raw, architecture, tie_default=True, head_dim_default=256, **_gemma_fields(raw, architecture))


def _gemma_json(config: DecoderConfig, model_type: str) -> dict[str, Any]:
    raw = {**core_json(config, model_type), "rms_norm_eps": config.norm_eps, "attention_bias": config.qkv_bias}
    raw["hidden_activation"] = raw["hidden_act"]
    return raw


def gemma_json(config: DecoderConfig) -> dict[str, Any]:
    return _gemma_json(config, "gemma")


def _soft_caps(raw: dict[str, Any]) -> dict[str, Any]:
    return {"attn_logit_softcap": raw.get("attn_logit_softcapping"),
            "final_logit_softcap": raw.get("final_logit_softcapping"),
            "query_pre_attn_scalar": float(raw["query_pre_attn_scalar"])}


def _with_defaults(raw: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """`raw` over transformers' `defaults`; a null soft-cap stays null (no cap), other nulls take the default."""
    return {**defaults, **{key: value for key, value in raw.items()
                           if value is not None or key.endswith("_softcapping")}}


def _layer_types(raw: dict[str, Any], pattern: int) -> tuple[str, ...]:
    """`layer_types`, else every `pattern`-th layer global and the others sliding (Gemma 2: 2,
    Gemma 3: `sliding_window_pattern`, 6 by default)."""
    num_layers = int(raw["num_hidden_layers"])
    if raw.get("layer_types") is not None:
        return layer_types(raw, num_layers)
    return tuple(SLIDING_ATTENTION if (i + 1) % pattern else FULL_ATTENTION for i in range(num_layers))


def parse_gemma2(raw: dict[str, Any], architecture: str) -> DecoderConfig:
    raw = _with_defaults(raw, GEMMA2_DEFAULTS)
    return decoder_config(raw, architecture, kinds=_layer_types(raw, 2), tie_default=True, post_attn_norm=True,
                          post_mlp_norm=True, **_soft_caps(raw), **_gemma_fields(raw, architecture))


def _gemma2_json(config: DecoderConfig, model_type: str) -> dict[str, Any]:
    scalar = config.query_pre_attn_scalar
    return {**_gemma_json(config, model_type),
            # transformers types it as an int; a whole float is written as one.
            "query_pre_attn_scalar": int(scalar) if scalar is not None and float(scalar).is_integer() else scalar,
            "attn_logit_softcapping": config.attn_logit_softcap,
            "final_logit_softcapping": config.final_logit_softcap}


def gemma2_json(config: DecoderConfig) -> dict[str, Any]:
    return _gemma2_json(config, "gemma2")


def parse_gemma3(raw: dict[str, Any], architecture: str) -> DecoderConfig:
    raw = _with_defaults(raw, GEMMA3_DEFAULTS)
    kinds = _layer_types(raw, int(raw.get("sliding_window_pattern") or GEMMA3_SLIDING_PATTERN))
    local = {"rope_type": "default", "rope_theta": float(raw.get("rope_local_base_freq") or GEMMA3_LOCAL_THETA)}
    rope = rope_per_layer(raw, kinds, default_theta=float(raw.get("rope_theta") or GEMMA3_GLOBAL_THETA),
                          legacy_by_type={SLIDING_ATTENTION: local})
    return decoder_config(raw, architecture, kinds=kinds, rope=rope, tie_default=True, post_attn_norm=True,
                          post_mlp_norm=True, qk_norm="shared", **_soft_caps(raw), **_gemma_fields(raw, architecture))


def gemma3_json(config: DecoderConfig) -> dict[str, Any]:
    raw = _gemma2_json(config, "gemma3_text")
    by_type = raw["rope_parameters"]
    if "rope_type" in by_type:  # one rotary embedding for every layer: Gemma 3 stores it per type
        raw["rope_parameters"] = {kind: dict(by_type) for kind in set(config.layer_types)}
    return raw


def text_tower(raw: dict[str, Any]) -> dict[str, Any]:
    """The config.json of a `Gemma3ForConditionalGeneration` checkpoint's language model, as a
    `Gemma3ForCausalLM` config (what the loader reads and `save_model` writes back)."""
    text = dict(raw.get("text_config") or {})
    dtype = raw.get("dtype") or raw.get("torch_dtype")
    if dtype and not (text.get("dtype") or text.get("torch_dtype")):
        text["dtype"] = dtype
    if "tie_word_embeddings" in raw and "tie_word_embeddings" not in text:
        text["tie_word_embeddings"] = raw["tie_word_embeddings"]
    return {**text, "architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text"}


def gemma_tensors(config: DecoderConfig):
    return llama_tensors(norms={"pre_attn_norm": "input_layernorm", "pre_mlp_norm": "post_attention_layernorm"})


def gemma2_tensors(config: DecoderConfig):
    return llama_tensors(norms=GEMMA_NORMS)
