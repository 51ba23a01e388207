"""Llama and its close relatives: Mistral, Qwen2, Qwen3, Phi-3 (Phi-4), OLMo 2.

All RMSNorm, gated SiLU, rotate-half rotary; they differ in biases, sliding layers, qk-norm,
post-norms (OLMo 2) and fused projections (Phi-3).
"""

from __future__ import annotations

from typing import Any

from alignscope.errors import AlignscopeError
from alignscope.models.config import FULL_ATTENTION, SLIDING_ATTENTION, DecoderConfig
from alignscope.models.families.common import activation, core_json, decoder_config, llama_tensors

# transformers' defaults where a config.json leaves these keys out.
MISTRAL_DEFAULT_SLIDING_WINDOW = 4096
QWEN_DEFAULT_SLIDING_WINDOW = 4096
QWEN_DEFAULT_MAX_WINDOW_LAYERS = 28


def _llama_fields(raw: dict[str, Any], architecture: str, eps_default: float = 1e-6) -> dict[str, Any]:
    return {"norm_eps": float(raw.get("rms_norm_eps") or eps_default),
            "hidden_act": activation(raw.get("hidden_act", "silu"), architecture)}


def parse_llama(raw: dict[str, Any], architecture: str) -> DecoderConfig:
    bias = bool(raw.get("attention_bias", False))
    return decoder_config(raw, architecture, qkv_bias=bias, o_bias=bias, mlp_bias=bool(raw.get("mlp_bias", False)),
                          **_llama_fields(raw, architecture))


def llama_json(config: DecoderConfig) -> dict[str, Any]:
    if config.qkv_bias != config.o_bias:
        raise AlignscopeError(f"{config.architecture} has one attention_bias for q, k, v and o; "
                              f"qkv_bias and o_bias must be equal")
    return {**core_json(config, "llama"), "rms_norm_eps": config.norm_eps, "attention_bias": config.qkv_bias,
            "mlp_bias": config.mlp_bias}


def parse_mistral(raw: dict[str, Any], architecture: str) -> DecoderConfig:
    raw = {"sliding_window": MISTRAL_DEFAULT_SLIDING_WINDOW, **raw}
    kind = SLIDING_ATTENTION if raw["sliding_window"] else FULL_ATTENTION
    return decoder_config(raw, architecture, kinds=(kind,) * int(raw["num_hidden_layers"]),
                          **_llama_fields(raw, architecture))


def mistral_json(config: DecoderConfig) -> dict[str, Any]:
    return {**core_json(config, "mistral"), "rms_norm_eps": config.norm_eps}


def _qwen_layer_types(raw: dict[str, Any]) -> tuple[str, ...] | None:
    """Older Qwen2/Qwen3 configs: layers from max_window_layers on slide when use_sliding_window is set."""
    if raw.get("layer_types") is not None:
        return None
    first_sliding = int(raw.get("max_window_layers", QWEN_DEFAULT_MAX_WINDOW_LAYERS))
    use_sliding = bool(raw.get("use_sliding_window", False)) and raw["sliding_window"]
    return tuple(SLIDING_ATTENTION if use_sliding and i >= first_sliding else FULL_ATTENTION
                 for i in range(int(raw["num_hidden_layers"])))


def parse_qwen2(raw: dict[str, Any], architecture: str) -> DecoderConfig:
    raw = {"sliding_window": QWEN_DEFAULT_SLIDING_WINDOW, **raw}
    return decoder_config(raw, architecture, kinds=_qwen_layer_types(raw), qkv_bias=True,
                          **_llama_fields(raw, architecture))


def qwen2_json(config: DecoderConfig) -> dict[str, Any]:
    return {**core_json(config, "qwen2"), "rms_norm_eps": config.norm_eps,
            "use_sliding_window": config.sliding_window is not None}


def parse_qwen3(raw: dict[str, Any], architecture: str) -> DecoderConfig:
    raw = {"sliding_window": QWEN_DEFAULT_SLIDING_WINDOW, **raw}
    bias = bool(raw.get("attention_bias", False))
    return decoder_config(raw, architecture, kinds=_qwen_layer_types(raw), qkv_bias=bias, o_bias=bias,
                          qk_norm="shared", head_dim_default=128, **_llama_fields(raw, architecture))


def qwen3_json(config: DecoderConfig) -> dict[str, Any]:
    return {**core_json(config, "qwen3"), "rms_norm_eps": config.norm_eps, "attention_bias": config.qkv_bias,
            "use_sliding_window": config.sliding_window is not None}


def parse_phi3(raw: dict[str, Any], architecture: str) -> DecoderConfig:
    rope = raw.get("rope_parameters") or raw.get("rope_scaling")
    if rope and rope.get("rope_type", rope.get("type")) in ("su", "yarn"):  # Phi-3's names for longrope
        raw = {**raw, "rope_parameters": {**rope, "rope_type": "longrope"}, "rope_scaling": None}
    kind = SLIDING_ATTENTION if raw.get("sliding_window") else FULL_ATTENTION
    return decoder_config(raw, architecture, kinds=(kind,) * int(raw["num_hidden_layers"]),
                          **_llama_fields(raw, architecture, eps_default=1e-5))


def phi3_json(config: DecoderConfig) -> dict[str, Any]:
    raw = {**core_json(config, "phi3"), "rms_norm_eps": config.norm_eps}
    raw.pop("layer_types")  # Phi-3 slides in every layer when sliding_window is set.
    if config.rope[0].kind == "longrope":  # Phi-3 reads the pretraining length from the top level.
        raw["original_max_position_embeddings"] = config.rope[0].original_max_position_embeddings
    return raw


def phi3_tensors(config: DecoderConfig):
    return llama_tensors(fused_qkv="self_attn.qkv_proj", fused_gate_up="mlp.gate_up_proj")


def parse_olmo2(raw: dict[str, Any], architecture: str) -> DecoderConfig:
    bias = bool(raw.get("attention_bias", False))
    return decoder_config(raw, architecture, qkv_bias=bias, o_bias=bias, qk_norm="projection",
                          pre_attn_norm=False, post_attn_norm=True, pre_mlp_norm=False, post_mlp_norm=True,
                          **_llama_fields(raw, architecture, eps_default=1e-5))


def olmo2_json(config: DecoderConfig) -> dict[str, Any]:
    return {**core_json(config, "olmo2"), "rms_norm_eps": config.norm_eps, "attention_bias": config.qkv_bias}


def olmo2_tensors(config: DecoderConfig):
    return llama_tensors(norms={"post_attn_norm": "post_attention_layernorm",
                                "post_mlp_norm": "post_feedforward_layernorm"})
