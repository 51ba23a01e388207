"""Tiny random transformers models for parity tests: build, randomize, save, and run alone.

Weights are re-drawn with larger spreads than transformers' init (norm scales around 1, biases
non-zero), so every parameter visibly moves the hidden states and a wrong mapping cannot hide.
"""

from __future__ import annotations

import pathlib

import numpy as np
import torch
import transformers

from alignscope.experiments.bpe_tokenizer import CHAT_TEMPLATE, train_bpe_tokenizer


def save_tiny_model(config: transformers.PretrainedConfig, directory: pathlib.Path, seed: int = 0,
                    max_shard_size: str | None = None) -> transformers.PreTrainedModel:
    """Builds a random `AutoModelForCausalLM` from `config`, saves it to `directory`, returns it."""
    torch.manual_seed(seed)
    model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation="eager")
    model = model.to(torch.float32).eval()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in model.named_parameters():
            noise = torch.randn(tensor.shape, generator=generator)
            if name.endswith("norm.weight"):
                tensor.copy_(1.0 + 0.2 * noise)
            elif name.endswith("bias"):
                tensor.copy_(0.3 * noise)
            else:
                tensor.copy_(0.15 * noise)
    kwargs = {"max_shard_size": max_shard_size} if max_shard_size else {}
    model.save_pretrained(directory, **kwargs)
    return model


def reference_alone(model: transformers.PreTrainedModel, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Runs one unpadded sentence; returns hidden states `[L+1, seq, d]` and logits `[seq, vocab]`."""
    with torch.no_grad():
        out = model(torch.tensor([ids]), output_hidden_states=True)
    hidden = np.stack([h[0].float().numpy() for h in out.hidden_states])
    return hidden, out.logits[0].float().numpy()


def padded_batch(sentences: list[list[int]], side: str, pad_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Returns `input_ids` and `attention_mask` `[batch, longest]`, padded on `side` (left/right)."""
    longest = max(len(s) for s in sentences)
    ids = np.full((len(sentences), longest), pad_id, dtype=np.int32)
    mask = np.zeros((len(sentences), longest), dtype=np.int32)
    for row, sentence in enumerate(sentences):
        start = longest - len(sentence) if side == "left" else 0
        ids[row, start:start + len(sentence)] = sentence
        mask[row, start:start + len(sentence)] = 1
    return ids, mask


def real_positions(mask_row: np.ndarray) -> np.ndarray:
    """Indices of the real (unpadded) tokens of one row."""
    return np.flatnonzero(mask_row)


def save_tiny_tokenizer(directory: pathlib.Path, vocab_size: int = 300, chat_template: bool = True,
                        **options):
    """Trains a tiny byte-level BPE tokenizer (adds BOS) on a few multilingual lines and saves it.

    Any text tokenizes (byte fallback), so it serves for every language in the tests. `options`
    go to `train_bpe_tokenizer` (`split_pattern`).
    """
    lines = ["How do I bake bread at home?", "Wie backe ich Brot zu Hause?", "我怎样在家烤面包？",
             "मैं घर पर रोटी कैसे बनाऊं?", "Tell me how to pick a lock.", "The quick brown fox jumps."] * 20
    return train_bpe_tokenizer(lines, vocab_size, directory, CHAT_TEMPLATE if chat_template else None, **options)
