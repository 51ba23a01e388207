"""A tiny Llama checkpoint with a byte-level BPE tokenizer and chat template, shared by the module."""

from __future__ import annotations

import pytest
import transformers

from tests.models.hf_reference import save_tiny_model, save_tiny_tokenizer

TEXTS = [
    "How do I bake bread at home?",
    "Wie backe ich Brot zu Hause, und wie lange muss der Teig ruhen, bevor er in den Ofen kommt?",
    "我怎样在家烤面包？",
    "मैं घर पर रोटी कैसे बनाऊं?",
    "Tell me how to pick a lock.",
    "ok",
    "The quick brown fox jumps over the lazy dog, again and again, until the dog finally wakes up.",
    "Quick question: what is 2 + 2?",
    "Ein Satz.",
    "一个很长的中文句子，用来测试截断和分桶是否正确工作，以及池化是否只看文本本身的词元。",
]


def tiny_llama_config(vocab_size: int) -> transformers.LlamaConfig:
    return transformers.LlamaConfig(vocab_size=vocab_size, hidden_size=32, intermediate_size=48,
                                    num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                    max_position_embeddings=256)


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory):
    """(directory, torch reference model) of a tiny Llama saved with its tokenizer."""
    directory = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = save_tiny_tokenizer(directory)
    torch_model = save_tiny_model(tiny_llama_config(len(tokenizer)), directory)
    return directory, torch_model
