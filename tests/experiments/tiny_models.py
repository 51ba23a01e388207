"""Tiny random Llama checkpoints sharing one byte-level BPE tokenizer, saved as Hugging Face
directories: stand-ins for a base model and its aligned siblings in end-to-end tests."""

from __future__ import annotations

import pathlib

from alignscope import engine
from alignscope.data.demo import demo_table
from alignscope.experiments.bpe_tokenizer import train_bpe_tokenizer

CHAT_TEMPLATE = ("{% for message in messages %}<|{{ message['role'] }}|>{{ message['content'] }}<|end|>"
                 "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}")


def tiny_config(vocab_size: int, layers: int = 2) -> dict:
    return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": vocab_size,
            "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": layers, "num_attention_heads": 4,
            "num_key_value_heads": 2, "max_position_embeddings": 256, "rms_norm_eps": 1e-6}


def save_tiny_models(directory: pathlib.Path, names=("base", "aligned-a", "aligned-b"), extra_texts=()) -> dict:
    """`{name: checkpoint directory}`; each model has its own random weights (seed = position)."""
    texts = list(demo_table()["text"]) + list(extra_texts)
    tokenizer = train_bpe_tokenizer(texts, 400, directory / "tokenizer", chat_template=CHAT_TEMPLATE)
    paths = {}
    for seed, name in enumerate(names):
        model = engine.init_model(tiny_config(len(tokenizer)), seed=seed)
        paths[name] = engine.save_model(model, directory / name, tokenizer)
    return paths
