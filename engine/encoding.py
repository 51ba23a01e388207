"""Texts -> token ids, with each text's own token span, optional chat template and truncation.

Pooling reads over "the text's own tokens": not the BOS the tokenizer adds, not the chat
template around it. The span is found from character offsets of one joint tokenization of the
rendered input, so the ids are exactly what the tokenizer gives for the whole string.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from alignscope.errors import AlignscopeError


@dataclasses.dataclass(frozen=True)
class EncodedText:
    """One model input.

    Attributes:
      ids: `[n]` int32 token ids of the whole input (special and template tokens included).
      text_start: index of the text's first own token in `ids`.
      text_end: one past the text's last own token.
      truncated: whether tokens of the text were cut to fit `max_length`.
    """

    ids: np.ndarray
    text_start: int
    text_end: int
    truncated: bool


def render(tokenizer, text: str, chat_template: bool) -> tuple[str, int]:
    """Returns (the string to tokenize, the character offset of `text` in it)."""
    if not chat_template:
        return text, 0
    if not getattr(tokenizer, "chat_template", None):
        raise AlignscopeError(f"chat_template was asked for, but the tokenizer of "
                              f"{getattr(tokenizer, 'name_or_path', '?')!r} has none; run without it")
    rendered = tokenizer.apply_chat_template([{"role": "user", "content": text}], tokenize=False,
                                             add_generation_prompt=True)
    start = rendered.find(text)
    if start < 0:
        raise AlignscopeError("the chat template changed the text it wraps, so its tokens cannot be found; "
                              "run without chat_template")
    return rendered, start


def encode_texts(tokenizer, texts: Sequence[str], max_length: int, chat_template: bool = False) -> list[EncodedText]:
    """Tokenizes texts as model inputs, cutting the text's own tokens (never the template's)
    so that each input has at most `max_length` tokens."""
    if not getattr(tokenizer, "is_fast", False):
        raise AlignscopeError("extraction needs a fast (Rust) tokenizer for character offsets; "
                              "this checkpoint's tokenizer is a slow one")
    rendered = [render(tokenizer, text, chat_template) for text in texts]
    encoded = tokenizer([r for r, _ in rendered], add_special_tokens=not chat_template,
                        return_offsets_mapping=True, return_attention_mask=False)
    results = []
    for index, ((_, start), text, ids, offsets) in enumerate(
            zip(rendered, texts, encoded["input_ids"], encoded["offset_mapping"])):
        offsets = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
        own = np.flatnonzero((offsets[:, 1] > start) & (offsets[:, 0] < start + len(text))
                             & (offsets[:, 1] > offsets[:, 0]))
        if own.size == 0:
            raise AlignscopeError(f"text {index} ({text[:40]!r}) has no tokens of its own; "
                                  f"drop empty texts before extraction")
        ids = np.asarray(ids, dtype=np.int32)
        text_start, text_end = int(own[0]), int(own[-1]) + 1
        excess = len(ids) - max_length
        if excess > 0:
            if excess >= text_end - text_start:
                raise AlignscopeError(f"max_length={max_length} leaves no room for text {index} inside "
                                      f"its {len(ids) - (text_end - text_start)} template tokens")
            ids = np.concatenate([ids[:text_end - excess], ids[text_end:]])
            text_end -= excess
        results.append(EncodedText(ids, text_start, text_end, excess > 0))
    return results
