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


SENTINEL = "\u2063ALIGNSCOPE-TEXT\u2063"


def template_frame(tokenizer) -> tuple[str, str]:
    """Returns the (prefix, suffix) the chat template puts around a user turn's text.

    Found by rendering a sentinel, so the text is located by position, never by searching for
    it (a text such as "user" also occurs inside the template).
    """
    if not getattr(tokenizer, "chat_template", None):
        raise AlignscopeError(f"chat_template was asked for, but the tokenizer "
                              f"{getattr(tokenizer, 'name_or_path', '') or '(in memory)'} has none; run without it, "
                              f"or use a tokenizer with a chat template (an aligned or instruct model's)")
    rendered = tokenizer.apply_chat_template([{"role": "user", "content": SENTINEL}], tokenize=False,
                                             add_generation_prompt=True)
    if rendered.count(SENTINEL) != 1:
        raise AlignscopeError("the chat template does not place the user's text exactly once; run without chat_template")
    prefix, suffix = rendered.split(SENTINEL)
    return prefix, suffix


def render(tokenizer, text: str, frame: tuple[str, str] | None) -> tuple[str, int, int]:
    """Returns (the string to tokenize, start and end character offsets of the text in it).

    With a template `frame`, the text is what the template left between its prefix and suffix
    (templates may trim it).
    """
    if frame is None:
        return text, 0, len(text)
    rendered = tokenizer.apply_chat_template([{"role": "user", "content": text}], tokenize=False,
                                             add_generation_prompt=True)
    prefix, suffix = frame
    if not (rendered.startswith(prefix) and rendered.endswith(suffix)):
        raise AlignscopeError("the chat template renders this text with a different frame than others, so its "
                              "own tokens cannot be located; run without chat_template")
    return rendered, len(prefix), len(rendered) - len(suffix)


def require_fast_tokenizer(tokenizer) -> None:
    """Raises `AlignscopeError` unless the tokenizer gives character offsets (a fast tokenizer)."""
    if not getattr(tokenizer, "is_fast", False):
        raise AlignscopeError("extraction needs a fast (Rust) tokenizer for character offsets; "
                              "this checkpoint's tokenizer is a slow one")


def encode_texts(tokenizer, texts: Sequence[str], max_length: int, chat_template: bool = False,
                 indices: Sequence[int] | None = None) -> list[EncodedText]:
    """Tokenizes texts as model inputs, cutting the text's own tokens (never the template's)
    so that each input has at most `max_length` tokens.

    Args:
      indices: each text's index in the caller's corpus, for error messages (default 0, 1, ...).
    """
    require_fast_tokenizer(tokenizer)
    if not texts:
        return []
    indices = list(range(len(texts))) if indices is None else list(indices)
    frame = template_frame(tokenizer) if chat_template else None
    rendered = [render(tokenizer, text, frame) for text in texts]
    encoded = tokenizer([r for r, _, _ in rendered], add_special_tokens=not chat_template,
                        return_offsets_mapping=True, return_attention_mask=False)
    results = []
    for index, (_, start, end), text, ids, offsets in zip(
            indices, rendered, texts, encoded["input_ids"], encoded["offset_mapping"]):
        offsets = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
        own = np.flatnonzero((offsets[:, 1] > start) & (offsets[:, 0] < end) & (offsets[:, 1] > offsets[:, 0]))
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


# A shorter shared prefix saves too little to be worth a program of its own.
MIN_SHARED_PREFIX = 4


def shared_prefix(sequences: Sequence[np.ndarray], minimum: int = MIN_SHARED_PREFIX) -> np.ndarray:
    """Returns `[P]` int32: the first tokens every sequence begins with (e.g. a chat template's
    system prompt), leaving each at least one token of its own; empty when fewer than `minimum`
    are shared. A causal model computes them alike in every sequence, so they can run once for
    all (`batching.batch_inputs`, `Model.generate`)."""
    if not len(sequences):
        return np.zeros(0, np.int32)
    first = np.asarray(sequences[0], np.int32)
    count = min(len(sequence) for sequence in sequences) - 1
    for sequence in sequences[1:]:
        differs = np.flatnonzero(np.asarray(sequence[:count]) != first[:count])
        count = int(differs[0]) if differs.size else count
    return first[:count] if count >= max(minimum, 1) else np.zeros(0, np.int32)
