"""A byte-level BPE tokenizer trained on given texts: a stand-in where no model's tokenizer can be
downloaded (benchmarks here; tiny test checkpoints)."""

from __future__ import annotations

import pathlib
from typing import Iterable

SPECIAL_TOKENS = ["<pad>", "<s>", "</s>", "<|user|>", "<|assistant|>", "<|end|>"]


def train_bpe_tokenizer(lines: Iterable[str], vocab_size: int, directory: pathlib.Path,
                        chat_template: str | None = None):
    """Trains a byte-level BPE (every text tokenizes; a BOS `<s>` is added), saves it to
    `directory` as a transformers fast tokenizer, and returns it."""
    import tokenizers
    import transformers
    from tokenizers import decoders, models, pre_tokenizers, processors, trainers

    tokenizer = tokenizers.Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(lines, trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", tokenizer.token_to_id("<s>"))])
    wrapped = transformers.PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>",
                                                   pad_token="<pad>")
    if chat_template:
        wrapped.chat_template = chat_template
    wrapped.save_pretrained(directory)
    return wrapped
