"""The first tokens every text shares (a chat template's system prompt) run once per packed row,
and every text reads them: the pooled states still equal transformers run on each text alone.

Checked on a tiny Llama and a tiny Gemma 2 whose sliding window (3 tokens) is shorter than the
prefix. Measured: at most about 2e-6 absolute in float32 (values of order 1); asserted at 1e-5.
"""

from __future__ import annotations

import numpy as np
import pytest
import transformers

from alignscope import engine
from alignscope.runtime.extraction import run_extractions
from alignscope.runtime.encoding import MIN_SHARED_PREFIX, encode_texts, shared_prefix
from tests.extraction.conftest import TEXTS, tiny_llama_config
from tests.extraction.test_pooling_parity import _reference
from tests.models.hf_reference import save_tiny_model, save_tiny_tokenizer

ATOL = 1e-5
SYSTEM_TEMPLATE = ("<|system|>Be brief.<|end|>"
                   "{% for message in messages %}<|{{ message['role'] }}|>{{ message['content'] }}<|end|>{% endfor %}"
                   "{% if add_generation_prompt %}<|assistant|>{% endif %}")
POOLINGS = ("mean", "first", "last", "last-2")


@pytest.fixture(scope="module", params=["llama", "gemma2"])
def system_prompt_model(request, tmp_path_factory):
    """(model, tokenizer with a system-prompt chat template, torch reference) of one family."""
    directory = tmp_path_factory.mktemp(request.param)
    tokenizer = save_tiny_tokenizer(directory)
    config = tiny_llama_config(len(tokenizer)) if request.param == "llama" else transformers.Gemma2Config(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, head_dim=8, max_position_embeddings=256, sliding_window=3,
        query_pre_attn_scalar=12, attn_logit_softcapping=1.5, final_logit_softcapping=2.5)
    torch_model = save_tiny_model(config, directory)
    tokenizer = engine.load_tokenizer(directory)
    tokenizer.chat_template = SYSTEM_TEMPLATE
    return engine.load_model(directory), tokenizer, torch_model


@pytest.mark.parametrize("chat_template", [True, False])
def test_shared_prefix_pools_as_each_text_alone(system_prompt_model, chat_template):
    """With the template, the system prompt is shared; without it, texts that begin alike share
    their first words (mean pooling then reads prefix positions)."""
    model, tokenizer, torch_model = system_prompt_model
    texts = TEXTS if chat_template else [f"Please tell me, briefly: {text}" for text in TEXTS]
    encoded = encode_texts(tokenizer, texts, 128, chat_template)
    assert len(shared_prefix([item.ids for item in encoded])) >= MIN_SHARED_PREFIX
    specs = [engine.ExtractionSpec(pooling=name, batch_size=2, max_length=128, chat_template=chat_template)
             for name in POOLINGS]
    results = run_extractions(model, tokenizer, texts, specs)
    # Fewer positions run than the texts' tokens: the prefix ran once per row, not once per text.
    assert results[0].stats.padded_tokens < results[0].stats.real_tokens
    for name, result in zip(POOLINGS, results):
        expected = _reference(torch_model, tokenizer, texts, name, 128, chat_template)
        error = float(np.abs(result.activations - expected).max())
        print(f"SHARED PREFIX {name} chat_template={chat_template}: max_abs_error={error:.2e}")
        assert error < ATOL


def test_shared_prefix_rules():
    assert shared_prefix([np.arange(10), np.arange(8)]).tolist() == list(range(7))  # one token of its own left
    assert shared_prefix([np.arange(10), np.r_[np.arange(6), 99]]).tolist() == list(range(6))
    assert shared_prefix([np.arange(10), np.r_[np.arange(3), 99]]).size == 0  # too short to be worth it
    assert shared_prefix([np.arange(10)]).tolist() == list(range(9))
    assert shared_prefix([]).size == 0
