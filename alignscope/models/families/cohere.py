"""Cohere (Command R, Aya 23, Aya Expanse): attention and MLP in parallel from one LayerNorm
(no bias), interleaved rotary pairs, output logits times `logit_scale`, tied head."""

from __future__ import annotations

from typing import Any

from alignscope.models.config import DecoderConfig
from alignscope.models.families.common import activation, core_json, decoder_config, llama_tensors
from alignscope.models.weights import Tensor

COHERE_DEFAULT_LOGIT_SCALE = 0.0625


def parse_cohere(raw: dict[str, Any], architecture: str) -> DecoderConfig:
    bias = bool(raw.get("attention_bias", False))
    logit_scale = raw.get("logit_scale")
    return decoder_config(raw, architecture, tie_default=True, norm="layer", norm_bias=False,
                          norm_eps=float(raw.get("layer_norm_eps") or 1e-5), parallel_residual=True,
                          pre_mlp_norm=False, hidden_act=activation(raw.get("hidden_act", "silu"), architecture),
                          qkv_bias=bias, o_bias=bias, qk_norm="per_head" if raw.get("use_qk_norm") else "none",
                          logit_scale=float(COHERE_DEFAULT_LOGIT_SCALE if logit_scale is None else logit_scale),
                          rope_interleaved=True)


def cohere_json(config: DecoderConfig) -> dict[str, Any]:
    return {**core_json(config, "cohere"), "layer_norm_eps": config.norm_eps, "attention_bias": config.qkv_bias,
            "use_qk_norm": config.qk_norm == "per_head", "logit_scale": config.logit_scale}


def cohere_tensors(config: DecoderConfig) -> list[Tensor]:
    tensors = llama_tensors(norms={"pre_attn_norm": "input_layernorm"})
    # Cohere's qk-norm weights are [heads, head_dim], one LayerNorm per head.
    return [Tensor(t.name, t.params, keep_shape=True) if ".q_norm." in t.name or ".k_norm." in t.name else t
            for t in tensors]
