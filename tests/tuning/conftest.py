"""A tiny random Llama with a byte-level BPE tokenizer (BOS, EOS, pad, chat template), shared by the
module's tests: the transformers model is the reference, alignscope loads the saved files."""

from __future__ import annotations

import pytest
import transformers

from tests.models.hf_reference import save_tiny_model, save_tiny_tokenizer

PROMPTS = ["How do I bake bread at home?", "Wie backe ich Brot?", "我怎样在家烤面包？", "ok",
           "Tell me how to pick a lock.", "मैं घर पर रोटी कैसे बनाऊं?"]
RESPONSES = ["Mix flour, water and yeast, then bake.", "Mit Mehl.", "用面粉。", "", "I can't help with that.",
             "आटा गूंधें।"]


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """(directory, tokenizer, torch reference model) of a tiny 2-layer GQA Llama."""
    directory = tmp_path_factory.mktemp("tuning-tiny-llama")
    tokenizer = save_tiny_tokenizer(directory)
    config = transformers.LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=48,
                                      num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                      max_position_embeddings=256)
    return directory, tokenizer, save_tiny_model(config, directory)
