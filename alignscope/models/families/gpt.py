"""GPT-2 (learned absolute positions, Conv1D weights stored [in, out], fused c_attn) and GPT-NeoX
(Pythia: parallel residual, partial rotary, per-head fused query_key_value). Both LayerNorm with
bias and an ungated GeLU MLP with biases."""

from __future__ import annotations

from typing import Any

from alignscope.errors import AlignscopeError
from alignscope.models.config import FULL_ATTENTION, DecoderConfig, RopeConfig
from alignscope.models.families.common import ACTIVATION_JSON, activation, core_json, decoder_config, require, rope_per_layer
from alignscope.models.weights import Tensor

GPT2_KEYS = {"n_embd": "hidden_size", "n_layer": "num_hidden_layers", "n_head": "num_attention_heads",
             "n_positions": "max_position_embeddings"}
NEOX_DEFAULT_ROTARY_PCT = 0.25


def parse_gpt2(raw: dict[str, Any], architecture: str) -> DecoderConfig:
    for old, new in GPT2_KEYS.items():
        raw = {new: raw[old], **raw} if raw.get(old) is not None else raw
    for key in ("hidden_size", "num_hidden_layers", "num_attention_heads", "max_position_embeddings"):
        require(raw, key, architecture)
    for flag in ("scale_attn_by_inverse_layer_idx", "add_cross_attention"):
        if raw.get(flag):
            raise AlignscopeError(f"{architecture} with {flag}=true is not supported; supported: false")
    hidden = int(raw["hidden_size"])
    raw = {**raw, "intermediate_size": raw.get("n_inner") or 4 * hidden}
    num_layers = int(raw["num_hidden_layers"])
    return decoder_config(
        raw, architecture, kinds=(FULL_ATTENTION,) * num_layers, tie_default=True,
        rope=(RopeConfig(partial_rotary_factor=0.0),) * num_layers, norm="layer", norm_bias=True,
        norm_eps=float(raw.get("layer_norm_epsilon") or 1e-5), gated_mlp=False,
        hidden_act=activation(raw.get("activation_function", "gelu_new"), architecture),
        qkv_bias=True, o_bias=True, mlp_bias=True, learned_positions=int(raw["max_position_embeddings"]),
        query_pre_attn_scalar=None if raw.get("scale_attn_weights", True) else 1.0)


def gpt2_json(config: DecoderConfig) -> dict[str, Any]:
    return {"architectures": [config.architecture], "model_type": "gpt2", "vocab_size": config.vocab_size,
            "n_embd": config.hidden_size, "n_layer": config.num_layers, "n_head": config.num_heads,
            "n_inner": config.intermediate_size, "n_positions": config.learned_positions,
            "layer_norm_epsilon": config.norm_eps,
            "activation_function": "gelu_new" if config.hidden_act == "gelu_tanh" else config.hidden_act,
            "scale_attn_weights": config.query_pre_attn_scalar is None,
            "tie_word_embeddings": config.tie_word_embeddings, "dtype": config.checkpoint_dtype}


def gpt2_tensors(config: DecoderConfig) -> list[Tensor]:
    layer = "transformer.h.{layer}."
    attn, mlp = (lambda name: ("layers", "attn", name)), (lambda name: ("layers", "mlp", name))
    return [
        Tensor("transformer.wte.weight", (("embed",),)),
        Tensor("transformer.wpe.weight", (("position_embed",),)),
        Tensor("transformer.ln_f.weight", (("final_norm", "scale"),)),
        Tensor("transformer.ln_f.bias", (("final_norm", "bias"),)),
        Tensor("lm_head.weight", (("lm_head",),)),
        *[Tensor(f"{layer}{theirs}.{kind}", (("layers", ours, "scale" if kind == "weight" else "bias"),))
          for ours, theirs in (("pre_attn_norm", "ln_1"), ("pre_mlp_norm", "ln_2")) for kind in ("weight", "bias")],
        Tensor(f"{layer}attn.c_attn.weight", (attn("q_proj"), attn("k_proj"), attn("v_proj")), transposed=True),
        Tensor(f"{layer}attn.c_attn.bias", (attn("q_bias"), attn("k_bias"), attn("v_bias"))),
        Tensor(f"{layer}attn.c_proj.weight", (attn("o_proj"),), transposed=True),
        Tensor(f"{layer}attn.c_proj.bias", (attn("o_bias"),)),
        Tensor(f"{layer}mlp.c_fc.weight", (mlp("up_proj"),), transposed=True),
        Tensor(f"{layer}mlp.c_fc.bias", (mlp("up_bias"),)),
        Tensor(f"{layer}mlp.c_proj.weight", (mlp("down_proj"),), transposed=True),
        Tensor(f"{layer}mlp.c_proj.bias", (mlp("down_bias"),)),
    ]


def parse_gpt_neox(raw: dict[str, Any], architecture: str) -> DecoderConfig:
    num_layers = int(raw["num_hidden_layers"])
    kinds = (FULL_ATTENTION,) * num_layers
    rope = rope_per_layer(raw, kinds, default_theta=float(raw.get("rotary_emb_base") or raw.get("rope_theta") or 10000.0),
                          default_partial=float(raw.get("rotary_pct") or raw.get("partial_rotary_factor")
                                                or NEOX_DEFAULT_ROTARY_PCT))
    bias = bool(raw.get("attention_bias", True))
    return decoder_config(raw, architecture, kinds=kinds, rope=rope, norm="layer", norm_bias=True,
                          norm_eps=float(raw.get("layer_norm_eps") or 1e-5), gated_mlp=False,
                          hidden_act=activation(raw.get("hidden_act", "gelu"), architecture),
                          parallel_residual=bool(raw.get("use_parallel_residual", True)),
                          qkv_bias=bias, o_bias=bias, mlp_bias=True)


def gpt_neox_json(config: DecoderConfig) -> dict[str, Any]:
    raw = {**core_json(config, "gpt_neox"), "layer_norm_eps": config.norm_eps, "attention_bias": config.qkv_bias,
           "use_parallel_residual": config.parallel_residual, "hidden_act": ACTIVATION_JSON[config.hidden_act]}
    for key in ("head_dim", "num_key_value_heads", "layer_types", "sliding_window"):
        raw.pop(key)
    return raw


def gpt_neox_tensors(config: DecoderConfig) -> list[Tensor]:
    layer = "gpt_neox.layers.{layer}."
    attn, mlp = (lambda name: ("layers", "attn", name)), (lambda name: ("layers", "mlp", name))
    norms = [Tensor(f"{layer}{theirs}.{kind}", (("layers", ours, "scale" if kind == "weight" else "bias"),))
             for ours, theirs in (("pre_attn_norm", "input_layernorm"), ("pre_mlp_norm", "post_attention_layernorm"))
             for kind in ("weight", "bias")]
    return [
        Tensor("gpt_neox.embed_in.weight", (("embed",),)),
        Tensor("gpt_neox.final_layer_norm.weight", (("final_norm", "scale"),)),
        Tensor("gpt_neox.final_layer_norm.bias", (("final_norm", "bias"),)),
        Tensor("embed_out.weight", (("lm_head",),)),
        *norms,
        Tensor(f"{layer}attention.query_key_value.weight", (attn("q_proj"), attn("k_proj"), attn("v_proj")),
               groups=config.num_heads),
        Tensor(f"{layer}attention.query_key_value.bias", (attn("q_bias"), attn("k_bias"), attn("v_bias")),
               groups=config.num_heads),
        Tensor(f"{layer}attention.dense.weight", (attn("o_proj"),)),
        Tensor(f"{layer}attention.dense.bias", (attn("o_bias"),)),
        Tensor(f"{layer}mlp.dense_h_to_4h.weight", (mlp("up_proj"),)),
        Tensor(f"{layer}mlp.dense_h_to_4h.bias", (mlp("up_bias"),)),
        Tensor(f"{layer}mlp.dense_4h_to_h.weight", (mlp("down_proj"),)),
        Tensor(f"{layer}mlp.dense_4h_to_h.bias", (mlp("down_bias"),)),
    ]
