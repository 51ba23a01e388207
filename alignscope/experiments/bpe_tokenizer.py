"""A byte-level BPE tokenizer trained on given texts: the demo models' tokenizer, and a stand-in
where no model's tokenizer can be downloaded (benchmarks; tiny test checkpoints)."""

from __future__ import annotations

import pathlib
from typing import Iterable

SPECIAL_TOKENS = ["<pad>", "<s>", "</s>", "<|user|>", "<|assistant|>", "<|end|>"]

# A user turn is `<|user|>text<|end|>`; an assistant turn is `<|assistant|>text</s>`, so a rendered
# conversation's ids are the rendered prompt (with the generation prompt) followed by the answer's
# own ids and EOS. The template starts with BOS: rendered chats are tokenized without special tokens.
CHAT_TEMPLATE = ("{{ bos_token }}{% for message in messages %}"
                 "{% if message['role'] == 'assistant' %}<|assistant|>{{ message['content'] }}{{ eos_token }}"
                 "{% else %}<|{{ message['role'] }}|>{{ message['content'] }}<|end|>{% endif %}"
                 "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}")

# GPT-2's split pattern, but letters keep their combining marks (\p{M}): Devanagari vowel signs
# would otherwise cut every Hindi word apart, doubling its token count.
_WORDS = r"""'(?i:[sdmt]|ll|ve|re)| ?[\p{L}\p{M}]+| ?\p{N}+| ?[^\s\p{L}\p{M}\p{N}]+|\s+(?!\S)|\s+"""
GPT2_WORDS = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def train_bpe_tokenizer(lines: Iterable[str], vocab_size: int, directory: pathlib.Path,
                        chat_template: str | None = None, split_pattern: str = _WORDS):
    """Trains a byte-level BPE (every text tokenizes; a BOS `<s>` is added), saves it to
    `directory` as a transformers fast tokenizer, and returns it.

    BOS `<s>`, EOS `</s>` and pad `<pad>` are distinct special tokens, as are the chat markers
    `<|user|>`, `<|assistant|>` and `<|end|>` (used by `CHAT_TEMPLATE`). The same lines in the
    same order give the same tokenizer. `split_pattern` is the pre-tokenizer's regex (default
    GPT-2's with combining marks kept in words; `GPT2_WORDS` is GPT-2's own, as llama.cpp's
    `gpt-2` pre-tokenizer splits).
    """
    import tokenizers
    import transformers
    from tokenizers import decoders, models, pre_tokenizers, processors, trainers

    tokenizer = tokenizers.Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(tokenizers.Regex(split_pattern), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
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
