"""Tiny random checkpoints of three families (Llama GQA; Qwen2 with biases and a sliding window of 3
on layers 1 and 2; Gemma 2 with post-norms, scaled embeddings, soft-capped attention and output
logits and a sliding window of 3 on alternate layers), each with a byte-level BPE tokenizer and
chat template, built once per session."""

from __future__ import annotations

import pytest
import transformers

from alignscope import engine
from tests.models.hf_reference import save_tiny_model, save_tiny_tokenizer

SMALL = dict(hidden_size=32, intermediate_size=48, num_hidden_layers=3, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=128, bos_token_id=1, eos_token_id=2, pad_token_id=0)
FAMILIES = {
    "llama": (transformers.LlamaConfig, {}),
    "qwen2": (transformers.Qwen2Config, dict(use_sliding_window=True, sliding_window=3, max_window_layers=1)),
    "gemma2": (transformers.Gemma2Config, dict(head_dim=8, query_pre_attn_scalar=12, sliding_window=3,
                                              attn_logit_softcapping=1.5, final_logit_softcapping=2.5)),
}


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict:
    """Per family: (engine model, tokenizer, torch model), float32."""
    tokenizer = save_tiny_tokenizer(tmp_path_factory.mktemp("tokenizer"))
    built = {}
    for name, (config_class, extra) in FAMILIES.items():
        directory = tmp_path_factory.mktemp(name)
        torch_model = save_tiny_model(config_class(vocab_size=len(tokenizer), **SMALL, **extra), directory)
        tokenizer.save_pretrained(directory)
        built[name] = (engine.load_model(directory), engine.load_tokenizer(directory), torch_model)
    return built
